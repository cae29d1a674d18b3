//! What a buyer question is about: one intent per question (尺码/规格,
//! 库存/现货, 发货/物流, 价格/优惠/议价, 材质/质量, 使用方法 from
//! `intents.txt`, then 售后 and 其他), by phrase hits, most hits winning.

use crate::core::error::{KefuError, Result};
use crate::lexicon::{Lexicon, LexiconSet, PhraseMatcher, Segmented};

pub const AFTER_SALES: &str = "售后";
pub const OTHER: &str = "其他";

/// Intent classifier: phrase hits per intent, most hits wins.
pub struct IntentModel {
    /// Intent names: the file's, then 售后, then 其他.
    pub names: Vec<String>,
    matchers: Vec<PhraseMatcher>,
}

impl IntentModel {
    pub fn load(lexicons: &LexiconSet) -> Result<Self> {
        let (text, source) = lexicons.text("intents").unwrap_or(("", "built-in intents"));
        Self::parse(text).map_err(|(line, e)| KefuError::input(source, Some(line), e))
    }

    /// Parses `intent = word word …` lines; errors carry the line number.
    pub fn parse(text: &str) -> std::result::Result<Self, (u64, String)> {
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
            if name.is_empty() || name == AFTER_SALES || name == OTHER {
                return Err((n, format!("intent name {name:?} is empty or reserved")));
            }
            names.push(name.to_owned());
            matchers.push(PhraseMatcher::new(name, Lexicon::parse(words)).map_err(|e| (n, e.to_string()))?);
        }
        names.push(AFTER_SALES.into());
        names.push(OTHER.into());
        Ok(IntentModel { names, matchers })
    }

    /// Every phrase of every intent, to add to the segmenter.
    pub fn words(&self) -> impl Iterator<Item = &Lexicon> {
        self.matchers.iter().map(|m| m.lexicon())
    }

    pub fn after_sales(&self) -> u8 {
        (self.names.len() - 2) as u8
    }

    pub fn other(&self) -> u8 {
        (self.names.len() - 1) as u8
    }

    /// The intent of a buyer question (index into `names`).
    pub fn classify(&self, tk: &impl Segmented, after_sales: bool) -> u8 {
        if after_sales {
            return self.after_sales();
        }
        // Most phrases wins; ties go to the longer (more specific) phrases, then the earlier intent.
        let mut best = ((0usize, 0usize), self.other());
        for (i, m) in self.matchers.iter().enumerate() {
            let hits = m.find(tk);
            let score = (hits.len(), hits.iter().map(|h| h.chars().count()).sum::<usize>());
            if score > best.0 {
                best = (score, i as u8);
            }
        }
        best.1
    }

    /// The name of intent `i`.
    pub fn name(&self, i: u8) -> &str {
        &self.names[i as usize]
    }
}
