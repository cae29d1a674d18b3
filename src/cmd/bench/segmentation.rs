//! `kefu bench segmentation`: word-span P/R/F1 of jieba's own dictionary and
//! of kefu's segmenter — the very one `run` and `tokenize` build — on a
//! gold-segmented corpus (the PKU test set in `../shared/data/icwb2/`).

use std::path::Path;

use serde::Serialize;

use super::segeval::{self, SegScore};
use crate::config::{self, Overrides};
use crate::core::error::Result;
use crate::core::settings::Settings;
use crate::lexicon::LexiconSet;
use crate::stages::text::TextEngine;

pub fn run(gold: &Path, out: &Path) -> Result<()> {
    let settings = config::job(None, Overrides::default())?;
    let r = segmentation(gold, &settings)?;
    for v in &r.variants {
        println!(
            "{:<5} hmm={:<5} P={:.3} R={:.3} F1={:.3}  ({})",
            v.name, v.hmm, v.score.precision, v.score.recall, v.score.f1, v.dictionary
        );
    }
    super::write_json(out, &r)?;
    println!("wrote {}", out.display());
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct SegVariant {
    pub name: &'static str,
    pub hmm: bool,
    pub dictionary: &'static str,
    #[serde(flatten)]
    pub score: SegScore,
}

#[derive(Debug, Serialize)]
pub struct SegReport {
    pub gold: String,
    pub sentences: usize,
    pub variants: Vec<SegVariant>,
}

/// P/R/F1 of jieba's own dictionary and of kefu's (user dictionary and
/// lexicon phrases added), each with and without HMM.
pub fn segmentation(gold_path: &Path, settings: &Settings) -> Result<SegReport> {
    let gold = segeval::read_gold(gold_path)?;
    let plain = jieba_rs::Jieba::new();
    let mut variants = Vec::new();
    for hmm in [true, false] {
        let score = segeval::score(&gold, |s| {
            plain.cut(s, hmm).into_iter().map(|t| t.word.to_owned()).collect()
        });
        variants.push(SegVariant {
            name: "jieba",
            hmm,
            dictionary: "jieba default",
            score,
        });
    }
    // kefu's segmenter as `run` builds it: the same lexicon set, HMM on and off.
    let lexicons = LexiconSet::load(settings)?;
    for hmm in [true, false] {
        let engine = TextEngine::load(&lexicons, hmm)?;
        let score = segeval::score(&gold, |s| engine.tokenize(s).tokens().map(str::to_owned).collect());
        variants.push(SegVariant {
            name: "kefu",
            hmm,
            dictionary: "jieba default + kefu user_dict + token lexicons (as run)",
            score,
        });
    }
    Ok(SegReport {
        gold: gold_path.display().to_string(),
        sentences: gold.len(),
        variants,
    })
}
