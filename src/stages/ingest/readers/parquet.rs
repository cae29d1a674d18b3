//! Parquet: columns matched by name like CSV headers. Datetime columns are
//! handed over as instants (with a zone) or wall-clock times (without one);
//! every other column as text, so that all formats go through the same
//! validation.

use std::path::Path;

use polars::prelude::*;

use super::{column_map, nonempty, Fields, Reader, RowSink, Value};
use crate::core::error::{KefuError, Result};
use crate::core::time::fmt_local;
use crate::stages::ingest::schema::InputSchema;

/// The Parquet reader.
pub struct Parquet;

/// One input column as the reader holds it.
enum Data {
    Text(Vec<Option<String>>),
    Instant(Vec<Option<i64>>),
    Wall(Vec<Option<i64>>),
}

impl Data {
    fn len(&self) -> usize {
        match self {
            Data::Text(v) => v.len(),
            Data::Instant(v) | Data::Wall(v) => v.len(),
        }
    }
    fn get(&self, r: usize) -> Option<Value<'_>> {
        match self {
            Data::Text(v) => v[r].as_deref().map(Value::Text),
            Data::Instant(v) => v[r].map(Value::Instant),
            Data::Wall(v) => v[r].map(Value::Wall),
        }
    }
}

impl Reader for Parquet {
    fn read<P: RowSink>(
        &self,
        path: &Path,
        schema: &InputSchema,
        new_part: &(dyn Fn() -> P + Sync),
        done: &mut dyn FnMut(P),
    ) -> Result<&'static str> {
        let file = std::fs::File::open(path).map_err(|e| KefuError::io(path, e))?;
        let df = ParquetReader::new(file)
            .finish()
            .map_err(|e| KefuError::input(path, None, format!("unreadable Parquet: {e}")))?;
        let header: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
        let map = column_map(path, &header, schema)?;
        let mut cols: Vec<Option<Data>> = Vec::with_capacity(map.len());
        for m in &map {
            cols.push(match m {
                None => None,
                Some(i) => Some(column_data(&df.columns()[*i]).map_err(|e| KefuError::input(path, None, e))?),
            });
        }
        drop(df);
        let mut part = new_part();
        for r in 0..cols.iter().flatten().map(Data::len).next().unwrap_or(0) {
            let mut fields = Fields::default();
            for (k, c) in cols.iter().enumerate() {
                fields.set(k, c.as_ref().and_then(|c| c.get(r)));
            }
            let raw = || {
                cols.iter()
                    .map(|c| match c.as_ref().and_then(|c| c.get(r)) {
                        Some(Value::Text(t)) => t.to_owned(),
                        Some(Value::Wall(ms)) => fmt_local(ms),
                        Some(Value::Instant(ms)) => format!("{}Z", fmt_local(ms).replacen(' ', "T", 1)),
                        _ => String::new(),
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            };
            part.row(r as u64 + 1, Ok(&fields), &raw);
        }
        done(part);
        Ok("parquet")
    }
}

fn column_data(col: &Column) -> std::result::Result<Data, String> {
    let s = col.as_materialized_series();
    let name = s.name().to_string();
    if let DataType::Datetime(tu, tz) = s.dtype() {
        let per_ms = match tu {
            TimeUnit::Milliseconds => 1,
            TimeUnit::Microseconds => 1_000,
            TimeUnit::Nanoseconds => 1_000_000,
        };
        let phys = s.to_physical_repr();
        let ms: Vec<Option<i64>> = phys
            .i64()
            .map_err(|e| format!("column {name}: {e}"))?
            .iter()
            .map(|v| v.map(|v| v.div_euclid(per_ms)))
            .collect();
        return Ok(if tz.is_some() {
            Data::Instant(ms)
        } else {
            Data::Wall(ms)
        });
    }
    let cast = s
        .cast(&DataType::String)
        .map_err(|e| format!("column {name} cannot be read as text: {e}"))?;
    let ca = cast.str().map_err(|e| format!("column {name}: {e}"))?;
    Ok(Data::Text(
        ca.iter().map(|v| v.and_then(nonempty).map(str::to_owned)).collect(),
    ))
}
