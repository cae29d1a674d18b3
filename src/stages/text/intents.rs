//! Phrase classifiers: what a buyer question is about (an intent: 尺码/规格,
//! 库存/现货, 发货/物流, 价格/优惠/议价, 材质/质量, 使用方法 from
//! `intents.txt`, then 售后 and 其他) and what an after-sales message (or a
//! review) complains of (`after_sales_reasons.txt`, then 其他). One class per
//! text, by phrase hits, most hits winning.

use crate::core::error::{KefuError, Result};
use crate::lexicon::{Lexicon, LexiconSet, PhraseMatcher, Segmented};

pub const AFTER_SALES: &str = "售后";
pub const OTHER: &str = "其他";

/// A phrase classifier: phrase hits per class, most hits wins.
pub struct Classifier {
    /// Class names: the file's, then the reserved ones (for intents 售后 and
    /// 其他, for reasons 其他).
    pub names: Vec<String>,
    matchers: Vec<PhraseMatcher>,
}

/// The intent classifier.
pub type IntentModel = Classifier;

impl Classifier {
    /// The intents of `intents.txt`, then 售后 and 其他.
    pub fn load(lexicons: &LexiconSet) -> Result<Self> {
        Self::named(lexicons, "intents", &[AFTER_SALES, OTHER])
    }

    /// The after-sales reasons of `after_sales_reasons.txt`, then 其他.
    pub fn reasons(lexicons: &LexiconSet) -> Result<Self> {
        Self::named(lexicons, "after_sales_reasons", &[OTHER])
    }

    fn named(lexicons: &LexiconSet, name: &str, reserved: &[&str]) -> Result<Self> {
        let (text, source) = lexicons.text(name).unwrap_or(("", name));
        Self::parse_with(text, reserved).map_err(|(line, e)| KefuError::input(source, Some(line), e))
    }

    /// Parses `intent = word word …` lines into intents; errors carry the line number.
    pub fn parse(text: &str) -> std::result::Result<Self, (u64, String)> {
        Self::parse_with(text, &[AFTER_SALES, OTHER])
    }

    /// Parses `class = word word …` lines, then appends the `reserved` classes.
    pub fn parse_with(text: &str, reserved: &[&str]) -> std::result::Result<Self, (u64, String)> {
        let mut names = Vec::new();
        let mut matchers = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i as u64 + 1;
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, words) = line
                .split_once('=')
                .ok_or_else(|| (n, "expected `intent = word word …`".to_owned()))?;
            let name = name.trim();
            if name.is_empty() || reserved.contains(&name) {
                return Err((n, format!("intent name {name:?} is empty or reserved")));
            }
            names.push(name.to_owned());
            matchers.push(PhraseMatcher::new(name, Lexicon::parse(words)).map_err(|e| (n, e.to_string()))?);
        }
        names.extend(reserved.iter().map(|r| r.to_string()));
        Ok(Classifier { names, matchers })
    }

    /// Every phrase of every intent, to add to the segmenter.
    pub fn words(&self) -> impl Iterator<Item = &Lexicon> {
        self.matchers.iter().map(|m| m.lexicon())
    }

    fn index(&self, name: &str) -> u8 {
        self.names
            .iter()
            .position(|n| n == name)
            .unwrap_or(self.names.len() - 1) as u8
    }

    pub fn after_sales(&self) -> u8 {
        self.index(AFTER_SALES)
    }

    pub fn other(&self) -> u8 {
        self.index(OTHER)
    }

    /// The class whose phrases a text hits most (ties to the longer, more
    /// specific phrases, then the earlier class), or none.
    pub fn best(&self, tk: &impl Segmented) -> Option<u8> {
        let mut best: Option<((usize, usize), u8)> = None;
        for (i, m) in self.matchers.iter().enumerate() {
            let hits = m.find_outer(tk);
            let score = (hits.len(), hits.iter().map(|h| h.0.chars().count()).sum::<usize>());
            if score.0 > 0 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i as u8));
            }
        }
        best.map(|b| b.1)
    }

    /// The intent of a buyer question (index into `names`).
    pub fn classify(&self, tk: &impl Segmented, after_sales: bool) -> u8 {
        if after_sales {
            return self.after_sales();
        }
        self.best(tk).unwrap_or_else(|| self.other())
    }

    /// The name of intent `i`.
    pub fn name(&self, i: u8) -> &str {
        &self.names[i as usize]
    }
}
