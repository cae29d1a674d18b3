//! The word counts behind `hot_words` and `question_intents`, gathered in the
//! text pass while each message's tokens are at hand, so that no message's
//! token list outlives it. Their size grows with the vocabulary, not the input.

use std::collections::{BTreeMap, HashMap};

use super::engine::{is_word, Tokens};
use super::pii::{mask_pii, spans};
use crate::core::model::{Message, MsgType, Name, Sender};
use crate::core::time;
use crate::lexicon::Lexicon;

/// Word → count.
pub type Counts = HashMap<String, u32>;

#[derive(Debug, Default)]
pub struct WordCounts {
    /// (shop, day, intent) → word → count, over buyer questions.
    pub intents: BTreeMap<(Name, i32, u8), Counts>,
    /// (shop, ISO week's Monday, sender) → word → count, over buyer and agent text.
    pub hot: BTreeMap<(Name, i32, &'static str), Counts>,
}

/// Meaningful words among a message's tokens, for counts: no stop words,
/// single characters, numbers, and nothing that is or is part of personal
/// data (a street name is masked in the text, so it is no hot word either).
fn countable<'a>(tk: &'a Tokens<'a>, stop: &'a Lexicon) -> impl Iterator<Item = &'a str> {
    let pii = spans(tk.text);
    tk.located()
        .filter(move |(at, t)| !pii.iter().any(|s| s.range.start < at + t.len() && *at < s.range.end))
        .flat_map(|(_, t)| t.split(' '))
        .filter(move |w| {
            w.chars().count() > 1
                && is_word(w)
                && !stop.contains(w)
                && !w.chars().all(|c| c.is_ascii_digit() || c == '.')
                && !mask_pii(w).contains('*')
        })
}

fn bump(counts: &mut Counts, w: &str) {
    match counts.get_mut(w) {
        Some(c) => *c += 1,
        None => {
            counts.insert(w.to_owned(), 1);
        }
    }
}

impl WordCounts {
    pub fn add(&mut self, m: &Message, tk: &Tokens, intent: Option<u8>, stop: &Lexicon) {
        let hot = m.msg_type == MsgType::Text && matches!(m.sender, Sender::Buyer | Sender::Agent);
        if !hot && intent.is_none() {
            return;
        }
        let day = time::local_day(m.local);
        let mut hot_counts = hot.then(|| {
            self.hot
                .entry((m.shop_id.clone(), time::week_start(day), m.sender.as_str()))
                .or_default()
        });
        let mut intent_counts = intent.map(|it| self.intents.entry((m.shop_id.clone(), day, it)).or_default());
        for w in countable(tk, stop) {
            if let Some(g) = hot_counts.as_deref_mut() {
                bump(g, w);
            }
            if let Some(g) = intent_counts.as_deref_mut() {
                bump(g, w);
            }
        }
    }

    /// Sums two sets of counts (the text pass counts each block of messages apart).
    pub fn merge(mut self, other: Self) -> Self {
        fn add_all<K: Ord>(to: &mut BTreeMap<K, Counts>, from: BTreeMap<K, Counts>) {
            for (k, counts) in from {
                let g = to.entry(k).or_default();
                for (w, c) in counts {
                    *g.entry(w).or_default() += c;
                }
            }
        }
        add_all(&mut self.intents, other.intents);
        add_all(&mut self.hot, other.hot);
        self
    }
}
