//! Which rule lexicons a message hits: every enabled rule's entries in one
//! set of patterns, so a message is scanned once, each part counted only on
//! token boundaries and an exclusion cancelling only its own rule's hits.

use crate::core::error::Result;
use crate::core::registry::{RuleBits, RuleId};
use crate::lexicon::pattern::{clause, Alone, Patterns};
use crate::lexicon::{LexiconSet, Segmented};

/// The rules whose phrases answer nothing.
const NO_ANSWER: [RuleId; 3] = [RuleId::Pushback, RuleId::Argue, RuleId::ForbiddenPhrase];

pub struct RuleHits {
    patterns: Patterns,
    /// The rule of each owner tag.
    rules: Vec<RuleId>,
}

/// Whether a message holds nothing of substance outside the given byte spans.
pub type OnlyFn<'a> = dyn Fn(&[(usize, usize)]) -> bool + 'a;

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

    /// The rules whose lexicon a message hits, and those it charges: an `=`
    /// entry charges only when `alone(start, end)` says the message holds
    /// nothing else of substance.
    pub fn of(&self, tk: &impl Segmented, alone: &OnlyFn<'_>) -> (RuleBits, RuleBits) {
        let found = self.patterns.find(tk);
        // Handing back, refusing, not knowing is no answer: such phrases are
        // no substance beside one another (不知道 您自己看详情页吧).
        let no_answer: Vec<(usize, usize)> = found
            .iter()
            .filter(|h| NO_ANSWER.contains(&self.rules[h.owner]))
            .map(|h| (h.start, h.end))
            .collect();
        let (mut hits, mut triggers) = (RuleBits::default(), RuleBits::default());
        for hit in &found {
            let rule = self.rules[hit.owner];
            hits.insert(rule);
            let span = match hit.alone {
                Alone::No => None,
                Alone::Message => Some((hit.start, hit.end)),
                Alone::Clause => Some(clause(tk.text(), hit.start, hit.end)),
            };
            let charges = span.is_none_or(|s| {
                let mut spans = no_answer.clone();
                spans.push(s);
                alone(&spans)
            });
            if charges {
                triggers.insert(rule);
            }
        }
        (hits, triggers)
    }

    /// Every span where a message hits `rule`'s lexicon.
    pub fn spans_of(&self, rule: RuleId, tk: &impl Segmented) -> Vec<(usize, usize)> {
        self.patterns
            .find(tk)
            .into_iter()
            .filter(|h| self.rules[h.owner] == rule)
            .map(|h| (h.start, h.end))
            .collect()
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
