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
const PART: &str = "part-0.parquet";

/// A folder being filled; dropped without [`Staging::commit`] it is removed.
pub struct Staging {
    tmp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(target: &Path) -> Result<Self> {
        check_target(target)?;
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| KefuError::io(parent, e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = parent.join(format!(".{name}.kefu-tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| KefuError::io(&tmp, e))?;
        }
        fs::create_dir_all(&tmp).map_err(|e| KefuError::io(&tmp, e))?;
        Ok(Staging {
            tmp,
            target: target.to_path_buf(),
            committed: false,
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

    /// Swaps the finished folder into place.
    pub fn commit(mut self) -> Result<()> {
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

/// Refuses to replace a folder that is not a kefu output: `--out .` must
/// never wipe a project.
fn check_target(target: &Path) -> Result<()> {
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
    if !empty && !target.join("manifest.json").is_file() {
        return Err(KefuError::usage(
            arg,
            "folder is not empty and holds no kefu manifest.json; refusing to replace it",
        ));
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

/// Reads back one table a run wrote, its columns checked against the schema.
pub fn read_table(out: &Path, table: &Table) -> Result<Rows> {
    let p = out.join(table.name).join(PART);
    let f = fs::File::open(&p).map_err(|e| KefuError::io(&p, e))?;
    let df = ParquetReader::new(f).finish().map_err(KefuError::table(table.name))?;
    Rows::new(table, df)
}

/// The file of `table` under a run's output folder (for lazy scans).
pub fn table_path(out: &Path, table: &Table) -> PathBuf {
    out.join(table.name).join(PART)
}
