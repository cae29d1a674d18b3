//! From a job to [`Settings`]: read the TOML job file (or take the built-in
//! default job), apply the command line's overrides, check every value and
//! type it. Errors name the key (exit 2).
//!
//! Relative paths in the TOML are resolved against the TOML file's folder, as
//! Cargo does; paths given on the command line against the working directory.

mod file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use file::{
    Credit, InputConfig, Metrics, OutputConfig, PipelineConfig, RuleConfig, RulesConfig, ScoreComponent, ScoringConfig,
    TextConfig,
};

use crate::core::error::{KefuError, Result};
use crate::core::registry::{RuleBits, RuleId, RULES};
use crate::core::schema::SCORE_COMPONENTS;
use crate::core::settings::{self, Component, ServiceHours, Settings};
use crate::core::time::{Zone, MS_PER_SEC};
use crate::lexicon::builtin::{self, TEXT_LEXICONS};

/// The job `kefu run` runs when no `--config` is given, if it is in the
/// working directory (as it is in a kefu checkout).
pub const DEFAULT_JOB: &str = "pipelines/weekly_agent_scoring.toml";

/// Command-line values that replace the job's (paths relative to the working directory).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub messages: Vec<PathBuf>,
    pub orders: Vec<PathBuf>,
    pub agents: Option<PathBuf>,
    pub refunds: Vec<PathBuf>,
    pub buyers: Vec<PathBuf>,
    pub targets: Vec<PathBuf>,
    pub ratings: Vec<PathBuf>,
    pub reviews: Vec<PathBuf>,
    pub out: Option<PathBuf>,
    pub shop: Option<String>,
}

/// The job to run: `--config` if given, else [`DEFAULT_JOB`] if it is here,
/// else the built-in job (every default, the built-in lexicons, the report
/// on, inputs from the command line), so `kefu run --messages … --orders …`
/// works in any folder.
pub fn job(config: Option<&Path>, o: Overrides) -> Result<Settings> {
    let (mut cfg, path) = match config {
        Some(p) => (load(p)?, Some(p.to_path_buf())),
        None if Path::new(DEFAULT_JOB).is_file() => (load(Path::new(DEFAULT_JOB))?, Some(PathBuf::from(DEFAULT_JOB))),
        None => (builtin_job(), None),
    };
    o.apply(&mut cfg);
    cfg.validate(path)
}

/// The job when no job file is found: the defaults, with the weekly report.
pub fn builtin_job() -> PipelineConfig {
    let mut cfg = PipelineConfig::default();
    cfg.output.report = true;
    cfg
}

impl Overrides {
    fn apply(self, cfg: &mut PipelineConfig) {
        if !self.messages.is_empty() {
            cfg.input.messages = self.messages;
        }
        if !self.orders.is_empty() {
            cfg.input.orders = self.orders;
        }
        if self.agents.is_some() {
            cfg.input.agents = self.agents;
        }
        for (from, to) in [
            (self.refunds, &mut cfg.input.refunds),
            (self.buyers, &mut cfg.input.buyers),
            (self.targets, &mut cfg.input.targets),
            (self.ratings, &mut cfg.input.ratings),
            (self.reviews, &mut cfg.input.reviews),
        ] {
            if !from.is_empty() {
                *to = from;
            }
        }
        if let Some(out) = self.out {
            cfg.output.dir = out;
        }
        if self.shop.is_some() {
            cfg.input.shop = self.shop;
        }
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
    let key = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| KefuError::config(&key, format!("cannot read: {e}")))?;
    let mut cfg: PipelineConfig = toml::from_str(&text).map_err(|e| KefuError::config(&key, e.to_string()))?;
    cfg.resolve_paths(path.parent().unwrap_or(Path::new(".")));
    Ok(cfg)
}

fn bad(key: &str, why: impl Into<String>) -> KefuError {
    KefuError::config(format!("[metrics] {key}"), why)
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
        self.input.refunds.iter_mut().for_each(j);
        self.input.buyers.iter_mut().for_each(j);
        self.input.targets.iter_mut().for_each(j);
        self.input.ratings.iter_mut().for_each(j);
        self.input.reviews.iter_mut().for_each(j);
        if let Some(p) = self.input.agents.as_mut() {
            j(p)
        }
        j(&mut self.output.dir);
        for p in self.text.paths_mut().into_iter().flatten() {
            j(p)
        }
        for r in self.rules.values_mut() {
            if let Some(p) = r.lexicon.as_mut() {
                j(p)
            }
        }
    }

    /// Checks every value and builds the typed settings. Errors name the key.
    pub fn validate(self, job: Option<PathBuf>) -> Result<Settings> {
        let metrics = self.metrics.validate()?;
        let rules = self.rules_settings()?;
        let scoring = self.scoring.validate()?;
        let text = self.text_settings()?;
        let input = self.input_settings()?;
        Ok(Settings {
            hash: self.hash(),
            job,
            input,
            output: settings::Output {
                dir: self.output.dir,
                report: self.output.report,
            },
            metrics,
            text,
            rules,
            scoring,
        })
    }

    fn input_settings(&self) -> Result<settings::Input> {
        let transcript_header = match &self.input.transcript_header {
            None => None,
            Some(re) => {
                let key = "[input] transcript_header";
                let r = regex::Regex::new(re).map_err(|e| KefuError::config(key, format!("bad regex: {e}")))?;
                let names: Vec<_> = r.capture_names().flatten().collect();
                if !names.contains(&"nick") || !names.contains(&"time") {
                    return Err(KefuError::config(key, "needs named groups (?P<nick>…) and (?P<time>…)"));
                }
                Some(r)
            }
        };
        Ok(settings::Input {
            messages: self.input.messages.clone(),
            orders: self.input.orders.clone(),
            agents: self.input.agents.clone(),
            refunds: self.input.refunds.clone(),
            buyers: self.input.buyers.clone(),
            targets: self.input.targets.clone(),
            ratings: self.input.ratings.clone(),
            reviews: self.input.reviews.clone(),
            shop: self.input.shop.clone(),
            transcript_header,
            route: None,
        })
    }

    fn text_settings(&self) -> Result<settings::Text> {
        let mut lexicons = BTreeMap::new();
        for name in TEXT_LEXICONS {
            if let Some(p) = self.text.lexicon(name) {
                if !p.is_file() {
                    return Err(KefuError::config(
                        format!("[text] {name}"),
                        format!("lexicon file {} not found", p.display()),
                    ));
                }
                lexicons.insert(name, p.clone());
            }
        }
        Ok(settings::Text {
            hmm: self.text.hmm,
            lexicons,
        })
    }

    fn rules_settings(&self) -> Result<settings::Rules> {
        let mut enabled = RuleBits::DEFAULT;
        let mut lexicons = BTreeMap::new();
        for (id, rc) in &self.rules {
            let rule = RuleId::parse(id).ok_or_else(|| {
                let known: Vec<&str> = RULES.iter().map(|r| r.name).collect();
                KefuError::config(
                    format!("[rules.{id}]"),
                    format!("unknown rule id; known rules: {}", known.join(", ")),
                )
            })?;
            match rc.enabled {
                Some(true) => enabled.insert(rule),
                Some(false) => enabled.remove(rule),
                None => {}
            }
            // A named file must exist even for a rule that is off (a typo
            // should not wait until the rule is switched on); it is read
            // only when the rule runs.
            if let Some(p) = &rc.lexicon {
                if !p.is_file() {
                    return Err(KefuError::config(
                        format!("[rules.{id}] lexicon"),
                        format!("lexicon file {} not found", p.display()),
                    ));
                }
                if enabled.contains(rule) {
                    lexicons.insert(rule, p.clone());
                }
            }
        }
        Ok(settings::Rules { enabled, lexicons })
    }

    /// SHA-256 of the resolved job and every lexicon it can use, so two runs
    /// with the same hash used the same definitions. Where the inputs are
    /// read from and the output written is left out: the shards of one
    /// partitioned run (or a Spark task's hand-off files) read other paths
    /// with the same definitions, and their manifests must agree.
    fn hash(&self) -> String {
        let mut h = Sha256::new();
        let mut job = serde_json::to_value(self).unwrap_or_default();
        for t in INPUT_PATHS {
            if let Some(input) = job.get_mut("input").and_then(|v| v.as_object_mut()) {
                input.remove(t);
            }
        }
        if let Some(output) = job.get_mut("output").and_then(|v| v.as_object_mut()) {
            output.remove("dir");
        }
        h.update(serde_json::to_vec(&job).unwrap_or_default());
        for name in TEXT_LEXICONS {
            h.update(builtin::text(name, self.text.lexicon(name).map(|p| p.as_path())).unwrap_or_default());
        }
        for r in &RULES {
            if let Some(name) = r.lexicon {
                let path = self.rules.get(r.name).and_then(|c| c.lexicon.as_deref());
                h.update(builtin::text(name, path).unwrap_or_default());
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The `[input]` keys that only say where a table's files are.
const INPUT_PATHS: [&str; 8] = [
    "messages", "orders", "agents", "refunds", "buyers", "targets", "ratings", "reviews",
];

impl Metrics {
    fn validate(&self) -> Result<settings::Metrics> {
        let zone = Zone::parse(&self.timezone)
            .ok_or_else(|| bad("timezone", format!("unknown time zone {:?}", self.timezone)))?;
        let service_hours = ServiceHours::parse(&self.service_hours).ok_or_else(|| {
            bad(
                "service_hours",
                format!(
                    "expected \"HH:MM-HH:MM\" with start < end, got {:?}",
                    self.service_hours
                ),
            )
        })?;
        if self.session_gap_minutes == 0 {
            return Err(bad("session_gap_minutes", "must be at least 1"));
        }
        if self.max_wait_hours == 0 || (self.max_wait_hours as u64) * 60 < self.session_gap_minutes as u64 {
            return Err(bad(
                "max_wait_hours",
                "must be at least 1 and not shorter than session_gap_minutes",
            ));
        }
        if self.response_cap_secs == 0 {
            return Err(bad("response_cap_secs", "must be at least 1"));
        }
        if self.attribution_days == 0 {
            return Err(bad("attribution_days", "must be at least 1 (1 = same day only)"));
        }
        for (k, v) in [
            ("first_response_slow_secs", self.first_response_slow_secs),
            ("reply_slow_secs", self.reply_slow_secs),
            ("follow_up_secs", self.follow_up_secs),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(k, "must be a non-negative number of seconds"));
            }
        }
        if !(self.repeat_similarity > 0.0 && self.repeat_similarity <= 1.0) {
            return Err(bad("repeat_similarity", "must be in (0, 1]"));
        }
        if self.chase_window_hours == 0 || self.chase_window_hours as u64 * 3600 <= self.chase_min_wait_secs as u64 {
            return Err(bad(
                "chase_window_hours",
                "must be at least 1 and longer than chase_min_wait_secs",
            ));
        }
        Ok(settings::Metrics {
            zone,
            session_gap_ms: self.session_gap_minutes as i64 * 60 * MS_PER_SEC,
            max_wait_ms: self.max_wait_hours as i64 * 3600 * MS_PER_SEC,
            service_hours,
            response_cap_ms: self.response_cap_secs as i64 * MS_PER_SEC,
            response_fast_ms: self.response_fast_secs as i64 * MS_PER_SEC,
            attribution_days: self.attribution_days,
            credit: match self.credit {
                Credit::Last => settings::Credit::Last,
                Credit::First => settings::Credit::First,
            },
            silent_lookback_ms: self.silent_lookback_hours as i64 * 3600 * MS_PER_SEC,
            first_response_slow_secs: self.first_response_slow_secs,
            reply_slow_secs: self.reply_slow_secs,
            follow_up_secs: self.follow_up_secs,
            stall_rounds_min: self.stall_rounds_min,
            repeat_similarity: self.repeat_similarity,
            sales_net_of_refunds: self.sales_net_of_refunds,
            chase_min_wait_ms: self.chase_min_wait_secs as i64 * MS_PER_SEC,
            chase_window_ms: self.chase_window_hours as i64 * 3600 * MS_PER_SEC,
            chase_requires_phrase: self.chase_requires_phrase,
            slow_response_ms: self.slow_response_secs as i64 * MS_PER_SEC,
            long_reception_ms: self.long_reception_mins as i64 * 60 * MS_PER_SEC,
            rating_window_ms: self.rating_window_hours as i64 * 3600 * MS_PER_SEC,
        })
    }
}

impl ScoringConfig {
    fn validate(&self) -> Result<settings::Scoring> {
        let mut components = Vec::new();
        for (name, c) in &self.components {
            let key = format!("[scoring.components.{name}]");
            let &(column, points) = SCORE_COMPONENTS
                .iter()
                .find(|(col, _)| col.name == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = SCORE_COMPONENTS.iter().map(|(c, _)| c.name).collect();
                    KefuError::config(&key, format!("unknown component; known: {}", known.join(", ")))
                })?;
            let valid =
                c.weight.is_finite() && c.weight >= 0.0 && c.good.is_finite() && c.bad.is_finite() && c.good != c.bad;
            if !valid {
                return Err(KefuError::config(&key, "weight must be >= 0 and good != bad"));
            }
            components.push(Component {
                column,
                points,
                weight: c.weight,
                good: c.good,
                bad: c.bad,
            });
        }
        Ok(settings::Scoring {
            min_inquiries: self.min_inquiries,
            components,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each text lexicon is a `[text]` key of the job file.
    #[test]
    fn every_text_lexicon_is_a_text_key() {
        for name in TEXT_LEXICONS {
            let cfg: PipelineConfig = toml::from_str(&format!("[text]\n{name} = \"x.txt\"\n")).unwrap();
            assert_eq!(cfg.text.lexicon(name), Some(&PathBuf::from("x.txt")), "{name}");
        }
    }
}
