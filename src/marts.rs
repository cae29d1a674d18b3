//! Reporting tables (the marts): `agent_daily` and `agent_weekly`, built with
//! polars' lazy engine from fact frames. Every sum is over integers
//! (milliseconds, fen, counts) and every rate is divided once at the end, so the
//! figures do not depend on how polars partitions the work.

use std::collections::HashMap;

use polars::prelude::*;

use crate::config::{Metrics, ScoringConfig, ServiceHours};
use crate::conversion::Attribution;
use crate::frame::FrameBuilder;
use crate::model::{Agent, Message, Name, Order, Sender};
use crate::rules::Violation;
use crate::sessions::Conversations;
use crate::timeutil;

const KEYS: [&str; 3] = ["shop_id", "agent_id", "date"];

/// Count columns of `agent_daily`: 0 when a source has no row, summed over a week.
const COUNTS: [&str; 18] = [
    "sessions",
    "buyers",
    "inquiries",
    "ordered_buyers",
    "paid_buyers",
    "n_turns",
    "turns_in_hours",
    "turns_answered_3min",
    "unanswered_turns",
    "response_n",
    "first_response_n",
    "first_questions",
    "first_questions_answered",
    "first_questions_stalled",
    "first_answer_n",
    "violations_wait",
    "violations_think",
    "violations_annoy",
];
/// Integer sums behind the rates (ms, fen): summed, never averaged.
const SUMS: [&str; 4] = [
    "response_sum_ms",
    "first_response_sum_ms",
    "first_answer_sum_ms",
    "sales_fen",
];

/// Facts are grouped by (`ka`, `date`): `ka` numbers each (shop, agent) pair
/// and `buyer` each buyer, so the fact frames carry 4-byte keys, not strings,
/// and the strings join back once on the small result.
fn keys() -> [Expr; 2] {
    [col("ka"), col("date")]
}

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
            .u32("ka", v.iter().map(|(_, ka)| **ka))
            .str("shop_id", v.iter().map(|((s, _), _)| *s))
            .str("agent_id", v.iter().map(|((_, a), _)| *a))
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
    /// One row per (session, agent who sent a message in it).
    pub participation: DataFrame,
    /// One row per session first question.
    pub first_questions: DataFrame,
    /// One row per attributed order.
    pub attributed: DataFrame,
    /// One row per violation with an agent.
    pub violations: DataFrame,
}

pub fn facts<'a>(
    conv: &'a Conversations,
    messages: &'a [Message],
    orders: &'a [Order],
    attributions: &'a [Attribution],
    violations: &'a [Violation],
    m: &Metrics,
    hours: ServiceHours,
) -> PolarsResult<Facts> {
    let cap = m.response_cap_secs as i64 * 1000;
    let fast = m.response_fast_secs as i64 * 1000;
    let mut k = KeyIndex::default();
    let agent = |a: &'a Option<Name>| a.as_deref().unwrap_or_default();

    let ts: Vec<_> = conv.turns.iter().filter(|t| t.agent_id.is_some()).collect();
    let turns = FrameBuilder::new(ts.len())
        .u32(
            "ka",
            ts.iter()
                .map(|t| k.ka(&conv.sessions[t.session].shop_id, agent(&t.agent_id))),
        )
        .date("date", ts.iter().map(|t| t.day()))
        .u32("in_hours", ts.iter().map(|t| t.in_service_hours as u32))
        .u32(
            "fast",
            ts.iter()
                .map(|t| (t.in_service_hours && t.response_ms.is_some_and(|r| r <= fast)) as u32),
        )
        .u32("unanswered", ts.iter().map(|t| (!t.answered()) as u32))
        .opt_i64(
            "rt_ms",
            ts.iter()
                .map(|t| t.response_ms.filter(|_| t.in_service_hours).map(|r| r.min(cap))),
        )
        .build()?;

    let fts: Vec<_> = conv
        .sessions
        .iter()
        .filter(|s| s.buyer_started)
        .filter_map(|s| conv.turns.get(s.turns.start).filter(|_| !s.turns.is_empty()))
        .filter(|t| t.agent_id.is_some())
        .collect();
    let first_turns = FrameBuilder::new(fts.len())
        .u32(
            "ka",
            fts.iter()
                .map(|t| k.ka(&conv.sessions[t.session].shop_id, agent(&t.agent_id))),
        )
        .date("date", fts.iter().map(|t| t.day()))
        .opt_i64(
            "frt_ms",
            fts.iter()
                .map(|t| t.response_ms.filter(|_| t.in_service_hours).map(|r| r.min(cap))),
        )
        .build()?;

    let mut part: Vec<(usize, &str)> = Vec::new();
    for (si, s) in conv.sessions.iter().enumerate() {
        let mut seen: Vec<&str> = Vec::new();
        for msg in &messages[s.msgs.clone()] {
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
    let participation = FrameBuilder::new(part.len())
        .u32("ka", part.iter().map(|(s, a)| k.ka(&conv.sessions[*s].shop_id, a)))
        .date("date", part.iter().map(|(s, _)| conv.sessions[*s].day()))
        .u32("buyer", part.iter().map(|(s, _)| k.buyer(&conv.sessions[*s].buyer_id)))
        .bool("is_inquiry", part.iter().map(|(s, _)| conv.sessions[*s].is_inquiry))
        .build()?;

    let fq: Vec<_> = conv
        .sessions
        .iter()
        .filter_map(|s| {
            s.first_question
                .as_ref()
                .filter(|q| q.agent_id.is_some())
                .map(|q| (s, q))
        })
        .collect();
    let first_questions = FrameBuilder::new(fq.len())
        .u32("ka", fq.iter().map(|(s, q)| k.ka(&s.shop_id, agent(&q.agent_id))))
        .date(
            "date",
            fq.iter().map(|(_, q)| timeutil::local_day(messages[q.msg].local)),
        )
        .u32("fq_answered", fq.iter().map(|(_, q)| q.answer.is_some() as u32))
        .u32(
            "fq_stalled",
            fq.iter().map(|(_, q)| (q.stall_rounds >= m.stall_rounds_min) as u32),
        )
        .opt_i64(
            "fq_ms",
            fq.iter().map(|(_, q)| {
                q.answer_ms
                    .map(|r| r.min(cap))
                    .filter(|_| hours.contains(timeutil::sec_of_day(messages[q.msg].local)))
            }),
        )
        .build()?;

    let at: Vec<_> = attributions
        .iter()
        .filter(|a| a.agent_id.is_some() && a.session.is_some())
        .collect();
    let attributed = FrameBuilder::new(at.len())
        .u32(
            "ka",
            at.iter().map(|a| k.ka(&orders[a.order].shop_id, agent(&a.agent_id))),
        )
        .date(
            "date",
            at.iter().map(|a| conv.sessions[a.session.unwrap_or_default()].day()),
        )
        .u32("buyer", at.iter().map(|a| k.buyer(&orders[a.order].buyer_id)))
        .bool("paid", at.iter().map(|a| orders[a.order].paid_ts.is_some()))
        .i64(
            "paid_fen",
            at.iter().map(|a| {
                if orders[a.order].paid_ts.is_some() {
                    orders[a.order].amount_fen
                } else {
                    0
                }
            }),
        )
        .build()?;

    let vs: Vec<_> = violations.iter().filter(|v| v.agent_id.is_some()).collect();
    let violations = FrameBuilder::new(vs.len())
        .u32(
            "ka",
            vs.iter()
                .map(|v| k.ka(&conv.sessions[v.session].shop_id, agent(&v.agent_id))),
        )
        .date("date", vs.iter().map(|v| timeutil::local_day(messages[v.msg].local)))
        .u32("w", vs.iter().map(|v| (v.category as u8 == 0) as u32))
        .u32("t", vs.iter().map(|v| (v.category as u8 == 1) as u32))
        .u32("a", vs.iter().map(|v| (v.category as u8 == 2) as u32))
        .build()?;

    Ok(Facts {
        keys: k.frame()?,
        turns,
        first_turns,
        participation,
        first_questions,
        attributed,
        violations,
    })
}

fn ratio(num: &str, den: &str, scale: f64) -> Expr {
    when(col(den).gt(lit(0)))
        .then(col(num).cast(DataType::Float64) / col(den).cast(DataType::Float64) / lit(scale))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// Rates recomputed from summed numerators and denominators, the same way for
/// a day and for a week.
fn rate_columns() -> Vec<Expr> {
    vec![
        ratio("paid_buyers", "inquiries", 1.0).alias("conversion_rate"),
        (col("sales_fen").cast(DataType::Float64) / lit(100.0)).alias("sales_amount"),
        ratio("first_response_sum_ms", "first_response_n", 1000.0).alias("first_response_avg_secs"),
        ratio("first_answer_sum_ms", "first_answer_n", 1000.0).alias("first_answer_avg_secs"),
        ratio("response_sum_ms", "response_n", 1000.0).alias("response_avg_secs"),
        ratio("turns_answered_3min", "turns_in_hours", 1.0).alias("response_3min_rate"),
    ]
}

fn u32c(e: Expr, name: &str) -> Expr {
    e.cast(DataType::UInt32).alias(name)
}

/// `agent_daily` (CONTRACT §5) plus the numerators and denominators behind
/// each rate, so BI tools can re-aggregate without averaging averages.
pub fn agent_daily(f: &Facts, agents: &[Agent]) -> PolarsResult<DataFrame> {
    let turns = f.turns.clone().lazy().group_by(keys()).agg([
        u32c(len(), "n_turns"),
        u32c(col("in_hours").sum(), "turns_in_hours"),
        u32c(col("fast").sum(), "turns_answered_3min"),
        u32c(col("unanswered").sum(), "unanswered_turns"),
        col("rt_ms").sum().alias("response_sum_ms"),
        u32c(col("rt_ms").count(), "response_n"),
    ]);
    let first = f.first_turns.clone().lazy().group_by(keys()).agg([
        col("frt_ms").sum().alias("first_response_sum_ms"),
        u32c(col("frt_ms").count(), "first_response_n"),
    ]);
    let part = f.participation.clone().lazy().group_by(keys()).agg([
        u32c(len(), "sessions"),
        u32c(col("buyer").n_unique(), "buyers"),
        u32c(col("buyer").filter(col("is_inquiry")).n_unique(), "inquiries"),
    ]);
    let fq = f.first_questions.clone().lazy().group_by(keys()).agg([
        u32c(len(), "first_questions"),
        u32c(col("fq_answered").sum(), "first_questions_answered"),
        u32c(col("fq_stalled").sum(), "first_questions_stalled"),
        col("fq_ms").sum().alias("first_answer_sum_ms"),
        u32c(col("fq_ms").count(), "first_answer_n"),
    ]);
    let attr = f.attributed.clone().lazy().group_by(keys()).agg([
        u32c(col("buyer").n_unique(), "ordered_buyers"),
        u32c(col("buyer").filter(col("paid")).n_unique(), "paid_buyers"),
        col("paid_fen").sum().alias("sales_fen"),
    ]);
    let viol = f.violations.clone().lazy().group_by(keys()).agg([
        u32c(col("w").sum(), "violations_wait"),
        u32c(col("t").sum(), "violations_think"),
        u32c(col("a").sum(), "violations_annoy"),
    ]);
    // Each part is small once grouped (agents × days), so the keys present in
    // any of them are taken from the grouped parts, not the raw facts.
    let parts: Vec<DataFrame> = [part, turns, first, fq, attr, viol]
        .into_iter()
        .map(LazyFrame::collect)
        .collect::<PolarsResult<_>>()?;
    let all_keys = concat(
        parts
            .iter()
            .map(|d| d.clone().lazy().select(keys()))
            .collect::<Vec<_>>(),
        UnionArgs::default(),
    )?
    .unique_stable_generic(None, UniqueKeepStrategy::First);

    let mut lf = all_keys;
    for part in parts {
        lf = lf.join(part.lazy(), keys(), keys(), JoinArgs::new(JoinType::Left));
    }

    let lf = lf
        .with_columns(COUNTS.map(|c| col(c).fill_null(lit(0u32))))
        .with_columns(SUMS.map(|c| col(c).fill_null(lit(0i64))))
        .with_columns(rate_columns());
    let roster = FrameBuilder::new(agents.len())
        .str("agent_id", agents.iter().map(|a| &a.agent_id))
        .opt_str("agent_name", agents.iter().map(|a| a.name.as_deref()))
        .opt_str("team", agents.iter().map(|a| a.team.as_deref()))
        .build()?;
    let ordered: Vec<Expr> = [
        "shop_id",
        "agent_id",
        "date",
        "agent_name",
        "team",
        "sessions",
        "buyers",
        "inquiries",
        "ordered_buyers",
        "paid_buyers",
        "conversion_rate",
        "sales_amount",
        "first_response_avg_secs",
        "first_answer_avg_secs",
        "response_avg_secs",
        "response_3min_rate",
        "unanswered_turns",
        "violations_wait",
        "violations_think",
        "violations_annoy",
        "n_turns",
        "turns_in_hours",
        "turns_answered_3min",
        "response_n",
        "response_sum_ms",
        "first_response_n",
        "first_response_sum_ms",
        "first_questions",
        "first_questions_answered",
        "first_questions_stalled",
        "first_answer_n",
        "first_answer_sum_ms",
        "sales_fen",
    ]
    .map(col)
    .to_vec();
    lf.join(
        f.keys.clone().lazy(),
        [col("ka")],
        [col("ka")],
        JoinArgs::new(JoinType::Left),
    )
    .join(
        roster.lazy(),
        [col("agent_id")],
        [col("agent_id")],
        JoinArgs::new(JoinType::Left),
    )
    .select(ordered)
    .sort_by_exprs(KEYS.map(col), SortMultipleOptions::default())
    .collect()
}

/// Weekly totals per shop, agent and ISO week, with the score and rank.
pub fn agent_weekly(daily: &DataFrame, scoring: &ScoringConfig) -> PolarsResult<DataFrame> {
    let dates = daily.column("date")?.as_materialized_series().to_physical_repr();
    let weeks: Vec<String> = dates
        .i32()?
        .iter()
        .map(|d| timeutil::iso_week(d.unwrap_or(0)))
        .collect();
    let mut d = daily.clone();
    d.with_column(Column::new("week".into(), weeks))?;

    // Summed in agent_daily's column order, so the weekly table lists them the same way.
    let mut aggs: Vec<Expr> = daily
        .get_column_names()
        .into_iter()
        .filter(|c| COUNTS.contains(&c.as_str()) || SUMS.contains(&c.as_str()))
        .map(|c| col(c.as_str()).sum())
        .collect();
    aggs.push(col("agent_name").first());
    aggs.push(col("team").first());
    let wk = d
        .lazy()
        .group_by([col("shop_id"), col("agent_id"), col("week")])
        .agg(aggs)
        .with_columns(COUNTS.map(|c| col(c).cast(DataType::UInt32)))
        .with_columns(rate_columns())
        .with_columns([
            ratio("first_questions_answered", "first_questions", 1.0).alias("first_question_answer_rate"),
            (ratio("violations_wait", "sessions", 1.0) * lit(100.0)).alias("violations_wait_per_100"),
            (ratio("violations_think", "sessions", 1.0) * lit(100.0)).alias("violations_think_per_100"),
            (ratio("violations_annoy", "sessions", 1.0) * lit(100.0)).alias("violations_annoy_per_100"),
        ])
        .sort_by_exprs(
            [col("shop_id"), col("week"), col("agent_id")],
            SortMultipleOptions::default(),
        )
        .collect()?;
    crate::scoring::score(wk, scoring)
}
