//! Every lexicon a run reads, read once: the text layer's and the enabled
//! rules', from the files the job names or kefu's built-in copies. The
//! segmenter, the flags, the intents and the rule hits all take their words
//! from one `LexiconSet`, so `run`, `tokenize` and the benchmarks cut text
//! the same way.

use std::collections::BTreeMap;

use super::builtin::{self, TEXT_LEXICONS};
use super::Lexicon;
use crate::core::error::Result;
use crate::core::registry::{RuleId, RULES};
use crate::core::settings::Settings;

/// Lexicons with a format of their own (read by the text stage), not word lists.
const STRUCTURED: [&str; 3] = ["user_dict", "intents", "after_sales_reasons"];

pub struct LexiconSet {
    /// name → (text, where it came from, for error messages).
    texts: BTreeMap<&'static str, (String, String)>,
    lists: BTreeMap<&'static str, Lexicon>,
    /// The enabled rules with a lexicon, in registry order: the rule, where
    /// its lexicon came from, and the lexicon (two rules may share one).
    rules: Vec<(RuleId, String, Lexicon)>,
    empty: Lexicon,
}

impl LexiconSet {
    pub fn load(settings: &Settings) -> Result<Self> {
        let mut set = LexiconSet {
            texts: BTreeMap::new(),
            lists: BTreeMap::new(),
            rules: Vec::new(),
            empty: Lexicon::default(),
        };
        for name in TEXT_LEXICONS {
            set.add(name, settings.text.lexicons.get(name).map(|p| p.as_path()))?;
        }
        for r in RULES.iter().filter(|r| settings.rules.enabled.contains(r.id)) {
            if let Some(name) = r.lexicon {
                let path = settings.rules.lexicons.get(&r.id).map(|p| p.as_path());
                let source = match path {
                    Some(p) => p.display().to_string(),
                    None => format!("built-in {name}"),
                };
                let list = Lexicon::parse(&builtin::text(name, path)?);
                set.rules.push((r.id, source, list));
            }
        }
        Ok(set)
    }

    fn add(&mut self, name: &'static str, path: Option<&std::path::Path>) -> Result<()> {
        let text = builtin::text(name, path)?;
        let source = match path {
            Some(p) => p.display().to_string(),
            None => format!("built-in {name}"),
        };
        if !STRUCTURED.contains(&name) {
            self.lists.insert(name, Lexicon::parse(&text));
        }
        self.texts.insert(name, (text, source));
        Ok(())
    }

    /// Word list `name` (empty when the run does not use it).
    pub fn list(&self, name: &str) -> &Lexicon {
        self.lists.get(name).unwrap_or(&self.empty)
    }

    /// The raw text of lexicon `name` and where it came from.
    pub fn text(&self, name: &str) -> Option<(&str, &str)> {
        self.texts.get(name).map(|(t, s)| (t.as_str(), s.as_str()))
    }

    /// The enabled rules that read a lexicon, with it, in registry order.
    pub fn rule_lexicons(&self) -> impl Iterator<Item = (RuleId, &Lexicon)> {
        self.rules.iter().map(|(r, _, l)| (*r, l))
    }
}
