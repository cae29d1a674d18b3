//! Shop-level marts: the daily funnel (`shop_daily`) and the hourly load
//! (`hourly_load`) that staffing is planned from.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use polars::prelude::*;

use crate::conversion::Attribution;
use crate::frame::{yuan, FrameBuilder};
use crate::model::{Message, Order, Sender};
use crate::sessions::Conversations;
use crate::timeutil::{self, MS_PER_SEC};

#[derive(Default)]
struct Day<'a> {
    buyers: BTreeSet<&'a str>,
    inquiring: BTreeSet<&'a str>,
    ordered: BTreeSet<&'a str>,
    paid: BTreeSet<&'a str>,
    unpaid_inquiry_orders: u32,
    orders: u32,
    paid_orders: u32,
    paying_buyers: BTreeSet<&'a str>,
    silent_orders: u32,
    silent_paid_orders: u32,
    sales_fen: i64,
    agent_sales_fen: i64,
    silent_sales_fen: i64,
    other_sales_fen: i64,
}

/// `shop_daily`: per shop and date, the 询单 funnel (by inquiry date) and the
/// orders and sales of the day (by order date), split into agent-credited and
/// silent (静默下单). `agent_sales_amount + silent_sales_amount +
/// other_sales_amount = sales_amount`; an order both credited and silent
/// (inquiry over 24 h before it, inside the window) is agent sales.
pub fn shop_daily(conv: &Conversations, orders: &[Order], attributions: &[Attribution]) -> PolarsResult<DataFrame> {
    let mut days: BTreeMap<(&str, i32), Day> = BTreeMap::new();
    for s in &conv.sessions {
        let d = days.entry((&s.shop_id, s.day())).or_default();
        d.buyers.insert(&s.buyer_id);
        if s.is_inquiry {
            d.inquiring.insert(&s.buyer_id);
        }
    }
    for a in attributions {
        let o = &orders[a.order];
        if let Some(si) = a.session {
            let s = &conv.sessions[si];
            let d = days.entry((&s.shop_id, s.day())).or_default();
            d.ordered.insert(&o.buyer_id);
            if o.paid_ts.is_some() {
                d.paid.insert(&o.buyer_id);
            } else {
                d.unpaid_inquiry_orders += 1;
            }
        }
        let d = days
            .entry((&o.shop_id, timeutil::local_day(o.created_local)))
            .or_default();
        d.orders += 1;
        d.silent_orders += a.is_silent as u32;
        if o.paid_ts.is_some() {
            d.paid_orders += 1;
            d.paying_buyers.insert(&o.buyer_id);
            d.sales_fen += o.amount_fen;
            if a.is_silent {
                d.silent_paid_orders += 1;
            }
            // Sales split into a partition: credited to an agent, else silent, else other
            // (chatted, but no inquiry covers the order, e.g. after-sales chats).
            match (a.agent_id.is_some(), a.is_silent) {
                (true, _) => d.agent_sales_fen += o.amount_fen,
                (false, true) => d.silent_sales_fen += o.amount_fen,
                (false, false) => d.other_sales_fen += o.amount_fen,
            }
        }
    }
    let rows: Vec<_> = days.into_iter().collect();
    let ratio = |n: usize, d: usize| (d > 0).then(|| n as f64 / d as f64);
    FrameBuilder::new(rows.len())
        .str("shop_id", rows.iter().map(|((s, _), _)| *s))
        .date("date", rows.iter().map(|((_, d), _)| *d))
        .u32("buyers", rows.iter().map(|(_, d)| d.buyers.len() as u32))
        .u32("inquiries", rows.iter().map(|(_, d)| d.inquiring.len() as u32))
        .u32("ordered_buyers", rows.iter().map(|(_, d)| d.ordered.len() as u32))
        .u32("paid_buyers", rows.iter().map(|(_, d)| d.paid.len() as u32))
        .u32(
            "lost_inquiries",
            rows.iter()
                .map(|(_, d)| d.inquiring.difference(&d.ordered).count() as u32),
        )
        .u32(
            "unpaid_inquiry_orders",
            rows.iter().map(|(_, d)| d.unpaid_inquiry_orders),
        )
        .opt_f64(
            "conversion_rate",
            rows.iter().map(|(_, d)| ratio(d.paid.len(), d.inquiring.len())),
        )
        .u32("orders", rows.iter().map(|(_, d)| d.orders))
        .u32("paid_orders", rows.iter().map(|(_, d)| d.paid_orders))
        .u32("silent_orders", rows.iter().map(|(_, d)| d.silent_orders))
        .u32("silent_paid_orders", rows.iter().map(|(_, d)| d.silent_paid_orders))
        .opt_f64(
            "silent_share",
            rows.iter()
                .map(|(_, d)| ratio(d.silent_paid_orders as usize, d.paid_orders as usize)),
        )
        .f64("sales_amount", rows.iter().map(|(_, d)| yuan(d.sales_fen)))
        .f64("agent_sales_amount", rows.iter().map(|(_, d)| yuan(d.agent_sales_fen)))
        .f64(
            "silent_sales_amount",
            rows.iter().map(|(_, d)| yuan(d.silent_sales_fen)),
        )
        .f64("other_sales_amount", rows.iter().map(|(_, d)| yuan(d.other_sales_fen)))
        .opt_f64(
            "avg_order_value",
            rows.iter()
                .map(|(_, d)| (!d.paying_buyers.is_empty()).then(|| yuan(d.sales_fen) / d.paying_buyers.len() as f64)),
        )
        .build()
}

#[derive(Default)]
struct Slot {
    days: BTreeSet<i32>,
    inquiries: u32,
    turns: u32,
    /// (day, agent) pairs with an agent message in the hour.
    agent_hours: HashSet<(i32, usize)>,
    /// Session-milliseconds open inside the hour, summed.
    session_ms: i64,
}

/// `hourly_load`: per shop, ISO weekday (1 = Monday) and hour, averaged over
/// the days of that weekday in the data: inquiries, turns, active agents,
/// concurrent sessions and concurrent sessions per active agent.
pub fn hourly_load(conv: &Conversations, messages: &[Message]) -> PolarsResult<DataFrame> {
    let mut slots: BTreeMap<(&str, u32, u32), Slot> = BTreeMap::new();
    let mut agent_idx: std::collections::HashMap<&str, usize> = Default::default();
    // Every (shop, weekday) slot counts the days seen for that weekday in the shop.
    let mut shop_days: BTreeMap<&str, BTreeSet<i32>> = BTreeMap::new();
    for s in &conv.sessions {
        shop_days.entry(&s.shop_id).or_default().insert(s.day());
    }
    for s in &conv.sessions {
        let (day, hour) = (s.day(), timeutil::hour_of_day(s.started_local));
        if s.is_inquiry {
            slots
                .entry((&s.shop_id, timeutil::iso_weekday(day), hour))
                .or_default()
                .inquiries += 1;
        }
        // Spread the session's open time over the hours it spans.
        let mut t = s.started_local;
        while t <= s.ended_local {
            let hour_end = (t / 3_600_000 + 1) * 3_600_000;
            let until = hour_end.min(s.ended_local.max(t + MS_PER_SEC));
            let d = timeutil::local_day(t);
            let slot = slots
                .entry((&s.shop_id, timeutil::iso_weekday(d), timeutil::hour_of_day(t)))
                .or_default();
            slot.session_ms += until - t;
            if until >= s.ended_local {
                break;
            }
            t = until;
        }
        for t in conv.turns[s.turns.clone()].iter() {
            let d = t.day();
            slots
                .entry((
                    &s.shop_id,
                    timeutil::iso_weekday(d),
                    timeutil::hour_of_day(t.start_local),
                ))
                .or_default()
                .turns += 1;
        }
        for m in &messages[s.msgs.clone()] {
            if let (Sender::Agent, Some(a)) = (m.sender, m.agent_id.as_deref()) {
                let n = agent_idx.len();
                let ai = *agent_idx.entry(a).or_insert(n);
                let d = timeutil::local_day(m.local);
                slots
                    .entry((&s.shop_id, timeutil::iso_weekday(d), timeutil::hour_of_day(m.local)))
                    .or_default()
                    .agent_hours
                    .insert((d, ai));
            }
        }
    }
    for ((shop, wd, _), slot) in slots.iter_mut() {
        slot.days = shop_days[shop]
            .iter()
            .copied()
            .filter(|d| timeutil::iso_weekday(*d) == *wd)
            .collect();
    }
    let rows: Vec<_> = slots.into_iter().collect();
    let per_day = |x: f64, s: &Slot| x / s.days.len().max(1) as f64;
    FrameBuilder::new(rows.len())
        .str("shop_id", rows.iter().map(|((s, _, _), _)| *s))
        .u32("weekday", rows.iter().map(|((_, w, _), _)| *w))
        .u32("hour", rows.iter().map(|((_, _, h), _)| *h))
        .u32("days", rows.iter().map(|(_, s)| s.days.len() as u32))
        .u32("inquiries", rows.iter().map(|(_, s)| s.inquiries))
        .f64(
            "inquiries_per_day",
            rows.iter().map(|(_, s)| per_day(s.inquiries as f64, s)),
        )
        .u32("turns", rows.iter().map(|(_, s)| s.turns))
        .f64("turns_per_day", rows.iter().map(|(_, s)| per_day(s.turns as f64, s)))
        .f64(
            "agents_active",
            rows.iter().map(|(_, s)| per_day(s.agent_hours.len() as f64, s)),
        )
        .f64(
            "concurrent_sessions",
            rows.iter().map(|(_, s)| per_day(s.session_ms as f64 / 3_600_000.0, s)),
        )
        .opt_f64(
            "sessions_per_agent",
            rows.iter().map(|(_, s)| {
                (!s.agent_hours.is_empty()).then(|| s.session_ms as f64 / 3_600_000.0 / s.agent_hours.len() as f64)
            }),
        )
        .build()
}
