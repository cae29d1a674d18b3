//! Stage 4, conversion (CONTRACT §4 "Inquiry", "Conversion"):
//! each order is matched to the latest qualifying inquiry of its buyer in its
//! shop, credited (落实) to an agent, and marked silent (静默下单) when the
//! buyer wrote nothing in the look-back before it.

use std::collections::HashMap;
use std::ops::Range;

use crate::core::model::{Message, Name, Order, Sender};
use crate::core::settings::{Credit, Metrics};
use crate::core::time;
use crate::stages::sessions::Session;

/// One order with what it was attributed to.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub order: usize,
    /// Index of the inquiry session it converts, if any.
    pub session: Option<usize>,
    pub agent_id: Option<Name>,
    pub is_silent: bool,
}

/// Attributes every order. `messages` and `sessions` are in staging order.
pub fn attribute(messages: &[Message], sessions: &[Session], orders: &[Order], m: &Metrics) -> Vec<Attribution> {
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
            let is_silent = match streams.get(&key) {
                None => true,
                Some(r) => {
                    let msgs = &messages[r.clone()];
                    let from = msgs.partition_point(|x| x.ts < o.created_ts - lookback);
                    !msgs[from..]
                        .iter()
                        .take_while(|x| x.ts <= o.created_ts)
                        .any(|x| x.sender == Sender::Buyer)
                }
            };
            Attribution {
                order: oi,
                session,
                agent_id,
                is_silent,
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
