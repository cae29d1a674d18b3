//! What buyers ask about: `question_intents` per shop, date and intent,
//! `hot_words` per shop, week and sender, and each session's dominant intent
//! (for `sessions.intent`). The counts come from the text pass.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{Message, Name, Sender};
use crate::core::schema::{hot_words as hw, question_intents as qi};
use crate::core::time;
use crate::stages::sessions::Conversations;
use crate::stages::text::intents::IntentModel;
use crate::stages::text::{MessageText, WordCounts};

/// Hot words kept per shop, week and sender.
pub const HOT_WORDS_PER_GROUP: usize = 50;

/// Each session's dominant intent: the most frequent among its buyer
/// questions, ties to the one asked first.
pub fn session_intents(conv: &Conversations, messages: &[Message], text: &[MessageText]) -> Vec<Option<u8>> {
    conv.sessions
        .iter()
        .map(|s| {
            let mut counts: Vec<(u8, u32, usize)> = Vec::new();
            for i in s.msgs.clone() {
                if let (Sender::Buyer, Some(it)) = (messages[i].sender, text[i].intent) {
                    match counts.iter_mut().find(|c| c.0 == it) {
                        Some(c) => c.1 += 1,
                        None => counts.push((it, 1, i)),
                    }
                }
            }
            counts
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
                .map(|c| c.0)
        })
        .collect()
}

fn top(counts: Option<&HashMap<String, u32>>, n: usize) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = counts.into_iter().flatten().map(|(w, c)| (w.to_string(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// `question_intents`: per shop, date and intent, the buyer questions, the
/// sessions they came from, and the intent's top words.
pub fn question_intents(
    model: &IntentModel,
    conv: &Conversations,
    messages: &[Message],
    text: &[MessageText],
    words: &WordCounts,
) -> PolarsResult<DataFrame> {
    type Acc = (u32, Vec<u32>);
    let mut groups: BTreeMap<(Name, i32, u8), Acc> = BTreeMap::new();
    for (i, m) in messages.iter().enumerate() {
        let Some(it) = text[i].intent else { continue };
        let g = groups
            .entry((m.shop_id.clone(), time::local_day(m.local), it))
            .or_default();
        g.0 += 1;
        let sid = conv.session_of[i];
        if g.1.last() != Some(&sid) && !g.1.contains(&sid) {
            g.1.push(sid);
        }
    }
    let rows: Vec<_> = groups.into_iter().collect();
    FrameBuilder::new(rows.len())
        .str(qi::SHOP_ID, rows.iter().map(|((s, _, _), _)| s))
        .date(qi::DATE, rows.iter().map(|((_, d, _), _)| *d))
        .str(qi::INTENT, rows.iter().map(|((_, _, it), _)| model.name(*it)))
        .u32(qi::QUESTIONS, rows.iter().map(|(_, a)| a.0))
        .u32(qi::SESSIONS, rows.iter().map(|(_, a)| a.1.len() as u32))
        .str(
            qi::TOP_WORDS,
            rows.iter().map(|(k, _)| {
                top(words.intents.get(k), 5)
                    .into_iter()
                    .map(|(w, c)| format!("{w}:{c}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
        )
        .build()
}

/// `hot_words`: the most used words per shop, ISO week and sender (buyer or
/// agent), with stop words, particles and numbers left out.
pub fn hot_words(words: &WordCounts) -> PolarsResult<DataFrame> {
    let mut rows: Vec<(&str, String, &str, String, u32)> = Vec::new();
    for ((shop, monday, sender), counts) in &words.hot {
        let week = time::iso_week(*monday);
        for (w, c) in top(Some(counts), HOT_WORDS_PER_GROUP) {
            rows.push((&**shop, week.clone(), sender, w, c));
        }
    }
    FrameBuilder::new(rows.len())
        .str(hw::SHOP_ID, rows.iter().map(|r| r.0))
        .str(hw::WEEK, rows.iter().map(|r| r.1.as_str()))
        .str(hw::SENDER, rows.iter().map(|r| r.2))
        .str(hw::WORD, rows.iter().map(|r| r.3.as_str()))
        .u32(hw::COUNT, rows.iter().map(|r| r.4))
        .u32(
            hw::RANK,
            rows.iter().scan((String::new(), 0u32), |st, r| {
                let key = format!("{}|{}|{}", r.0, r.1, r.2);
                if st.0 != key {
                    *st = (key, 0);
                }
                st.1 += 1;
                Some(st.1)
            }),
        )
        .build()
}
