//! The settings a job resolves to: every value parsed, checked and typed
//! (zones, durations, service hours, rule ids, score columns, compiled
//! regexes), so no stage reads a raw string from the job file. `config/`
//! builds them from a TOML file or the built-in defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::core::registry::{RuleBits, RuleId};
use crate::core::schema::Col;
use crate::core::time::Zone;

/// Everything a run needs to know, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The job file, or `None` for the built-in default job.
    pub job: Option<PathBuf>,
    /// SHA-256 of the resolved job and every lexicon it uses (for the manifest).
    pub hash: String,
    pub input: Input,
    pub output: Output,
    pub metrics: Metrics,
    pub text: Text,
    pub rules: Rules,
    pub scoring: Scoring,
}

#[derive(Debug, Clone, Default)]
pub struct Input {
    pub messages: Vec<PathBuf>,
    pub orders: Vec<PathBuf>,
    pub agents: Option<PathBuf>,
    /// Optional inputs: refunds, buyers (CRM), sales targets, satisfaction
    /// ratings, order reviews.
    pub refunds: Vec<PathBuf>,
    pub buyers: Vec<PathBuf>,
    pub targets: Vec<PathBuf>,
    pub ratings: Vec<PathBuf>,
    pub reviews: Vec<PathBuf>,
    /// Shop of 千牛 transcripts whose nicks carry none.
    pub shop: Option<String>,
    /// Header line of a 千牛 client kefu does not know, with groups `nick` and `time`.
    pub transcript_header: Option<regex::Regex>,
    /// A partitioned run's pass keeps only one bucket's rows (none: all rows).
    pub route: Option<crate::core::bucket::Route>,
}

impl Input {
    /// Every file or folder the job reads.
    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        let lists = [
            &self.messages,
            &self.orders,
            &self.refunds,
            &self.buyers,
            &self.targets,
            &self.ratings,
            &self.reviews,
        ];
        lists.into_iter().flatten().chain(self.agents.iter())
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub dir: PathBuf,
    pub report: bool,
}

/// Which agent an order is credited to (落实) inside its inquiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credit {
    /// The last agent who wrote at or before the order.
    Last,
    /// The inquiry's first agent.
    First,
}

/// Service hours as seconds after local midnight, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceHours {
    pub start_sec: u32,
    pub end_sec: u32,
}

impl ServiceHours {
    /// `HH:MM-HH:MM` with start < end.
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

/// The definitions of CONTRACT §4, as the stages use them.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub zone: Zone,
    pub session_gap_ms: i64,
    pub max_wait_ms: i64,
    pub service_hours: ServiceHours,
    pub response_cap_ms: i64,
    pub response_fast_ms: i64,
    /// Orders until the end of this calendar day from the inquiry's day count (1 = same day).
    pub attribution_days: u32,
    pub credit: Credit,
    pub silent_lookback_ms: i64,
    /// Rule thresholds in seconds, as the `violations.threshold` column shows them.
    pub first_response_slow_secs: f64,
    pub reply_slow_secs: f64,
    pub follow_up_secs: f64,
    pub stall_rounds_min: u32,
    pub repeat_similarity: f64,
    /// 落实客单价, sales share and target completion count sales net of refunds.
    pub sales_net_of_refunds: bool,
    /// 催付: an order unpaid this long after creation is chaseable.
    pub chase_min_wait_ms: i64,
    /// 催付: chases and payments count until this long after creation.
    pub chase_window_ms: i64,
    /// 催付: the chase must hit the `pay_urge` lexicon.
    pub chase_requires_phrase: bool,
    /// A buyer waiting this long in service hours is a slow buyer.
    pub slow_response_ms: i64,
    /// A session longer than this is a long reception.
    pub long_reception_ms: i64,
    /// How long after a session's last message a rating named by buyer and time may come.
    pub rating_window_ms: i64,
}

/// The text layer's switches and the lexicon files that replace built-in ones.
#[derive(Debug, Clone, Default)]
pub struct Text {
    pub hmm: bool,
    /// Lexicon name (`question`, `filler`, …, `user_dict`) → file replacing the built-in copy.
    pub lexicons: BTreeMap<&'static str, PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub enabled: RuleBits,
    /// Files replacing a rule's built-in lexicon.
    pub lexicons: BTreeMap<RuleId, PathBuf>,
}

/// One weekly score component.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    /// The `agent_weekly` column scored.
    pub column: Col,
    /// Where its points (0–100) go.
    pub points: Col,
    pub weight: f64,
    /// The value worth 100 points.
    pub good: f64,
    /// The value worth 0 points.
    pub bad: f64,
}

#[derive(Debug, Clone)]
pub struct Scoring {
    pub min_inquiries: u32,
    /// In the order of their `points` column names.
    pub components: Vec<Component>,
}

impl Settings {
    /// The file replacing built-in lexicon `name`, if the job names one:
    /// a text lexicon by its key, a rule's by the rule (only when it is enabled).
    pub fn lexicon_file(&self, name: &str) -> Option<&Path> {
        if let Some(p) = self.text.lexicons.get(name) {
            return Some(p);
        }
        self.rules
            .lexicons
            .iter()
            .find(|(r, _)| r.def().lexicon == Some(name) && self.rules.enabled.contains(**r))
            .map(|(_, p)| p.as_path())
    }
}
