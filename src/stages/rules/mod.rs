//! Stage 5, rules: 别让我等 / 别让我想 / 别让我烦 (CONTRACT §4 "Violations").
//! Each session is walked once ([`context`]); at every message the rules of
//! each category ([`wait`], [`think`], [`annoy`]) look at the facts
//! (sessions, turns, message flags and lexicon hits) and charge violations
//! that name the message proving them. Rule ids, categories and lexicons live
//! in the registry (`core::registry`).

mod annoy;
pub mod context;
mod think;
mod wait;

use crate::core::model::{Message, Name};
use crate::core::registry::{Category, RuleBits, RuleId};
use crate::core::settings::Metrics;
use crate::stages::sessions::Conversations;
use crate::stages::text::MessageText;

/// One violation, before masking and framing.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub session: usize,
    pub agent_id: Option<Name>,
    pub rule: RuleId,
    /// The message that proves it.
    pub msg: usize,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
}

impl Violation {
    pub fn category(&self) -> Category {
        self.rule.category()
    }
}

/// Runs every enabled rule over every session. Output is ordered by session,
/// then message, then registry order.
pub fn evaluate(
    enabled: RuleBits,
    conv: &Conversations,
    messages: &[Message],
    text: &[MessageText],
    m: &Metrics,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for si in 0..conv.sessions.len() {
        let mut v = context::session_violations(enabled, conv, si, messages, text, m);
        v.sort_by_key(|x| (x.msg, x.rule));
        out.extend(v);
    }
    out
}
