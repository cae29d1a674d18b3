//! `kefu bench`: reproducible measurements whose results are committed under
//! `benches/results/`. Speed and memory live here, never in timed tests.

pub mod pipeline;
pub mod segeval;
pub mod segmentation;

use std::path::Path;

use serde::Serialize;

use crate::core::error::{KefuError, Result};

/// Writes a report as pretty JSON, creating the folder.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| KefuError::io(dir, e))?;
    }
    let json = serde_json::to_vec_pretty(value).map_err(|e| KefuError::output(path, e.to_string()))?;
    std::fs::write(path, json).map_err(|e| KefuError::io(path, e))
}
