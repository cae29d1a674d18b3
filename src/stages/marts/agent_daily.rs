//! `agent_daily` (CONTRACT §5): per shop, agent and date, grouped with
//! polars' lazy engine from the fact frames. Every sum is over integers
//! (milliseconds, fen, counts) and every rate is divided once at the end, so
//! the figures do not depend on how polars partitions the work; the
//! numerators and denominators are columns too, so BI tools can re-aggregate
//! without averaging averages.

use polars::prelude::*;

use super::facts::{self as f, Facts};
use crate::core::frame::{typed, FrameBuilder};
use crate::core::model::Agent;
use crate::core::schema::{agent_daily as ad, Col};

/// Count columns: 0 when a source has no row, summed over a week.
pub const COUNTS: [Col; 18] = [
    ad::SESSIONS,
    ad::BUYERS,
    ad::INQUIRIES,
    ad::ORDERED_BUYERS,
    ad::PAID_BUYERS,
    ad::N_TURNS,
    ad::TURNS_IN_HOURS,
    ad::TURNS_ANSWERED_3MIN,
    ad::UNANSWERED_TURNS,
    ad::RESPONSE_N,
    ad::FIRST_RESPONSE_N,
    ad::FIRST_QUESTIONS,
    ad::FIRST_QUESTIONS_ANSWERED,
    ad::FIRST_QUESTIONS_STALLED,
    ad::FIRST_ANSWER_N,
    ad::VIOLATIONS_WAIT,
    ad::VIOLATIONS_THINK,
    ad::VIOLATIONS_ANNOY,
];
/// Integer sums behind the rates (ms, fen): summed, never averaged.
pub const SUMS: [Col; 4] = [
    ad::RESPONSE_SUM_MS,
    ad::FIRST_RESPONSE_SUM_MS,
    ad::FIRST_ANSWER_SUM_MS,
    ad::SALES_FEN,
];

fn keys() -> [Expr; 2] {
    [f::KA.col(), f::DATE.col()]
}

/// `num / den / scale`, null when `den` is 0.
pub fn ratio(num: Col, den: Col, scale: f64) -> Expr {
    when(den.col().gt(lit(0)))
        .then(num.col().cast(DataType::Float64) / den.col().cast(DataType::Float64) / lit(scale))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// Rates recomputed from summed numerators and denominators, the same way for
/// a day and for a week (the weekly table has these columns too).
pub fn rate_columns() -> Vec<Expr> {
    vec![
        ratio(ad::PAID_BUYERS, ad::INQUIRIES, 1.0).alias(ad::CONVERSION_RATE.name),
        (ad::SALES_FEN.col().cast(DataType::Float64) / lit(100.0)).alias(ad::SALES_AMOUNT.name),
        ratio(ad::FIRST_RESPONSE_SUM_MS, ad::FIRST_RESPONSE_N, 1000.0).alias(ad::FIRST_RESPONSE_AVG_SECS.name),
        ratio(ad::FIRST_ANSWER_SUM_MS, ad::FIRST_ANSWER_N, 1000.0).alias(ad::FIRST_ANSWER_AVG_SECS.name),
        ratio(ad::RESPONSE_SUM_MS, ad::RESPONSE_N, 1000.0).alias(ad::RESPONSE_AVG_SECS.name),
        ratio(ad::TURNS_ANSWERED_3MIN, ad::TURNS_IN_HOURS, 1.0).alias(ad::RESPONSE_3MIN_RATE.name),
    ]
}

/// Each fact frame grouped by (shop-agent key, date).
fn parts(x: &Facts) -> PolarsResult<Vec<DataFrame>> {
    let group = |df: &DataFrame, aggs: Vec<Expr>| df.clone().lazy().group_by(keys()).agg(aggs);
    [
        group(
            &x.participation,
            vec![
                typed(len(), ad::SESSIONS),
                typed(f::BUYER.col().n_unique(), ad::BUYERS),
                typed(f::BUYER.col().filter(f::IS_INQUIRY.col()).n_unique(), ad::INQUIRIES),
            ],
        ),
        group(
            &x.turns,
            vec![
                typed(len(), ad::N_TURNS),
                typed(f::IN_HOURS.col().sum(), ad::TURNS_IN_HOURS),
                typed(f::FAST.col().sum(), ad::TURNS_ANSWERED_3MIN),
                typed(f::UNANSWERED.col().sum(), ad::UNANSWERED_TURNS),
                f::RT_MS.col().sum().alias(ad::RESPONSE_SUM_MS.name),
                typed(f::RT_MS.col().count(), ad::RESPONSE_N),
            ],
        ),
        group(
            &x.first_turns,
            vec![
                f::FRT_MS.col().sum().alias(ad::FIRST_RESPONSE_SUM_MS.name),
                typed(f::FRT_MS.col().count(), ad::FIRST_RESPONSE_N),
            ],
        ),
        group(
            &x.first_questions,
            vec![
                typed(len(), ad::FIRST_QUESTIONS),
                typed(f::FQ_ANSWERED.col().sum(), ad::FIRST_QUESTIONS_ANSWERED),
                typed(f::FQ_STALLED.col().sum(), ad::FIRST_QUESTIONS_STALLED),
                f::FQ_MS.col().sum().alias(ad::FIRST_ANSWER_SUM_MS.name),
                typed(f::FQ_MS.col().count(), ad::FIRST_ANSWER_N),
            ],
        ),
        group(
            &x.attributed,
            vec![
                typed(f::BUYER.col().n_unique(), ad::ORDERED_BUYERS),
                typed(f::BUYER.col().filter(f::PAID.col()).n_unique(), ad::PAID_BUYERS),
                f::PAID_FEN.col().sum().alias(ad::SALES_FEN.name),
            ],
        ),
        group(
            &x.violations,
            vec![
                typed(f::WAIT.col().sum(), ad::VIOLATIONS_WAIT),
                typed(f::THINK.col().sum(), ad::VIOLATIONS_THINK),
                typed(f::ANNOY.col().sum(), ad::VIOLATIONS_ANNOY),
            ],
        ),
    ]
    .into_iter()
    .map(LazyFrame::collect)
    .collect()
}

/// `agent_daily`, with the roster's name and team.
pub fn agent_daily(x: &Facts, agents: &[Agent]) -> PolarsResult<DataFrame> {
    // Each part is small once grouped (agents × days), so the keys present in
    // any of them are taken from the grouped parts, not the raw facts.
    let parts = parts(x)?;
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
        .with_columns(COUNTS.map(|c| c.col().fill_null(lit(0u32))))
        .with_columns(SUMS.map(|c| c.col().fill_null(lit(0i64))))
        .with_columns(rate_columns());
    let roster = FrameBuilder::new(agents.len())
        .str(ad::AGENT_ID, agents.iter().map(|a| &a.agent_id))
        .opt_str(ad::AGENT_NAME, agents.iter().map(|a| a.name.as_deref()))
        .opt_str(ad::TEAM, agents.iter().map(|a| a.team.as_deref()))
        .build()?;
    let by_agent = [ad::AGENT_ID.col()];
    lf.join(
        x.keys.clone().lazy(),
        [f::KA.col()],
        [f::KA.col()],
        JoinArgs::new(JoinType::Left),
    )
    .join(roster.lazy(), by_agent.clone(), by_agent, JoinArgs::new(JoinType::Left))
    .select(ad::TABLE.columns.iter().map(|c| c.col()).collect::<Vec<_>>())
    .sort_by_exprs(
        [ad::SHOP_ID, ad::AGENT_ID, ad::DATE].map(Col::col),
        SortMultipleOptions::default(),
    )
    .collect()
}
