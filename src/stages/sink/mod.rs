//! Stage 7, sink: every output table written atomically (fact tables a
//! slice of rows at a time, marts whole), each frame checked against the
//! output schema, then `manifest.json`, then whatever the caller adds
//! (report.html), then one swap of the finished folder into place.

pub mod frames;
pub mod manifest;
pub mod parquet;
pub mod partition;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::time::Instant;

use polars::prelude::*;

pub use manifest::{summary, Manifest};
pub use parquet::{read_table, table_files, table_path, write_parquet, Staging};

use crate::core::error::{KefuError, Result};
use crate::core::schema::{self, agent_weekly_columns, Col, Table};
use crate::core::settings::Settings;
use crate::core::telemetry;
use crate::stages::conversion::Attribution;
use crate::stages::ingest::Staged;
use crate::stages::marts::Marts;
use crate::stages::rules::Violation;
use crate::stages::sessions::Conversations;
use crate::stages::text::{MessageText, TextEngine};

/// Everything the sink writes, from the stages before it.
pub struct Outputs<'a> {
    pub staged: &'a Staged,
    pub engine: &'a TextEngine,
    pub text: &'a [MessageText],
    pub conv: &'a Conversations,
    pub attributions: &'a [Attribution],
    pub violations: &'a [Violation],
    pub marts: &'a Marts,
}

/// Builds rows `range` of a fact table.
type Slice<'a> = Box<dyn Fn(Range<usize>) -> PolarsResult<DataFrame> + 'a>;

/// How one table is written.
enum Write<'a> {
    /// A row per message, session, turn, order or violation: a slice at a time.
    Sliced(usize, Slice<'a>),
    /// A mart (or rejects), already small: whole, with this run's columns.
    Whole(&'a DataFrame, Vec<Col>),
}

fn plan<'a>(o: &'a Outputs<'a>, settings: &Settings, rejects: &'a DataFrame) -> Vec<(Table, Write<'a>)> {
    let (m, conv, text, engine, mt) = (&o.staged.messages, o.conv, o.text, o.engine, o.marts);
    let whole = |df: &'a DataFrame, t: &Table| Write::Whole(df, t.columns.to_vec());
    let points: Vec<Col> = settings.scoring.components.iter().map(|c| c.points).collect();
    schema::TABLES
        .into_iter()
        .map(|t| {
            let w = match t.name {
                "messages" => Write::Sliced(m.len(), Box::new(|r| frames::messages(conv, m, text, engine, r))),
                "sessions" => Write::Sliced(
                    conv.sessions.len(),
                    Box::new(|r| frames::sessions(conv, m, mt, engine, r)),
                ),
                "turns" => Write::Sliced(conv.turns.len(), Box::new(|r| frames::turns(conv, r))),
                "order_attribution" => Write::Sliced(
                    o.attributions.len(),
                    Box::new(|r| frames::order_attribution(conv, &o.staged.orders, o.attributions, r)),
                ),
                "violations" => Write::Sliced(
                    o.violations.len(),
                    Box::new(|r| frames::violations(conv, m, o.violations, r)),
                ),
                "question_intents" => whole(&mt.question_intents, &t),
                "hot_words" => whole(&mt.hot_words, &t),
                "shop_daily" => whole(&mt.shop_daily, &t),
                "hourly_load" => whole(&mt.hourly_load, &t),
                "agent_daily" => whole(&mt.agent_daily, &t),
                "agent_weekly" => Write::Whole(&mt.agent_weekly, agent_weekly_columns(&points)),
                "shop_weekly" => whole(&mt.shop_weekly, &t),
                "targets" => whole(&mt.targets, &t),
                "loss_reasons" => whole(&mt.loss_reasons, &t),
                "after_sales_reasons" => whole(&mt.after_sales_reasons, &t),
                "review_reasons" => whole(&mt.review_reasons, &t),
                _ => whole(rejects, &t),
            };
            (t, w)
        })
        .collect()
}

/// Writes every table into `staging`; returns rows per table. Each table is
/// built, written and dropped before the next, so only one slice of one
/// output frame is in memory at a time.
pub fn write_tables(staging: &Staging, o: &Outputs, settings: &Settings) -> Result<BTreeMap<&'static str, u64>> {
    let rejects = frames::rejects(&o.staged.rejects).map_err(KefuError::table(schema::rejects::TABLE.name))?;
    let mut outputs = BTreeMap::new();
    for (table, w) in plan(o, settings, &rejects) {
        let t = Instant::now();
        let n = match w {
            Write::Sliced(n, build) => {
                staging.write_table_slices(&table, n, &build)?;
                n
            }
            Write::Whole(df, cols) => {
                // A frame's columns are shared: the clone copies no data.
                let mut df = df.clone();
                staging.write_table(&table, &cols, &mut df)?;
                df.height()
            }
        };
        tracing::debug!(
            table = table.name,
            rows = n,
            ms = t.elapsed().as_millis() as u64,
            peak_rss_mb = telemetry::peak_rss_mb(),
            "table written"
        );
        outputs.insert(table.name, n as u64);
    }
    Ok(outputs)
}

/// Writes the manifest, then `extra` (files the caller adds into the
/// finished folder, e.g. report.html), then swaps the folder into place.
pub fn commit(staging: Staging, manifest: &Manifest, extra: &dyn Fn(&Path) -> Result<()>) -> Result<()> {
    let json = serde_json::to_vec_pretty(manifest)
        .map_err(|e| KefuError::output(staging.path().join("manifest.json"), e.to_string()))?;
    staging.write_file("manifest.json", &json)?;
    extra(staging.path())?;
    staging.commit()
}
