//! Writing outputs atomically: every table as zstd Parquet under
//! `OUT/<table>/`, plus `manifest.json`, first into a temporary sibling
//! folder that replaces `OUT` only once everything is written, so a failed
//! run leaves the previous output whole. Each frame is checked against the
//! output schema before it is written.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::core::error::{KefuError, Result};
use crate::core::schema::{Col, Rows, Table};

/// Rows per Parquet row group, and per slice of a table written in slices.
pub const ROW_GROUP: usize = 512 * 1024;

/// The file each table is written to, under its folder.
pub(super) const PART: &str = "part-0.parquet";

/// A folder being filled; dropped without [`Staging::commit`] it is removed.
/// It holds an advisory lock on `OUT` for its life, so two runs never race
/// on one output.
pub struct Staging {
    tmp: PathBuf,
    target: PathBuf,
    /// A partitioned run's bucket: committed into `target`'s partitions
    /// instead of replacing `target`.
    bucket: Option<u32>,
    committed: bool,
    _lock: fs::File,
}

/// The file that says kefu wrote a folder, so a later run may replace it.
pub const MARKER: &str = ".kefu-output";

impl Staging {
    /// A staging folder beside `target`; `inputs` are what the job reads,
    /// none of which may lie inside the folder a commit would replace.
    pub fn new<'a>(target: &Path, inputs: impl IntoIterator<Item = &'a PathBuf>) -> Result<Self> {
        if is_mount_point(target) {
            return Err(KefuError::usage(
                format!("--out {}", target.display()),
                "is a mount point, which cannot be swapped by a rename; name a folder inside it",
            ));
        }
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| KefuError::io(parent, e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let lock = lock(target, &parent.join(format!(".{name}.kefu-lock")))?;
        recover(target, parent, &name)?;
        check_target(target)?;
        check_inputs(target, inputs)?;
        let tmp = parent.join(format!(".{name}.kefu-tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| KefuError::io(&tmp, e))?;
        }
        fs::create_dir_all(&tmp).map_err(|e| KefuError::io(&tmp, e))?;
        let marker = tmp.join(MARKER);
        fs::write(&marker, "written by kefu; a later kefu run may replace this folder\n")
            .map_err(|e| KefuError::io(&marker, e))?;
        Ok(Staging {
            tmp,
            target: target.to_path_buf(),
            bucket: None,
            committed: false,
            _lock: lock,
        })
    }

    /// A staging folder for one bucket of a partitioned run into `out` (made
    /// ready, and checked against the job's inputs, by
    /// [`super::partition::prepare`]), locked per bucket so shards on one
    /// machine never race on a bucket.
    pub fn bucket(out: &Path, bucket: u32) -> Result<Self> {
        let work = out.join(super::partition::WORK);
        fs::create_dir_all(&work).map_err(|e| KefuError::io(&work, e))?;
        let name = format!("bucket={bucket}");
        let lock = lock(out, &work.join(format!("{name}.lock")))?;
        // A killed run's folder for this bucket: we hold its lock, so it is dead.
        for e in fs::read_dir(&work).map_err(|e| KefuError::io(&work, e))?.flatten() {
            if e.file_name().to_string_lossy().starts_with(&format!("{name}.tmp-")) {
                fs::remove_dir_all(e.path()).map_err(|err| KefuError::io(e.path(), err))?;
            }
        }
        let tmp = work.join(format!("{name}.tmp-{}", std::process::id()));
        fs::create_dir_all(&tmp).map_err(|e| KefuError::io(&tmp, e))?;
        Ok(Staging {
            tmp,
            target: out.to_path_buf(),
            bucket: Some(bucket),
            committed: false,
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    fn table_file(&self, table: &Table) -> Result<PathBuf> {
        let dir = self.tmp.join(table.name);
        fs::create_dir_all(&dir).map_err(|e| KefuError::io(&dir, e))?;
        Ok(dir.join(PART))
    }

    /// Writes one table whole; `columns` are the table's columns for this run.
    pub fn write_table(&self, table: &Table, columns: &[Col], df: &mut DataFrame) -> Result<()> {
        table.check_columns(columns, df)?;
        write_parquet(&self.table_file(table)?, df)
    }

    /// Writes a large table slice by slice (`build` gets row ranges of
    /// [`ROW_GROUP`] rows), one row group each, so only one slice's frame is
    /// ever in memory. Slices are fixed by row count, never by thread count.
    pub fn write_table_slices(
        &self,
        table: &Table,
        rows: usize,
        build: &dyn Fn(Range<usize>) -> PolarsResult<DataFrame>,
    ) -> Result<()> {
        let path = self.table_file(table)?;
        let f = fs::File::create(&path).map_err(|e| KefuError::io(&path, e))?;
        let slice = |r: Range<usize>| -> Result<DataFrame> {
            let df = build(r).map_err(KefuError::table(table.name))?;
            table.check(&df)?;
            Ok(df)
        };
        let (mut build_ms, mut write_ms) = (0u128, 0u128);
        let t = std::time::Instant::now();
        let first = slice(0..rows.min(ROW_GROUP))?;
        build_ms += t.elapsed().as_millis();
        let t = std::time::Instant::now();
        let mut w = writer(f)
            .batched(first.schema())
            .map_err(KefuError::table(table.name))?;
        w.write_batch(&first).map_err(KefuError::table(table.name))?;
        write_ms += t.elapsed().as_millis();
        drop(first);
        for start in (ROW_GROUP..rows).step_by(ROW_GROUP) {
            let t = std::time::Instant::now();
            let df = slice(start..rows.min(start + ROW_GROUP))?;
            build_ms += t.elapsed().as_millis();
            let t = std::time::Instant::now();
            w.write_batch(&df).map_err(KefuError::table(table.name))?;
            write_ms += t.elapsed().as_millis();
        }
        w.finish().map_err(KefuError::table(table.name))?;
        tracing::debug!(table = table.name, build_ms, write_ms, "slices built and written");
        Ok(())
    }

    pub fn write_file(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let p = self.tmp.join(name);
        fs::write(&p, bytes).map_err(|e| KefuError::io(&p, e))
    }

    /// Swaps the finished folder into place (a bucket: moves its files into
    /// their partitions, the manifest last).
    pub fn commit(mut self) -> Result<()> {
        if let Some(b) = self.bucket {
            super::partition::commit(&self.tmp, &self.target, b)?;
            self.committed = true;
            return Ok(());
        }
        let old = self.tmp.with_file_name(format!(
            ".{}.kefu-old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        if self.target.exists() {
            fs::rename(&self.target, &old).map_err(|e| KefuError::io(&self.target, e))?;
        }
        fs::rename(&self.tmp, &self.target).map_err(|e| KefuError::io(&self.target, e))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| KefuError::io(&old, e))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Takes the advisory lock on `OUT` (a sibling file, so the swap does not
/// move it); a second run on the same output exits 2 instead of racing.
fn lock(target: &Path, path: &Path) -> Result<fs::File> {
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| KefuError::io(path, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(KefuError::usage(
            format!("--out {}", target.display()),
            format!(
                "another kefu run is writing it (lock {}); try again when it ends",
                path.display()
            ),
        )),
        Err(fs::TryLockError::Error(e)) => Err(KefuError::io(path, e)),
    }
}

/// Cleans up after runs that were killed (we hold the lock, so none is
/// alive): their staging folders go, and an output moved aside by a run
/// killed between its two renames is put back.
fn recover(target: &Path, parent: &Path, name: &str) -> Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let (tmp, old) = (format!(".{name}.kefu-tmp-"), format!(".{name}.kefu-old-"));
    let mut left: Vec<PathBuf> = Vec::new();
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&tmp) {
            fs::remove_dir_all(e.path()).map_err(|err| KefuError::io(e.path(), err))?;
        } else if n.starts_with(&old) {
            left.push(e.path());
        }
    }
    left.sort();
    for p in left {
        if target.exists() {
            fs::remove_dir_all(&p).map_err(|e| KefuError::io(&p, e))?;
        } else {
            tracing::warn!(from = %p.display(), "restoring the output a killed run had moved aside");
            fs::rename(&p, target).map_err(|e| KefuError::io(target, e))?;
        }
    }
    Ok(())
}

/// Refuses to replace a folder that is not a kefu output: `--out .` must
/// never wipe a project.
pub(super) fn check_target(target: &Path) -> Result<()> {
    if !target.exists() {
        return Ok(());
    }
    let arg = format!("--out {}", target.display());
    if !target.is_dir() {
        return Err(KefuError::usage(arg, "exists and is not a folder"));
    }

    let empty = fs::read_dir(target)
        .map_err(|e| KefuError::io(target, e))?
        .next()
        .is_none();
    if !empty && !target.join(MARKER).is_file() && !legacy_output(target) {
        return Err(KefuError::usage(
            arg,
            format!("folder is not empty and was not written by kefu (no {MARKER}); refusing to replace it"),
        ));
    }
    Ok(())
}

/// Whether `dir` is on another device than its parent: said before the run,
/// not found at the final rename after all the work.
#[cfg(unix)]
fn is_mount_point(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let parent = dir.canonicalize().ok().and_then(|d| d.parent().map(Path::to_path_buf));
    match (fs::metadata(dir), parent.map(fs::metadata)) {
        (Ok(d), Some(Ok(p))) => d.dev() != p.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_mount_point(_dir: &Path) -> bool {
    false
}

/// An output of a kefu from before [`MARKER`]: its manifest.json is kefu's
/// (version, config hash and inputs), not any file of that name.
fn legacy_output(target: &Path) -> bool {
    let Ok(text) = fs::read_to_string(target.join("manifest.json")) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|m| {
        ["kefu_version", "config_hash", "inputs", "tables"]
            .iter()
            .all(|k| m.get(k).is_some())
    })
}

/// Refuses a job that reads from inside the folder it would replace: the
/// swap would delete its own inputs.
pub(super) fn check_inputs<'a>(target: &Path, inputs: impl IntoIterator<Item = &'a PathBuf>) -> Result<()> {
    let Ok(out) = target.canonicalize() else {
        return Ok(());
    };
    for input in inputs {
        if input.canonicalize().is_ok_and(|p| p.starts_with(&out)) {
            return Err(KefuError::usage(
                format!("--out {}", target.display()),
                format!("holds input {}, which replacing it would delete", input.display()),
            ));
        }
    }
    Ok(())
}

fn writer(f: fs::File) -> ParquetWriter<fs::File> {
    ParquetWriter::new(f)
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(Some(ROW_GROUP))
}

/// Parquet with zstd and one row group per [`ROW_GROUP`] rows: byte-identical
/// output for the same frame whatever the thread count.
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    df.rechunk_mut();
    let f = fs::File::create(path).map_err(|e| KefuError::io(path, e))?;
    writer(f)
        .finish(df)
        .map_err(KefuError::table(path.display().to_string()))?;
    Ok(())
}

/// Reads back one table a run wrote, its columns checked against the
/// schema. A partitioned run's buckets are read in bucket order and put in
/// shop order (a stable sort: within a shop, rows keep the order a run
/// without buckets writes), so readers see one table either way. Only
/// `table.columns` are read: a reader may name a subset of the schema's.
pub fn read_table(out: &Path, table: &Table) -> Result<Rows> {
    let files = table_files(out, table);
    if files.is_empty() {
        let p = table_path(out, table);
        return Err(KefuError::io(&p, std::io::ErrorKind::NotFound.into()));
    }
    let mut parts = Vec::with_capacity(files.len());
    for p in &files {
        let f = fs::File::open(p).map_err(|e| KefuError::io(p, e))?;
        let names = table.columns.iter().map(|c| c.name.to_owned()).collect();
        let df = ParquetReader::new(f).with_columns(Some(names)).finish();
        parts.push(df.map_err(KefuError::table(table.name))?);
    }
    let df = match parts.len() {
        1 => parts.pop().unwrap_or_default(),
        _ => in_shop_order(table, parts).map_err(KefuError::table(table.name))?,
    };
    Rows::new(table, df)
}

fn in_shop_order(table: &Table, parts: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let mut all = parts.into_iter().map(DataFrame::lazy).collect::<Vec<_>>();
    let lf = concat(std::mem::take(&mut all), UnionArgs::default())?;
    let keys: Vec<&str> = match table.columns.iter().any(|c| c.name == "shop_id") {
        true => vec!["shop_id"],
        false => vec!["file", "line"],
    };
    lf.sort(keys, SortMultipleOptions::default().with_maintain_order(true))
        .collect()
}

/// The file of `table` in a run's output without buckets (for messages).
pub fn table_path(out: &Path, table: &Table) -> PathBuf {
    out.join(table.name).join(PART)
}

/// The Parquet files of `table` under a run's output: `part-0.parquet`, or
/// each partition's, in bucket order.
pub fn table_files(out: &Path, table: &Table) -> Vec<PathBuf> {
    let plain = table_path(out, table);
    if plain.is_file() {
        return vec![plain];
    }
    let prefix = format!("{}=", super::partition::PARTITION_COLUMN);
    let Ok(entries) = fs::read_dir(out.join(table.name)) else {
        return Vec::new();
    };
    let mut parts: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let b = name.strip_prefix(&prefix)?.parse().ok()?;
            Some((b, e.path().join(PART)))
        })
        .filter(|(_, p)| p.is_file())
        .collect();
    parts.sort();
    parts.into_iter().map(|(_, p)| p).collect()
}
