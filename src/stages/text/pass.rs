//! The text pass: every message tokenized once, in parallel, a block of
//! messages per task, into what the later stages read of it
//! ([`MessageText`]) and the word counts the topic marts need. Results keep
//! message order, whatever the thread count.

use rayon::prelude::*;

use super::engine::{TextEngine, Tokens};
use super::flags::Flags;
use super::words::WordCounts;
use crate::core::model::{Message, MsgType, Review, Sender};
use crate::core::registry::RuleBits;
use crate::lexicon::Lexicon;

/// Everything the later stages read of one message's text, computed once.
#[derive(Debug, Clone, Default)]
pub struct MessageText {
    pub flags: Flags,
    /// The rules whose lexicon the message hits.
    pub hits: RuleBits,
    /// The rules the message can charge: its hits, less `=` entries in a
    /// message that says more than them.
    pub triggers: RuleBits,
    /// Content words of buyer questions, for `repeat_question`: 64-bit hashes,
    /// sorted and without repeats, since only set overlap is asked of them and
    /// a quarter of all messages are questions.
    pub words: Box<[u64]>,
    /// Character bigrams of a question's content words, hashed the same way:
    /// a reworded question shares more of them than of whole words.
    pub bigrams: Box<[u64]>,
    /// Intent of a buyer question (index into `IntentModel::names`).
    pub intent: Option<u8>,
    /// The intent when it names a topic (not 其他): two questions on one topic
    /// that share a content word ask the same thing in other words.
    pub topic: Option<u8>,
    /// The 售后 reason a buyer message names most, if any (index into the
    /// engine's `reasons`).
    pub reason: Option<u8>,
}

impl MessageText {
    /// The buyer has a problem: stated (a defect, a delay) or complained of.
    /// What an apology is owed for, and what needs an answer.
    pub fn states_problem(&self) -> bool {
        self.flags.has_problem || self.triggers.contains(crate::core::registry::RuleId::Complaint)
    }

    /// The agent hands the choice back: a pushback phrase, and nothing
    /// concrete beside it (两款都可以，大的容量500ml更适合您 answers).
    pub fn is_pushback(&self) -> bool {
        self.triggers.contains(crate::core::registry::RuleId::Pushback) && !self.flags.carries_fact
    }
}

/// The word set of a question as [`MessageText::words`] holds it.
pub fn word_set<'a>(words: impl IntoIterator<Item = &'a str>) -> Box<[u64]> {
    use std::hash::{Hash, Hasher};
    let mut v: Vec<u64> = words
        .into_iter()
        .map(|w| {
            let mut h = std::hash::DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

/// The character bigrams of the content words run together, as a set of hashes.
fn bigram_set(words: &[&str]) -> Box<[u64]> {
    let chars: Vec<char> = words.iter().flat_map(|w| w.chars()).collect();
    let pairs: Vec<String> = chars.windows(2).map(|p| p.iter().collect()).collect();
    word_set(pairs.iter().map(String::as_str))
}

const BLOCK: usize = 16 * 1024;

/// Tokenizes and flags every message. The tokens themselves are not kept:
/// the messages table cuts its slice again when it is written.
pub fn understand(engine: &TextEngine, messages: &[Message]) -> (Vec<MessageText>, WordCounts) {
    let stop = engine.uninformative();
    let mut text: Vec<MessageText> = Vec::new();
    text.resize_with(messages.len(), Default::default);
    let counts: Vec<WordCounts> = text
        .par_chunks_mut(BLOCK)
        .zip(messages.par_chunks(BLOCK))
        .map(|(out, msgs)| {
            let mut words = WordCounts::default();
            for (t, m) in out.iter_mut().zip(msgs) {
                *t = understand_one(engine, m, &stop, &mut words);
            }
            words
        })
        .collect();
    let words = counts.into_iter().fold(WordCounts::default(), WordCounts::merge);
    (text, words)
}

fn understand_one(engine: &TextEngine, m: &Message, stop: &Lexicon, words: &mut WordCounts) -> MessageText {
    if m.msg_type != MsgType::Text {
        return MessageText {
            flags: engine.flags(m.sender, m.msg_type, &Tokens::default()),
            ..Default::default()
        };
    }
    let tk = engine.tokenize(&m.content);
    let flags = engine.flags(m.sender, m.msg_type, &tk);
    let question = m.sender == Sender::Buyer && flags.is_question;
    let (content_words, bigrams) = if question {
        let words = engine.content_words(&tk);
        (word_set(words.iter().copied()), bigram_set(&words))
    } else {
        Default::default()
    };
    let intent = question.then(|| engine.intents.classify(&tk, flags.is_after_sales));
    words.add(m, &tk, intent, stop);
    let found = engine.hits.find(&tk);
    let substance = engine.substance(&tk);
    let (hits, triggers) = engine.hits.of(&tk, &found, &substance);
    let mut flags = flags;
    flags.is_courtesy = m.sender == Sender::Agent && engine.courtesy(&tk, &found, &substance);
    MessageText {
        flags,
        hits,
        triggers,
        words: content_words,
        bigrams,
        intent,
        topic: intent.filter(|&i| i != engine.intents.other()),
        reason: (m.sender == Sender::Buyer).then(|| engine.reasons.best(&tk)).flatten(),
    }
}

/// The 差评 reason each review's text names most (其他 when it names none),
/// by the classifier after-sales chats are read with.
pub fn review_reasons(engine: &TextEngine, reviews: &[Review]) -> Vec<u8> {
    reviews
        .par_iter()
        .map(|r| {
            let tk = engine.tokenize(&r.text);
            engine.reasons.best(&tk).unwrap_or_else(|| engine.reasons.other())
        })
        .collect()
}
