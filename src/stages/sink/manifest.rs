//! `manifest.json`: what a run read, used, rejected and deduplicated (per
//! file and per table: `rows_read = rows_used + rows_rejected +
//! rows_deduplicated`), what it wrote, with which definitions (the job's
//! hash) and how long each stage took.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::stages::ingest::schema::{ALWAYS_ACCOUNTED, INPUTS};
use crate::stages::ingest::InputFile;

#[derive(Debug, Default, Serialize)]
pub struct TableCounts {
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub rows_deduplicated: u64,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub kefu_version: &'static str,
    /// The job file, or none for the built-in job.
    pub config: Option<String>,
    pub config_hash: String,
    pub timezone: &'static str,
    pub inputs: Vec<InputFile>,
    /// Per input table: rows_read = rows_used + rows_rejected + rows_deduplicated.
    pub tables: BTreeMap<&'static str, TableCounts>,
    pub outputs: BTreeMap<&'static str, u64>,
    /// Days of order history in the data before each ISO week's Monday: how
    /// far back 老客 / 新客 and 复购 can see (the `buyers` input reaches further).
    pub order_history_days: BTreeMap<String, i64>,
    pub stage_ms: BTreeMap<String, u64>,
    pub wall_ms: u64,
}

/// The per-file counts added up per input table (the optional tables only
/// when a run reads them).
pub fn table_counts(files: &[InputFile]) -> BTreeMap<&'static str, TableCounts> {
    let mut out = BTreeMap::new();
    // The optional inputs appear once a file of theirs is read.
    let (always, optional) = INPUTS.split_at(ALWAYS_ACCOUNTED);
    let read = optional.iter().filter(|t| files.iter().any(|f| f.table == t.name));
    for t in always.iter().chain(read).map(|t| t.name) {
        let mut c = TableCounts::default();
        for f in files.iter().filter(|f| f.table == t) {
            c.rows_read += f.rows_read;
            c.rows_used += f.rows_used;
            c.rows_rejected += f.rows_rejected;
            c.rows_deduplicated += f.rows_deduplicated;
        }
        out.insert(t, c);
    }
    out
}

/// The summary `kefu run` prints: rows reconciled per input table and rows per output table.
pub fn summary(m: &Manifest, out: &Path) -> String {
    let mut s = String::new();
    s.push_str("input        read      used  rejected   deduped\n");
    for (t, c) in &m.tables {
        s.push_str(&format!(
            "{t:<9}{:>8}{:>10}{:>10}{:>10}\n",
            c.rows_read, c.rows_used, c.rows_rejected, c.rows_deduplicated
        ));
    }
    s.push_str("\noutput rows:");
    for (t, n) in &m.outputs {
        s.push_str(&format!(" {t}={n}"));
    }
    s.push_str(&format!(
        "\nwrote {} in {:.1} s\n",
        out.display(),
        m.wall_ms as f64 / 1000.0
    ));
    s
}
