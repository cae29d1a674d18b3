//! 售后 / 差评 reasons: what each after-sales session is about — the reason
//! its buyer's messages name most (ties to the one named first), 其他 when
//! they name none — and per shop, week and reason the sessions, their share,
//! how often they drew `no_solution` or ended unhappy, and the first
//! response they got. The same reasons read from reviews: per shop, week and
//! reason, the 中差评 and the stage of the session that served each order.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{Message, Order, Review, Sender};
use crate::core::registry::RuleId;
use crate::core::schema::{after_sales_reasons as ar, review_reasons as rr};
use crate::core::time;
use crate::stages::conversion::feedback::{Served, ServedReview};
use crate::stages::rules::Violation;
use crate::stages::sessions::Conversations;
use crate::stages::text::intents::Classifier;
use crate::stages::text::MessageText;

/// Each session's reason: `None` unless it is after-sales.
pub fn session_reasons(
    conv: &Conversations,
    messages: &[Message],
    text: &[MessageText],
    reasons: &Classifier,
) -> Vec<Option<u8>> {
    conv.sessions
        .iter()
        .map(|s| {
            if !s.is_after_sales {
                return None;
            }
            // (reason, messages naming it, first message naming it)
            let mut counts: Vec<(u8, u32, usize)> = Vec::new();
            for i in s.msgs.clone().filter(|&i| messages[i].sender == Sender::Buyer) {
                if let Some(r) = text[i].reason {
                    match counts.iter_mut().find(|c| c.0 == r) {
                        Some(c) => c.1 += 1,
                        None => counts.push((r, 1, i)),
                    }
                }
            }
            let best = counts.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
            Some(best.map_or(reasons.other(), |c| c.0))
        })
        .collect()
}

#[derive(Default)]
struct Acc {
    sessions: u32,
    no_solution: u32,
    unhappy: u32,
    first_response_ms: i64,
    first_responses: u32,
}

/// `after_sales_reasons`.
pub fn after_sales_reasons(
    conv: &Conversations,
    session_reasons: &[Option<u8>],
    violations: &[Violation],
    reasons: &Classifier,
    cap_ms: i64,
) -> PolarsResult<DataFrame> {
    let mut fired = vec![(false, false); conv.sessions.len()];
    for v in violations {
        match v.rule {
            RuleId::NoSolution => fired[v.session].0 = true,
            RuleId::UnhappyEnd => fired[v.session].1 = true,
            _ => {}
        }
    }
    let mut groups: BTreeMap<(String, i32, u8), Acc> = BTreeMap::new();
    for (i, s) in conv.sessions.iter().enumerate() {
        let Some(r) = session_reasons[i] else { continue };
        let g = groups
            .entry((s.shop_id.to_string(), time::week_start(s.day()), r))
            .or_default();
        g.sessions += 1;
        g.no_solution += fired[i].0 as u32;
        g.unhappy += fired[i].1 as u32;
        if let Some(ms) = s.first_response_ms {
            g.first_response_ms += ms.min(cap_ms);
            g.first_responses += 1;
        }
    }
    let mut totals: BTreeMap<(&str, i32), u32> = BTreeMap::new();
    for ((shop, monday, _), g) in &groups {
        *totals.entry((shop, *monday)).or_default() += g.sessions;
    }
    let rows: Vec<_> = groups.iter().collect();
    let rate = |n: u32, d: u32| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    FrameBuilder::new(rows.len())
        .str(ar::SHOP_ID, rows.iter().map(|((s, _, _), _)| s))
        .str(ar::WEEK, rows.iter().map(|((_, m, _), _)| time::iso_week(*m)))
        .str(ar::REASON, rows.iter().map(|((_, _, r), _)| reasons.name(*r)))
        .u32(ar::SESSIONS, rows.iter().map(|(_, g)| g.sessions))
        .f64(
            ar::SHARE,
            rows.iter()
                .map(|((s, m, _), g)| rate(g.sessions, totals[&(s.as_str(), *m)])),
        )
        .f64(
            ar::NO_SOLUTION_RATE,
            rows.iter().map(|(_, g)| rate(g.no_solution, g.sessions)),
        )
        .f64(
            ar::UNHAPPY_END_RATE,
            rows.iter().map(|(_, g)| rate(g.unhappy, g.sessions)),
        )
        .opt_f64(
            ar::FIRST_RESPONSE_AVG_SECS,
            rows.iter().map(|(_, g)| {
                (g.first_responses > 0).then(|| g.first_response_ms as f64 / g.first_responses as f64 / 1000.0)
            }),
        )
        .build()
}

/// What [`review_reasons`] reads.
pub struct ReviewInputs<'a> {
    pub reviews: &'a [Review],
    pub served: &'a [ServedReview],
    /// Each review's reason.
    pub review_reasons: &'a [u8],
    pub orders: &'a [Order],
    pub reasons: &'a Classifier,
}

/// `review_reasons`: 中差评 per shop, ISO week of the review and reason.
pub fn review_reasons(x: &ReviewInputs) -> PolarsResult<DataFrame> {
    // [bad reviews, presale, insale, aftersale, no chat]
    let mut groups: BTreeMap<(&str, i32, u8), [u32; 5]> = BTreeMap::new();
    for s in x.served {
        let r = &x.reviews[s.review];
        if r.rating > 3 {
            continue;
        }
        let shop = &*x.orders[r.order].shop_id;
        let week = time::week_start(time::local_day(r.created_local));
        let g = groups.entry((shop, week, x.review_reasons[s.review])).or_default();
        g[0] += 1;
        g[match s.served {
            Some((Served::Presale, _)) => 1,
            Some((Served::Insale, _)) => 2,
            Some((Served::Aftersale, _)) => 3,
            None => 4,
        }] += 1;
    }
    let mut totals: BTreeMap<(&str, i32), u32> = BTreeMap::new();
    for ((shop, monday, _), g) in &groups {
        *totals.entry((shop, *monday)).or_default() += g[0];
    }
    let rows: Vec<_> = groups.iter().collect();
    let n = |i: usize| rows.iter().map(move |(_, g)| g[i]);
    FrameBuilder::new(rows.len())
        .str(rr::SHOP_ID, rows.iter().map(|((s, _, _), _)| s))
        .str(rr::WEEK, rows.iter().map(|((_, m, _), _)| time::iso_week(*m)))
        .str(rr::REASON, rows.iter().map(|((_, _, r), _)| x.reasons.name(*r)))
        .u32(rr::BAD_REVIEWS, n(0))
        .f64(
            rr::SHARE,
            rows.iter().map(|((s, m, _), g)| g[0] as f64 / totals[&(*s, *m)] as f64),
        )
        .u32(rr::PRESALE, n(1))
        .u32(rr::INSALE, n(2))
        .u32(rr::AFTERSALE, n(3))
        .u32(rr::NO_CHAT, n(4))
        .build()
}
