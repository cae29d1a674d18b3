//! Which rule lexicons a message hits: every enabled rule's phrases in one
//! Aho-Corasick automaton, so a message is scanned once, each phrase counted
//! only on token boundaries.

use aho_corasick::AhoCorasick;

use crate::core::error::Result;
use crate::core::registry::RuleBits;
use crate::lexicon::{automaton, LexiconSet, Segmented};

pub struct RuleHits {
    all: Option<AhoCorasick>,
    /// For each pattern of `all`, the rules whose lexicon holds it.
    owners: Vec<RuleBits>,
}

impl RuleHits {
    pub fn new(lexicons: &LexiconSet) -> Result<Self> {
        let mut phrases: Vec<String> = Vec::new();
        let mut owners: Vec<RuleBits> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for (rule, lex) in lexicons.rule_lexicons() {
            for w in &lex.words {
                let k = *index.entry(w.clone()).or_insert_with(|| {
                    phrases.push(w.clone());
                    owners.push(RuleBits::default());
                    phrases.len() - 1
                });
                owners[k].insert(rule);
            }
        }
        Ok(RuleHits {
            all: automaton("rule lexicons", &phrases)?,
            owners,
        })
    }

    /// The rules whose lexicon a message hits.
    pub fn of(&self, tk: &impl Segmented) -> RuleBits {
        let Some(ac) = &self.all else {
            return RuleBits::default();
        };
        let mut h = RuleBits::default();
        for m in ac.find_overlapping_iter(tk.text()) {
            if tk.is_boundary(m.start()) && tk.is_boundary(m.end()) {
                h.0 |= self.owners[m.pattern().as_usize()].0;
            }
        }
        h
    }
}
