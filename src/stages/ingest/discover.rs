//! Finding the input files: each path is a file or a folder (read
//! recursively, hidden files skipped), the format chosen by extension, the
//! list sorted so that runs are reproducible.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::core::error::{KefuError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Jsonl,
    Parquet,
    /// A 千牛 `.txt` chat export (messages only).
    Transcript,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "parquet" => Some(Format::Parquet),
            "txt" => Some(Format::Transcript),
            _ => None,
        }
    }
}

/// The supported files under each path. A path that does not exist is a usage error.
pub fn discover(paths: &[PathBuf], allow_transcripts: bool) -> Result<Vec<(PathBuf, Format)>> {
    let usable = |f: &Format| allow_transcripts || *f != Format::Transcript;
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            let f = Format::of(p)
                .filter(usable)
                .ok_or_else(|| KefuError::usage(p.display().to_string(), "unsupported file type"))?;
            out.push((p.clone(), f));
        } else if p.is_dir() {
            let mut found = Vec::new();
            let mut seen = HashSet::new();
            walk(p, &mut found, &mut seen).map_err(|e| KefuError::io(p, e))?;
            found.sort();
            for f in found {
                if let Some(fmt) = Format::of(&f).filter(usable) {
                    out.push((f, fmt));
                }
            }
        } else if p.exists() {
            return Err(KefuError::usage(
                p.display().to_string(),
                "is not a regular file or folder (a pipe, socket or device)",
            ));
        } else {
            return Err(KefuError::usage(p.display().to_string(), "no such file or folder"));
        }
    }
    out.dedup();
    Ok(out)
}

/// Regular files under `dir`, links followed (a link to a folder named
/// `x.csv` is a folder), each folder once (`seen` stops link loops). A pipe,
/// socket or device is no data file: reading a FIFO would hang the run, so
/// it is skipped with a warning.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut HashSet<PathBuf>) -> std::io::Result<()> {
    if !seen.insert(dir.canonicalize()?) {
        return Ok(());
    }
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&p) else {
            tracing::warn!(path = %p.display(), "skipped: a link to nothing");
            continue;
        };
        if meta.is_dir() {
            walk(&p, out, seen)?;
        } else if meta.is_file() {
            out.push(p);
        } else if Format::of(&p).is_some() {
            tracing::warn!(path = %p.display(), "skipped: not a regular file (a pipe, socket or device)");
        }
    }
    Ok(())
}
