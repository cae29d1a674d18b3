//! `kefu bench`: reproducible measurements whose results are committed under
//! `benches/results/`. Speed and memory live here, never in timed tests.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::TextConfig;
use crate::error::{KefuError, Result};
use crate::segeval::{self, SegScore};
use crate::text::TextEngine;

#[derive(Debug, Serialize)]
pub struct SegVariant {
    pub name: &'static str,
    pub hmm: bool,
    pub dictionary: &'static str,
    #[serde(flatten)]
    pub score: SegScore,
}

#[derive(Debug, Serialize)]
pub struct SegReport {
    pub gold: String,
    pub sentences: usize,
    pub variants: Vec<SegVariant>,
}

/// P/R/F1 of jieba's own dictionary and of kefu's (user dictionary and
/// lexicon phrases added), each with and without HMM.
pub fn segmentation(gold_path: &Path, text: &TextConfig) -> Result<SegReport> {
    let gold = segeval::read_gold(gold_path)?;
    let plain = jieba_rs::Jieba::new();
    let mut variants = Vec::new();
    for hmm in [true, false] {
        let score = segeval::score(&gold, |s| {
            plain.cut(s, hmm).into_iter().map(|t| t.word.to_owned()).collect()
        });
        variants.push(SegVariant {
            name: "jieba",
            hmm,
            dictionary: "jieba default",
            score,
        });
    }
    for hmm in [true, false] {
        let mut cfg = text.clone();
        cfg.hmm = hmm;
        let engine = TextEngine::load(&cfg)?;
        let score = segeval::score(&gold, |s| {
            engine.tokenize(s).tokens.into_iter().map(str::to_owned).collect()
        });
        variants.push(SegVariant {
            name: "kefu",
            hmm,
            dictionary: "jieba default + kefu user_dict + lexicons",
            score,
        });
    }
    Ok(SegReport {
        gold: gold_path.display().to_string(),
        sentences: gold.len(),
        variants,
    })
}

/// Peak resident memory of this process so far, from /proc (Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[derive(Debug, Serialize)]
pub struct PipelineReport {
    pub messages: u64,
    pub text_bytes: u64,
    pub threads: usize,
    pub build_profile: &'static str,
    pub stage_ms: std::collections::BTreeMap<String, u64>,
    pub wall_ms: u64,
    pub messages_per_sec: f64,
    pub text_mb_per_sec: f64,
    /// Raw `Jieba::cut` over the same message texts on all threads.
    pub raw_jieba_ms: u64,
    pub raw_jieba_mb_per_sec: f64,
    /// kefu's text stage (segmentation, flags, lexicon hits, intents) per raw jieba.
    pub text_stage_vs_raw_jieba: f64,
    pub peak_rss_bytes: Option<u64>,
}

/// Generates `sessions_per_day` × days × shops sessions into `work`, runs the
/// whole pipeline on them and measures it.
pub fn pipeline(work: &Path, spec: &crate::generate::Spec) -> Result<PipelineReport> {
    let data = work.join("data");
    if data.exists() {
        std::fs::remove_dir_all(&data).map_err(|e| KefuError::io(&data, e))?;
    }
    crate::generate::write(&data, spec)?;
    let mut cfg = crate::config::PipelineConfig::default();
    cfg.input.messages = vec![data.join("messages")];
    cfg.input.orders = vec![data.join("orders")];
    cfg.input.agents = Some(data.join("agents.csv"));
    cfg.output.dir = work.join("out");
    let settings = cfg.validate(None)?;
    let manifest = crate::pipeline::run(&settings)?;
    let peak = peak_rss_bytes();

    // Raw jieba over the same texts, for the tokenizer-limit comparison.
    let staged = crate::ingest::stage(&settings)?;
    let texts: Vec<&str> = staged.messages.iter().map(|m| m.content.as_str()).collect();
    let text_bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let jieba = jieba_rs::Jieba::new();
    let t = Instant::now();
    let n: usize = texts.par_iter().map(|s| jieba.cut(s, true).len()).sum();
    let raw_ms = t.elapsed().as_millis().max(1) as u64;
    tracing::debug!(tokens = n, "raw jieba");
    let text_ms = manifest
        .stage_ms
        .iter()
        .find(|(k, _)| k.ends_with("_text"))
        .map(|(_, v)| *v)
        .unwrap_or(0)
        .max(1);
    let messages = manifest.tables.get("messages").map(|c| c.rows_used).unwrap_or(0);
    let mb = text_bytes as f64 / 1e6;
    Ok(PipelineReport {
        messages,
        text_bytes,
        threads: rayon::current_num_threads(),
        build_profile: if cfg!(debug_assertions) { "dev" } else { "release" },
        wall_ms: manifest.wall_ms,
        messages_per_sec: messages as f64 / (manifest.wall_ms.max(1) as f64 / 1000.0),
        text_mb_per_sec: mb / (manifest.wall_ms.max(1) as f64 / 1000.0),
        raw_jieba_ms: raw_ms,
        raw_jieba_mb_per_sec: mb / (raw_ms as f64 / 1000.0),
        text_stage_vs_raw_jieba: raw_ms as f64 / text_ms as f64,
        stage_ms: manifest.stage_ms,
        peak_rss_bytes: peak,
    })
}

/// Writes a report as pretty JSON, creating the folder.
pub fn write_json<T: Serialize>(path: &PathBuf, value: &T) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| KefuError::io(dir, e))?;
    }
    let json = serde_json::to_vec_pretty(value).map_err(|e| KefuError::Other(e.to_string()))?;
    std::fs::write(path, json).map_err(|e| KefuError::io(path, e))
}
