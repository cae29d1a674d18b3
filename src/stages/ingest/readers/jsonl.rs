//! JSON Lines: one object a line; keys are the table's column names. A
//! string is taken as it is, any other value as its JSON text.

use std::path::Path;

use super::{nonempty, read_bytes, Fields, Reader, RowSink, Value};
use crate::core::error::{KefuError, Result};
use crate::stages::ingest::decode::decode_owned;
use crate::stages::ingest::schema::InputSchema;

/// The JSON Lines reader.
pub struct Jsonl;

impl Reader for Jsonl {
    fn read<P: RowSink>(
        &self,
        path: &Path,
        schema: &InputSchema,
        new_part: &(dyn Fn() -> P + Sync),
        done: &mut dyn FnMut(P),
    ) -> Result<&'static str> {
        let (text, encoding) = decode_owned(read_bytes(path)?).map_err(|e| KefuError::input(path, None, e))?;
        let mut part = new_part();
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
                    part.row(line, Err(format!("not a JSON object: {e}")), &raw);
                    continue;
                }
            };
            owned.clear();
            owned.extend(schema.names().map(|c| match obj.get(c) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => nonempty(s).map(str::to_owned),
                Some(v) => Some(v.to_string()),
            }));
            let mut fields = Fields::default();
            for (k, v) in owned.iter().enumerate() {
                fields.set(k, v.as_deref().map(Value::Text));
            }
            part.row(line, Ok(&fields), &raw);
        }
        done(part);
        Ok(encoding)
    }
}
