//! Which rule lexicons a message hits: every enabled rule's entries in one
//! set of patterns, so a message is scanned once, each part counted only on
//! token boundaries and an exclusion cancelling only its own rule's hits.

use super::flags::Substance;
use crate::core::error::Result;
use crate::core::registry::{RuleBits, RuleId};
use crate::lexicon::pattern::{Alone, Clauses, Hit, Patterns};
use crate::lexicon::{LexiconSet, Segmented};

/// The rules whose phrases answer nothing.
const NO_ANSWER: [RuleId; 3] = [RuleId::Pushback, RuleId::Argue, RuleId::ForbiddenPhrase];

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

    /// Every rule-lexicon entry a message holds: one pass, which [`Self::of`],
    /// [`Self::spans_of`] and [`Self::first_of`] then read.
    pub fn find(&self, tk: &impl Segmented) -> Vec<Hit> {
        self.patterns.find(tk)
    }

    /// The rules whose lexicon a message hits, and those it charges: an `=`
    /// (`~`) entry charges only when the message (the other clauses) holds
    /// nothing else of `substance`. `found` is [`Self::find`] of `tk`.
    pub fn of(&self, tk: &impl Segmented, found: &[Hit], substance: &Substance) -> (RuleBits, RuleBits) {
        // Handing back, refusing, not knowing is no answer: such phrases are
        // no substance beside one another (不知道 您自己看详情页吧).
        let mut no_answer: Vec<(usize, usize)> = found
            .iter()
            .filter(|h| NO_ANSWER.contains(&self.rules[h.owner]))
            .map(|h| (h.start, h.end))
            .collect();
        let rest = substance.outside(&mut no_answer);
        let clauses = Clauses::new(tk.text());
        let (mut hits, mut triggers) = (RuleBits::default(), RuleBits::default());
        for hit in found {
            let rule = self.rules[hit.owner];
            hits.insert(rule);
            let span = match hit.alone {
                Alone::No => None,
                Alone::Message => Some((hit.start, hit.end)),
                Alone::Clause => Some(clauses.of(hit.start, hit.end)),
            };
            let charges = span.is_none_or(|s| rest.within(s));
            if charges {
                triggers.insert(rule);
            }
        }
        (hits, triggers)
    }

    /// Every span where a message hits `rule`'s lexicon, of its [`Self::find`].
    pub fn spans_of<'a>(&'a self, rule: RuleId, found: &'a [Hit]) -> impl Iterator<Item = (usize, usize)> + 'a {
        found
            .iter()
            .filter(move |h| self.rules[h.owner] == rule)
            .map(|h| (h.start, h.end))
    }

    /// Where a message first hits `rule`'s lexicon (byte span), of its [`Self::find`].
    pub fn first_of(&self, rule: RuleId, found: &[Hit]) -> Option<(usize, usize)> {
        self.spans_of(rule, found).next()
    }
}
