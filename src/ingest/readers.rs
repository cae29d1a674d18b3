//! Readers turn one input file into raw rows in a table's column order.
//! They know formats, not meanings: validation happens in `ingest`.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::{decode::decode_owned, Format, OnRow, TableSchema, MAX_COLUMNS};
use crate::error::{KefuError, Result};

/// Maps a file's header to the schema's columns; fails when a required column is missing.
fn column_map(path: &Path, header: &[String], schema: &TableSchema) -> Result<Vec<Option<usize>>> {
    let map: Vec<Option<usize>> = schema
        .columns
        .iter()
        .map(|c| header.iter().position(|h| h.trim().eq_ignore_ascii_case(c)))
        .collect();
    let missing: Vec<&str> = schema
        .columns
        .iter()
        .zip(&map)
        .filter(|(c, m)| m.is_none() && schema.required_columns.contains(c))
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(KefuError::input(
            path,
            format!(
                "line 1: missing required column(s) {} for {} (header has: {})",
                missing.join(", "),
                schema.name,
                header.join(", ")
            ),
        ));
    }
    Ok(map)
}

fn nonempty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Counts the lines up to a byte offset for records that arrive in file order,
/// without an index of every newline (a quoted field may span lines, so the
/// reader's own record count is not the line number).
struct LineCounter<'a> {
    text: &'a [u8],
    scanned: usize,
    newlines: u64,
}

impl LineCounter<'_> {
    /// Line (1-based) of the record starting at `byte`. With CRLF the reader
    /// stops at `\r`, so a record may start on the `\n` before it: that one counts.
    fn line_at(&mut self, byte: u64) -> u64 {
        let upto = (byte as usize + 1).min(self.text.len());
        if upto > self.scanned {
            self.newlines += memchr::memchr_iter(b'\n', &self.text[self.scanned..upto]).count() as u64;
            self.scanned = upto;
        }
        self.newlines + 1
    }
}

/// Bytes of CSV parsed as one task: large files are cut into chunks of about
/// this size, each starting at a record boundary, and parsed in parallel.
const CSV_CHUNK: usize = 4 << 20;

/// Chunks parsed before their rows are handed on in file order: bounds what
/// is in flight.
const CSV_CHUNKS_PER_WINDOW: usize = 16;

/// Where the chunks of a CSV body (from byte `from`) start, each at a record
/// boundary by the csv crate's own rules: a quote opens a quoted field only at
/// a field's start, `""` inside one is a quote, and a line break inside one is
/// data. A chunk parsed alone therefore yields exactly the records that the
/// whole file parsed at once would.
fn chunk_starts(text: &[u8], from: usize, chunk: usize) -> Vec<usize> {
    #[derive(Clone, Copy)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut starts = vec![from];
    let mut next = from.saturating_add(chunk);
    if next >= text.len() {
        return starts;
    }
    let cut = |at: usize, starts: &mut Vec<usize>| -> usize {
        // Keep a CRLF whole.
        let at = if text[at - 1] == b'\r' && text.get(at) == Some(&b'\n') {
            at + 1
        } else {
            at
        };
        if at < text.len() {
            starts.push(at);
        }
        at.saturating_add(chunk)
    };
    if memchr::memchr(b'"', &text[from..]).is_none() {
        // Nothing is quoted: every line break ends a record.
        while next < text.len() {
            let Some(k) = memchr::memchr(b'\n', &text[next..]) else {
                break;
            };
            next = cut(next + k + 1, &mut starts);
        }
        return starts;
    }
    let mut state = S::FieldStart;
    let mut i = from;
    while i < text.len() {
        let b = text[i];
        let ends_record = matches!(b, b'\n' | b'\r');
        state = match (state, b) {
            (S::Quoted, b'"') => S::QuoteInQuoted,
            (S::Quoted, _) => S::Quoted,
            (S::FieldStart, b'"') | (S::QuoteInQuoted, b'"') => S::Quoted,
            (_, b',') => S::FieldStart,
            (_, b'\n' | b'\r') => S::FieldStart,
            _ => S::Unquoted,
        };
        if ends_record && matches!(state, S::FieldStart) && i + 1 >= next {
            next = cut(i + 1, &mut starts);
            if next >= text.len() {
                break;
            }
        }
        i += 1;
    }
    starts.dedup();
    starts
}

/// Reads a CSV: the header once, then the body in chunks parsed in parallel,
/// a window at a time. Each chunk's rows go to `on_row` with a fresh `new_part()`
/// and each finished part to `done`, in file order, so results do not depend on
/// the thread count.
pub fn read_csv<P: Send>(
    path: &Path,
    bytes: Vec<u8>,
    schema: &TableSchema,
    new_part: impl Fn() -> P + Sync,
    on_row: impl Fn(&mut P, u64, std::result::Result<&[Option<&str>], String>, &dyn Fn() -> String) + Sync,
    done: impl FnMut(P),
) -> Result<&'static str> {
    read_csv_chunked(path, bytes, schema, CSV_CHUNK, new_part, on_row, done)
}

fn read_csv_chunked<P: Send>(
    path: &Path,
    bytes: Vec<u8>,
    schema: &TableSchema,
    chunk: usize,
    new_part: impl Fn() -> P + Sync,
    on_row: impl Fn(&mut P, u64, std::result::Result<&[Option<&str>], String>, &dyn Fn() -> String) + Sync,
    mut done: impl FnMut(P),
) -> Result<&'static str> {
    let (text, encoding) = decode_owned(bytes).map_err(|e| KefuError::input(path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| KefuError::input(path, format!("line 1: unreadable header: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let map = column_map(path, &header, schema)?;
    let body = (rdr.position().byte() as usize).min(text.len());
    let starts = chunk_starts(text.as_bytes(), body, chunk);
    // Lines before each chunk, for line numbers counted from the file's start.
    let mut lines_before = Vec::with_capacity(starts.len());
    let mut counted = (0usize, 0u64);
    for &s in &starts {
        counted.1 += memchr::memchr_iter(b'\n', &text.as_bytes()[counted.0..s]).count() as u64;
        counted.0 = s;
        lines_before.push(counted.1);
    }
    let chunks: Vec<(usize, usize, u64)> = (0..starts.len())
        .map(|k| {
            (
                starts[k],
                starts.get(k + 1).copied().unwrap_or(text.len()),
                lines_before[k],
            )
        })
        .collect();
    let parse_chunk = |&(start, end, before): &(usize, usize, u64)| -> P {
        let mut part = new_part();
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(&text.as_bytes()[start..end]);
        let mut lines = LineCounter {
            text: text.as_bytes(),
            scanned: start,
            newlines: before,
        };
        let mut rec = csv::StringRecord::new();
        loop {
            match rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    let line = rec
                        .position()
                        .map(|p| lines.line_at(start as u64 + p.byte()))
                        .unwrap_or(0);
                    let raw = || rec.iter().collect::<Vec<_>>().join(",");
                    if rec.len() != header.len() {
                        let why = format!("expected {} fields, found {}", header.len(), rec.len());
                        on_row(&mut part, line, Err(why), &raw);
                        continue;
                    }
                    let mut fields: [Option<&str>; MAX_COLUMNS] = [None; MAX_COLUMNS];
                    for (f, m) in fields.iter_mut().zip(&map) {
                        *f = m.and_then(|i| nonempty(&rec[i]));
                    }
                    on_row(&mut part, line, Ok(&fields[..map.len()]), &raw);
                }
                Err(e) => {
                    let line = e
                        .position()
                        .map(|p| lines.line_at(start as u64 + p.byte()))
                        .unwrap_or(0);
                    on_row(
                        &mut part,
                        line,
                        Err(format!("unreadable CSV record: {e}")),
                        &String::new,
                    );
                }
            }
        }
        part
    };
    for window in chunks.chunks(CSV_CHUNKS_PER_WINDOW) {
        let parts: Vec<P> = window.par_iter().map(parse_chunk).collect();
        parts.into_iter().for_each(&mut done);
    }
    Ok(encoding)
}

pub fn read_jsonl(path: &Path, bytes: Vec<u8>, schema: &TableSchema, on_row: &mut OnRow) -> Result<&'static str> {
    let (text, encoding) = decode_owned(bytes).map_err(|e| KefuError::input(path, e))?;
    let mut owned: Vec<Option<String>> = Vec::with_capacity(schema.columns.len());
    for (i, l) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        let raw = || l.to_owned();
        let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(l) {
            Ok(o) => o,
            Err(e) => {
                on_row(line, Err(format!("not a JSON object: {e}")), &raw);
                continue;
            }
        };
        owned.clear();
        owned.extend(schema.columns.iter().map(|c| match obj.get(*c) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => nonempty(s).map(str::to_owned),
            Some(v) => Some(v.to_string()),
        }));
        let fields: Vec<Option<&str>> = owned.iter().map(|f| f.as_deref()).collect();
        on_row(line, Ok(&fields), &raw);
    }
    Ok(encoding)
}

/// Parquet columns are read as text so that every format goes through the same
/// validation. Datetime columns with a zone become RFC 3339 in UTC; naive ones
/// are read as local wall-clock time, as naive CSV times are.
pub fn read_parquet(path: &Path, schema: &TableSchema, on_row: &mut OnRow) -> Result<&'static str> {
    let file = std::fs::File::open(path).map_err(|e| KefuError::io(path, e))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| KefuError::input(path, format!("unreadable Parquet: {e}")))?;
    let header: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let map = column_map(path, &header, schema)?;
    let mut cols: Vec<Option<Vec<Option<String>>>> = Vec::with_capacity(map.len());
    for m in &map {
        cols.push(match m {
            None => None,
            Some(i) => Some(column_as_text(&df.columns()[*i]).map_err(|e| KefuError::input(path, e))?),
        });
    }
    drop(df);
    let mut fields: [Option<&str>; MAX_COLUMNS] = [None; MAX_COLUMNS];
    for r in 0..cols.iter().flatten().map(Vec::len).next().unwrap_or(0) {
        for (f, c) in fields.iter_mut().zip(&cols) {
            *f = c.as_ref().and_then(|v| v[r].as_deref());
        }
        let fields = &fields[..map.len()];
        let raw = || fields.iter().map(|f| f.unwrap_or("")).collect::<Vec<_>>().join(",");
        on_row(r as u64 + 1, Ok(fields), &raw);
    }
    Ok("parquet")
}

fn column_as_text(col: &Column) -> std::result::Result<Vec<Option<String>>, String> {
    let s = col.as_materialized_series();
    let name = s.name().to_string();
    match s.dtype() {
        DataType::Datetime(tu, tz) => {
            let per_ms = match tu {
                TimeUnit::Milliseconds => 1,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Nanoseconds => 1_000_000,
            };
            let phys = s.to_physical_repr();
            let ca = phys.i64().map_err(|e| format!("column {name}: {e}"))?;
            let utc = tz.is_some();
            Ok(ca
                .iter()
                .map(|v| {
                    v.map(|v| {
                        let ms = v.div_euclid(per_ms);
                        let t = crate::timeutil::fmt_local(ms);
                        if utc {
                            format!("{}Z", t.replacen(' ', "T", 1))
                        } else {
                            t
                        }
                    })
                })
                .collect())
        }
        _ => {
            let cast = s
                .cast(&DataType::String)
                .map_err(|e| format!("column {name} cannot be read as text: {e}"))?;
            let ca = cast.str().map_err(|e| format!("column {name}: {e}"))?;
            Ok(ca.iter().map(|v| v.and_then(nonempty).map(str::to_owned)).collect())
        }
    }
}

/// Reads a JSON Lines or Parquet file, handing every row to `on_row` as it is
/// parsed: no file's rows are held in memory as text, only the validated rows
/// the caller keeps. (CSV has [`read_csv`], transcripts their own module.)
pub fn read(path: &Path, format: Format, schema: &TableSchema, on_row: &mut OnRow) -> Result<&'static str> {
    match format {
        Format::Parquet => read_parquet(path, schema, on_row),
        Format::Jsonl => {
            let bytes = std::fs::read(path).map_err(|e| KefuError::io(path, e))?;
            read_jsonl(path, bytes, schema, on_row)
        }
        Format::Csv | Format::Transcript => unreachable!("dispatched by caller"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::MESSAGES;

    type Row = (u64, std::result::Result<Vec<Option<String>>, String>);

    fn rows(text: &str, chunk: usize) -> Vec<Row> {
        let mut out = Vec::new();
        read_csv_chunked(
            Path::new("t.csv"),
            text.as_bytes().to_vec(),
            &MESSAGES,
            chunk,
            Vec::new,
            |p: &mut Vec<Row>, line, f, _| p.push((line, f.map(|f| f.iter().map(|x| x.map(str::to_owned)).collect()))),
            |p| out.extend(p),
        )
        .unwrap();
        out
    }

    /// Cut anywhere, the chunks give the records and line numbers the whole file gives.
    #[test]
    fn chunks_parse_like_the_whole_file() {
        let text = "shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type,session_id\r\n\
                    s,b1,,buyer,2026-11-16 10:00:00,\"多行\r\n内容, 带逗号\",,\r\n\
                    s,b1,s:a,agent,2026-11-16 10:00:05,\"他说\"\"好\"\"\n然后\",,\r\n\
                    s,b2,,buyer,2026-11-16 10:00:06,5\"屏幕 约 5\" 寸,,\n\
                    \n\
                    s,b2,,buyer,2026-11-16 10:00:07,\"\",,x\n\
                    s,b3,,buyer,2026-11-16 10:00:08,too,few\r\n\
                    s,b3,,buyer,2026-11-16 10:00:09,last,,";
        let whole = rows(text, usize::MAX);
        assert_eq!(whole.len(), 6);
        assert_eq!(whole.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 4, 6, 8, 9, 10]);
        for chunk in 1..text.len() + 2 {
            assert_eq!(rows(text, chunk), whole, "chunk of {chunk} bytes");
        }
    }
}
