//! The segmenter: jieba with its bundled dictionary, the shop's user
//! dictionary and every phrase of every lexicon the run uses (so 我看一下,
//! 七天无理由 or 看您自己 come out whole), built once per run — `run`,
//! `tokenize` and the benchmarks all build it here, from one
//! [`LexiconSet`] — and shared read-only across rayon threads (loading jieba
//! takes ~200 ms).

use jieba_rs::Jieba;

use super::hits::RuleHits;
use super::intents::{Classifier, IntentModel};
use crate::core::error::{KefuError, Result};
use crate::lexicon::{Lexicon, LexiconSet, PhraseMatcher, Segmented};

/// Tokens of one message: jieba's own token vector, kept as it is (no second
/// vector per message), with boundaries answered from its byte offsets.
#[derive(Debug, Clone, Default)]
pub struct Tokens<'a> {
    pub text: &'a str,
    cut: Vec<jieba_rs::Token<'a>>,
}

impl<'a> Tokens<'a> {
    pub fn tokens(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.cut.iter().map(|t| t.word)
    }

    /// Tokens that carry meaning: not whitespace, punctuation or emoji.
    pub fn words(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.tokens().filter(|t| is_word(t))
    }

    /// The tokens with their byte offsets in the text.
    pub fn located(&self) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        self.cut.iter().map(|t| (t.byte_start, t.word))
    }

    /// The tokens separated by single spaces, personal data masked as a whole
    /// (an e-mail cut into `abc . d @ qq . com` is still one e-mail).
    pub fn masked(&self) -> String {
        super::pii::mask_tokens(self.text, self.located())
    }

    /// The tokens separated by single spaces.
    pub fn joined(&self) -> String {
        let mut s = String::with_capacity(self.text.len() + self.cut.len());
        for (i, t) in self.cut.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(t.word);
        }
        s
    }
}

impl Segmented for Tokens<'_> {
    fn text(&self) -> &str {
        self.text
    }
    fn is_boundary(&self, pos: usize) -> bool {
        pos == self.text.len() || self.cut.binary_search_by_key(&pos, |t| t.byte_start).is_ok()
    }
}

/// A token is a word when it has a letter, digit or ideograph.
pub fn is_word(t: &str) -> bool {
    t.chars().any(|c| c.is_alphanumeric())
}

/// Reads a jieba user dictionary (`word [freq] [tag]` a line); unlike jieba's
/// own loader it allows `#` comments and names the bad line.
fn load_user_dict(jieba: &mut Jieba, lexicons: &LexiconSet) -> Result<()> {
    let Some((text, source)) = lexicons.text("user_dict") else {
        return Ok(());
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { continue };
        let freq = match parts.next() {
            None => None,
            Some(f) => Some(f.parse::<usize>().map_err(|_| {
                KefuError::input(
                    source,
                    Some(i as u64 + 1),
                    format!("frequency {f:?} is not a whole number"),
                )
            })?),
        };
        jieba.add_word(word, freq, parts.next());
    }
    Ok(())
}

/// Adds phrases as single words to the segmenter, so that lexicon phrases
/// match on token boundaries.
fn add_words(jieba: &mut Jieba, lex: &Lexicon) {
    for w in &lex.words {
        if w.chars().count() > 1 && !w.contains(char::is_whitespace) {
            jieba.add_word(w, None, None);
        }
    }
}

pub struct TextEngine {
    jieba: Jieba,
    hmm: bool,
    pub(super) question: Lexicon,
    /// Multi-token interrogatives (能不能 may come out as 能|不能).
    pub(super) question_phrases: PhraseMatcher,
    pub(super) greeting: Lexicon,
    pub(super) filler: Lexicon,
    pub(super) particles: Lexicon,
    pub(super) closing: Lexicon,
    pub(super) after_sales: PhraseMatcher,
    /// 催付 phrases; matched on the tokens as they are, never added to jieba,
    /// so they change no one's segmentation.
    pub(super) pay_urge: PhraseMatcher,
    /// 邀评 phrases, likewise matched as the tokens come.
    pub(super) invite_review: PhraseMatcher,
    pub intents: IntentModel,
    /// 售后 / 差评 reasons, matched on the tokens as they come: their phrases
    /// are not added to jieba, so they change no one's segmentation.
    pub reasons: Classifier,
    pub stopwords: Lexicon,
    /// The enabled rules' lexicons, matched in one pass.
    pub hits: RuleHits,
}

impl TextEngine {
    /// The one constructor. Words reach jieba in a fixed order (the user
    /// dictionary, greetings, filler, closings, intent phrases, then the
    /// enabled rules' lexicons in registry order), since a word added without
    /// a frequency is weighted by what jieba holds already.
    pub fn load(lexicons: &LexiconSet, hmm: bool) -> Result<Self> {
        let mut jieba = Jieba::new();
        load_user_dict(&mut jieba, lexicons)?;
        let question = lexicons.list("question").clone();
        let engine_words = |n| lexicons.list(n).clone();
        let intents = IntentModel::load(lexicons)?;
        let reasons = Classifier::reasons(lexicons)?;
        for lex in [
            lexicons.list("greeting"),
            lexicons.list("filler"),
            lexicons.list("closing"),
        ]
        .into_iter()
        .chain(intents.words())
        {
            add_words(&mut jieba, lex);
        }
        for lex in lexicons.distinct_rule_lexicons() {
            add_words(&mut jieba, lex);
        }
        Ok(TextEngine {
            jieba,
            hmm,
            question_phrases: PhraseMatcher::new(
                "question",
                Lexicon::from_words(question.words.iter().filter(|w| w.chars().count() > 1).cloned()),
            )?,
            question,
            greeting: engine_words("greeting"),
            filler: engine_words("filler"),
            particles: engine_words("particles"),
            closing: engine_words("closing"),
            after_sales: PhraseMatcher::new("after_sales", engine_words("after_sales"))?,
            pay_urge: PhraseMatcher::new("pay_urge", engine_words("pay_urge"))?,
            invite_review: PhraseMatcher::new("invite_review", engine_words("invite_review"))?,
            intents,
            reasons,
            stopwords: engine_words("stopwords"),
            hits: RuleHits::new(lexicons)?,
        })
    }

    /// Words that say nothing about what buyers want, left out of hot words:
    /// stop words, particles, greetings, closings and filler.
    pub fn uninformative(&self) -> Lexicon {
        Lexicon::from_words(
            [
                &self.stopwords,
                &self.particles,
                &self.greeting,
                &self.closing,
                &self.filler,
            ]
            .into_iter()
            .flat_map(|l| l.words.iter().cloned()),
        )
    }

    pub fn tokenize<'a>(&self, text: &'a str) -> Tokens<'a> {
        Tokens {
            text,
            cut: self.jieba.cut(text, self.hmm),
        }
    }
}

impl TextEngine {
    /// The engine of a job: its lexicons (files it names, else built-in) and HMM switch.
    pub fn for_settings(settings: &crate::core::settings::Settings) -> Result<Self> {
        Self::load(&LexiconSet::load(settings)?, settings.text.hmm)
    }
}
