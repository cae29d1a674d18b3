//! `hourly_load`: per shop, ISO weekday and hour, the inquiries, turns,
//! active agents and concurrent sessions of an average day — what staffing
//! is planned from.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{Message, Sender};
use crate::core::schema::hourly_load as hl;
use crate::core::time::{self, MS_PER_SEC};
use crate::stages::sessions::Conversations;

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
        let (day, hour) = (s.day(), time::hour_of_day(s.started_local));
        if s.is_inquiry {
            slots
                .entry((&s.shop_id, time::iso_weekday(day), hour))
                .or_default()
                .inquiries += 1;
        }
        // Spread the session's open time over the hours it spans.
        let mut t = s.started_local;
        while t <= s.ended_local {
            let hour_end = (t / 3_600_000 + 1) * 3_600_000;
            let until = hour_end.min(s.ended_local.max(t + MS_PER_SEC));
            let d = time::local_day(t);
            let slot = slots
                .entry((&s.shop_id, time::iso_weekday(d), time::hour_of_day(t)))
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
                .entry((&s.shop_id, time::iso_weekday(d), time::hour_of_day(t.start_local)))
                .or_default()
                .turns += 1;
        }
        for m in &messages[s.msgs.clone()] {
            if let (Sender::Agent, Some(a)) = (m.sender, m.agent_id.as_deref()) {
                let n = agent_idx.len();
                let ai = *agent_idx.entry(a).or_insert(n);
                let d = time::local_day(m.local);
                slots
                    .entry((&s.shop_id, time::iso_weekday(d), time::hour_of_day(m.local)))
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
            .filter(|d| time::iso_weekday(*d) == *wd)
            .collect();
    }
    let rows: Vec<_> = slots.into_iter().collect();
    let per_day = |x: f64, s: &Slot| x / s.days.len().max(1) as f64;
    FrameBuilder::new(rows.len())
        .str(hl::SHOP_ID, rows.iter().map(|((s, _, _), _)| *s))
        .u32(hl::WEEKDAY, rows.iter().map(|((_, w, _), _)| *w))
        .u32(hl::HOUR, rows.iter().map(|((_, _, h), _)| *h))
        .u32(hl::DAYS, rows.iter().map(|(_, s)| s.days.len() as u32))
        .u32(hl::INQUIRIES, rows.iter().map(|(_, s)| s.inquiries))
        .f64(
            hl::INQUIRIES_PER_DAY,
            rows.iter().map(|(_, s)| per_day(s.inquiries as f64, s)),
        )
        .u32(hl::TURNS, rows.iter().map(|(_, s)| s.turns))
        .f64(hl::TURNS_PER_DAY, rows.iter().map(|(_, s)| per_day(s.turns as f64, s)))
        .f64(
            hl::AGENTS_ACTIVE,
            rows.iter().map(|(_, s)| per_day(s.agent_hours.len() as f64, s)),
        )
        .f64(
            hl::CONCURRENT_SESSIONS,
            rows.iter().map(|(_, s)| per_day(s.session_ms as f64 / 3_600_000.0, s)),
        )
        .opt_f64(
            hl::SESSIONS_PER_AGENT,
            rows.iter().map(|(_, s)| {
                (!s.agent_hours.is_empty()).then(|| s.session_ms as f64 / 3_600_000.0 / s.agent_hours.len() as f64)
            }),
        )
        .build()
}
