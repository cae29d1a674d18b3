//! Stage 3, sessions (facts of conversation, CONTRACT §4): sessions, turns,
//! response times and the first-question analysis, built from the staged
//! messages and their flags in one ordered pass per (shop, buyer). Staging sorts the messages by (shop, buyer, time,
//! file order), so every session is a contiguous slice and nothing here
//! depends on hash or thread order.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use crate::core::model::{Message, MsgType, Name, Sender, Stage};
use crate::core::settings::Metrics;
use crate::core::time;
use crate::stages::text::Flags;

/// One session: a contiguous slice of the sorted messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub shop_id: Name,
    pub session_id: String,
    pub buyer_id: Name,
    pub msgs: Range<usize>,
    pub first_agent_id: Option<Name>,
    pub started_ts: i64,
    pub started_local: i64,
    pub ended_ts: i64,
    pub ended_local: i64,
    pub n_buyer_msgs: u32,
    pub n_agent_msgs: u32,
    /// The first message from a person (buyer or agent) is the buyer's; bot
    /// greetings and system notices before it do not change who started.
    pub buyer_started: bool,
    pub turns: Range<usize>,
    pub n_turns: u32,
    pub n_unanswered_turns: u32,
    pub first_response_ms: Option<i64>,
    /// Sum and count of capped response times of answered in-hours turns.
    pub response_capped_sum_ms: i64,
    pub response_n: u32,
    pub first_question: Option<FirstQuestion>,
    /// The latest stage its buyer's messages reached (CONTRACT §6).
    pub stage: Stage,
    pub is_after_sales: bool,
    /// Buyer-started, answered by an agent, and still 售前.
    pub is_inquiry: bool,
}

impl Session {
    pub fn avg_response_secs(&self) -> Option<f64> {
        (self.response_n > 0).then(|| self.response_capped_sum_ms as f64 / self.response_n as f64 / 1000.0)
    }
    pub fn day(&self) -> i32 {
        time::local_day(self.started_local)
    }
}

/// The session's first question and how it was answered.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstQuestion {
    /// Index of the question message.
    pub msg: usize,
    /// Index of the first substantive agent answer after it.
    pub answer: Option<usize>,
    pub answer_ms: Option<i64>,
    /// Agent filler messages between the question and the answer (or the session end).
    pub stall_rounds: u32,
    /// Agent the question is credited to: the one who answered it, else the turn's agent.
    pub agent_id: Option<Name>,
}

/// One 轮次: a run of buyer messages up to the agent message that ends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub session: usize,
    /// 1-based position in the session.
    pub turn_no: u32,
    pub first_msg: usize,
    pub n_buyer_msgs: u32,
    pub start_ts: i64,
    pub start_local: i64,
    /// The agent message that answered, if any.
    pub answer_msg: Option<usize>,
    pub response_ms: Option<i64>,
    pub agent_id: Option<Name>,
    pub in_service_hours: bool,
    /// The turn asks or requests something: a question, any text that is not
    /// only a closing, or a non-text message other than an emoji. A turn of
    /// 好的谢谢 alone needs no answer, so its silence is no failure.
    pub asks: bool,
}

impl Turn {
    pub fn answered(&self) -> bool {
        self.answer_msg.is_some()
    }
    pub fn day(&self) -> i32 {
        time::local_day(self.start_local)
    }
}

#[derive(Debug, Default)]
pub struct Conversations {
    pub sessions: Vec<Session>,
    pub turns: Vec<Turn>,
    /// Session index of each message.
    pub session_of: Vec<u32>,
}

/// Session ids in use per shop. Ids given in the input may repeat across
/// time; a repeat gets `~2`, `~3`… Most ids are seen once, so the first use of
/// each is kept as a 64-bit hash pointing at its session, and text is stored
/// only for ids seen again (or sharing a hash), not for every session.
#[derive(Default)]
struct SessionIds {
    first: HashMap<u64, u32>,
    again: HashMap<(Name, String), u32>,
}

impl SessionIds {
    /// Records one more use of (`shop`, `id`) by session `idx`; returns which use it is (1 = first).
    fn claim(&mut self, sessions: &[Session], shop: &Name, id: &str, idx: u32) -> u32 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        (&**shop, id).hash(&mut h);
        match self.first.entry(h.finish()) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(idx);
                1
            }
            std::collections::hash_map::Entry::Occupied(e) => {
                // The first session with this hash kept its id as given.
                let f = &sessions[*e.get() as usize];
                let same = f.shop_id == *shop && f.session_id == id;
                let n = self.again.entry((shop.clone(), id.to_owned())).or_insert(same as u32);
                *n += 1;
                *n
            }
        }
    }
}

const STREAMS_PER_TASK: usize = 2048;
const TASKS_PER_WINDOW: usize = 32;

/// Splits each (shop, buyer) stream into sessions and turns.
pub fn build(messages: &[Message], flags: &[Flags], m: &Metrics) -> Conversations {
    // Streams: maximal runs of equal (shop, buyer).
    let mut streams: Vec<Range<usize>> = Vec::new();
    let mut s = 0;
    for i in 1..=messages.len() {
        if i == messages.len()
            || messages[i].shop_id != messages[s].shop_id
            || messages[i].buyer_id != messages[s].buyer_id
        {
            if i > s {
                streams.push(s..i);
            }
            s = i;
        }
    }
    // Streams are built a block at a time: a few large vectors instead of a
    // pair of small ones per buyer. Blocks run in parallel a window at a time
    // and are appended as each window finishes, so the copies in flight are
    // one window's, not the whole input's.
    let mut out = Conversations {
        session_of: vec![0; messages.len()],
        ..Default::default()
    };
    let mut used_ids = SessionIds::default();
    for window in streams.chunks(STREAMS_PER_TASK * TASKS_PER_WINDOW) {
        let per_block: Vec<(Vec<Session>, Vec<Turn>)> = window
            .par_chunks(STREAMS_PER_TASK)
            .map(|block| {
                let (mut sessions, mut turns) = (Vec::new(), Vec::new());
                for r in block {
                    build_stream(messages, flags, r.clone(), m, &mut sessions, &mut turns);
                }
                (sessions, turns)
            })
            .collect();
        append(&mut out, per_block, &mut used_ids);
    }
    out
}

/// Appends blocks of sessions and turns, shifting their indexes, numbering
/// messages by session and keeping session ids unique per shop.
fn append(out: &mut Conversations, per_block: Vec<(Vec<Session>, Vec<Turn>)>, used_ids: &mut SessionIds) {
    for (sessions, turns) in per_block {
        let s_off = out.sessions.len();
        let t_off = out.turns.len();
        for mut t in turns {
            t.session += s_off;
            out.turns.push(t);
        }
        for mut sess in sessions {
            sess.turns = sess.turns.start + t_off..sess.turns.end + t_off;
            // Ids given in the input may repeat across time; keep them unique.
            let idx = out.sessions.len() as u32;
            let n = used_ids.claim(&out.sessions, &sess.shop_id, &sess.session_id, idx);
            if n > 1 {
                sess.session_id = format!("{}~{}", sess.session_id, n);
            }
            for i in sess.msgs.clone() {
                out.session_of[i] = idx;
            }
            out.sessions.push(sess);
        }
    }
}

/// Where one stream's sessions begin (indexes into `messages`). A buyer
/// message waits for an answer only if it asks something ([`asks`]): a
/// closing such as 好的谢谢 expects none, so it does not hold a session open
/// through the night until the buyer's next question.
fn split_points(messages: &[Message], flags: &[Flags], r: &Range<usize>, m: &Metrics) -> Vec<usize> {
    let (gap, max_wait) = (m.session_gap_ms, m.max_wait_ms);
    let mut starts = vec![r.start];
    let first = &messages[r.start];
    let mut waiting = first.sender == Sender::Buyer && asks(first, &flags[r.start]);
    for i in r.start + 1..r.end {
        let (prev, cur) = (&messages[i - 1], &messages[i]);
        let elapsed = cur.ts - prev.ts;
        let new = match (&cur.session_id, &prev.session_id) {
            // A given session id is authoritative.
            (Some(a), Some(b)) => a != b,
            (Some(_), None) | (None, Some(_)) => true,
            (None, None) => elapsed > max_wait || (cur.sender == Sender::Buyer && elapsed > gap && !waiting),
        };
        if new {
            starts.push(i);
            waiting = false;
        }
        match cur.sender {
            Sender::Buyer => waiting |= asks(cur, &flags[i]),
            Sender::Agent => waiting = false,
            Sender::Bot | Sender::System => {}
        }
    }
    starts
}

/// Appends one stream's sessions and turns; indexes between them are relative
/// to the start of `sessions` and `turns`.
fn build_stream(
    messages: &[Message],
    flags: &[Flags],
    r: Range<usize>,
    m: &Metrics,
    sessions: &mut Vec<Session>,
    turns: &mut Vec<Turn>,
) {
    let starts = split_points(messages, flags, &r, m);
    for (k, &a) in starts.iter().enumerate() {
        let b = starts.get(k + 1).copied().unwrap_or(r.end);
        let t0 = turns.len();
        build_turns(messages, flags, a..b, sessions.len(), m, turns);
        sessions.push(session(messages, flags, a..b, t0..turns.len(), &turns[t0..], m));
    }
}

/// Whether a buyer message asks or requests something (see [`Turn::asks`]).
fn asks(msg: &Message, f: &Flags) -> bool {
    match msg.msg_type {
        MsgType::Text => f.is_question || (!f.is_closing && !msg.content.trim().is_empty()),
        MsgType::Emoji => false,
        _ => true,
    }
}

/// Appends the turns of the session at `msgs`.
fn build_turns(
    messages: &[Message],
    flags: &[Flags],
    msgs: Range<usize>,
    session: usize,
    m: &Metrics,
    turns: &mut Vec<Turn>,
) {
    let t0 = turns.len();
    let mut open: Option<Turn> = None;
    let mut last_agent: Option<&Name> = None;
    let mut routed: Option<&Name> = None;
    for i in msgs {
        let msg = &messages[i];
        match msg.sender {
            Sender::Buyer => {
                if let Some(t) = open.as_mut() {
                    t.n_buyer_msgs += 1;
                } else {
                    routed = None;
                    open = Some(Turn {
                        session,
                        turn_no: (turns.len() - t0) as u32 + 1,
                        first_msg: i,
                        n_buyer_msgs: 1,
                        start_ts: msg.ts,
                        start_local: msg.local,
                        answer_msg: None,
                        response_ms: None,
                        agent_id: None,
                        in_service_hours: m.service_hours.contains(time::sec_of_day(msg.local)),
                        asks: false,
                    });
                }
                if let Some(ag) = &msg.agent_id {
                    routed = Some(ag);
                }
                if let Some(t) = open.as_mut() {
                    t.asks |= asks(msg, &flags[i]);
                }
            }
            Sender::Agent => {
                if let Some(mut t) = open.take() {
                    t.answer_msg = Some(i);
                    t.response_ms = Some(msg.ts - t.start_ts);
                    t.agent_id = msg.agent_id.clone();
                    turns.push(t);
                }
                last_agent = msg.agent_id.as_ref();
            }
            Sender::Bot | Sender::System => {}
        }
    }
    if let Some(mut t) = open.take() {
        t.agent_id = routed.or(last_agent).cloned();
        turns.push(t);
    }
}

/// The session at messages `r` with turns `sess_turns` (at `turn_range`).
fn session(
    messages: &[Message],
    flags: &[Flags],
    r: Range<usize>,
    turn_range: Range<usize>,
    sess_turns: &[Turn],
    m: &Metrics,
) -> Session {
    let msgs = &messages[r.clone()];
    let (first, last) = (&msgs[0], &msgs[msgs.len() - 1]);
    let session_id = first
        .session_id
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("{}/{}", first.buyer_id, time::fmt_compact(first.local)));
    let (mut sum, mut n) = (0i64, 0u32);
    for t in sess_turns.iter().filter(|t| t.in_service_hours) {
        if let Some(rt) = t.response_ms {
            sum += rt.min(m.response_cap_ms);
            n += 1;
        }
    }
    let buyer_started = msgs
        .iter()
        .find(|x| matches!(x.sender, Sender::Buyer | Sender::Agent))
        .is_some_and(|x| x.sender == Sender::Buyer);
    let n_agent_msgs = msgs.iter().filter(|x| x.sender == Sender::Agent).count() as u32;
    // The latest stage the buyer reached: aftersale over insale over presale.
    let stage = r
        .clone()
        .filter(|&i| messages[i].sender == Sender::Buyer)
        .map(|i| flags[i].stage)
        .max()
        .unwrap_or_default();
    Session {
        shop_id: first.shop_id.clone(),
        session_id,
        buyer_id: first.buyer_id.clone(),
        first_agent_id: msgs
            .iter()
            .find(|x| x.sender == Sender::Agent)
            .and_then(|x| x.agent_id.clone()),
        started_ts: first.ts,
        started_local: first.local,
        ended_ts: last.ts,
        ended_local: last.local,
        n_buyer_msgs: msgs.iter().filter(|x| x.sender == Sender::Buyer).count() as u32,
        n_agent_msgs,
        buyer_started,
        turns: turn_range,
        n_turns: sess_turns.len() as u32,
        n_unanswered_turns: sess_turns.iter().filter(|t| !t.answered()).count() as u32,
        first_response_ms: sess_turns.first().and_then(|t| t.response_ms).filter(|_| buyer_started),
        response_capped_sum_ms: sum,
        response_n: n,
        first_question: first_question(messages, flags, r.clone(), sess_turns),
        msgs: r,
        stage,
        is_after_sales: stage == Stage::Aftersale,
        is_inquiry: buyer_started && n_agent_msgs > 0 && stage == Stage::Presale,
    }
}

fn first_question(messages: &[Message], flags: &[Flags], r: Range<usize>, turns: &[Turn]) -> Option<FirstQuestion> {
    let q = r
        .clone()
        .find(|&i| messages[i].sender == Sender::Buyer && flags[i].is_question)?;
    let mut stall = 0u32;
    let mut answer = None;
    for i in q + 1..r.end {
        if messages[i].sender != Sender::Agent {
            continue;
        }
        if flags[i].is_substantive {
            answer = Some(i);
            break;
        }
        stall += 1;
    }
    let turn_agent = turns
        .iter()
        .rev()
        .find(|t| t.first_msg <= q)
        .and_then(|t| t.agent_id.clone());
    Some(FirstQuestion {
        msg: q,
        answer,
        answer_ms: answer.map(|i| messages[i].ts - messages[q].ts),
        stall_rounds: stall,
        agent_id: answer.and_then(|i| messages[i].agent_id.clone()).or(turn_agent),
    })
}
