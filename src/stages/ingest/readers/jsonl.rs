//! JSON Lines: one object a line; keys are the table's column names, in any
//! case (as CSV headers). A string is taken as it is, a number as its JSON
//! text when that is exact; an object, an array, a boolean or a number past
//! 2^53 (which JSON readers round) is a bad row, never a value read wrong.

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
            match values(&obj, schema, &mut owned) {
                Ok(()) => {}
                Err(why) => {
                    part.row(line, Err(why), &raw);
                    continue;
                }
            }
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

/// The schema's columns of one object into `owned`, keys matched without case.
fn values(
    obj: &serde_json::Map<String, serde_json::Value>,
    schema: &InputSchema,
    owned: &mut Vec<Option<String>>,
) -> std::result::Result<(), String> {
    use serde_json::Value as J;
    owned.clear();
    for c in schema.names() {
        let mut found = obj.iter().filter(|(k, _)| k.trim().eq_ignore_ascii_case(c));
        let v = match (found.next(), found.next()) {
            (Some((a, _)), Some((b, _))) => return Err(format!("keys {a:?} and {b:?} both name column {c}")),
            (None, _) => None,
            (Some((_, v)), None) => Some(v),
        };
        owned.push(match v {
            None | Some(J::Null) => None,
            Some(J::String(s)) => nonempty(s).map(str::to_owned),
            Some(J::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            Some(J::Number(n)) if n.as_f64().is_some_and(|f| f.abs() < 9_007_199_254_740_992.0) => Some(n.to_string()),
            Some(J::Number(n)) => {
                return Err(format!(
                    "{c} {n} is too long a number to read exactly; write it as a string"
                ))
            }
            Some(J::Object(_)) => return Err(format!("{c} holds a JSON object, not a value")),
            Some(J::Array(_)) => return Err(format!("{c} holds a JSON array, not a value")),
            Some(J::Bool(b)) => return Err(format!("{c} holds {b}, not a value")),
        });
    }
    Ok(())
}
