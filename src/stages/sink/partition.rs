//! The partitioned layout of `kefu run --buckets B`: every table as hive
//! partitions `OUT/<table>/shop_bucket=<b>/part-0.parquet`, a manifest per
//! bucket under `OUT/_manifests/`, and `OUT/_SUCCESS.json` once every
//! bucket's manifest exists. Shards on different machines write disjoint
//! buckets of one folder, so nothing is swapped whole: a bucket's files are
//! each moved into place by one rename (a reader sees the old file or the
//! new one, never half of one), its manifest last. Names starting with `_`
//! are skipped by Spark, DuckDB, pyarrow and polars readers.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::parquet::{check_target, MARKER};
use crate::core::bucket::Shard;
use crate::core::error::{KefuError, Result};
use crate::core::schema;

/// The hive partition column.
pub const PARTITION_COLUMN: &str = "shop_bucket";
pub const MANIFESTS: &str = "_manifests";
pub const SUCCESS: &str = "_SUCCESS.json";
/// Staging folders and locks of buckets being written.
pub const WORK: &str = "_work";
/// The layout every shard of the folder must share.
const LAYOUT: &str = "_layout.json";
/// Test-only fault: abort the process after the first file of this bucket
/// is moved into place, as a SIGKILL would, to prove the layout survives it.
const FAULT_ENV: &str = "KEFU_FAULT_ABORT_IN_BUCKET";

pub fn partition_dir(out: &Path, table: &str, bucket: u32) -> PathBuf {
    out.join(table).join(format!("{PARTITION_COLUMN}={bucket}"))
}

pub fn manifest_path(out: &Path, bucket: u32) -> PathBuf {
    out.join(MANIFESTS).join(format!("bucket={bucket}.json"))
}

/// Before a shard's first bucket: `out` is new, or a kefu output with the
/// same bucket count; the run is no longer complete (`_SUCCESS.json` goes)
/// and the shard's buckets lose their manifests until they are rewritten.
pub fn prepare<'a>(
    out: &Path,
    buckets: u32,
    shard: Shard,
    inputs: impl IntoIterator<Item = &'a PathBuf>,
) -> Result<()> {
    let arg = || format!("--out {}", out.display());
    check_target(out)?;
    if out.join("manifest.json").exists() {
        return Err(KefuError::usage(
            arg(),
            "holds a run without --buckets; write a partitioned run to another folder, or delete this one",
        ));
    }
    let layout = out.join(LAYOUT);
    let want = json!({ "buckets": buckets, PARTITION_COLUMN: "first 60 bits of SHA-256(shop_id) mod buckets" });
    match fs::read_to_string(&layout) {
        Ok(text) => {
            let had = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["buckets"].as_u64());
            if had != Some(u64::from(buckets)) {
                return Err(KefuError::usage(
                    arg(),
                    format!(
                        "holds a run with {} buckets, not {buckets}; every shard of one output uses the same --buckets",
                        had.map_or("unknown".into(), |b| b.to_string())
                    ),
                ));
            }
        }
        Err(_) => {
            fs::create_dir_all(out).map_err(|e| KefuError::io(out, e))?;
            let marker = out.join(MARKER);
            fs::write(&marker, "written by kefu; a later kefu run may replace this folder\n")
                .map_err(|e| KefuError::io(&marker, e))?;
            write_atomic(&layout, &pretty(&want)?)?;
        }
    }
    super::parquet::check_inputs(out, inputs)?;
    remove_if_present(&out.join(SUCCESS))?;
    for b in shard.buckets(buckets) {
        remove_if_present(&manifest_path(out, b))?;
    }
    Ok(())
}

/// Moves a finished bucket's table files into their partitions, then its
/// manifest into `_manifests/`.
pub fn commit(tmp: &Path, out: &Path, bucket: u32) -> Result<()> {
    let fault = std::env::var(FAULT_ENV).ok().and_then(|v| v.parse::<u32>().ok()) == Some(bucket);
    for t in schema::TABLES {
        let from = tmp.join(t.name).join(super::parquet::PART);
        if !from.exists() {
            continue;
        }
        let dir = partition_dir(out, t.name, bucket);
        fs::create_dir_all(&dir).map_err(|e| KefuError::io(&dir, e))?;
        let to = dir.join(super::parquet::PART);
        fs::rename(&from, &to).map_err(|e| KefuError::io(&to, e))?;
        if fault {
            eprintln!("{FAULT_ENV}={bucket}: aborting after {}", to.display());
            std::process::abort();
        }
    }
    let manifest = manifest_path(out, bucket);
    let dir = out.join(MANIFESTS);
    fs::create_dir_all(&dir).map_err(|e| KefuError::io(&dir, e))?;
    fs::rename(tmp.join("manifest.json"), &manifest).map_err(|e| KefuError::io(&manifest, e))?;
    fs::remove_dir_all(tmp).map_err(|e| KefuError::io(tmp, e))
}

/// Writes `_SUCCESS.json` when every bucket of the run has its manifest:
/// the run's reconciliation, the sum of the buckets'. Its bytes depend only
/// on the manifests' counts, so whichever shard writes it writes the same.
pub fn finish(out: &Path, buckets: u32) -> Result<bool> {
    let mut manifests = Vec::with_capacity(buckets as usize);
    for b in 0..buckets {
        let p = manifest_path(out, b);
        let Ok(text) = fs::read_to_string(&p) else {
            return Ok(false);
        };
        let m: Value = serde_json::from_str(&text).map_err(|e| KefuError::output(&p, e.to_string()))?;
        manifests.push((p, m));
    }
    let success = combine(&manifests, buckets)?;
    write_atomic(&out.join(SUCCESS), &pretty(&success)?)?;
    Ok(true)
}

/// The run-level summary of the buckets' manifests. Buckets written with
/// another kefu or job cannot be summed: that is an error, not a success.
fn combine(manifests: &[(PathBuf, Value)], buckets: u32) -> Result<Value> {
    let (first_path, first) = &manifests[0];
    let mut tables: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut outputs: BTreeMap<String, u64> = BTreeMap::new();
    let mut weeks: Vec<String> = Vec::new();
    let mut first_order: Option<String> = None;
    for (p, m) in manifests {
        for key in ["kefu_version", "config_hash"] {
            if m[key] != first[key] {
                return Err(KefuError::output(
                    p,
                    format!(
                        "{key} {} differs from {}'s {}: rerun every shard with the same kefu and job",
                        m[key],
                        first_path.display(),
                        first[key]
                    ),
                ));
            }
        }
        for (t, counts) in m["tables"].as_object().into_iter().flatten() {
            let sum = tables.entry(t.clone()).or_default();
            for (k, v) in counts.as_object().into_iter().flatten() {
                *sum.entry(k.clone()).or_default() += v.as_u64().unwrap_or(0);
            }
        }
        for (t, n) in m["outputs"].as_object().into_iter().flatten() {
            *outputs.entry(t.clone()).or_default() += n.as_u64().unwrap_or(0);
        }
        weeks.extend(
            m["order_history_days"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(w, _)| w.clone()),
        );
        if let Some(d) = m["first_order_date"].as_str() {
            if first_order.as_deref().is_none_or(|f| d < f) {
                first_order = Some(d.to_owned());
            }
        }
    }
    let history = order_history(&weeks, first_order.as_deref());
    let names: Vec<String> = (0..buckets).map(|b| format!("{MANIFESTS}/bucket={b}.json")).collect();
    Ok(json!({
        "kefu_version": first["kefu_version"],
        "config_hash": first["config_hash"],
        "timezone": first["timezone"],
        "buckets": buckets,
        "manifests": names,
        "tables": tables,
        "outputs": outputs,
        "first_order_date": first_order,
        "order_history_days": history,
    }))
}

/// Days of order history before each week's Monday over all buckets' shops.
fn order_history(weeks: &[String], first: Option<&str>) -> Map<String, Value> {
    let first = first.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let mut out = Map::new();
    for w in weeks {
        let monday = w.split_once("-W").and_then(|(y, n)| {
            chrono::NaiveDate::from_isoywd_opt(y.parse().ok()?, n.parse().ok()?, chrono::Weekday::Mon)
        });
        if let (Some(m), Some(f)) = (monday, first) {
            out.insert(w.clone(), json!((m - f).num_days().max(0)));
        }
    }
    out
}

fn pretty(v: &Value) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(v).map_err(|e| KefuError::output(Path::new(SUCCESS), e.to_string()))
}

/// Writes a file by renaming a finished sibling over it.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    fs::write(&tmp, bytes).map_err(|e| KefuError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| KefuError::io(path, e))
}

fn remove_if_present(p: &Path) -> Result<()> {
    match fs::remove_file(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(KefuError::io(p, e)),
        _ => Ok(()),
    }
}
