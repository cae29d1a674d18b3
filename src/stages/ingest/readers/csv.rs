//! CSV: the header once, then the body cut into chunks at exact record
//! boundaries and parsed in parallel, a window at a time, handed on in file
//! order. Text encoding is detected from the bytes.

use std::io::Read;
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
        let size = std::fs::metadata(path).map_err(|e| KefuError::io(path, e))?.len();
        if size > STREAM_WINDOW as u64 && plain_utf8(path)? {
            if let Some(enc) = read_streaming(path, schema, (CSV_CHUNK, STREAM_WINDOW), new_part, done)? {
                return Ok(enc);
            }
        }
        read_chunked(path, read_bytes(path)?, schema, CSV_CHUNK, new_part, done)
    }
}

/// A file larger than this is read a window at a time when it is plain
/// UTF-8 (the common export), so memory holds a window, not the file.
const STREAM_WINDOW: usize = 64 << 20;

/// Whether the file is UTF-8 without a BOM, checked a block at a time (the
/// other encodings are detected on the whole file: see `decode`).
fn plain_utf8(path: &Path) -> Result<bool> {
    let mut f = std::fs::File::open(path).map_err(|e| KefuError::io(path, e))?;
    let mut buf = vec![0u8; 8 << 20];
    let mut carry = 0usize;
    let mut first = true;
    loop {
        let n = f.read(&mut buf[carry..]).map_err(|e| KefuError::io(path, e))?;
        if n == 0 {
            return Ok(carry == 0);
        }
        let have = carry + n;
        if first && buf[..have].starts_with(b"\xEF\xBB\xBF") {
            return Ok(false);
        }
        first = false;
        match std::str::from_utf8(&buf[..have]) {
            Ok(_) => carry = 0,
            // A character cut by the block's end: carried into the next block.
            Err(e) if e.error_len().is_none() => {
                let ok = e.valid_up_to();
                buf.copy_within(ok..have, 0);
                carry = have - ok;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// Reads `buf` full to `want` bytes, or to the file's end; returns whether it ended.
fn fill(f: &mut std::fs::File, path: &Path, buf: &mut Vec<u8>, want: usize) -> Result<bool> {
    while buf.len() < want {
        let room = want - buf.len();
        let n = f
            .by_ref()
            .take(room as u64)
            .read_to_end(buf)
            .map_err(|e| KefuError::io(path, e))?;
        if n == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A plain UTF-8 file a window at a time: each window's complete chunks
/// (cut at record boundaries, as the whole file would be) are parsed and
/// handed on, the rest carried into the next window. `None` when the header
/// does not end inside the first window (then the file is read whole).
fn read_streaming<P: RowSink>(
    path: &Path,
    schema: &InputSchema,
    (chunk, window): (usize, usize),
    new_part: &(dyn Fn() -> P + Sync),
    done: &mut dyn FnMut(P),
) -> Result<Option<&'static str>> {
    let mut f = std::fs::File::open(path).map_err(|e| KefuError::io(path, e))?;
    let mut buf = Vec::with_capacity(window + chunk);
    let mut eof = fill(&mut f, path, &mut buf, window)?;
    let Some(h) = read_header(path, &buf, schema, eof)? else {
        return Ok(None);
    };
    let mut from = h.body;
    let mut lines_before = 0u64;
    loop {
        let starts = chunk_starts(&buf, from, chunk);
        // The last chunk may be cut short by the window: it waits for the next.
        let complete = if eof { starts.len() } else { starts.len() - 1 };
        let consumed = if eof { buf.len() } else { starts[complete] };
        let cs = chunks_at(&buf, &starts[..complete], consumed, lines_before);
        parse_windows(&buf, &cs, &h, new_part, done);
        if eof {
            return Ok(Some("utf-8"));
        }
        lines_before += memchr::memchr_iter(b'\n', &buf[..consumed]).count() as u64;
        buf.drain(..consumed);
        from = 0;
        // A record longer than a window grows the buffer until it ends.
        let want = if complete == 0 { buf.len() + window } else { window };
        eof = fill(&mut f, path, &mut buf, want)?;
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
    chunks_at(text, &chunk_starts(text, body, chunk), text.len(), 0)
}

/// Chunks starting at `starts`, the last one ending at `end`; `text` starts
/// after `lines_before` lines of the file.
fn chunks_at(text: &[u8], starts: &[usize], end: usize, lines_before: u64) -> Vec<Chunk> {
    let mut out = Vec::with_capacity(starts.len());
    let mut counted = (0usize, lines_before);
    for (k, &s) in starts.iter().enumerate() {
        counted.1 += memchr::memchr_iter(b'\n', &text[counted.0..s]).count() as u64;
        counted.0 = s;
        out.push(Chunk {
            start: s,
            end: starts.get(k + 1).copied().unwrap_or(end),
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
    // A whole file's header is never cut short: `None` cannot come back.
    let Some(h) = read_header(path, text.as_bytes(), schema, true)? else {
        return Err(KefuError::input(path, Some(1), "unreadable header"));
    };
    let chunks = chunks(text.as_bytes(), h.body, chunk);
    parse_windows(text.as_bytes(), &chunks, &h, new_part, done);
    Ok(encoding)
}

/// A file's header: its width, the schema's columns in it, and where the body starts.
struct Header {
    width: usize,
    map: Vec<Option<usize>>,
    body: usize,
}

/// Reads and checks the header at the start of `text`; `None` when `text`
/// is not `whole` and the header may go on past its end.
fn read_header(path: &Path, text: &[u8], schema: &InputSchema, whole: bool) -> Result<Option<Header>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text);
    let record = rdr
        .headers()
        .map_err(|e| KefuError::input(path, Some(1), format!("unreadable header: {e}")))?
        .clone();
    let body = rdr.position().byte() as usize;
    if body >= text.len() && !whole {
        return Ok(None);
    }
    check_width(path, record.len())?;
    let header: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
    let map = column_map(path, &header, schema)?;
    Ok(Some(Header {
        width: header.len(),
        map,
        body: body.min(text.len()),
    }))
}

/// Parses chunks in parallel, a window at a time, handing the parts on in file order.
fn parse_windows<P: RowSink>(
    text: &[u8],
    chunks: &[Chunk],
    h: &Header,
    new_part: &(dyn Fn() -> P + Sync),
    done: &mut dyn FnMut(P),
) {
    for window in chunks.chunks(CSV_CHUNKS_PER_WINDOW) {
        let parts: Vec<P> = window
            .par_iter()
            .map(|c| {
                let mut part = new_part();
                parse_chunk(text, *c, h.width, &h.map, &mut part);
                part
            })
            .collect();
        parts.into_iter().for_each(&mut *done);
    }
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

    /// Quoted line breaks, CRLF and LF, doubled quotes, a bare quote, an
    /// empty line, a short row and no final line break.
    const TRICKY: &str = "shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type,session_id\r\n\
                          s,b1,,buyer,2026-11-16 10:00:00,\"多行\r\n内容, 带逗号\",,\r\n\
                          s,b1,s:a,agent,2026-11-16 10:00:05,\"他说\"\"好\"\"\n然后\",,\r\n\
                          s,b2,,buyer,2026-11-16 10:00:06,5\"屏幕 约 5\" 寸,,\n\
                          \n\
                          s,b2,,buyer,2026-11-16 10:00:07,\"\",,x\n\
                          s,b3,,buyer,2026-11-16 10:00:08,too,few\r\n\
                          s,b3,,buyer,2026-11-16 10:00:09,last,,";

    fn streamed(text: &str, chunk: usize, window: usize) -> Option<Vec<Row>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut out = Vec::new();
        let enc = read_streaming(&path, &MESSAGES, (chunk, window), &Rows::default, &mut |p: Rows| {
            out.extend(p.0)
        })
        .unwrap()?;
        assert_eq!(enc, "utf-8");
        Some(out)
    }

    /// Read a window at a time, with any window and chunk, a file gives the
    /// records and lines it gives read whole; a header longer than the
    /// first window is left to the whole-file reader.
    #[test]
    fn windows_parse_like_the_whole_file() {
        let text = TRICKY;
        let whole = rows(text, usize::MAX);
        assert!(streamed(text, 8, 40).is_none());
        for window in [72, 73, 80, 100, 157, text.len(), text.len() + 9] {
            for chunk in [1, 7, 50, 4096] {
                assert_eq!(
                    streamed(text, chunk, window).unwrap(),
                    whole,
                    "window {window}, chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn plain_utf8_is_checked_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        // The first 8 MiB block ends inside 旗, which starts at byte 2^23 - 1.
        let mut big = "a,b\n".repeat((2 << 20) - 1).into_bytes();
        big.extend_from_slice("ab\n旗舰店,小王\n".as_bytes());
        assert_eq!(big.len(), (8 << 20) - 1 + 17);
        std::fs::write(&p, &big).unwrap();
        assert!(plain_utf8(&p).unwrap());
        let (gbk, _, _) = encoding_rs::GBK.encode("旗舰店,小王\n");
        big.extend_from_slice(&gbk);
        std::fs::write(&p, &big).unwrap();
        assert!(!plain_utf8(&p).unwrap());
        std::fs::write(&p, b"\xEF\xBB\xBFa,b\n").unwrap();
        assert!(!plain_utf8(&p).unwrap());
    }

    /// Cut anywhere, the chunks give the records and line numbers the whole file gives.
    #[test]
    fn chunks_parse_like_the_whole_file() {
        let text = TRICKY;
        let whole = rows(text, usize::MAX);
        assert_eq!(whole.len(), 6);
        assert_eq!(whole.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 4, 6, 8, 9, 10]);
        for chunk in 1..text.len() + 2 {
            assert_eq!(rows(text, chunk), whole, "chunk of {chunk} bytes");
        }
    }
}
