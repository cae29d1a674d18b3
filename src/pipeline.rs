//! The `run` job: staging → text → conversations → conversion → rules →
//! marts → sink, each stage timed. [`analyse`] does everything but writing,
//! so tests can look at the facts directly.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{self, PipelineConfig, Settings};
use crate::conversion::{self, Attribution};
use crate::error::{KefuError, Result};
use crate::funnel;
use crate::ingest::{self, InputFile, Staged};
use crate::marts;
use crate::model::{Message, MsgType, Sender};
use crate::rules::{self, MessageText, RuleSet, Violation};
use crate::sessions::{self, Conversations};
use crate::sink::Staging;
use crate::tables;
use crate::text::{Lexicon, TextEngine};
use crate::topics::{self, WordCounts};

/// Command-line values that replace the TOML's (paths relative to the working directory).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub messages: Vec<PathBuf>,
    pub orders: Vec<PathBuf>,
    pub agents: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub shop: Option<String>,
}

pub const DEFAULT_CONFIG: &str = "pipelines/weekly_agent_scoring.toml";

/// Loads the TOML (or the default job), applies overrides and validates.
pub fn load_settings(config_path: Option<&Path>, o: Overrides) -> Result<Settings> {
    let path = config_path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    if config_path.is_none() && !path.is_file() {
        return Err(KefuError::Config(format!(
            "no --config given and the default job {DEFAULT_CONFIG} is not here; run from the kefu folder or pass --config"
        )));
    }
    let mut cfg: PipelineConfig = config::load(&path)?;
    if !o.messages.is_empty() {
        cfg.input.messages = o.messages;
    }
    if !o.orders.is_empty() {
        cfg.input.orders = o.orders;
    }
    if o.agents.is_some() {
        cfg.input.agents = o.agents;
    }
    if let Some(out) = o.out {
        cfg.output.dir = out;
    }
    if o.shop.is_some() {
        cfg.input.shop = o.shop;
    }
    cfg.validate(Some(path))
}

/// Everything a run computes, before it is written.
pub struct Analysis {
    pub staged: Staged,
    pub engine: TextEngine,
    pub text: Vec<MessageText>,
    pub words: WordCounts,
    pub conv: Conversations,
    pub attributions: Vec<Attribution>,
    pub violations: Vec<Violation>,
    pub agent_daily: DataFrame,
    pub agent_weekly: DataFrame,
    pub timings: BTreeMap<String, u64>,
}

/// Builds the segmenter and rule set once for a run.
pub fn text_engine(settings: &Settings) -> Result<(TextEngine, RuleSet)> {
    let mut engine = TextEngine::load(&settings.config.text)?;
    let rules = RuleSet::load(&settings.config.rules, &mut engine)?;
    Ok((engine, rules))
}

/// Tokenizes and flags every message in parallel, a block of messages per
/// task; results keep message order. Word counts for `hot_words` and
/// `question_intents` are taken while the tokens are at hand; the tokens
/// themselves are not kept (the messages table cuts its slice again).
pub fn understand(engine: &TextEngine, rules: &RuleSet, staged: &Staged) -> (Vec<MessageText>, WordCounts) {
    const BLOCK: usize = 16 * 1024;
    let messages = &staged.messages;
    let stop = engine.uninformative();
    let mut text: Vec<MessageText> = Vec::new();
    text.resize_with(messages.len(), Default::default);
    let counts: Vec<WordCounts> = text
        .par_chunks_mut(BLOCK)
        .zip(messages.par_chunks(BLOCK))
        .map(|(out, msgs)| {
            let mut words = WordCounts::default();
            for (t, m) in out.iter_mut().zip(msgs) {
                *t = understand_one(engine, rules, m, &stop, &mut words);
            }
            words
        })
        .collect();
    let words = counts.into_iter().fold(WordCounts::default(), WordCounts::merge);
    (text, words)
}

fn understand_one(
    engine: &TextEngine,
    rules: &RuleSet,
    m: &Message,
    stop: &Lexicon,
    words: &mut WordCounts,
) -> MessageText {
    if m.msg_type != MsgType::Text {
        return MessageText {
            flags: engine.flags(m.sender, m.msg_type, &Default::default()),
            ..Default::default()
        };
    }
    let tk = engine.tokenize(&m.content);
    let flags = engine.flags(m.sender, m.msg_type, &tk);
    let question = m.sender == Sender::Buyer && flags.is_question;
    let content_words = if question {
        rules::word_set(engine.content_words(&tk))
    } else {
        Box::default()
    };
    let intent = question.then(|| engine.intents.classify(&tk, flags.is_after_sales));
    words.add(m, &tk, intent, stop);
    MessageText {
        flags,
        hits: rules.hits(&tk),
        words: content_words,
        intent,
    }
}

struct Stages {
    bar: indicatif::ProgressBar,
    timings: BTreeMap<String, u64>,
    t: Instant,
    n: usize,
}

impl Stages {
    fn new() -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(7), indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Stages {
            bar,
            timings: BTreeMap::new(),
            t: Instant::now(),
            n: 0,
        }
    }
    fn start(&mut self, name: &str) {
        self.bar.set_message(name.to_owned());
        self.t = Instant::now();
    }
    fn done(&mut self, name: &str) {
        self.n += 1;
        self.timings
            .insert(format!("{:02}_{name}", self.n), self.t.elapsed().as_millis() as u64);
        self.bar.inc(1);
        tracing::debug!(
            stage = name,
            ms = self.t.elapsed().as_millis() as u64,
            rss_mb = crate::bench::rss_bytes().unwrap_or(0) / 1_000_000,
            peak_rss_mb = crate::bench::peak_rss_bytes().unwrap_or(0) / 1_000_000,
            "stage done"
        );
    }
}

/// Runs every stage but the sink.
pub fn analyse(settings: &Settings) -> Result<Analysis> {
    let mut st = Stages::new();
    st.start("reading inputs");
    let staged = ingest::stage(settings)?;
    st.done("ingest");

    st.start("segmenting and flagging messages");
    let (engine, rules) = text_engine(settings)?;
    let (text, words) = understand(&engine, &rules, &staged);
    st.done("text");

    st.start("sessions and turns");
    let m = settings.metrics();
    let flags: Vec<_> = text.iter().map(|t| t.flags).collect();
    let conv = sessions::build(&staged.messages, &flags, m, settings.service_hours);
    st.done("sessions");

    st.start("order attribution");
    let attributions = conversion::attribute(&staged.messages, &conv.sessions, &staged.orders, m);
    st.done("conversion");

    st.start("violation rules");
    let violations = rules::evaluate(&rules, &conv, &staged.messages, &text, m);
    st.done("rules");

    st.start("agent tables");
    let facts = marts::facts(
        &conv,
        &staged.messages,
        &staged.orders,
        &attributions,
        &violations,
        m,
        settings.service_hours,
    )?;
    let agent_daily = marts::agent_daily(&facts, &staged.agents)?;
    let agent_weekly = marts::agent_weekly(&agent_daily, &settings.config.scoring)?;
    st.done("marts");
    st.bar.finish_and_clear();
    Ok(Analysis {
        staged,
        engine,
        text,
        words,
        conv,
        attributions,
        violations,
        agent_daily,
        agent_weekly,
        timings: st.timings,
    })
}

#[derive(Debug, Serialize)]
pub struct TableCounts {
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub rows_deduplicated: u64,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub kefu_version: &'static str,
    pub config: Option<String>,
    pub config_hash: String,
    pub timezone: &'static str,
    pub inputs: Vec<InputFile>,
    /// Per input table: rows_read = rows_used + rows_rejected + rows_deduplicated.
    pub tables: BTreeMap<&'static str, TableCounts>,
    pub outputs: BTreeMap<&'static str, u64>,
    pub stage_ms: BTreeMap<String, u64>,
    pub wall_ms: u64,
}

/// SHA-256 of the resolved configuration and every lexicon it names, so two
/// runs with the same hash used the same definitions.
pub fn config_hash(settings: &Settings) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&settings.config).unwrap_or_default());
    let mut lexicons: Vec<(&str, Option<&PathBuf>)> = settings.config.text.lexicons().to_vec();
    for (id, _, lex) in rules::RULES {
        if let Some(name) = lex {
            lexicons.push((name, settings.config.rules.get(*id).and_then(|r| r.lexicon.as_ref())));
        }
    }
    for (name, path) in lexicons {
        h.update(crate::lexicons::text(name, path.map(|p| p.as_path())).unwrap_or_default());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn table_counts(files: &[InputFile]) -> BTreeMap<&'static str, TableCounts> {
    let mut out = BTreeMap::new();
    for t in ["messages", "orders", "agents"] {
        let f = files.iter().filter(|f| f.table == t);
        let c = f.fold(
            TableCounts {
                rows_read: 0,
                rows_used: 0,
                rows_rejected: 0,
                rows_deduplicated: 0,
            },
            |mut c, f| {
                c.rows_read += f.rows_read;
                c.rows_used += f.rows_used;
                c.rows_rejected += f.rows_rejected;
                c.rows_deduplicated += f.rows_deduplicated;
                c
            },
        );
        out.insert(t, c);
    }
    out
}

/// Builds an output table: rows `range` of it, or (for tables written whole) all of it.
type Build<'a> = Box<dyn Fn(Range<usize>) -> PolarsResult<DataFrame> + 'a>;

/// A table built and written in one piece.
fn whole<'a>(f: impl Fn() -> PolarsResult<DataFrame> + 'a) -> (Option<usize>, Build<'a>) {
    (None, Box::new(move |_| f()))
}

/// Runs the whole job and writes every table; returns the manifest.
pub fn run(settings: &Settings) -> Result<Manifest> {
    run_keep(settings).map(|(m, _)| m)
}

/// [`run`], also returning the analysis (for benchmarks that inspect it).
pub fn run_keep(settings: &Settings) -> Result<(Manifest, Analysis)> {
    let t0 = Instant::now();
    let staging = Staging::new(&settings.config.output.dir)?;
    let a = analyse(settings)?;
    let ts = Instant::now();
    let names = &a.engine.intents.names;
    let session_intents = topics::session_intents(&a.conv, &a.staged.messages, &a.text);
    // Each table is built, written and dropped before the next, and those with
    // a row per message, session, turn, order or violation are written in
    // slices, so only one slice of one output frame is in memory at a time.
    let (m, conv, text, engine) = (&a.staged.messages, &a.conv, &a.text, &a.engine);
    let tables: Vec<(&'static str, (Option<usize>, Build))> = vec![
        (
            "messages",
            (Some(m.len()), Box::new(|r| tables::messages(conv, m, text, engine, r))),
        ),
        (
            "sessions",
            (
                Some(conv.sessions.len()),
                Box::new(|r| tables::sessions(conv, m, &session_intents, names, r)),
            ),
        ),
        (
            "question_intents",
            whole(|| topics::question_intents(&a.engine.intents, conv, m, text, &a.words)),
        ),
        ("hot_words", whole(|| topics::hot_words(&a.words))),
        (
            "shop_daily",
            whole(|| funnel::shop_daily(conv, &a.staged.orders, &a.attributions)),
        ),
        ("hourly_load", whole(|| funnel::hourly_load(conv, m))),
        ("turns", (Some(conv.turns.len()), Box::new(|r| tables::turns(conv, r)))),
        (
            "order_attribution",
            (
                Some(a.attributions.len()),
                Box::new(|r| tables::order_attribution(conv, &a.staged.orders, &a.attributions, r)),
            ),
        ),
        (
            "violations",
            (
                Some(a.violations.len()),
                Box::new(|r| tables::violations(conv, m, &a.violations, r)),
            ),
        ),
        ("agent_daily", whole(|| Ok(a.agent_daily.clone()))),
        ("agent_weekly", whole(|| Ok(a.agent_weekly.clone()))),
        ("rejects", whole(|| tables::rejects(&a.staged.rejects))),
    ];
    let mut outputs = BTreeMap::new();
    for (name, (rows, build)) in tables {
        let t = Instant::now();
        let n = match rows {
            Some(n) => {
                staging.write_table_slices(name, n, &build)?;
                n
            }
            None => {
                let mut df = build(0..0)?;
                staging.write_table(name, &mut df)?;
                df.height()
            }
        };
        tracing::debug!(
            table = name,
            rows = n,
            ms = t.elapsed().as_millis() as u64,
            peak_rss_mb = crate::bench::peak_rss_bytes().unwrap_or(0) / 1_000_000,
            "table written"
        );
        outputs.insert(name, n as u64);
    }
    let mut stage_ms = a.timings.clone();
    stage_ms.insert(
        format!("{:02}_sink", stage_ms.len() + 1),
        ts.elapsed().as_millis() as u64,
    );
    let manifest = Manifest {
        kefu_version: env!("CARGO_PKG_VERSION"),
        config: settings.config_path.as_ref().map(|p| p.display().to_string()),
        config_hash: config_hash(settings),
        timezone: settings.zone.name(),
        tables: table_counts(&a.staged.files),
        inputs: a.staged.files.clone(),
        outputs,
        stage_ms,
        wall_ms: t0.elapsed().as_millis() as u64,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| KefuError::Other(e.to_string()))?;
    staging.write_file("manifest.json", &json)?;
    if settings.config.output.report {
        crate::report::write(staging.path())?;
    }
    staging.commit()?;
    Ok((manifest, a))
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
