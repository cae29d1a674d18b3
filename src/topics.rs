//! What buyers ask about: one intent per buyer question (尺码/规格, 库存/现货,
//! 发货/物流, 价格/优惠/议价, 材质/质量, 使用方法, 售后, 其他), each session's
//! dominant intent, and the week's hot words. Intent words live in
//! `pipelines/lexicons/intents.txt`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use polars::prelude::*;

use crate::error::{KefuError, Result};
use crate::frame::FrameBuilder;
use crate::model::{Message, MsgType, Name, Sender};
use crate::rules::MessageText;
use crate::sessions::Conversations;
use crate::text::{is_word, mask_pii, Lexicon, PhraseMatcher, Tokens};
use crate::timeutil;

pub const AFTER_SALES: &str = "售后";
pub const OTHER: &str = "其他";
/// Hot words kept per shop, week and sender.
pub const HOT_WORDS_PER_GROUP: usize = 50;

/// Intent classifier: phrase hits per intent, most hits wins.
pub struct IntentModel {
    /// Intent names: the file's, then 售后, then 其他.
    pub names: Vec<String>,
    matchers: Vec<PhraseMatcher>,
}

impl IntentModel {
    pub fn load(path: Option<&PathBuf>) -> Result<Self> {
        let text = crate::lexicons::text("intents", path.map(|p| p.as_path()))?;
        Self::parse(&text).map_err(|e| match path {
            Some(p) => KefuError::input(p, e),
            None => KefuError::Other(e),
        })
    }

    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut names = Vec::new();
        let mut matchers = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, words) = line
                .split_once('=')
                .ok_or_else(|| format!("line {}: expected `intent = word word …`", i + 1))?;
            let name = name.trim();
            if name.is_empty() || name == AFTER_SALES || name == OTHER {
                return Err(format!("line {}: intent name {name:?} is empty or reserved", i + 1));
            }
            names.push(name.to_owned());
            matchers.push(PhraseMatcher::new(Lexicon::parse(words)));
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
    pub fn classify(&self, tk: &Tokens, after_sales: bool) -> u8 {
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
}

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

/// Meaningful words among a message's tokens, for counts.
fn countable<'a>(tk: &'a Tokens<'a>, stop: &'a Lexicon) -> impl Iterator<Item = &'a str> {
    tk.tokens().flat_map(|t| t.split(' ')).filter(move |w| {
        w.chars().count() > 1
            && is_word(w)
            && !stop.contains(w)
            && !w.chars().all(|c| c.is_ascii_digit() || c == '.')
            && !mask_pii(w).contains('*')
    })
}

fn bump(counts: &mut HashMap<String, u32>, w: &str) {
    match counts.get_mut(w) {
        Some(c) => *c += 1,
        None => {
            counts.insert(w.to_owned(), 1);
        }
    }
}

/// The Monday of a day's ISO week (days since 1970-01-01).
fn week_start(day: i32) -> i32 {
    day - (timeutil::iso_weekday(day) as i32 - 1)
}

/// The word counts behind `hot_words` and `question_intents`, gathered in the
/// text pass while each message's tokens are at hand, so that no message's
/// token list outlives it. Their size grows with the vocabulary, not the input.
#[derive(Debug, Default)]
pub struct WordCounts {
    /// (shop, day, intent) → word → count, over buyer questions.
    intents: BTreeMap<(Name, i32, u8), HashMap<String, u32>>,
    /// (shop, ISO week's Monday, sender) → word → count, over buyer and agent text.
    hot: BTreeMap<(Name, i32, &'static str), HashMap<String, u32>>,
}

impl WordCounts {
    pub fn add(&mut self, m: &Message, tk: &Tokens, intent: Option<u8>, stop: &Lexicon) {
        let hot = m.msg_type == MsgType::Text && matches!(m.sender, Sender::Buyer | Sender::Agent);
        if !hot && intent.is_none() {
            return;
        }
        let day = timeutil::local_day(m.local);
        let mut hot_counts = hot.then(|| {
            self.hot
                .entry((m.shop_id.clone(), week_start(day), m.sender.as_str()))
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
        fn add_all<K: Ord>(to: &mut BTreeMap<K, HashMap<String, u32>>, from: BTreeMap<K, HashMap<String, u32>>) {
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
            .entry((m.shop_id.clone(), timeutil::local_day(m.local), it))
            .or_default();
        g.0 += 1;
        let sid = conv.session_of[i];
        if g.1.last() != Some(&sid) && !g.1.contains(&sid) {
            g.1.push(sid);
        }
    }
    let rows: Vec<_> = groups.into_iter().collect();
    FrameBuilder::new(rows.len())
        .str("shop_id", rows.iter().map(|((s, _, _), _)| s))
        .date("date", rows.iter().map(|((_, d, _), _)| *d))
        .str(
            "intent",
            rows.iter().map(|((_, _, it), _)| model.names[*it as usize].as_str()),
        )
        .u32("questions", rows.iter().map(|(_, a)| a.0))
        .u32("sessions", rows.iter().map(|(_, a)| a.1.len() as u32))
        .str(
            "top_words",
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
        let week = timeutil::iso_week(*monday);
        for (w, c) in top(Some(counts), HOT_WORDS_PER_GROUP) {
            rows.push((&**shop, week.clone(), sender, w, c));
        }
    }
    FrameBuilder::new(rows.len())
        .str("shop_id", rows.iter().map(|r| r.0))
        .str("week", rows.iter().map(|r| r.1.as_str()))
        .str("sender", rows.iter().map(|r| r.2))
        .str("word", rows.iter().map(|r| r.3.as_str()))
        .u32("count", rows.iter().map(|r| r.4))
        .u32(
            "rank",
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
