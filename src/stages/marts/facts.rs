//! The intermediate facts agent_daily is grouped from (dbt's intermediate
//! layer): one frame per grain — turns, first turns, participation, first
//! questions, credited orders, violations — keyed by a `u32` per (shop,
//! agent) and a date, so the frames carry 4-byte keys, not strings, and the
//! strings join back once on the small grouped result.

use std::collections::HashMap;

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{Message, MsgType, Name, Order, Review, Sender, Stage};
use crate::core::registry::Category;
use crate::core::schema::{agent_daily as ad, Col, Ty};
use crate::core::settings::Metrics;
use crate::core::time;
use crate::stages::conversion::feedback::{RatedSession, Served, ServedReview};
use crate::stages::conversion::{Attribution, Chase};
use crate::stages::rules::Violation;
use crate::stages::sessions::Conversations;
use crate::stages::text::MessageText;

/// The (shop, agent) key of every fact frame.
pub const KA: Col = Col::new("ka", Ty::U32, false);
/// The date key: agent_daily's own `date` column.
pub const DATE: Col = ad::DATE;
pub const BUYER: Col = Col::new("buyer", Ty::U32, false);
pub const IN_HOURS: Col = Col::new("in_hours", Ty::U32, false);
pub const FAST: Col = Col::new("fast", Ty::U32, false);
pub const UNANSWERED: Col = Col::new("unanswered", Ty::U32, false);
pub const RT_MS: Col = Col::new("rt_ms", Ty::I64, true);
/// The platform's 平响 term of an in-hours turn: capped response, or the cap when unanswered.
pub const RT_PLATFORM_MS: Col = Col::new("rt_platform_ms", Ty::I64, true);
pub const N_BUYER: Col = Col::new("n_buyer", Ty::U32, false);
pub const ANSWERED: Col = Col::new("answered", Ty::Bool, false);
/// In hours and waited `slow_response_secs` or more (or never answered).
pub const SLOW: Col = Col::new("slow", Ty::Bool, false);
pub const ASKS: Col = Col::new("asks", Ty::Bool, false);
pub const SESSION_MS: Col = Col::new("session_ms", Ty::I64, false);
pub const LONG: Col = Col::new("long", Ty::Bool, false);
pub const AGENT_STARTED: Col = Col::new("agent_started", Ty::Bool, false);
/// The session reached 售中 / 售后.
pub const SESSION_INSALE: Col = Col::new("session_insale", Ty::Bool, false);
pub const SESSION_AFTERSALE: Col = Col::new("session_aftersale", Ty::Bool, false);
pub const CHARS: Col = Col::new("chars", Ty::U32, false);
pub const INVITE: Col = Col::new("invite", Ty::Bool, false);
pub const T_IN: Col = Col::new("t_in", Ty::U32, false);
pub const T_OUT: Col = Col::new("t_out", Ty::U32, false);
pub const FRT_MS: Col = Col::new("frt_ms", Ty::I64, true);
pub const IS_INQUIRY: Col = Col::new("is_inquiry", Ty::Bool, false);
pub const FQ_ANSWERED: Col = Col::new("fq_answered", Ty::U32, false);
pub const FQ_STALLED: Col = Col::new("fq_stalled", Ty::U32, false);
pub const FQ_MS: Col = Col::new("fq_ms", Ty::I64, true);
pub const CONVERTED: Col = Col::new("converted", Ty::Bool, false);
/// The buyer had paid in the shop before the session (老客).
pub const RETURNING: Col = Col::new("returning", Ty::Bool, false);
pub const PAID: Col = Col::new("paid", Ty::Bool, false);
pub const PAID_FEN: Col = Col::new("paid_fen", Ty::I64, false);
pub const ORDER_FEN: Col = Col::new("order_fen", Ty::I64, false);
/// Paid by the end of the inquiry's day / of the day after.
pub const PAID_D0: Col = Col::new("paid_d0", Ty::Bool, false);
pub const PAID_D1: Col = Col::new("paid_d1", Ty::Bool, false);
/// The refund of a paid order (0 when none).
pub const REFUND_FEN: Col = Col::new("refund_fen", Ty::I64, false);
pub const CHASED_PAID: Col = Col::new("chased_paid", Ty::U32, false);
pub const CHASED_PAID_FEN: Col = Col::new("chased_paid_fen", Ty::I64, false);
pub const WAIT: Col = Col::new("w", Ty::U32, false);
pub const THINK: Col = Col::new("t", Ty::U32, false);
pub const ANNOY: Col = Col::new("a", Ty::U32, false);
/// A rating of 4 or 5.
pub const SATISFIED: Col = Col::new("satisfied", Ty::Bool, false);
/// A review rated 3 or less (中差评), and the stage of the session that served its order.
pub const BAD: Col = Col::new("bad", Ty::Bool, false);
pub const PRESALE: Col = Col::new("presale", Ty::Bool, false);
pub const INSALE: Col = Col::new("insale", Ty::Bool, false);
pub const AFTERSALE: Col = Col::new("aftersale", Ty::Bool, false);

/// Numbers (shop, agent) pairs and buyers for the fact frames.
#[derive(Default)]
struct KeyIndex<'a> {
    pairs: HashMap<(&'a str, &'a str), u32>,
    buyers: HashMap<&'a str, u32>,
}

impl<'a> KeyIndex<'a> {
    fn ka(&mut self, shop: &'a str, agent: &'a str) -> u32 {
        let n = self.pairs.len() as u32;
        *self.pairs.entry((shop, agent)).or_insert(n)
    }
    fn buyer(&mut self, buyer: &'a str) -> u32 {
        let n = self.buyers.len() as u32;
        *self.buyers.entry(buyer).or_insert(n)
    }
    /// `ka` → `shop_id`, `agent_id`.
    fn frame(&self) -> PolarsResult<DataFrame> {
        let mut v: Vec<(&(&str, &str), &u32)> = self.pairs.iter().collect();
        v.sort_by_key(|(_, ka)| **ka);
        FrameBuilder::new(v.len())
            .u32(KA, v.iter().map(|(_, ka)| **ka))
            .str(ad::SHOP_ID, v.iter().map(|((s, _), _)| *s))
            .str(ad::AGENT_ID, v.iter().map(|((_, a), _)| *a))
            .build()
    }
}

/// Fact frames at the grain each part of `agent_daily` needs.
pub struct Facts {
    /// `ka` → (`shop_id`, `agent_id`).
    pub keys: DataFrame,
    /// One row per turn with a credited agent.
    pub turns: DataFrame,
    /// One row per buyer-started session's first turn.
    pub first_turns: DataFrame,
    /// One row per (session, agent who sent a message in it), with whether
    /// the session is an inquiry and whether an order came of it.
    pub participation: DataFrame,
    /// One row per session first question.
    pub first_questions: DataFrame,
    /// One row per credited order: its buyer, amount, payment (and by when,
    /// counted from the inquiry's day) and refund.
    pub attributed: DataFrame,
    /// One row per violation with an agent.
    pub violations: DataFrame,
    /// One row per chased order (催付), keyed by the chasing agent.
    pub chases: DataFrame,
    /// One row per agent message: its length and whether it invites a review.
    pub agent_msgs: DataFrame,
    /// One row per side of a hand-over between agents (out and in).
    pub transfers: DataFrame,
    /// One row per rating matched to a session, on the session's date; `None`
    /// without the ratings input.
    pub ratings: Option<DataFrame>,
    /// One row per review charged to an agent, on the serving session's
    /// date; `None` without the reviews input.
    pub reviews: Option<DataFrame>,
}

/// What the facts are built from.
pub struct Inputs<'a> {
    pub conv: &'a Conversations,
    pub messages: &'a [Message],
    pub orders: &'a [Order],
    pub attributions: &'a [Attribution],
    pub violations: &'a [Violation],
    pub metrics: &'a Metrics,
    /// Per session: the buyer had paid in the shop before it started.
    pub returning: &'a [bool],
    pub text: &'a [MessageText],
    pub ratings: Option<&'a [RatedSession]>,
    /// The reviews and the session that served each one's order.
    pub reviews: Option<(&'a [Review], &'a [ServedReview])>,
}

fn agent(a: &Option<Name>) -> &str {
    a.as_deref().unwrap_or_default()
}

pub fn facts<'a>(x: &Inputs<'a>) -> PolarsResult<Facts> {
    let mut k = KeyIndex::default();
    Ok(Facts {
        turns: turns(x, &mut k)?,
        first_turns: first_turns(x, &mut k)?,
        participation: participation(x, &mut k)?,
        first_questions: first_questions(x, &mut k)?,
        attributed: attributed(x, &mut k)?,
        violations: violations(x, &mut k)?,
        chases: chases(x, &mut k)?,
        agent_msgs: agent_msgs(x, &mut k)?,
        transfers: transfers(x, &mut k)?,
        ratings: x.ratings.map(|r| ratings(x, r, &mut k)).transpose()?,
        reviews: x.reviews.map(|(r, s)| reviews(x, r, s, &mut k)).transpose()?,
        keys: k.frame()?,
    })
}

fn turns<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let (conv, cap, fast) = (x.conv, x.metrics.response_cap_ms, x.metrics.response_fast_ms);
    let slow = x.metrics.slow_response_ms;
    let ts: Vec<_> = conv.turns.iter().filter(|t| t.agent_id.is_some()).collect();
    FrameBuilder::new(ts.len())
        .u32(
            KA,
            ts.iter()
                .map(|t| k.ka(&conv.sessions[t.session].shop_id, agent(&t.agent_id))),
        )
        .date(DATE, ts.iter().map(|t| t.day()))
        .u32(IN_HOURS, ts.iter().map(|t| t.in_service_hours as u32))
        .u32(
            FAST,
            ts.iter()
                .map(|t| (t.in_service_hours && t.response_ms.is_some_and(|r| r <= fast)) as u32),
        )
        .u32(UNANSWERED, ts.iter().map(|t| (!t.answered()) as u32))
        .opt_i64(
            RT_MS,
            ts.iter()
                .map(|t| t.response_ms.filter(|_| t.in_service_hours).map(|r| r.min(cap))),
        )
        .opt_i64(
            RT_PLATFORM_MS,
            ts.iter().map(|t| match (t.in_service_hours, t.response_ms) {
                (true, Some(r)) => Some(r.min(cap)),
                (true, None) if t.asks => Some(cap),
                _ => None,
            }),
        )
        .u32(N_BUYER, ts.iter().map(|t| t.n_buyer_msgs))
        .u32(BUYER, ts.iter().map(|t| k.buyer(&conv.sessions[t.session].buyer_id)))
        .bool(ANSWERED, ts.iter().map(|t| t.answered()))
        .bool(
            SLOW,
            ts.iter()
                .map(|t| t.in_service_hours && t.asks && t.response_ms.is_none_or(|r| r >= slow)),
        )
        .bool(ASKS, ts.iter().map(|t| t.asks))
        .build()
}

fn first_turns<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let (conv, cap) = (x.conv, x.metrics.response_cap_ms);
    let fts: Vec<_> = conv
        .sessions
        .iter()
        .filter(|s| s.buyer_started)
        .filter_map(|s| conv.turns.get(s.turns.start).filter(|_| !s.turns.is_empty()))
        .filter(|t| t.agent_id.is_some())
        .collect();
    FrameBuilder::new(fts.len())
        .u32(
            KA,
            fts.iter()
                .map(|t| k.ka(&conv.sessions[t.session].shop_id, agent(&t.agent_id))),
        )
        .date(DATE, fts.iter().map(|t| t.day()))
        .opt_i64(
            FRT_MS,
            fts.iter()
                .map(|t| t.response_ms.filter(|_| t.in_service_hours).map(|r| r.min(cap))),
        )
        .build()
}

fn participation<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let conv = x.conv;
    let mut converted = vec![false; conv.sessions.len()];
    for si in x.attributions.iter().filter_map(|a| a.session) {
        converted[si] = true;
    }
    let mut part: Vec<(usize, &str)> = Vec::new();
    for (si, s) in conv.sessions.iter().enumerate() {
        let mut seen: Vec<&str> = Vec::new();
        for msg in &x.messages[s.msgs.clone()] {
            if msg.sender == Sender::Agent {
                if let Some(a) = msg.agent_id.as_deref() {
                    if !seen.contains(&a) {
                        seen.push(a);
                        part.push((si, a));
                    }
                }
            }
        }
    }
    FrameBuilder::new(part.len())
        .u32(KA, part.iter().map(|(s, a)| k.ka(&conv.sessions[*s].shop_id, a)))
        .date(DATE, part.iter().map(|(s, _)| conv.sessions[*s].day()))
        .u32(BUYER, part.iter().map(|(s, _)| k.buyer(&conv.sessions[*s].buyer_id)))
        .bool(IS_INQUIRY, part.iter().map(|(s, _)| conv.sessions[*s].is_inquiry))
        .bool(CONVERTED, part.iter().map(|(s, _)| converted[*s]))
        .bool(RETURNING, part.iter().map(|(s, _)| x.returning[*s]))
        .i64(
            SESSION_MS,
            part.iter()
                .map(|(s, _)| conv.sessions[*s].ended_ts - conv.sessions[*s].started_ts),
        )
        .bool(
            LONG,
            part.iter()
                .map(|(s, _)| conv.sessions[*s].ended_ts - conv.sessions[*s].started_ts > x.metrics.long_reception_ms),
        )
        .bool(
            SESSION_INSALE,
            part.iter().map(|(s, _)| conv.sessions[*s].stage == Stage::Insale),
        )
        .bool(
            SESSION_AFTERSALE,
            part.iter().map(|(s, _)| conv.sessions[*s].stage == Stage::Aftersale),
        )
        .bool(
            AGENT_STARTED,
            part.iter().map(|(s, a)| {
                let s = &conv.sessions[*s];
                !s.buyer_started && s.first_agent_id.as_deref() == Some(*a) && started_by_agent(x, s)
            }),
        )
        .build()
}

fn first_questions<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let (m, msgs) = (x.metrics, x.messages);
    let fq: Vec<_> = x
        .conv
        .sessions
        .iter()
        .filter_map(|s| {
            s.first_question
                .as_ref()
                .filter(|q| q.agent_id.is_some())
                .map(|q| (s, q))
        })
        .collect();
    FrameBuilder::new(fq.len())
        .u32(KA, fq.iter().map(|(s, q)| k.ka(&s.shop_id, agent(&q.agent_id))))
        .date(DATE, fq.iter().map(|(_, q)| time::local_day(msgs[q.msg].local)))
        .u32(FQ_ANSWERED, fq.iter().map(|(_, q)| q.answer.is_some() as u32))
        .u32(
            FQ_STALLED,
            fq.iter().map(|(_, q)| (q.stall_rounds >= m.stall_rounds_min) as u32),
        )
        .opt_i64(
            FQ_MS,
            fq.iter().map(|(_, q)| {
                q.answer_ms
                    .map(|r| r.min(m.response_cap_ms))
                    .filter(|_| m.service_hours.contains(time::sec_of_day(msgs[q.msg].local)))
            }),
        )
        .build()
}

fn attributed<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let orders = x.orders;
    let at: Vec<(&Order, &Attribution, i32)> = x
        .attributions
        .iter()
        .filter(|a| a.agent_id.is_some())
        .filter_map(|a| a.session.map(|s| (&orders[a.order], a, x.conv.sessions[s].day())))
        .collect();
    let returning = |a: &Attribution| a.session.is_some_and(|s| x.returning[s]);
    // Paid before local midnight `days` after the inquiry's day.
    let paid_by = |o: &Order, day: i32, days: i32| o.paid_local.is_some_and(|p| p < time::day_start(day + days));
    FrameBuilder::new(at.len())
        .u32(KA, at.iter().map(|(o, a, _)| k.ka(&o.shop_id, agent(&a.agent_id))))
        .date(DATE, at.iter().map(|(_, _, d)| *d))
        .u32(BUYER, at.iter().map(|(o, _, _)| k.buyer(&o.buyer_id)))
        .bool(PAID, at.iter().map(|(o, _, _)| o.paid_ts.is_some()))
        .i64(
            PAID_FEN,
            at.iter()
                .map(|(o, _, _)| if o.paid_ts.is_some() { o.amount_fen } else { 0 }),
        )
        .i64(ORDER_FEN, at.iter().map(|(o, _, _)| o.amount_fen))
        .bool(RETURNING, at.iter().map(|(_, a, _)| returning(a)))
        .bool(PAID_D0, at.iter().map(|(o, _, d)| paid_by(o, *d, 1)))
        .bool(PAID_D1, at.iter().map(|(o, _, d)| paid_by(o, *d, 2)))
        .i64(
            REFUND_FEN,
            at.iter()
                .map(|(o, _, _)| o.refund().filter(|_| o.paid_ts.is_some()).unwrap_or(0)),
        )
        .build()
}

fn violations<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let vs: Vec<_> = x.violations.iter().filter(|v| v.agent_id.is_some()).collect();
    let of = |c: Category| move |v: &&Violation| (v.category() == c) as u32;
    FrameBuilder::new(vs.len())
        .u32(
            KA,
            vs.iter()
                .map(|v| k.ka(&x.conv.sessions[v.session].shop_id, agent(&v.agent_id))),
        )
        .date(DATE, vs.iter().map(|v| time::local_day(x.messages[v.msg].local)))
        .u32(WAIT, vs.iter().map(of(Category::Wait)))
        .u32(THINK, vs.iter().map(of(Category::Think)))
        .u32(ANNOY, vs.iter().map(of(Category::Annoy)))
        .build()
}

fn chases<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let cs: Vec<(&Order, &Chase, i32)> = x
        .attributions
        .iter()
        .filter_map(|a| {
            let o = &x.orders[a.order];
            let chase = a.chase.as_ref().filter(|c| c.agent_id.is_some())?;
            // The inquiry's date, as the conversion columns; a silent order's own date.
            let day = a
                .session
                .map_or(time::local_day(o.created_local), |s| x.conv.sessions[s].day());
            Some((o, chase, day))
        })
        .collect();
    FrameBuilder::new(cs.len())
        .u32(KA, cs.iter().map(|(o, c, _)| k.ka(&o.shop_id, agent(&c.agent_id))))
        .date(DATE, cs.iter().map(|(_, _, d)| *d))
        .u32(CHASED_PAID, cs.iter().map(|(_, c, _)| c.paid as u32))
        .i64(
            CHASED_PAID_FEN,
            cs.iter().map(|(o, c, _)| if c.paid { o.amount_fen } else { 0 }),
        )
        .build()
}

/// Whether the first person to write in a session is an agent (主动跟进).
fn started_by_agent(x: &Inputs, s: &crate::stages::sessions::Session) -> bool {
    x.messages[s.msgs.clone()]
        .iter()
        .find(|m| matches!(m.sender, Sender::Buyer | Sender::Agent))
        .is_some_and(|m| m.sender == Sender::Agent)
}

fn agent_msgs<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let ms: Vec<(usize, &Message, &str)> = x
        .conv
        .sessions
        .iter()
        .flat_map(|s| s.msgs.clone())
        .filter_map(|i| {
            let m = &x.messages[i];
            let a = m.agent_id.as_deref().filter(|_| m.sender == Sender::Agent)?;
            Some((i, m, a))
        })
        .collect();
    FrameBuilder::new(ms.len())
        .u32(KA, ms.iter().map(|(_, m, a)| k.ka(&m.shop_id, a)))
        .date(DATE, ms.iter().map(|(_, m, _)| time::local_day(m.local)))
        .u32(
            CHARS,
            ms.iter().map(|(_, m, _)| match m.msg_type {
                MsgType::Text => m.content.chars().count() as u32,
                _ => 0,
            }),
        )
        .bool(INVITE, ms.iter().map(|(i, _, _)| x.text[*i].flags.is_review_invite))
        .build()
}

/// Hand-overs: within a session, an agent message from another agent than
/// the previous agent message's. Each is a transfer out of the one and into
/// the other, on the day of the first message of the new agent.
fn transfers<'a>(x: &Inputs<'a>, k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let mut sides: Vec<(&str, &str, i32, bool)> = Vec::new();
    for s in &x.conv.sessions {
        let mut prev: Option<&str> = None;
        for m in &x.messages[s.msgs.clone()] {
            let Some(a) = m.agent_id.as_deref().filter(|_| m.sender == Sender::Agent) else {
                continue;
            };
            if let Some(p) = prev.filter(|p| *p != a) {
                let day = time::local_day(m.local);
                sides.push((&s.shop_id, p, day, false));
                sides.push((&s.shop_id, a, day, true));
            }
            prev = Some(a);
        }
    }
    FrameBuilder::new(sides.len())
        .u32(KA, sides.iter().map(|(s, a, _, _)| k.ka(s, a)))
        .date(DATE, sides.iter().map(|(_, _, d, _)| *d))
        .u32(T_IN, sides.iter().map(|(_, _, _, into)| *into as u32))
        .u32(T_OUT, sides.iter().map(|(_, _, _, into)| !*into as u32))
        .build()
}

fn ratings<'a>(x: &Inputs<'a>, rated: &'a [RatedSession], k: &mut KeyIndex<'a>) -> PolarsResult<DataFrame> {
    let s = |r: &RatedSession| &x.conv.sessions[r.session];
    FrameBuilder::new(rated.len())
        .u32(KA, rated.iter().map(|r| k.ka(&s(r).shop_id, &r.agent_id)))
        .date(DATE, rated.iter().map(|r| s(r).day()))
        .bool(SATISFIED, rated.iter().map(|r| r.score >= 4))
        .build()
}

fn reviews<'a>(
    x: &Inputs<'a>,
    reviews: &'a [Review],
    served: &'a [ServedReview],
    k: &mut KeyIndex<'a>,
) -> PolarsResult<DataFrame> {
    let rows: Vec<(&Review, Served, usize, &str)> = served
        .iter()
        .filter_map(|s| {
            let (stage, si) = s.served?;
            Some((&reviews[s.review], stage, si, s.agent_id.as_deref()?))
        })
        .collect();
    let is = |stage: Served| move |r: &(&Review, Served, usize, &str)| r.1 == stage;
    FrameBuilder::new(rows.len())
        .u32(
            KA,
            rows.iter().map(|(_, _, si, a)| k.ka(&x.conv.sessions[*si].shop_id, a)),
        )
        .date(DATE, rows.iter().map(|(_, _, si, _)| x.conv.sessions[*si].day()))
        .bool(BAD, rows.iter().map(|(r, _, _, _)| r.rating <= 3))
        .bool(PRESALE, rows.iter().map(is(Served::Presale)))
        .bool(INSALE, rows.iter().map(is(Served::Insale)))
        .bool(AFTERSALE, rows.iter().map(is(Served::Aftersale)))
        .build()
}
