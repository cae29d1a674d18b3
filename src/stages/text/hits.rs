//! Which rule lexicons a message hits: every enabled rule's entries in one
//! set of patterns, so a message is scanned once, each part counted only on
//! token boundaries and an exclusion cancelling only its own rule's hits.

use crate::core::error::Result;
use crate::core::registry::{RuleBits, RuleId};
use crate::lexicon::pattern::Patterns;
use crate::lexicon::{LexiconSet, Segmented};

pub struct RuleHits {
    patterns: Patterns,
    /// The rule of each owner tag.
    rules: Vec<RuleId>,
}

impl RuleHits {
    pub fn new(lexicons: &LexiconSet) -> Result<Self> {
        let mut rules = Vec::new();
        let mut entries: Vec<(&str, usize)> = Vec::new();
        for (rule, lex) in lexicons.rule_lexicons() {
            rules.push(rule);
            entries.extend(lex.words.iter().map(|w| (w.as_str(), rules.len() - 1)));
        }
        Ok(RuleHits {
            patterns: Patterns::new("rule lexicons", entries)?,
            rules,
        })
    }

    /// The rules whose lexicon a message hits.
    pub fn of(&self, tk: &impl Segmented) -> RuleBits {
        let mut h = RuleBits::default();
        for hit in self.patterns.find(tk) {
            h.insert(self.rules[hit.owner]);
        }
        h
    }

    /// Where a message first hits `rule`'s lexicon (byte span), if it does.
    pub fn first_of(&self, rule: RuleId, tk: &impl Segmented) -> Option<(usize, usize)> {
        let hit = self
            .patterns
            .find(tk)
            .into_iter()
            .find(|h| self.rules[h.owner] == rule)?;
        Some((hit.start, hit.end))
    }
}
