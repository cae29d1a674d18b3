//! `manifest.json`: what a run read, used, rejected and deduplicated (per
//! file and per table: `rows_read = rows_used + rows_rejected +
//! rows_deduplicated`), what it wrote, with which definitions (the job's
//! hash) and how long each stage took.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::core::bucket::Route;
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
    /// The first order's local date over the run's shops: with
    /// `order_history_days`, what lets bucketed runs' histories be combined.
    pub first_order_date: Option<String>,
    /// A partitioned run's bucket (`buckets`, `bucket`); absent without `--buckets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Route>,
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

/// What a shard of a partitioned run prints: its buckets' rows reconciled
/// per input table, and whether the run is complete.
pub fn shard_summary(ms: &[Manifest], out: &Path, done: bool) -> String {
    let mut tables: BTreeMap<&'static str, TableCounts> = BTreeMap::new();
    let mut outputs: BTreeMap<&'static str, u64> = BTreeMap::new();
    for m in ms {
        for (t, c) in &m.tables {
            let s = tables.entry(t).or_default();
            s.rows_read += c.rows_read;
            s.rows_used += c.rows_used;
            s.rows_rejected += c.rows_rejected;
            s.rows_deduplicated += c.rows_deduplicated;
        }
        for (t, n) in &m.outputs {
            *outputs.entry(t).or_default() += n;
        }
    }
    let mut s = format!("{} bucket(s) of this shard\n", ms.len());
    s.push_str(&counts_table(&tables));
    s.push_str("\noutput rows:");
    for (t, n) in &outputs {
        s.push_str(&format!(" {t}={n}"));
    }
    let wall: u64 = ms.iter().map(|m| m.wall_ms).sum();
    s.push_str(&format!("\nwrote {} in {:.1} s\n", out.display(), wall as f64 / 1000.0));
    s.push_str(match done {
        true => "every bucket is written: _SUCCESS.json holds the run's reconciliation\n",
        false => "other buckets are not written yet: no _SUCCESS.json until they are\n",
    });
    s
}

fn counts_table(tables: &BTreeMap<&'static str, TableCounts>) -> String {
    let mut s = String::from("input        read      used  rejected   deduped\n");
    for (t, c) in tables {
        s.push_str(&format!(
            "{t:<9}{:>8}{:>10}{:>10}{:>10}\n",
            c.rows_read, c.rows_used, c.rows_rejected, c.rows_deduplicated
        ));
    }
    s
}

/// The summary `kefu run` prints: rows reconciled per input table and rows per output table.
pub fn summary(m: &Manifest, out: &Path) -> String {
    let mut s = counts_table(&m.tables);
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
