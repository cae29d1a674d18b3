//! Lexicons: the word and phrase lists every judgment reads (plain text
//! files, one phrase a line, `#` comments), a matcher that finds their
//! phrases on token boundaries (so 不好 never matches 好的), and the set of
//! all lexicons a run uses, read once.

pub mod builtin;
mod set;

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, MatchKind};

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
}

/// Finds lexicon phrases in a text, counting a hit only when the phrase starts
/// and ends on token boundaries.
#[derive(Debug, Clone)]
pub struct PhraseMatcher {
    ac: Option<AhoCorasick>,
    lex: Lexicon,
}

impl PhraseMatcher {
    /// `name` names the lexicon in the error if its automaton cannot be built.
    pub fn new(name: &str, lex: Lexicon) -> Result<Self> {
        Ok(PhraseMatcher {
            ac: automaton(name, &lex.words)?,
            lex,
        })
    }

    /// The phrases found in a message that start and end on token boundaries.
    pub fn find<'a>(&'a self, tk: &impl Segmented) -> Vec<&'a str> {
        let Some(ac) = &self.ac else { return Vec::new() };
        let mut hits = Vec::new();
        for m in ac.find_overlapping_iter(tk.text()) {
            if tk.is_boundary(m.start()) && tk.is_boundary(m.end()) {
                let w = self.lex.words[m.pattern().as_usize()].as_str();
                if !hits.contains(&w) {
                    hits.push(w);
                }
            }
        }
        hits
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
