//! Pipeline configuration: the TOML job file (`pipelines/*.toml`) and its
//! validation into [`Settings`]. Every struct rejects unknown keys so a typo
//! fails loudly (exit 2) instead of silently falling back to a default.
//! The doc comments on the fields are the reference for each key.
//!
//! Relative paths in the TOML are resolved against the TOML file's folder, as
//! Cargo does; paths given on the command line against the working directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{KefuError, Result};
use crate::timeutil::Zone;

/// The whole job file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    #[serde(default)]
    pub input: InputConfig,
    #[serde(default)]
    pub output: OutputConfig,
    #[serde(default)]
    pub metrics: Metrics,
    #[serde(default)]
    pub text: TextConfig,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub scoring: ScoringConfig,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// Files or folders of chat messages (`.csv`, `.jsonl`, `.parquet`, 千牛 `.txt`).
    /// Folders are read recursively.
    #[serde(default)]
    pub messages: Vec<PathBuf>,
    /// Files or folders of orders (`.csv`, `.jsonl`, `.parquet`). May be empty.
    #[serde(default)]
    pub orders: Vec<PathBuf>,
    /// Optional agent roster (`agent_id, name, team`).
    #[serde(default)]
    pub agents: Option<PathBuf>,
    /// Shop for 千牛 transcripts whose nicks carry none (no `店铺:客服` nick);
    /// without it the file name (without extension) is used.
    #[serde(default)]
    pub shop: Option<String>,
    /// Regex for the message header line of a 千牛 client not recognised
    /// out of the box; must have named groups `nick` and `time`.
    #[serde(default)]
    pub transcript_header: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Output folder; replaced as a whole, atomically, at the end of a run.
    #[serde(default = "default_out")]
    pub dir: PathBuf,
    /// Also write `report.html` (the weekly review page) into the output folder.
    #[serde(default)]
    pub report: bool,
}

fn default_out() -> PathBuf {
    PathBuf::from("out")
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: default_out(),
            report: false,
        }
    }
}

/// Definitions of CONTRACT §4. Every key here is named as in the contract.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Metrics {
    /// IANA zone of naive timestamps; dates, ISO weeks and service hours are local to it.
    pub timezone: String,
    /// A buyer message opens a new session after this much silence, unless a buyer
    /// message is still waiting for an answer.
    pub session_gap_minutes: u32,
    /// Any message this long after the previous one opens a new session, waiting or not.
    pub max_wait_hours: u32,
    /// `HH:MM-HH:MM`: turns starting inside enter response-time averages and rates.
    pub service_hours: String,
    /// Each response time is capped at this before averaging (Taobao: 600 s).
    pub response_cap_secs: u32,
    /// A turn answered within this counts towards `response_3min_rate`.
    pub response_fast_secs: u32,
    /// Orders are attributed until the end of this calendar day counted from the
    /// inquiry's day (1 = same day only).
    pub attribution_days: u32,
    /// `"last"`: the last agent who answered before the order; `"first"`: the first agent.
    pub credit: Credit,
    /// An order with no buyer message in this many hours before it is 静默下单.
    pub silent_lookback_hours: u32,
    /// `slow_first_response` fires above this first response time.
    pub first_response_slow_secs: f64,
    /// `slow_reply` fires when a later turn waits longer than this.
    pub reply_slow_secs: f64,
    /// `missed_follow_up` fires when a "稍等/我去查" is not followed by a substantive
    /// message within this many seconds.
    pub follow_up_secs: f64,
    /// A first question is stalled after this many filler rounds.
    pub stall_rounds_min: u32,
    /// `repeat_question`: token Jaccard similarity at or above this is "the same question".
    pub repeat_similarity: f64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            timezone: "Asia/Shanghai".into(),
            session_gap_minutes: 30,
            max_wait_hours: 24,
            service_hours: "08:00-23:00".into(),
            response_cap_secs: 600,
            response_fast_secs: 180,
            attribution_days: 2,
            credit: Credit::Last,
            silent_lookback_hours: 24,
            first_response_slow_secs: 30.0,
            reply_slow_secs: 180.0,
            follow_up_secs: 900.0,
            stall_rounds_min: 2,
            repeat_similarity: 0.6,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Credit {
    Last,
    First,
}

/// The text layer: segmentation dictionary and the lexicons that classify
/// messages. Each lexicon is a UTF-8 file, one word or phrase a line, `#`
/// starts a comment. A lexicon not named here uses kefu's built-in copy of
/// `pipelines/lexicons/<name>.txt`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextConfig {
    /// jieba user dictionary (`word [freq] [tag]` a line) added to jieba's own.
    pub user_dict: Option<PathBuf>,
    /// Use jieba's HMM for words in no dictionary. Off by default: it lowers
    /// F1 on the PKU gold set from 0.836 to 0.818 (`kefu bench segmentation`).
    pub hmm: bool,
    /// Interrogative words that make a buyer message a question.
    pub question: Option<PathBuf>,
    /// Greetings that alone are not a question (在吗, 你好 …).
    pub greeting: Option<PathBuf>,
    /// Filler: an agent message made only of these is not a substantive answer.
    pub filler: Option<PathBuf>,
    /// Particles and interjections dropped before the filler and greeting tests.
    pub particles: Option<PathBuf>,
    /// Buyer words that make a session after-sales (refund, logistics, damage …).
    pub after_sales: Option<PathBuf>,
    /// Buyer closings (好的/谢谢/拜拜) that need no answer.
    pub closing: Option<PathBuf>,
    /// Buyer question intents, `intent = word word …` a line.
    pub intents: Option<PathBuf>,
    /// Words left out of hot words and question similarity.
    pub stopwords: Option<PathBuf>,
}

impl TextConfig {
    /// (lexicon name, file if one is named), for loading and hashing.
    pub fn lexicons(&self) -> [(&'static str, Option<&PathBuf>); 9] {
        [
            ("user_dict", self.user_dict.as_ref()),
            ("question", self.question.as_ref()),
            ("greeting", self.greeting.as_ref()),
            ("filler", self.filler.as_ref()),
            ("particles", self.particles.as_ref()),
            ("after_sales", self.after_sales.as_ref()),
            ("closing", self.closing.as_ref()),
            ("intents", self.intents.as_ref()),
            ("stopwords", self.stopwords.as_ref()),
        ]
    }
}

/// One violation rule's switch and lexicon. Thresholds live under `[metrics]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// `false` switches the rule off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Replaces the rule's default lexicon file.
    #[serde(default)]
    pub lexicon: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            enabled: true,
            lexicon: None,
        }
    }
}

/// `[rules.<rule_id>]` tables; unknown rule ids are rejected at start.
pub type RulesConfig = std::collections::BTreeMap<String, RuleConfig>;

/// Weekly score: each component is scaled linearly between its `good` (100)
/// and `bad` (0) target, then weighted. Weights need not sum to 1: they are
/// normalised.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringConfig {
    /// Agents with fewer inquiries in the week are flagged `insufficient_sample`.
    pub min_inquiries: u32,
    pub components: std::collections::BTreeMap<String, ScoreComponent>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreComponent {
    pub weight: f64,
    pub good: f64,
    pub bad: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        let c = |weight, good, bad| ScoreComponent { weight, good, bad };
        let components = [
            ("conversion_rate", c(0.30, 0.60, 0.20)),
            ("first_response_avg_secs", c(0.10, 10.0, 60.0)),
            ("response_avg_secs", c(0.10, 20.0, 120.0)),
            ("response_3min_rate", c(0.10, 1.0, 0.7)),
            ("first_question_answer_rate", c(0.10, 1.0, 0.6)),
            ("violations_wait_per_100", c(0.10, 0.0, 30.0)),
            ("violations_think_per_100", c(0.10, 0.0, 20.0)),
            ("violations_annoy_per_100", c(0.10, 0.0, 10.0)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        ScoringConfig {
            min_inquiries: 10,
            components,
        }
    }
}

/// Score components kefu knows how to compute.
pub const SCORE_COMPONENTS: &[&str] = &[
    "conversion_rate",
    "first_response_avg_secs",
    "response_avg_secs",
    "response_3min_rate",
    "first_question_answer_rate",
    "violations_wait_per_100",
    "violations_think_per_100",
    "violations_annoy_per_100",
];

/// Service hours as seconds after local midnight, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceHours {
    pub start_sec: u32,
    pub end_sec: u32,
}

impl ServiceHours {
    pub fn parse(s: &str) -> Option<ServiceHours> {
        let (a, b) = s.split_once('-')?;
        let hm = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 3600 + m * 60)
        };
        let (start_sec, end_sec) = (hm(a)?, hm(b)?);
        (start_sec < end_sec).then_some(ServiceHours { start_sec, end_sec })
    }
    pub fn contains(&self, sec_of_day: u32) -> bool {
        sec_of_day >= self.start_sec && sec_of_day < self.end_sec
    }
}

/// A validated, fully resolved configuration: what the stages read.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: PipelineConfig,
    pub zone: Zone,
    pub service_hours: ServiceHours,
    pub transcript_header: Option<regex::Regex>,
    /// Where the TOML came from (for the manifest); `None` = built-in defaults.
    pub config_path: Option<PathBuf>,
}

impl Settings {
    pub fn metrics(&self) -> &Metrics {
        &self.config.metrics
    }
}

/// `base/rel` with `.` and `..` folded away where possible, so paths in the
/// manifest read `data_samples/x.csv` rather than `pipelines/../data_samples/x.csv`.
pub fn lexical_join(base: &Path, rel: &Path) -> PathBuf {
    use std::path::Component;
    let joined = base.join(rel);
    let mut out: Vec<Component> = Vec::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// Reads and parses a TOML job file, resolving its relative paths against its folder.
pub fn load(path: &Path) -> Result<PipelineConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| KefuError::Config(format!("cannot read config {}: {e}", path.display())))?;
    let mut cfg: PipelineConfig =
        toml::from_str(&text).map_err(|e| KefuError::Config(format!("{}: {e}", path.display())))?;
    let base = path.parent().unwrap_or(Path::new("."));
    cfg.resolve_paths(base);
    Ok(cfg)
}

impl PipelineConfig {
    /// Makes every relative path absolute-ish by joining it to `base`.
    pub fn resolve_paths(&mut self, base: &Path) {
        let j = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = lexical_join(base, p);
            }
        };
        self.input.messages.iter_mut().for_each(j);
        self.input.orders.iter_mut().for_each(j);
        if let Some(p) = self.input.agents.as_mut() {
            j(p)
        }
        j(&mut self.output.dir);
        let t = &mut self.text;
        for p in [
            &mut t.user_dict,
            &mut t.question,
            &mut t.greeting,
            &mut t.filler,
            &mut t.particles,
            &mut t.after_sales,
            &mut t.closing,
            &mut t.intents,
            &mut t.stopwords,
        ]
        .into_iter()
        .flatten()
        {
            j(p)
        }
        for r in self.rules.values_mut() {
            if let Some(p) = r.lexicon.as_mut() {
                j(p)
            }
        }
    }

    /// Checks every value and builds the settings the stages use. Errors name the key.
    pub fn validate(self, config_path: Option<PathBuf>) -> Result<Settings> {
        let m = &self.metrics;
        let bad = |k: &str, why: &str| KefuError::Config(format!("[metrics] {k}: {why}"));
        let zone =
            Zone::parse(&m.timezone).ok_or_else(|| bad("timezone", &format!("unknown time zone {:?}", m.timezone)))?;
        let service_hours = ServiceHours::parse(&m.service_hours).ok_or_else(|| {
            bad(
                "service_hours",
                &format!("expected \"HH:MM-HH:MM\" with start < end, got {:?}", m.service_hours),
            )
        })?;
        if m.session_gap_minutes == 0 {
            return Err(bad("session_gap_minutes", "must be at least 1"));
        }
        if m.max_wait_hours == 0 || (m.max_wait_hours as u64) * 60 < m.session_gap_minutes as u64 {
            return Err(bad(
                "max_wait_hours",
                "must be at least 1 and not shorter than session_gap_minutes",
            ));
        }
        if m.response_cap_secs == 0 {
            return Err(bad("response_cap_secs", "must be at least 1"));
        }
        if m.attribution_days == 0 {
            return Err(bad("attribution_days", "must be at least 1 (1 = same day only)"));
        }
        for (k, v) in [
            ("first_response_slow_secs", m.first_response_slow_secs),
            ("reply_slow_secs", m.reply_slow_secs),
            ("follow_up_secs", m.follow_up_secs),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(k, "must be a non-negative number of seconds"));
            }
        }
        if !(m.repeat_similarity > 0.0 && m.repeat_similarity <= 1.0) {
            return Err(bad("repeat_similarity", "must be in (0, 1]"));
        }
        for (id, _) in self.rules.iter() {
            if crate::rules::rule_category(id).is_none() {
                return Err(KefuError::Config(format!(
                    "[rules.{id}]: unknown rule id; known rules: {}",
                    crate::rules::RULES.iter().map(|r| r.0).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        for (name, c) in &self.scoring.components {
            if !SCORE_COMPONENTS.contains(&name.as_str()) {
                return Err(KefuError::Config(format!(
                    "[scoring.components.{name}]: unknown component; known: {}",
                    SCORE_COMPONENTS.join(", ")
                )));
            }
            let valid =
                c.weight.is_finite() && c.weight >= 0.0 && c.good.is_finite() && c.bad.is_finite() && c.good != c.bad;
            if !valid {
                return Err(KefuError::Config(format!(
                    "[scoring.components.{name}]: weight must be >= 0 and good != bad"
                )));
            }
        }
        let transcript_header = match &self.input.transcript_header {
            None => None,
            Some(re) => {
                let r = regex::Regex::new(re)
                    .map_err(|e| KefuError::Config(format!("[input] transcript_header: bad regex: {e}")))?;
                let names: Vec<_> = r.capture_names().flatten().collect();
                if !names.contains(&"nick") || !names.contains(&"time") {
                    return Err(KefuError::Config(
                        "[input] transcript_header: needs named groups (?P<nick>…) and (?P<time>…)".into(),
                    ));
                }
                Some(r)
            }
        };
        let mut files: Vec<(String, &PathBuf)> = self
            .text
            .lexicons()
            .into_iter()
            .filter_map(|(name, p)| p.map(|p| (format!("[text] {name}"), p)))
            .collect();
        for (id, r) in &self.rules {
            if let Some(p) = r.lexicon.as_ref().filter(|_| r.enabled) {
                files.push((format!("[rules.{id}] lexicon"), p));
            }
        }
        for (key, p) in files {
            if !p.is_file() {
                return Err(KefuError::Config(format!(
                    "{key}: lexicon file {} not found",
                    p.display()
                )));
            }
        }
        Ok(Settings {
            zone,
            service_hours,
            transcript_header,
            config_path,
            config: self,
        })
    }
}
