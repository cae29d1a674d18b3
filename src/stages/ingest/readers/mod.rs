//! Readers turn one input file into rows of a table's columns. They know
//! formats, not meanings: validation happens in `ingest::validate`. Every
//! format is one [`Reader`]: rows stream out in file order, a part at a time,
//! and no file's rows are held as text.

mod csv;
mod jsonl;
mod parquet;
mod transcript;

use std::path::Path;

pub use self::csv::Csv;
pub use self::jsonl::Jsonl;
pub use self::parquet::Parquet;
pub use self::transcript::Transcript;

use super::schema::{InputSchema, MAX_COLUMNS};
use crate::core::error::{KefuError, Result};
use crate::core::model::{MsgType, Sender};

/// One field as the reader found it. Formats that carry types hand them over
/// typed, so a Parquet datetime or a transcript's sender is never written out
/// as text to be parsed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Text(&'a str),
    /// An instant, milliseconds since the epoch (a datetime with a zone).
    Instant(i64),
    /// Local wall-clock milliseconds (a datetime without a zone).
    Wall(i64),
    Sender(Sender),
    MsgType(MsgType),
}

/// A row's fields in its table's column order; an absent or empty field is `None`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fields<'a> {
    vals: [Option<Value<'a>>; MAX_COLUMNS],
}

impl<'a> Fields<'a> {
    pub fn get(&self, c: impl Into<usize>) -> Option<Value<'a>> {
        self.vals[c.into()]
    }
    pub fn set(&mut self, c: impl Into<usize>, v: Option<Value<'a>>) {
        self.vals[c.into()] = v;
    }
}

/// Where a reader's rows go: in file order, each with its line, its fields
/// (or why it could not be split into fields), and a way to get its text for
/// `rejects` (only called for rejects).
pub trait RowSink: Send {
    fn row(&mut self, line: u64, fields: std::result::Result<&Fields, String>, raw: &dyn Fn() -> String);
}

/// An input format. `read` hands every row of `path` to parts made by
/// `new_part` and each finished part to `done`, in file order; a reader that
/// parses chunks of a file in parallel makes a part per chunk, the others one
/// part. Results therefore never depend on the thread count. Returns the
/// text encoding it detected.
pub trait Reader: Sync {
    fn read<P: RowSink>(
        &self,
        path: &Path,
        schema: &InputSchema,
        new_part: &(dyn Fn() -> P + Sync),
        done: &mut dyn FnMut(P),
    ) -> Result<&'static str>;
}

/// The most columns a header may have. The widest table kefu reads has a
/// dozen; a header of millions is no export (a binary file, a run-on line)
/// and would cost gigabytes and a megabyte-long error.
pub const MAX_HEADER_COLUMNS: usize = 1024;

/// Fails on a header wider than [`MAX_HEADER_COLUMNS`].
pub fn check_width(path: &Path, columns: usize) -> Result<()> {
    if columns > MAX_HEADER_COLUMNS {
        return Err(KefuError::input(
            path,
            Some(1),
            format!("header has {columns} columns; kefu reads at most {MAX_HEADER_COLUMNS} (is this a CSV export?)"),
        ));
    }
    Ok(())
}

/// A header quoted in an error: its first columns, each cut short.
fn quote_header(header: &[String]) -> String {
    let mut shown: Vec<String> = header.iter().take(20).map(|h| h.chars().take(40).collect()).collect();
    if header.len() > 20 {
        shown.push(format!("… {} more", header.len() - 20));
    }
    shown.join(", ")
}

/// Maps a file's header to the schema's columns; fails when a required column is missing.
pub fn column_map(path: &Path, header: &[String], schema: &InputSchema) -> Result<Vec<Option<usize>>> {
    let map: Vec<Option<usize>> = schema
        .names()
        .map(|c| header.iter().position(|h| h.trim().eq_ignore_ascii_case(c)))
        .collect();
    let missing: Vec<&str> = schema
        .names()
        .zip(&map)
        .filter(|(c, m)| m.is_none() && schema.is_required(c))
        .map(|(c, _)| c)
        .collect();
    if !missing.is_empty() {
        return Err(KefuError::input(
            path,
            Some(1),
            format!(
                "missing required column(s) {} for {} (header has: {})",
                missing.join(", "),
                schema.name,
                quote_header(header)
            ),
        ));
    }
    Ok(map)
}

/// `None` for an empty field.
pub fn nonempty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Reads a whole file, naming it in the error.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| KefuError::io(path, e))
}
