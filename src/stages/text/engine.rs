//! The segmenter: jieba with its bundled dictionary, the shop's user
//! dictionary and the lexicons read token by token (greetings, filler,
//! closings: 我看一下 and 好的谢谢 come out whole), built once per run — `run`,
//! `tokenize` and the benchmarks all build it here, from one
//! [`LexiconSet`] — and shared read-only across rayon threads (loading jieba
//! takes ~200 ms).

use std::collections::HashSet;

use jieba_rs::Jieba;

use super::hits::RuleHits;
use super::intents::{Classifier, IntentModel};
use crate::core::error::{KefuError, Result};
use crate::lexicon::pattern::Patterns;
use crate::lexicon::{Lexicon, LexiconSet, PhraseMatcher, Segmented};

/// Tokens of one message: jieba's own token vector, kept as it is (no second
/// vector per message), with boundaries answered from its byte offsets.
#[derive(Debug, Clone, Default)]
pub struct Tokens<'a> {
    pub text: &'a str,
    cut: Vec<jieba_rs::Token<'a>>,
    /// The phrases kefu taught jieba: inside one of them every character
    /// boundary counts as a boundary, so one lexicon's phrase is found inside
    /// another's (稍等 of follow_up.txt inside 请您稍等 of filler.txt).
    phrases: Option<&'a HashSet<Box<str>>>,
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
    /// (an e-mail cut into `abc . d @ qq . com` is still one e-mail);
    /// `spans` are the text's [`super::pii::spans`], found once by the caller
    /// that masks the text too.
    pub fn masked(&self, spans: &[super::pii::Span]) -> String {
        super::pii::mask_tokens(self.text, spans, self.located())
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
    fn is_soft_boundary(&self, pos: usize) -> bool {
        match self.cut.binary_search_by_key(&pos, |t| t.byte_start) {
            Ok(_) | Err(0) => false,
            Err(i) => {
                let t = &self.cut[i - 1];
                pos < t.byte_end && self.text.is_char_boundary(pos) && self.phrases.is_some_and(|p| p.contains(t.word))
            }
        }
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
fn add_words(jieba: &mut Jieba, phrases: &mut HashSet<Box<str>>, lex: &Lexicon) {
    for w in lex.words.iter().flat_map(|w| Patterns::atoms_of(w)) {
        if w.chars().count() > 1 && !w.contains(char::is_whitespace) {
            jieba.add_word(w, None, None);
            phrases.insert(w.into());
        }
    }
}

pub struct TextEngine {
    jieba: Jieba,
    hmm: bool,
    /// Every phrase added to jieba (see [`Tokens`]).
    phrases: HashSet<Box<str>>,
    pub(super) question: Lexicon,
    /// Multi-token interrogatives (能不能 may come out as 能|不能).
    pub(super) question_phrases: PhraseMatcher,
    pub(super) greeting: Lexicon,
    pub(super) filler: Lexicon,
    pub(super) particles: Lexicon,
    pub(super) closing: Lexicon,
    pub(super) after_sales: PhraseMatcher,
    pub(super) insale: PhraseMatcher,
    /// A defect, a wrong or missing item, a delay (matched as the tokens come).
    pub(super) problem: PhraseMatcher,
    /// Units, times, materials, yes or no: a concrete answer (matched as the tokens come).
    pub(super) fact: PhraseMatcher,
    pub(super) step: PhraseMatcher,
    pub(super) later: PhraseMatcher,
    /// Requests (帮我, 麻烦…改, a card or link), matched as the tokens come.
    pub(super) request: PhraseMatcher,
    /// 没事了, 不用了, 算了我再看看: matched as the tokens come.
    pub(super) give_up: PhraseMatcher,
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
    /// dictionary, greetings, filler, closings), since a word added without a
    /// frequency is weighted by what jieba holds already.
    pub fn load(lexicons: &LexiconSet, hmm: bool) -> Result<Self> {
        let mut jieba = Jieba::new();
        load_user_dict(&mut jieba, lexicons)?;
        let question = lexicons.list("question").clone();
        let engine_words = |n| lexicons.list(n).clone();
        let intents = IntentModel::load(lexicons)?;
        let reasons = Classifier::reasons(lexicons)?;
        let mut phrases = HashSet::new();
        // Only the lexicons read token by token are taught to jieba; every
        // phrase lexicon (rules, intents, stage, requests …) is matched as the
        // tokens come — taught to jieba, their hundreds of short phrases (到哪,
        // 还有, 几点) would cut buyers' words apart (PKU F1 0.8348 against 0.8358).
        for lex in [
            lexicons.list("greeting"),
            lexicons.list("filler"),
            lexicons.list("closing"),
        ] {
            add_words(&mut jieba, &mut phrases, lex);
        }

        Ok(TextEngine {
            jieba,
            hmm,
            phrases,
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
            insale: PhraseMatcher::new("insale", engine_words("insale"))?,
            problem: PhraseMatcher::new("problem", engine_words("problem"))?,
            fact: PhraseMatcher::new("fact", engine_words("fact"))?,
            step: PhraseMatcher::new("step", engine_words("step"))?,
            later: PhraseMatcher::new("later", engine_words("later"))?,
            request: PhraseMatcher::new("request", engine_words("request"))?,
            give_up: PhraseMatcher::new("give_up", engine_words("give_up"))?,
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

    pub fn tokenize<'a>(&'a self, text: &'a str) -> Tokens<'a> {
        Tokens {
            text,
            cut: self.jieba.cut(text, self.hmm),
            phrases: Some(&self.phrases),
        }
    }
}

impl TextEngine {
    /// The engine of a job: its lexicons (files it names, else built-in) and HMM switch.
    pub fn for_settings(settings: &crate::core::settings::Settings) -> Result<Self> {
        Self::load(&LexiconSet::load(settings)?, settings.text.hmm)
    }
}
