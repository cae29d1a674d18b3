//! CSV: the header once, then the body cut into chunks at exact record
//! boundaries and parsed in parallel, a window at a time, handed on in file
//! order. Text encoding is detected from the bytes.

use std::path::Path;

use rayon::prelude::*;

use super::{check_width, column_map, nonempty, read_bytes, Fields, Reader, RowSink, Value};
use crate::core::error::{KefuError, Result};
use crate::stages::ingest::decode::decode_owned;
use crate::stages::ingest::schema::InputSchema;

/// The CSV reader.
pub struct Csv;

impl Reader for Csv {
    fn read<P: RowSink>(
        &self,
        path: &Path,
        schema: &InputSchema,
        new_part: &(dyn Fn() -> P + Sync),
        done: &mut dyn FnMut(P),
    ) -> Result<&'static str> {
        read_chunked(path, read_bytes(path)?, schema, CSV_CHUNK, new_part, done)
    }
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

/// A chunk of the body: byte range and the newlines before it.
#[derive(Clone, Copy)]
struct Chunk {
    start: usize,
    end: usize,
    lines_before: u64,
}

/// The body's chunks, each starting at a record boundary, with the lines
/// before each (line numbers count from the file's start).
fn chunks(text: &[u8], body: usize, chunk: usize) -> Vec<Chunk> {
    let starts = chunk_starts(text, body, chunk);
    let mut out = Vec::with_capacity(starts.len());
    let mut counted = (0usize, 0u64);
    for (k, &s) in starts.iter().enumerate() {
        counted.1 += memchr::memchr_iter(b'\n', &text[counted.0..s]).count() as u64;
        counted.0 = s;
        out.push(Chunk {
            start: s,
            end: starts.get(k + 1).copied().unwrap_or(text.len()),
            lines_before: counted.1,
        });
    }
    out
}

fn read_chunked<P: RowSink>(
    path: &Path,
    bytes: Vec<u8>,
    schema: &InputSchema,
    chunk: usize,
    new_part: &(dyn Fn() -> P + Sync),
    done: &mut dyn FnMut(P),
) -> Result<&'static str> {
    let (text, encoding) = decode_owned(bytes).map_err(|e| KefuError::input(path, None, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let record = rdr
        .headers()
        .map_err(|e| KefuError::input(path, Some(1), format!("unreadable header: {e}")))?;
    check_width(path, record.len())?;
    let header: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
    let map = column_map(path, &header, schema)?;
    let body = (rdr.position().byte() as usize).min(text.len());
    let chunks = chunks(text.as_bytes(), body, chunk);
    let parse = |c: &Chunk| {
        let mut part = new_part();
        parse_chunk(text.as_bytes(), *c, header.len(), &map, &mut part);
        part
    };
    for window in chunks.chunks(CSV_CHUNKS_PER_WINDOW) {
        let parts: Vec<P> = window.par_iter().map(parse).collect();
        parts.into_iter().for_each(&mut *done);
    }
    Ok(encoding)
}

/// Parses one chunk's records into `part`.
fn parse_chunk(text: &[u8], c: Chunk, width: usize, map: &[Option<usize>], part: &mut impl RowSink) {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(&text[c.start..c.end]);
    let mut lines = LineCounter {
        text,
        scanned: c.start,
        newlines: c.lines_before,
    };
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec
                    .position()
                    .map(|p| lines.line_at(c.start as u64 + p.byte()))
                    .unwrap_or(0);
                let raw = || rec.iter().collect::<Vec<_>>().join(",");
                if rec.len() != width {
                    let why = format!("expected {width} fields, found {}", rec.len());
                    part.row(line, Err(why), &raw);
                    continue;
                }
                let mut fields = Fields::default();
                for (i, m) in map.iter().enumerate() {
                    fields.set(i, m.and_then(|k| nonempty(&rec[k])).map(Value::Text));
                }
                part.row(line, Ok(&fields), &raw);
            }
            Err(e) => {
                let line = e
                    .position()
                    .map(|p| lines.line_at(c.start as u64 + p.byte()))
                    .unwrap_or(0);
                part.row(line, Err(format!("unreadable CSV record: {e}")), &String::new);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::ingest::schema::MESSAGES;

    type Row = (u64, std::result::Result<Vec<Option<String>>, String>);

    #[derive(Default)]
    struct Rows(Vec<Row>);

    impl RowSink for Rows {
        fn row(&mut self, line: u64, f: std::result::Result<&Fields, String>, _: &dyn Fn() -> String) {
            let text = |f: &Fields| {
                (0..MESSAGES.columns.len())
                    .map(|i| match f.get(i) {
                        Some(Value::Text(t)) => Some(t.to_owned()),
                        _ => None,
                    })
                    .collect()
            };
            self.0.push((line, f.map(text)));
        }
    }

    fn rows(text: &str, chunk: usize) -> Vec<Row> {
        let mut out = Vec::new();
        read_chunked(
            Path::new("t.csv"),
            text.as_bytes().to_vec(),
            &MESSAGES,
            chunk,
            &Rows::default,
            &mut |p: Rows| out.extend(p.0),
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
