//! Lexicons: the word and phrase lists every judgment reads (plain text
//! files, one phrase a line, `#` comments), a matcher that finds their
//! phrases on token boundaries (so 不好 never matches 好的), and the set of
//! all lexicons a run uses, read once.

pub mod builtin;
pub mod pattern;
mod set;

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, MatchKind};

use self::pattern::Patterns;

use crate::core::error::{KefuError, Result};

pub use set::LexiconSet;

/// A list of words and phrases from a lexicon file.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub words: Vec<String>,
    set: HashSet<String>,
}

impl Lexicon {
    pub fn from_words<I: IntoIterator<Item = S>, S: Into<String>>(words: I) -> Self {
        let mut l = Lexicon::default();
        for w in words {
            let w: String = w.into();
            if l.set.insert(w.clone()) {
                l.words.push(w);
            }
        }
        l
    }

    /// Entries are separated by newlines or whitespace; `#` starts a comment.
    pub fn parse(text: &str) -> Self {
        Self::from_words(
            text.lines()
                .flat_map(|l| l.split('#').next().unwrap_or("").split_whitespace())
                .map(str::to_owned),
        )
    }

    pub fn contains(&self, token: &str) -> bool {
        self.set.contains(token)
    }
}

/// A text cut into tokens: what a phrase match needs to know of it.
pub trait Segmented {
    fn text(&self) -> &str;
    /// Whether a token starts or ends at byte `pos`.
    fn is_boundary(&self, pos: usize) -> bool;
    /// Whether `pos` splits a token that is itself a lexicon phrase: there a
    /// phrase of two or more characters may start or end (稍等 inside 请您稍等),
    /// a one-character one may not (烦 inside 麻烦了).
    fn is_soft_boundary(&self, pos: usize) -> bool {
        let _ = pos;
        false
    }
}

/// Finds lexicon entries in a text, counting a hit only when each part starts
/// and ends on token boundaries (entries may have gaps and exclusions: see
/// [`pattern`]).
pub struct PhraseMatcher {
    patterns: Patterns,
    lex: Lexicon,
}

impl PhraseMatcher {
    /// `name` names the lexicon in the error if its automaton cannot be built.
    pub fn new(name: &str, lex: Lexicon) -> Result<Self> {
        Ok(PhraseMatcher {
            // One owner: the lexicon's exclusions cancel any of its entries.
            patterns: Patterns::new(name, lex.words.iter().map(|w| (w.as_str(), 0)))?,
            lex,
        })
    }

    /// The entries found in a message, each once, in order of first match.
    pub fn find<'a>(&'a self, tk: &impl Segmented) -> Vec<&'a str> {
        let mut hits = Vec::new();
        for h in self.patterns.find(tk) {
            let w = self.lex.words[h.entry].as_str();
            if !hits.contains(&w) {
                hits.push(w);
            }
        }
        hits
    }

    /// Each entry found once with the span of its first match, leaving out
    /// those inside a longer match (码 inside M码 is one hit, not two).
    pub fn find_outer<'a>(&'a self, tk: &impl Segmented) -> Vec<(&'a str, usize, usize)> {
        let hits = self.patterns.find(tk);
        let mut out: Vec<(&str, usize, usize)> = Vec::new();
        for h in &hits {
            let inner = hits
                .iter()
                .any(|o| o.start <= h.start && h.end <= o.end && (o.end - o.start) > (h.end - h.start));
            let w = self.lex.words[h.entry].as_str();
            if !inner && !out.iter().any(|x| x.0 == w) {
                out.push((w, h.start, h.end));
            }
        }
        out
    }

    /// The first entry found and where: what `kefu explain` shows as the reason for a call.
    pub fn first<'a>(&'a self, tk: &impl Segmented) -> Option<(&'a str, usize, usize)> {
        let h = self.patterns.find(tk).into_iter().next()?;
        Some((self.lex.words[h.entry].as_str(), h.start, h.end))
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lex
    }
}

/// One Aho-Corasick automaton over `phrases` (overlapping matches), or none
/// for an empty list. Phrases are plain text, so only the automaton's size
/// limits can refuse it; the error then names the lexicon.
pub fn automaton<S: AsRef<[u8]>>(name: &str, phrases: &[S]) -> Result<Option<AhoCorasick>> {
    if phrases.is_empty() {
        return Ok(None);
    }
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(phrases)
        .map(Some)
        .map_err(|e| KefuError::config(format!("lexicon {name}"), format!("too large to match: {e}")))
}
