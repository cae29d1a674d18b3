//! The stage order of `kefu run`, and nothing else: each stage's product
//! feeds the next (see [`crate::stages`]), each timed for the manifest.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crate::core::bucket::{Route, Shard};
use crate::core::error::Result;
use crate::core::settings::Settings;
use crate::core::telemetry::{self, StageTimer};
use crate::core::time;
use crate::stages::conversion::feedback::{self, Feedback, FeedbackInputs};
use crate::stages::conversion::{self, Attribution};
use crate::stages::ingest::spill::{self, Spill};
use crate::stages::ingest::{self, Staged};
use crate::stages::marts::{self, Marts};
use crate::stages::rules::{self, Violation};
use crate::stages::sessions::{self, Conversations};
use crate::stages::sink::{self, manifest, partition, Manifest, Staging};
use crate::stages::text::{self, MessageText, TextEngine, WordCounts};

/// Everything a run computes, before it is written.
pub struct Analysis {
    pub staged: Staged,
    /// Shared: a partitioned run builds jieba and the lexicons once for all its buckets.
    pub engine: Arc<TextEngine>,
    pub text: Vec<MessageText>,
    pub words: WordCounts,
    pub conv: Conversations,
    pub attributions: Vec<Attribution>,
    pub feedback: Feedback,
    pub violations: Vec<Violation>,
    pub marts: Marts,
    pub timings: BTreeMap<String, u64>,
}

/// Runs every stage but the sink.
pub fn analyse(settings: &Settings) -> Result<Analysis> {
    analyse_with(settings, None, None)
}

/// [`analyse`] with a text engine built once for many runs (property
/// tests, benchmarks): jieba's dictionary is most of a small run's time.
pub fn analyse_with_engine(settings: &Settings, engine: Arc<TextEngine>) -> Result<Analysis> {
    analyse_with(settings, Some(engine), None)
}

/// [`analyse`] with a text engine already built (by an earlier bucket), or
/// none: then it is built here, timed as part of the text stage. A bucket's
/// pass reads its rows from the spill when there is one.
fn analyse_with(settings: &Settings, engine: Option<Arc<TextEngine>>, spill: Option<&Spill>) -> Result<Analysis> {
    let m = &settings.metrics;
    let mut st = StageTimer::new(7);
    st.start("reading inputs");
    let mut staged = ingest::stage(settings, spill)?;
    st.done("ingest");

    st.start("segmenting and flagging messages");
    let engine = match engine {
        Some(e) => e,
        None => Arc::new(TextEngine::for_settings(settings)?),
    };
    let (text, words) = text::understand(&engine, &staged.messages);
    let review_reasons = staged
        .reviews
        .as_deref()
        .map(|r| text::review_reasons(&engine, r))
        .unwrap_or_default();
    st.done("text");

    st.start("sessions and turns");
    let flags: Vec<_> = text.iter().map(|t| t.flags).collect();
    let conv = sessions::build(&staged.messages, &flags, m);
    st.done("sessions");

    st.start("order attribution");
    let attributions = conversion::attribute(&staged.messages, &flags, &conv.sessions, &staged.orders, m);
    drop(flags);
    let (feedback, late) = feedback::feedback(&FeedbackInputs {
        ratings: staged.ratings.as_deref(),
        reviews: staged.reviews.as_deref(),
        messages: &staged.messages,
        sessions: &conv.sessions,
        orders: &staged.orders,
        attributions: &attributions,
        metrics: m,
        file_path: &|i| staged.files[i as usize].path.clone(),
    });
    staged.reject_late(late);
    st.done("conversion");

    st.start("violation rules");
    let violations = rules::evaluate(settings.rules.enabled, &conv, &staged.messages, &text, m);
    st.done("rules");

    st.start("agent and shop tables");
    let marts = marts::build(&marts::Inputs {
        messages: &staged.messages,
        orders: &staged.orders,
        agents: &staged.agents,
        buyers: &staged.buyers,
        targets: &staged.targets,
        conv: &conv,
        text: &text,
        words: &words,
        intents: &engine.intents,
        reasons: &engine.reasons,
        attributions: &attributions,
        feedback: &feedback,
        reviews: staged.reviews.as_deref(),
        review_reasons: &review_reasons,
        violations: &violations,
        metrics: m,
        scoring: &settings.scoring,
    })?;
    st.done("marts");
    Ok(Analysis {
        staged,
        engine,
        text,
        words,
        conv,
        attributions,
        feedback,
        violations,
        marts,
        timings: st.finish(),
    })
}

/// Runs the whole job and writes every table; `extra` adds files to the
/// output folder before it is swapped into place. Returns the manifest and
/// the analysis (benchmarks inspect it).
pub fn run(settings: &Settings, extra: &dyn Fn(&Path) -> Result<()>) -> Result<(Manifest, Analysis)> {
    let staging = Staging::new(&settings.output.dir, settings.input.paths())?;
    run_into(settings, staging, (None, None), extra)
}

/// A partitioned run: the shard's buckets one after another, each a pass
/// that keeps that bucket's shops and commits that bucket's partitions and
/// manifest on its own; then `_SUCCESS.json` once every bucket of the run
/// has its manifest (whichever shard finishes last). With a spill folder
/// the inputs are read once into it and each pass replays its bucket's
/// rows (bounded memory); without, each pass rereads the inputs. Returns
/// the buckets' manifests and whether the run is complete.
pub fn run_buckets(
    settings: &Settings,
    buckets: u32,
    shard: Shard,
    spill_dir: Option<&Path>,
) -> Result<(Vec<Manifest>, bool)> {
    let out = &settings.output.dir;
    partition::prepare(out, buckets, shard, settings.input.paths())?;
    let passes = match spill_dir {
        None => passes(settings, buckets, shard, None),
        Some(dir) => {
            let written = spill::write(settings, buckets, shard, dir);
            let r = written.and_then(|s| passes(settings, buckets, shard, Some(&s)));
            spill::remove(dir)?;
            r
        }
    };
    let manifests = passes?;
    let done = partition::finish(out, buckets)?;
    Ok((manifests, done))
}

/// The shard's buckets, one pass each.
fn passes(settings: &Settings, buckets: u32, shard: Shard, spill: Option<&Spill>) -> Result<Vec<Manifest>> {
    let out = &settings.output.dir;
    let mut manifests = Vec::new();
    let mut engine = None;
    for bucket in shard.buckets(buckets) {
        let mut s = settings.clone();
        s.input.route = Some(Route { buckets, bucket });
        let staging = Staging::bucket(out, bucket)?;
        // The block drops the bucket's analysis before the heap is trimmed.
        let (manifest, e) = {
            let (manifest, a) = run_into(&s, staging, (engine.take(), spill), &|_| Ok(()))?;
            (manifest, a.engine)
        };
        engine = Some(e);
        manifests.push(manifest);
        telemetry::trim_heap();
    }
    Ok(manifests)
}

fn run_into(
    settings: &Settings,
    staging: Staging,
    (engine, spill): (Option<Arc<TextEngine>>, Option<&Spill>),
    extra: &dyn Fn(&Path) -> Result<()>,
) -> Result<(Manifest, Analysis)> {
    let t0 = Instant::now();
    let a = analyse_with(settings, engine, spill)?;
    let ts = Instant::now();
    let outputs = sink::write_tables(
        &staging,
        &sink::Outputs {
            staged: &a.staged,
            engine: &a.engine,
            text: &a.text,
            conv: &a.conv,
            attributions: &a.attributions,
            violations: &a.violations,
            marts: &a.marts,
        },
        settings,
    )?;
    let mut stage_ms = a.timings.clone();
    stage_ms.insert(
        format!("{:02}_sink", stage_ms.len() + 1),
        ts.elapsed().as_millis() as u64,
    );
    let manifest = Manifest {
        kefu_version: env!("CARGO_PKG_VERSION"),
        config: settings.job.as_ref().map(|p| p.display().to_string()),
        config_hash: settings.hash.clone(),
        timezone: settings.metrics.zone.name(),
        tables: manifest::table_counts(&a.staged.files),
        inputs: a.staged.files.clone(),
        outputs,
        order_history_days: a.marts.order_history_days.clone(),
        first_order_date: a.marts.first_order_day.map(time::fmt_day),
        bucket: settings.input.route,
        stage_ms,
        wall_ms: t0.elapsed().as_millis() as u64,
    };
    sink::commit(staging, &manifest, extra)?;
    Ok((manifest, a))
}
