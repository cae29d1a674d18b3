//! `kefu bench`: reproducible measurements whose results are committed under
//! `benches/results/`. Speed and memory live here, never in timed tests.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
        let score = segeval::score(&gold, |s| engine.tokenize(s).tokens().map(str::to_owned).collect());
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
    proc_status_kb("VmHWM:").map(|kb| kb * 1024)
}

/// Resident memory of this process now, from /proc (Linux).
pub fn rss_bytes() -> Option<u64> {
    proc_status_kb("VmRSS:").map(|kb| kb * 1024)
}

fn proc_status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Figures the peers compute too; the bench checks they agree exactly. The
/// peers have no text layer, so for this check an inquiry is any buyer-started
/// session with an agent message (kefu also drops after-sales sessions).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub sessions: u64,
    pub turns: u64,
    pub unanswered_turns: u64,
    pub in_hours_answered_turns: u64,
    pub response_capped_sum_ms: i64,
    pub first_response_sum_ms: i64,
    /// `shop|agent` → [credited orders, credited paid orders, credited paid fen].
    pub agents: BTreeMap<String, [i64; 3]>,
}

pub fn figures(a: &crate::pipeline::Analysis, m: &crate::config::Metrics) -> Figures {
    let cap = m.response_cap_secs as i64 * 1000;
    let turns = &a.conv.turns;
    let mut f = Figures {
        sessions: a.conv.sessions.len() as u64,
        turns: turns.len() as u64,
        unanswered_turns: turns.iter().filter(|t| !t.answered()).count() as u64,
        in_hours_answered_turns: turns.iter().filter(|t| t.answered() && t.in_service_hours).count() as u64,
        response_capped_sum_ms: turns
            .iter()
            .filter(|t| t.in_service_hours)
            .filter_map(|t| t.response_ms.map(|r| r.min(cap)))
            .sum(),
        first_response_sum_ms: a.conv.sessions.iter().filter_map(|s| s.first_response_ms).sum(),
        agents: BTreeMap::new(),
    };
    let mut sessions = a.conv.sessions.clone();
    for s in &mut sessions {
        s.is_inquiry = s.buyer_started && s.n_agent_msgs > 0;
    }
    for at in crate::conversion::attribute(&a.staged.messages, &sessions, &a.staged.orders, m) {
        let (Some(agent), Some(_)) = (at.agent_id, at.session) else {
            continue;
        };
        let o = &a.staged.orders[at.order];
        let e = f.agents.entry(format!("{}|{agent}", o.shop_id)).or_default();
        e[0] += 1;
        if o.paid_ts.is_some() {
            e[1] += 1;
            e[2] += o.amount_fen;
        }
    }
    f
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PeerRun {
    pub name: String,
    pub wall_s: f64,
    pub timings_s: BTreeMap<String, f64>,
    pub agrees_with_kefu: bool,
    /// Peer wall time ÷ kefu wall time.
    pub kefu_speedup_end_to_end: f64,
    /// Peer's load + columnar stages ÷ kefu's ingest + sessions + conversion.
    pub kefu_speedup_columnar: f64,
    /// Peer's jieba tokenization ÷ kefu's text stage.
    pub kefu_speedup_text: f64,
}

#[derive(Debug, Deserialize)]
struct PeerOutput {
    figures: Figures,
    timings_s: BTreeMap<String, f64>,
}

/// Runs one peer script on the data and compares it with kefu.
fn run_peer(
    script: &Path,
    data: &Path,
    work: &Path,
    kefu: &Figures,
    kefu_ms: &BTreeMap<String, u64>,
    kefu_wall_ms: u64,
) -> Result<PeerRun> {
    let name = script
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let out = work.join(format!("{name}.json"));
    let t = Instant::now();
    let status = std::process::Command::new("python3")
        .arg(script)
        .arg(data)
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| KefuError::io(script, e))?;
    let wall_s = t.elapsed().as_secs_f64();
    if !status.success() {
        return Err(KefuError::Other(format!(
            "{} failed ({status}); pip install -r benches/peers/requirements.txt",
            script.display()
        )));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| KefuError::io(&out, e))?;
    let p: PeerOutput = serde_json::from_str(&text).map_err(|e| KefuError::input(&out, e.to_string()))?;
    let stage = |suffix: &str| {
        kefu_ms
            .iter()
            .filter(|(k, _)| k.ends_with(suffix))
            .map(|(_, v)| *v)
            .sum::<u64>() as f64
            / 1000.0
    };
    let kefu_columnar = (stage("_ingest") + stage("_sessions") + stage("_conversion")).max(1e-3);
    let peer_text = p.timings_s.get("tokenize").copied().unwrap_or(0.0);
    let peer_columnar: f64 = p
        .timings_s
        .iter()
        .filter(|(k, _)| k.as_str() != "tokenize")
        .map(|(_, v)| v)
        .sum();
    Ok(PeerRun {
        agrees_with_kefu: &p.figures == kefu,
        kefu_speedup_end_to_end: wall_s / (kefu_wall_ms.max(1) as f64 / 1000.0),
        kefu_speedup_columnar: peer_columnar / kefu_columnar,
        kefu_speedup_text: peer_text / stage("_text").max(1e-3),
        name,
        wall_s,
        timings_s: p.timings_s,
    })
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
    /// Raw `Jieba::cut` (jieba's dictionary, the job's HMM setting) over the same message texts on all threads
    /// (best of three rounds, taking turns with kefu's tokenizer).
    pub raw_jieba_ms: u64,
    pub raw_jieba_mb_per_sec: f64,
    /// kefu's tokenizer alone (its dictionary, token boundaries) on the same texts (best of three rounds).
    pub kefu_tokenize_ms: u64,
    /// Raw jieba time ÷ kefu tokenizer time (1.0 = as fast as raw jieba).
    pub tokenize_vs_raw_jieba: f64,
    /// Raw jieba time ÷ the whole text stage (segmentation, flags, lexicon hits, intents).
    pub text_stage_vs_raw_jieba: f64,
    pub peak_rss_bytes: Option<u64>,
    pub figures: Figures,
    pub peers: Vec<PeerRun>,
}

const TOKENIZER_ROUNDS: usize = 3;

/// Generates `sessions_per_day` × days × shops sessions into `work`, runs the
/// whole pipeline on them and measures it.
pub fn pipeline(work: &Path, spec: &crate::generate::Spec, peers: bool) -> Result<PipelineReport> {
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
    let (manifest, analysis) = crate::pipeline::run_keep(&settings)?;
    let peak = peak_rss_bytes();
    let figures = figures(&analysis, settings.metrics());

    // Raw jieba over the same texts, for the tokenizer-limit comparison.
    let texts: Vec<&str> = analysis.staged.messages.iter().map(|m| &*m.content).collect();
    let text_bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    // Raw jieba and kefu's tokenizer take turns, three rounds, and each keeps
    // its best time: on a shared VM one pass of each moves by ±20%.
    let jieba = jieba_rs::Jieba::new();
    let hmm = settings.config.text.hmm;
    let (engine, _) = crate::pipeline::text_engine(&settings)?;
    let (mut raw_ms, mut tok_ms) = (u64::MAX, u64::MAX);
    for _ in 0..TOKENIZER_ROUNDS {
        let t = Instant::now();
        let n: usize = texts.par_iter().map(|s| jieba.cut(s, hmm).len()).sum();
        raw_ms = raw_ms.min(t.elapsed().as_millis().max(1) as u64);
        tracing::debug!(tokens = n, "raw jieba");
        let t = Instant::now();
        let n: usize = texts.par_iter().map(|s| engine.tokenize(s).tokens().count()).sum();
        tok_ms = tok_ms.min(t.elapsed().as_millis().max(1) as u64);
        tracing::debug!(tokens = n, "kefu tokenize");
    }
    let text_ms = manifest
        .stage_ms
        .iter()
        .find(|(k, _)| k.ends_with("_text"))
        .map(|(_, v)| *v)
        .unwrap_or(0)
        .max(1);
    let messages = manifest.tables.get("messages").map(|c| c.rows_used).unwrap_or(0);
    let mb = text_bytes as f64 / 1e6;
    drop(texts);
    drop(analysis);
    let mut peer_runs = Vec::new();
    if peers {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers");
        for script in ["pandas_jieba.py", "duckdb_peer.py"] {
            let r = run_peer(
                &dir.join(script),
                &data,
                work,
                &figures,
                &manifest.stage_ms,
                manifest.wall_ms,
            )?;
            if !r.agrees_with_kefu {
                return Err(KefuError::Other(format!(
                    "{} disagrees with kefu on the shared figures; see {}",
                    r.name,
                    work.join(format!("{}.json", r.name)).display()
                )));
            }
            peer_runs.push(r);
        }
    }
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
        kefu_tokenize_ms: tok_ms,
        tokenize_vs_raw_jieba: raw_ms as f64 / tok_ms as f64,
        text_stage_vs_raw_jieba: raw_ms as f64 / text_ms as f64,
        stage_ms: manifest.stage_ms,
        peak_rss_bytes: peak,
        figures,
        peers: peer_runs,
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
