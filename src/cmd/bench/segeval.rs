//! Segmentation quality against a gold-segmented corpus (SIGHAN bakeoff
//! format: one sentence a line, words separated by spaces). Scores are the
//! standard word-span precision, recall and F1.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;

use crate::core::error::{KefuError, Result};

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SegScore {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub gold_words: u64,
    pub predicted_words: u64,
    pub correct: u64,
}

/// Gold sentences as word lists.
pub fn read_gold(path: &Path) -> Result<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path).map_err(|e| KefuError::io(path, e))?;
    Ok(text
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect())
}

fn spans<S: AsRef<str>>(words: &[S]) -> HashSet<(usize, usize)> {
    let mut pos = 0;
    words
        .iter()
        .map(|w| {
            let n = w.as_ref().chars().count();
            let s = (pos, pos + n);
            pos += n;
            s
        })
        .collect()
}

/// Scores `segment` (sentence → words) on the gold sentences.
pub fn score(gold: &[Vec<String>], segment: impl Fn(&str) -> Vec<String> + Sync) -> SegScore {
    use rayon::prelude::*;
    let (g, p, c) = gold
        .par_iter()
        .map(|words| {
            let sentence: String = words.concat();
            let pred: Vec<String> = segment(&sentence)
                .into_iter()
                .filter(|w| !w.trim().is_empty())
                .collect();
            let gs = spans(words);
            let ps = spans(&pred);
            (gs.len() as u64, ps.len() as u64, gs.intersection(&ps).count() as u64)
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let precision = if p == 0 { 0.0 } else { c as f64 / p as f64 };
    let recall = if g == 0 { 0.0 } else { c as f64 / g as f64 };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    SegScore {
        precision,
        recall,
        f1,
        gold_words: g,
        predicted_words: p,
        correct: c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_scoring_by_hand() {
        let gold = vec![vec!["我们".to_string(), "是".into(), "朋友".into()]];
        // Predicted 我们|是朋|友: one of three spans right.
        let s = score(&gold, |_| vec!["我们".into(), "是朋".into(), "友".into()]);
        assert_eq!((s.correct, s.gold_words, s.predicted_words), (1, 3, 3));
        assert!((s.f1 - 1.0 / 3.0).abs() < 1e-12);
    }
}
