//! Readers turn one input file into raw rows in a table's column order.
//! They know formats, not meanings: validation happens in `staging`.

use std::path::Path;

use polars::prelude::*;

use super::{decode::decode_owned, Format, RawRow, TableSchema};
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

fn nonempty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

pub fn read_csv(path: &Path, bytes: Vec<u8>, schema: &TableSchema) -> Result<(Vec<RawRow>, &'static str)> {
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
    // Line numbers from byte offsets: a quoted field may span lines.
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect();
    // With CRLF the reader stops at `\r`, so a record may start on the `\n` before it: count that one too.
    let line_at = |byte: u64| newlines.partition_point(|&n| (n as u64) <= byte) as u64 + 1;
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map(|p| line_at(p.byte())).unwrap_or(0);
                let raw = rec.iter().collect::<Vec<_>>().join(",");
                if rec.len() != header.len() {
                    rows.push(RawRow::bad(
                        line,
                        format!("expected {} fields, found {}", header.len(), rec.len()),
                        raw,
                    ));
                    continue;
                }
                let fields = map.iter().map(|m| m.and_then(|i| nonempty(&rec[i]))).collect();
                rows.push(RawRow::ok(line, fields, raw));
            }
            Err(e) => {
                let line = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
                rows.push(RawRow::bad(line, format!("unreadable CSV record: {e}"), String::new()));
            }
        }
    }
    Ok((rows, encoding))
}

pub fn read_jsonl(path: &Path, bytes: Vec<u8>, schema: &TableSchema) -> Result<(Vec<RawRow>, &'static str)> {
    let (text, encoding) = decode_owned(bytes).map_err(|e| KefuError::input(path, e))?;
    let mut rows = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(l) {
            Ok(o) => o,
            Err(e) => {
                rows.push(RawRow::bad(line, format!("not a JSON object: {e}"), l.to_owned()));
                continue;
            }
        };
        let fields = schema
            .columns
            .iter()
            .map(|c| match obj.get(*c) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => nonempty(s),
                Some(v) => Some(v.to_string()),
            })
            .collect();
        rows.push(RawRow::ok(line, fields, l.to_owned()));
    }
    Ok((rows, encoding))
}

/// Parquet columns are read as text so that every format goes through the same
/// validation. Datetime columns with a zone become RFC 3339 in UTC; naive ones
/// are read as local wall-clock time, as naive CSV times are.
pub fn read_parquet(path: &Path, schema: &TableSchema) -> Result<(Vec<RawRow>, &'static str)> {
    let file = std::fs::File::open(path).map_err(|e| KefuError::io(path, e))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| KefuError::input(path, format!("unreadable Parquet: {e}")))?;
    let header: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let map = column_map(path, &header, schema)?;
    let n = df.height();
    let mut cols: Vec<Option<Vec<Option<String>>>> = Vec::with_capacity(map.len());
    for m in &map {
        cols.push(match m {
            None => None,
            Some(i) => Some(column_as_text(&df.columns()[*i]).map_err(|e| KefuError::input(path, e))?),
        });
    }
    let mut rows = Vec::with_capacity(n);
    for r in 0..n {
        let fields: Vec<Option<String>> = cols.iter().map(|c| c.as_ref().and_then(|v| v[r].clone())).collect();
        let raw = fields
            .iter()
            .map(|f| f.as_deref().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(",");
        rows.push(RawRow::ok(r as u64 + 1, fields, raw));
    }
    Ok((rows, "parquet"))
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
            Ok(ca.iter().map(|v| v.and_then(nonempty)).collect())
        }
    }
}

pub fn read(path: &Path, format: Format, schema: &TableSchema) -> Result<(Vec<RawRow>, &'static str)> {
    match format {
        Format::Parquet => read_parquet(path, schema),
        _ => {
            let bytes = std::fs::read(path).map_err(|e| KefuError::io(path, e))?;
            match format {
                Format::Csv => read_csv(path, bytes, schema),
                Format::Jsonl => read_jsonl(path, bytes, schema),
                Format::Parquet | Format::Transcript => unreachable!("dispatched by caller"),
            }
        }
    }
}
