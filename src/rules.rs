//! 别让我等 / 别让我想 / 别让我烦: the violation engine (CONTRACT §4 "Violations").
//! Each rule reads the facts (sessions, turns, message flags and lexicon hits)
//! and emits rows that name the message proving the violation.

use crate::config::{Metrics, RulesConfig};
use crate::error::Result;
use crate::model::{Message, MsgType, Name, Sender};
use crate::sessions::{Conversations, Session};
use crate::text::{Flags, Lexicon, TextEngine, Tokens};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Wait,
    Think,
    Annoy,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Wait => "wait",
            Category::Think => "think",
            Category::Annoy => "annoy",
        }
    }
}

/// Rule id, category, and the lexicon it reads (a file under `pipelines/lexicons/`).
pub const RULES: &[(&str, Category, Option<&str>)] = &[
    ("slow_first_response", Category::Wait, None),
    ("slow_reply", Category::Wait, None),
    ("unanswered", Category::Wait, None),
    ("stalled_first_question", Category::Wait, None),
    ("urged", Category::Wait, Some("urge")),
    ("missed_follow_up", Category::Wait, Some("follow_up")),
    ("pushback", Category::Think, Some("pushback")),
    ("repeat_question", Category::Think, None),
    ("unanswered_first_question", Category::Think, None),
    ("complaint", Category::Annoy, Some("complaint")),
    ("argue", Category::Annoy, Some("argue")),
    ("no_apology", Category::Annoy, Some("apology")),
    ("no_solution", Category::Annoy, Some("remedy")),
    ("forbidden_phrase", Category::Annoy, Some("forbidden")),
    // Beyond the contract's list.
    ("quiet_after_transfer", Category::Wait, Some("transfer")),
    ("canned_repeat", Category::Think, None),
    ("unhappy_end", Category::Annoy, Some("unhappy")),
];

/// Canned replies shorter than this (in characters) are not counted as copy-paste.
const CANNED_MIN_CHARS: usize = 8;

pub fn rule_category(id: &str) -> Option<Category> {
    RULES.iter().find(|r| r.0 == id).map(|r| r.1)
}

/// Lexicon hits of one message, one bit per rule (indexed like `RULES`).
pub type Hits = u32;
const _: () = assert!(RULES.len() <= Hits::BITS as usize, "one bit per rule");

/// Rule `id`'s bit in [`Hits`] (and in the enabled set). Used through
/// [`bit!`] so that a misspelt id fails to compile.
pub const fn rule_bit(id: &str) -> Hits {
    let mut i = 0;
    while i < RULES.len() {
        if const_str_eq(RULES[i].0, id) {
            return 1 << i;
        }
        i += 1;
    }
    panic!("unknown rule id")
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A rule's bit, computed at compile time: `bit!("argue")`.
#[macro_export]
macro_rules! bit {
    ($id:literal) => {
        const { $crate::rules::rule_bit($id) }
    };
}

/// Enabled rules and their lexicon matchers.
pub struct RuleSet {
    /// Enabled rules, a bit each ([`rule_bit`]).
    enabled_bits: Hits,
    /// Every rule phrase in one automaton, so a message is scanned once.
    all: Option<aho_corasick::AhoCorasick>,
    /// For each pattern of `all`, the rules whose lexicon holds it.
    owners: Vec<Hits>,
}

impl RuleSet {
    /// Loads the lexicons of the enabled rules from the paths
    /// the TOML gives, and registers their phrases with the segmenter.
    pub fn load(cfg: &RulesConfig, text: &mut TextEngine) -> Result<Self> {
        let mut enabled_bits: Hits = 0;
        let mut lexicons = Vec::new();
        for (id, _, lex) in RULES {
            let rc = cfg.get(*id);
            let on = rc.is_none_or(|r| r.enabled);
            if on {
                enabled_bits |= rule_bit(id);
            }
            lexicons.push(match (on, lex) {
                (true, Some(name)) => {
                    let l = Lexicon::named(name, rc.and_then(|r| r.lexicon.as_ref()))?;
                    text.add_words(&l);
                    Some(l)
                }
                _ => None,
            });
        }
        let mut phrases: Vec<String> = Vec::new();
        let mut owners: Vec<Hits> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for (i, m) in lexicons.iter().enumerate() {
            for w in m.iter().flat_map(|l| l.words.iter()) {
                let k = *index.entry(w.clone()).or_insert_with(|| {
                    phrases.push(w.clone());
                    owners.push(0);
                    phrases.len() - 1
                });
                owners[k] |= 1 << i;
            }
        }
        let all = (!phrases.is_empty()).then(|| {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::Standard)
                .build(&phrases)
                .expect("rule lexicon automaton")
        });
        Ok(RuleSet {
            enabled_bits,
            all,
            owners,
        })
    }

    /// Whether every rule in `bits` is enabled.
    pub fn enabled(&self, bits: Hits) -> bool {
        self.enabled_bits & bits == bits
    }

    /// Which rule lexicons a message hits.
    pub fn hits(&self, tk: &Tokens) -> Hits {
        let Some(ac) = &self.all else { return 0 };
        let mut h = 0;
        for m in ac.find_overlapping_iter(tk.text) {
            if tk.is_boundary(m.start()) && tk.is_boundary(m.end()) {
                h |= self.owners[m.pattern().as_usize()];
            }
        }
        h
    }
}

/// Whether `h` has rule `id`'s lexicon. Panics on an id that is not in
/// [`RULES`]; in code, prefer [`hit`] with [`bit!`], checked at compile time.
pub fn has_hit(h: Hits, id: &str) -> bool {
    h & rule_bit(id) != 0
}

/// Whether `h` has the lexicon of the rule whose bit is `bit` (see [`bit!`]).
pub fn hit(h: Hits, bit: Hits) -> bool {
    h & bit != 0
}

/// One violation, before masking and framing.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub session: usize,
    pub agent_id: Option<Name>,
    pub rule: &'static str,
    pub category: Category,
    /// The message that proves it.
    pub msg: usize,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
}

/// Everything the rules read for one message, computed once in the text pass.
#[derive(Debug, Clone, Default)]
pub struct MessageText {
    pub flags: Flags,
    pub hits: Hits,
    /// Content words of buyer questions, for `repeat_question`: 64-bit hashes,
    /// sorted and without repeats, since only set overlap is asked of them and
    /// a quarter of all messages are questions.
    pub words: Box<[u64]>,
    /// Intent of a buyer question (index into `IntentModel::names`).
    pub intent: Option<u8>,
}

/// Lexicon-hit columns of the `messages` table: (column, rule whose lexicon it is).
pub const HIT_COLUMNS: &[(&str, &str)] = &[
    ("hit_pushback", "pushback"),
    ("hit_urge", "urged"),
    ("hit_complaint", "complaint"),
    ("hit_apology", "no_apology"),
    ("hit_remedy", "no_solution"),
    ("hit_argue", "argue"),
    ("hit_forbidden", "forbidden_phrase"),
    ("hit_follow_up", "missed_follow_up"),
    ("hit_transfer", "quiet_after_transfer"),
    ("hit_unhappy", "unhappy_end"),
];

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

/// |a ∩ b| / |a ∪ b| of two sorted sets.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        return 0.0;
    }
    both as f64 / union as f64
}

/// Runs every enabled rule over every session. Output is ordered by session,
/// then message, then rule order.
pub fn evaluate(
    rules: &RuleSet,
    conv: &Conversations,
    messages: &[Message],
    text: &[MessageText],
    m: &Metrics,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for (si, s) in conv.sessions.iter().enumerate() {
        let mut v = session_violations(rules, conv, si, s, messages, text, m);
        v.sort_by_key(|x| (x.msg, RULES.iter().position(|r| r.0 == x.rule)));
        out.extend(v);
    }
    out
}

fn session_violations(
    rules: &RuleSet,
    conv: &Conversations,
    si: usize,
    s: &Session,
    messages: &[Message],
    text: &[MessageText],
    m: &Metrics,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let on = |bit: Hits| rules.enabled(bit);
    let cat = |id| rule_category(id).expect("known rule");
    let mut push = |rule: &'static str, agent: Option<Name>, msg: usize, value: Option<f64>, threshold: Option<f64>| {
        out.push(Violation {
            session: si,
            agent_id: agent,
            rule,
            category: cat(rule),
            msg,
            value,
            threshold,
        });
    };
    let turns = &conv.turns[s.turns.clone()];
    // The agent responsible at a message: the agent of the turn it belongs to.
    let turn_agent = |i: usize| -> Option<Name> {
        turns
            .iter()
            .rev()
            .find(|t| t.first_msg <= i)
            .and_then(|t| t.agent_id.clone())
            .or_else(|| s.first_agent_id.clone())
    };

    // Whether a turn asks or requests something: a question, any text that is not
    // only a closing, or a non-text message other than an emoji.
    let asks = |t: &crate::sessions::Turn| {
        let end = t.answer_msg.unwrap_or(s.msgs.end);
        (t.first_msg..end)
            .filter(|&i| messages[i].sender == Sender::Buyer)
            .any(|i| {
                let f = text[i].flags;
                match messages[i].msg_type {
                    MsgType::Text => f.is_question || (!f.is_closing && !messages[i].content.trim().is_empty()),
                    MsgType::Emoji => false,
                    _ => true,
                }
            })
    };
    for t in turns {
        let secs = t.response_ms.map(crate::frame::secs);
        if t.turn_no == 1 && s.buyer_started && on(bit!("slow_first_response")) && t.in_service_hours {
            if let Some(x) = secs.filter(|x| *x > m.first_response_slow_secs) {
                push(
                    "slow_first_response",
                    t.agent_id.clone(),
                    t.first_msg,
                    Some(x),
                    Some(m.first_response_slow_secs),
                );
            }
        }
        // A closing (好的谢谢) answered late is no slow reply.
        if t.turn_no > 1 && on(bit!("slow_reply")) && t.in_service_hours && asks(t) {
            if let Some(x) = secs.filter(|x| *x > m.reply_slow_secs) {
                push(
                    "slow_reply",
                    t.agent_id.clone(),
                    t.first_msg,
                    Some(x),
                    Some(m.reply_slow_secs),
                );
            }
        }
        if !t.answered() && on(bit!("unanswered")) && asks(t) {
            push("unanswered", t.agent_id.clone(), t.first_msg, None, None);
        }
    }

    if let Some(fq) = &s.first_question {
        if on(bit!("stalled_first_question")) && fq.stall_rounds >= m.stall_rounds_min {
            push(
                "stalled_first_question",
                fq.agent_id.clone(),
                fq.msg,
                Some(fq.stall_rounds as f64),
                Some(m.stall_rounds_min as f64),
            );
        }
        if on(bit!("unanswered_first_question")) && fq.answer.is_none() {
            push("unanswered_first_question", fq.agent_id.clone(), fq.msg, None, None);
        }
    }

    let mut waiting_since: Option<usize> = None;
    let mut questions: Vec<usize> = Vec::new();
    let mut last_substantive: Option<usize> = None;
    let mut apology = false;
    let mut remedy = false;
    let mut first_problem: Option<usize> = None;
    // Agent replies seen so far: (agent, text, the question it answered).
    let mut replies: Vec<(Option<&str>, &str, Option<usize>)> = Vec::new();
    let mut last_question: Option<usize> = None;
    for i in s.msgs.clone() {
        let msg = &messages[i];
        let tx = &text[i];
        match msg.sender {
            Sender::Buyer => {
                // 在吗 while already waiting is urging too, not a greeting.
                let urging = hit(tx.hits, bit!("urged")) || tx.flags.is_greeting;
                if on(bit!("urged")) && urging && waiting_since.is_some_and(|w| w < i) {
                    push("urged", turn_agent(i), i, None, None);
                }
                if on(bit!("complaint")) && hit(tx.hits, bit!("complaint")) {
                    push("complaint", turn_agent(i), i, None, None);
                }
                if tx.flags.is_after_sales && first_problem.is_none() {
                    first_problem = Some(i);
                }
                if tx.flags.is_question {
                    if on(bit!("repeat_question")) {
                        // Asked again: an earlier question with no substantive answer since.
                        let again = questions.iter().rev().find(|&&q| {
                            last_substantive.is_none_or(|a| a < q)
                                && jaccard(&text[q].words, &tx.words) >= m.repeat_similarity
                        });
                        if let Some(&q) = again {
                            push(
                                "repeat_question",
                                turn_agent(i),
                                i,
                                Some(jaccard(&text[q].words, &tx.words)),
                                Some(m.repeat_similarity),
                            );
                        }
                    }
                    questions.push(i);
                    last_question = Some(i);
                }
                waiting_since.get_or_insert(i);
            }
            Sender::Agent => {
                waiting_since = None;
                // Handing the choice back is no answer to the question asked.
                if tx.flags.is_substantive && !hit(tx.hits, bit!("pushback")) {
                    last_substantive = Some(i);
                }
                if on(bit!("pushback")) && hit(tx.hits, bit!("pushback")) {
                    push("pushback", msg.agent_id.clone(), i, None, None);
                }
                if on(bit!("argue")) && hit(tx.hits, bit!("argue")) {
                    push("argue", msg.agent_id.clone(), i, None, None);
                }
                if on(bit!("forbidden_phrase")) && hit(tx.hits, bit!("forbidden_phrase")) {
                    push("forbidden_phrase", msg.agent_id.clone(), i, None, None);
                }
                if on(bit!("quiet_after_transfer")) && hit(tx.hits, bit!("quiet_after_transfer")) {
                    let limit = msg.ts + (m.reply_slow_secs * 1000.0) as i64;
                    let next = (i + 1..s.msgs.end).find(|&j| messages[j].sender == Sender::Agent);
                    let late = next.is_none_or(|j| messages[j].ts > limit);
                    if late {
                        let value = next.map(|j| crate::frame::secs(messages[j].ts - msg.ts));
                        let agent = next
                            .and_then(|j| messages[j].agent_id.clone())
                            .or_else(|| msg.agent_id.clone());
                        push("quiet_after_transfer", agent, i, value, Some(m.reply_slow_secs));
                    }
                }
                if on(bit!("canned_repeat"))
                    && msg.msg_type == MsgType::Text
                    && tx.flags.is_substantive
                    && msg.content.trim().chars().count() >= CANNED_MIN_CHARS
                {
                    let reply = msg.content.trim();
                    // The same words sent as the answer to a different question.
                    let same = replies.iter().filter(|(a, t, q)| {
                        *a == msg.agent_id.as_deref()
                            && *t == reply
                            && match (q, last_question) {
                                (Some(q), Some(lq)) => {
                                    *q != lq && jaccard(&text[*q].words, &text[lq].words) < m.repeat_similarity
                                }
                                _ => false,
                            }
                    });
                    let n = same.count();
                    if n > 0 {
                        push("canned_repeat", msg.agent_id.clone(), i, Some(n as f64 + 1.0), None);
                    }
                }
                replies.push((msg.agent_id.as_deref(), msg.content.trim(), last_question));
                apology |= hit(tx.hits, bit!("no_apology"));
                remedy |= hit(tx.hits, bit!("no_solution"));
                if on(bit!("missed_follow_up")) && hit(tx.hits, bit!("missed_follow_up")) {
                    let limit = msg.ts + (m.follow_up_secs * 1000.0) as i64;
                    let next = (i + 1..s.msgs.end)
                        .find(|&j| messages[j].sender == Sender::Agent && text[j].flags.is_substantive);
                    let late = match next {
                        None => true,
                        Some(j) => messages[j].ts > limit,
                    };
                    if late {
                        let value = next.map(|j| crate::frame::secs(messages[j].ts - msg.ts));
                        push(
                            "missed_follow_up",
                            msg.agent_id.clone(),
                            i,
                            value,
                            Some(m.follow_up_secs),
                        );
                    }
                }
            }
            Sender::Bot | Sender::System => {}
        }
    }
    if s.is_after_sales && on(bit!("unhappy_end")) {
        // The buyer's last word in an after-sales chat is still a complaint.
        let last_buyer = s.msgs.clone().rev().find(|&i| messages[i].sender == Sender::Buyer);
        if let Some(i) =
            last_buyer.filter(|&i| hit(text[i].hits, bit!("unhappy_end")) || hit(text[i].hits, bit!("complaint")))
        {
            push("unhappy_end", turn_agent(i), i, Some(s.n_buyer_msgs as f64), None);
        }
    }
    if s.is_after_sales && s.n_agent_msgs > 0 {
        let at = first_problem.unwrap_or(s.msgs.start);
        let last_agent = messages[s.msgs.clone()]
            .iter()
            .rev()
            .find(|x| x.sender == Sender::Agent)
            .and_then(|x| x.agent_id.clone());
        if on(bit!("no_apology")) && !apology {
            push("no_apology", last_agent.clone(), at, None, None);
        }
        if on(bit!("no_solution")) && !remedy {
            push("no_solution", last_agent, at, None, None);
        }
    }
    out
}
