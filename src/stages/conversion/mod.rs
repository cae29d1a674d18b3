//! Stage 4, conversion (CONTRACT §4 "Inquiry", "Conversion"): each order is
//! matched to the latest qualifying inquiry of its buyer in its shop,
//! credited (落实) to an agent, marked silent (静默下单) when the buyer wrote
//! nothing in the look-back before it, and followed for 催付: whether it
//! could be chased, which agent chased it, and whether it was paid after.
//! Ratings and reviews are matched to the sessions they judge
//! ([`feedback`]).

pub mod feedback;

use std::collections::HashMap;
use std::ops::Range;

use crate::core::model::{Message, Name, Order, Sender};
use crate::core::settings::{Credit, Metrics};
use crate::core::time;
use crate::stages::sessions::Session;
use crate::stages::text::Flags;

/// One order with what it was attributed to.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub order: usize,
    /// Index of the inquiry session it converts, if any.
    pub session: Option<usize>,
    pub agent_id: Option<Name>,
    pub is_silent: bool,
    /// Still unpaid `chase_min_wait_secs` after it was created: it can be chased (催付).
    pub chaseable: bool,
    pub chase: Option<Chase>,
}

/// 催付: the first agent message to the order's buyer in its shop at or
/// after `created_at + chase_min_wait_secs` and before the order was paid or
/// `chase_window_hours` passed (with `chase_requires_phrase`, the first such
/// message that asks for payment). No platform publishes its formula; this is kefu's.
#[derive(Debug, Clone, PartialEq)]
pub struct Chase {
    /// The chasing message.
    pub msg: usize,
    /// Who chased: credited for the chase apart from the order's 落实 credit.
    pub agent_id: Option<Name>,
    /// Paid after the chase, inside the window.
    pub paid: bool,
}

/// Whether order `o` can be chased, and its chase among the messages of its
/// buyer's stream (`msgs`, starting at index `base`).
fn chase(o: &Order, msgs: &[Message], base: usize, flags: &[Flags], m: &Metrics) -> (bool, Option<Chase>) {
    let from = o.created_ts + m.chase_min_wait_ms;
    let window_end = o.created_ts + m.chase_window_ms;
    if o.paid_ts.is_some_and(|p| p <= from) {
        return (false, None);
    }
    let until = o.paid_ts.map_or(window_end, |p| p.min(window_end));
    let start = msgs.partition_point(|x| x.ts < from);
    let found = msgs[start..]
        .iter()
        .enumerate()
        .take_while(|(_, x)| x.ts < until)
        .find(|(k, x)| x.sender == Sender::Agent && (!m.chase_requires_phrase || flags[base + start + k].is_pay_urge));
    let chase = found.map(|(k, x)| Chase {
        msg: base + start + k,
        agent_id: x.agent_id.clone(),
        paid: o.paid_ts.is_some_and(|p| p <= window_end),
    });
    (true, chase)
}

/// Attributes every order. `messages` and `sessions` are in staging order;
/// `flags` are the messages' text flags.
pub fn attribute(
    messages: &[Message],
    flags: &[Flags],
    sessions: &[Session],
    orders: &[Order],
    m: &Metrics,
) -> Vec<Attribution> {
    // Inquiry sessions and message ranges per (shop, buyer).
    let mut inquiries: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, s) in sessions.iter().enumerate() {
        if s.is_inquiry {
            inquiries.entry((&*s.shop_id, &*s.buyer_id)).or_default().push(i);
        }
    }
    let mut streams: HashMap<(&str, &str), Range<usize>> = HashMap::new();
    for s in sessions {
        let e = streams.entry((&*s.shop_id, &*s.buyer_id)).or_insert(s.msgs.clone());
        e.start = e.start.min(s.msgs.start);
        e.end = e.end.max(s.msgs.end);
    }
    let lookback = m.silent_lookback_ms;
    orders
        .iter()
        .enumerate()
        .map(|(oi, o)| {
            let key = (&*o.shop_id, &*o.buyer_id);
            // Latest inquiry that started before the order and whose window
            // (end of calendar day `attribution_days` from its day) covers it.
            let session = inquiries.get(&key).and_then(|list| {
                list.iter().rev().copied().find(|&si| {
                    let s = &sessions[si];
                    let window_end = time::day_start(s.day() + m.attribution_days as i32);
                    s.started_ts < o.created_ts && o.created_local < window_end
                })
            });
            let agent_id = session.and_then(|si| credit(messages, &sessions[si], o.created_ts, m.credit));
            let stream = streams.get(&key).cloned().unwrap_or(0..0);
            let msgs = &messages[stream.clone()];
            let from = msgs.partition_point(|x| x.ts < o.created_ts - lookback);
            let is_silent = !msgs[from..]
                .iter()
                .take_while(|x| x.ts <= o.created_ts)
                .any(|x| x.sender == Sender::Buyer);
            let (chaseable, chase) = chase(o, msgs, stream.start, flags, m);
            Attribution {
                order: oi,
                session,
                agent_id,
                is_silent,
                chaseable,
                chase,
            }
        })
        .collect()
}

/// The agent an order is credited to inside its inquiry session.
fn credit(messages: &[Message], s: &Session, created_ts: i64, rule: Credit) -> Option<Name> {
    let agents = || messages[s.msgs.clone()].iter().filter(|x| x.sender == Sender::Agent);
    let first = || agents().next().and_then(|x| x.agent_id.clone());
    match rule {
        Credit::First => first(),
        // The last agent who answered before the order; if the order came before
        // any agent answered, the first agent who did.
        Credit::Last => agents()
            .take_while(|x| x.ts <= created_ts)
            .last()
            .and_then(|x| x.agent_id.clone())
            .or_else(first),
    }
}
