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
use crate::core::schema::{agent_daily as ad, Col, Ty};

/// Count columns: 0 when a source has no row, summed over a week.
pub const COUNTS: [Col; 45] = [
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
    ad::ORDERED_ORDERS,
    ad::PAID_ORDERS,
    ad::UNPAID_BUYERS,
    ad::LOST_INQUIRIES,
    ad::PAID_SAME_DAY_BUYERS,
    ad::PAID_NEXT_DAY_BUYERS,
    ad::REFUND_ORDERS,
    ad::CHASED_ORDERS,
    ad::CHASED_PAID_ORDERS,
    ad::INQUIRIES_NEW,
    ad::INQUIRIES_RETURNING,
    ad::PAID_BUYERS_NEW,
    ad::PAID_BUYERS_RETURNING,
    ad::BUYER_MSGS,
    ad::AGENT_MSGS,
    ad::AGENT_CHARS,
    ad::RECEIVED_BUYERS,
    ad::UNREPLIED_BUYERS,
    ad::SLOW_BUYERS,
    ad::LONG_RECEPTIONS,
    ad::TRANSFERS_IN,
    ad::TRANSFERS_OUT,
    ad::AGENT_STARTED_SESSIONS,
    ad::INSALE_SESSIONS,
    ad::AFTERSALE_SESSIONS,
    ad::REVIEW_INVITES,
    ad::PLATFORM_RESPONSE_N,
];
/// Integer sums behind the rates (ms, fen): summed, never averaged.
pub const SUMS: [Col; 10] = [
    ad::RESPONSE_SUM_MS,
    ad::FIRST_RESPONSE_SUM_MS,
    ad::FIRST_ANSWER_SUM_MS,
    ad::SALES_FEN,
    ad::ORDERED_FEN,
    ad::UNPAID_FEN,
    ad::REFUND_FEN,
    ad::CHASED_PAID_FEN,
    ad::RECEPTION_MS,
    ad::PLATFORM_RESPONSE_SUM_MS,
];

/// Counts from the optional inputs: 0 when the input is given and a source
/// has no row, null when the input is not given.
pub const RATING_COUNTS: [Col; 2] = [ad::RATINGS, ad::SATISFIED_RATINGS];
pub const REVIEW_COUNTS: [Col; 5] = [
    ad::REVIEWS,
    ad::BAD_REVIEWS,
    ad::BAD_REVIEWS_PRESALE,
    ad::BAD_REVIEWS_INSALE,
    ad::BAD_REVIEWS_AFTERSALE,
];

/// A credited buyer's orders on one inquiry date, before they are counted per agent.
const B_ORDERS: Col = Col::new("b_orders", Ty::U32, false);
const B_PAID_ORDERS: Col = Col::new("b_paid_orders", Ty::U32, false);
const B_PAID: Col = Col::new("b_paid", Ty::Bool, false);
const B_PAID_FEN: Col = Col::new("b_paid_fen", Ty::I64, false);
const B_ORDER_FEN: Col = Col::new("b_order_fen", Ty::I64, false);
const B_UNPAID_FEN: Col = Col::new("b_unpaid_fen", Ty::I64, false);
const B_PAID_D0: Col = Col::new("b_paid_d0", Ty::Bool, false);
const B_PAID_D1: Col = Col::new("b_paid_d1", Ty::Bool, false);
const B_REFUNDS: Col = Col::new("b_refunds", Ty::U32, false);
const B_REFUND_FEN: Col = Col::new("b_refund_fen", Ty::I64, false);
const B_RETURNING: Col = Col::new("b_returning", Ty::Bool, false);

fn keys() -> [Expr; 2] {
    [f::KA.col(), f::DATE.col()]
}

/// `num / den / scale`, null when `den` is 0.
fn ratio_of(num: Expr, den: Expr, scale: f64) -> Expr {
    when(den.clone().gt(lit(0)))
        .then(num.cast(DataType::Float64) / den.cast(DataType::Float64) / lit(scale))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// `num / den / scale` of two columns, null when `den` is 0.
pub fn ratio(num: Col, den: Col, scale: f64) -> Expr {
    ratio_of(num.col(), den.col(), scale)
}

/// Fen as yuan.
fn yuan(fen: Expr) -> Expr {
    fen.cast(DataType::Float64) / lit(100.0)
}

/// Rates and amounts recomputed from summed numerators and denominators, the
/// same way for a day and for a week (the weekly table has these columns
/// too). `period` is the day or week column `sales_share` divides within;
/// `net` counts sales net of refunds in 客单价 and the share.
pub fn rate_columns(period: Col, net: bool) -> PolarsResult<Vec<Expr>> {
    let net_fen = ad::SALES_FEN.col() - ad::REFUND_FEN.col();
    let sales = if net { net_fen.clone() } else { ad::SALES_FEN.col() };
    let shop_sales = sales.clone().sum().over([ad::SHOP_ID.col(), period.col()])?;
    Ok(vec![
        ratio(ad::PAID_BUYERS, ad::INQUIRIES, 1.0).alias(ad::CONVERSION_RATE.name),
        yuan(ad::SALES_FEN.col()).alias(ad::SALES_AMOUNT.name),
        ratio(ad::FIRST_RESPONSE_SUM_MS, ad::FIRST_RESPONSE_N, 1000.0).alias(ad::FIRST_RESPONSE_AVG_SECS.name),
        ratio(ad::FIRST_ANSWER_SUM_MS, ad::FIRST_ANSWER_N, 1000.0).alias(ad::FIRST_ANSWER_AVG_SECS.name),
        ratio(ad::RESPONSE_SUM_MS, ad::RESPONSE_N, 1000.0).alias(ad::RESPONSE_AVG_SECS.name),
        ratio(ad::TURNS_ANSWERED_3MIN, ad::TURNS_IN_HOURS, 1.0).alias(ad::RESPONSE_3MIN_RATE.name),
        yuan(ad::ORDERED_FEN.col()).alias(ad::ORDERED_AMOUNT.name),
        yuan(ad::UNPAID_FEN.col()).alias(ad::UNPAID_AMOUNT.name),
        ratio(ad::PAID_BUYERS, ad::ORDERED_BUYERS, 1.0).alias(ad::ORDER_TO_PAID_RATE.name),
        yuan(ad::REFUND_FEN.col()).alias(ad::REFUND_AMOUNT.name),
        ratio(ad::REFUND_ORDERS, ad::PAID_ORDERS, 1.0).alias(ad::REFUND_RATE.name),
        yuan(net_fen).alias(ad::NET_SALES_AMOUNT.name),
        ratio_of(sales.clone(), ad::PAID_BUYERS.col(), 100.0).alias(ad::AVG_ORDER_VALUE.name),
        ratio_of(sales, shop_sales, 1.0).alias(ad::SALES_SHARE.name),
        yuan(ad::CHASED_PAID_FEN.col()).alias(ad::CHASED_PAID_AMOUNT.name),
        ratio(ad::CHASED_PAID_ORDERS, ad::CHASED_ORDERS, 1.0).alias(ad::CHASE_SUCCESS_RATE.name),
        ratio(ad::PAID_BUYERS_NEW, ad::INQUIRIES_NEW, 1.0).alias(ad::CONVERSION_RATE_NEW.name),
        ratio(ad::PAID_BUYERS_RETURNING, ad::INQUIRIES_RETURNING, 1.0).alias(ad::CONVERSION_RATE_RETURNING.name),
        ratio(ad::AGENT_MSGS, ad::BUYER_MSGS, 1.0).alias(ad::QA_RATIO.name),
        (lit(1.0) - ratio(ad::UNREPLIED_BUYERS, ad::RECEIVED_BUYERS, 1.0)).alias(ad::REPLY_RATE.name),
        (ad::RECEPTION_MS.col().cast(DataType::Float64) / lit(1000.0)).alias(ad::RECEPTION_SECS.name),
        ratio(ad::RECEPTION_MS, ad::SESSIONS, 1000.0).alias(ad::AVG_SESSION_SECS.name),
        ratio(ad::PLATFORM_RESPONSE_SUM_MS, ad::PLATFORM_RESPONSE_N, 1000.0).alias(ad::RESPONSE_AVG_PLATFORM_SECS.name),
        ratio(ad::SATISFIED_RATINGS, ad::RATINGS, 1.0).alias(ad::SATISFACTION_RATE.name),
    ])
}

/// Credited orders counted per agent and inquiry date, through each buyer:
/// a buyer is paid if any credited order is, lost to payment (付款流失) if
/// none is, and paid same day / next day by their first payment.
fn credited(x: &Facts) -> LazyFrame {
    x.attributed
        .clone()
        .lazy()
        .group_by([f::KA.col(), f::DATE.col(), f::BUYER.col()])
        .agg([
            typed(len(), B_ORDERS),
            typed(f::PAID.col().sum(), B_PAID_ORDERS),
            f::PAID.col().any(true).alias(B_PAID.name),
            f::PAID_FEN.col().sum().alias(B_PAID_FEN.name),
            f::ORDER_FEN.col().sum().alias(B_ORDER_FEN.name),
            f::ORDER_FEN
                .col()
                .filter(f::PAID.col().not())
                .sum()
                .alias(B_UNPAID_FEN.name),
            f::PAID_D0.col().any(true).alias(B_PAID_D0.name),
            f::PAID_D1.col().any(true).alias(B_PAID_D1.name),
            typed(f::REFUND_FEN.col().gt(lit(0)).sum(), B_REFUNDS),
            f::REFUND_FEN.col().sum().alias(B_REFUND_FEN.name),
            f::RETURNING.col().any(true).alias(B_RETURNING.name),
        ])
        .group_by(keys())
        .agg([
            typed(len(), ad::ORDERED_BUYERS),
            typed(B_PAID.col().sum(), ad::PAID_BUYERS),
            B_PAID_FEN.col().sum().alias(ad::SALES_FEN.name),
            typed(B_ORDERS.col().sum(), ad::ORDERED_ORDERS),
            typed(B_PAID_ORDERS.col().sum(), ad::PAID_ORDERS),
            typed(B_PAID.col().not().sum(), ad::UNPAID_BUYERS),
            typed(B_PAID_D0.col().sum(), ad::PAID_SAME_DAY_BUYERS),
            typed(B_PAID_D1.col().sum(), ad::PAID_NEXT_DAY_BUYERS),
            typed(B_REFUNDS.col().sum(), ad::REFUND_ORDERS),
            B_ORDER_FEN.col().sum().alias(ad::ORDERED_FEN.name),
            B_UNPAID_FEN
                .col()
                .filter(B_PAID.col().not())
                .sum()
                .alias(ad::UNPAID_FEN.name),
            B_REFUND_FEN.col().sum().alias(ad::REFUND_FEN.name),
            typed(B_PAID.col().and(B_RETURNING.col().not()).sum(), ad::PAID_BUYERS_NEW),
            typed(B_PAID.col().and(B_RETURNING.col()).sum(), ad::PAID_BUYERS_RETURNING),
        ])
}

/// Per session and agent: sessions, buyers, inquiries (lost, new,
/// returning), reception time, long and agent-started sessions.
fn participation_aggs() -> Vec<Expr> {
    vec![
        typed(len(), ad::SESSIONS),
        typed(f::BUYER.col().n_unique(), ad::BUYERS),
        typed(f::BUYER.col().filter(f::IS_INQUIRY.col()).n_unique(), ad::INQUIRIES),
        // 询单流失: inquiry buyers none of whose inquiries (with this agent, that day) led to an order.
        typed(
            f::BUYER.col().filter(f::IS_INQUIRY.col()).n_unique()
                - f::BUYER
                    .col()
                    .filter(f::IS_INQUIRY.col().and(f::CONVERTED.col()))
                    .n_unique(),
            ad::LOST_INQUIRIES,
        ),
        typed(
            f::BUYER
                .col()
                .filter(f::IS_INQUIRY.col().and(f::RETURNING.col().not()))
                .n_unique(),
            ad::INQUIRIES_NEW,
        ),
        typed(
            f::BUYER
                .col()
                .filter(f::IS_INQUIRY.col().and(f::RETURNING.col()))
                .n_unique(),
            ad::INQUIRIES_RETURNING,
        ),
        f::SESSION_MS.col().sum().alias(ad::RECEPTION_MS.name),
        typed(f::LONG.col().sum(), ad::LONG_RECEPTIONS),
        typed(f::AGENT_STARTED.col().sum(), ad::AGENT_STARTED_SESSIONS),
        typed(f::SESSION_INSALE.col().sum(), ad::INSALE_SESSIONS),
        typed(f::SESSION_AFTERSALE.col().sum(), ad::AFTERSALE_SESSIONS),
    ]
}

/// Per credited turn: counts, response sums, and the buyers received,
/// unreplied and slow.
fn turn_aggs() -> Vec<Expr> {
    vec![
        typed(len(), ad::N_TURNS),
        typed(f::IN_HOURS.col().sum(), ad::TURNS_IN_HOURS),
        typed(f::FAST.col().sum(), ad::TURNS_ANSWERED_3MIN),
        typed(f::UNANSWERED.col().sum(), ad::UNANSWERED_TURNS),
        f::RT_MS.col().sum().alias(ad::RESPONSE_SUM_MS.name),
        typed(f::RT_MS.col().count(), ad::RESPONSE_N),
        typed(f::N_BUYER.col().sum(), ad::BUYER_MSGS),
        // Received: buyers with a turn that asks something; unreplied: none of it answered.
        typed(f::BUYER.col().filter(f::ASKS.col()).n_unique(), ad::RECEIVED_BUYERS),
        typed(
            f::BUYER.col().filter(f::ASKS.col()).n_unique()
                - f::BUYER.col().filter(f::ASKS.col().and(f::ANSWERED.col())).n_unique(),
            ad::UNREPLIED_BUYERS,
        ),
        typed(f::BUYER.col().filter(f::SLOW.col()).n_unique(), ad::SLOW_BUYERS),
        typed(f::RT_PLATFORM_MS.col().count(), ad::PLATFORM_RESPONSE_N),
        f::RT_PLATFORM_MS.col().sum().alias(ad::PLATFORM_RESPONSE_SUM_MS.name),
    ]
}

/// Each fact frame grouped by (shop-agent key, date).
fn parts(x: &Facts) -> PolarsResult<Vec<DataFrame>> {
    let group = |df: &DataFrame, aggs: Vec<Expr>| df.clone().lazy().group_by(keys()).agg(aggs);
    [
        group(&x.participation, participation_aggs()),
        group(
            &x.agent_msgs,
            vec![
                typed(len(), ad::AGENT_MSGS),
                typed(f::CHARS.col().sum(), ad::AGENT_CHARS),
                typed(f::INVITE.col().sum(), ad::REVIEW_INVITES),
            ],
        ),
        group(
            &x.transfers,
            vec![
                typed(f::T_IN.col().sum(), ad::TRANSFERS_IN),
                typed(f::T_OUT.col().sum(), ad::TRANSFERS_OUT),
            ],
        ),
        group(&x.turns, turn_aggs()),
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
        credited(x),
        group(
            &x.chases,
            vec![
                typed(len(), ad::CHASED_ORDERS),
                typed(f::CHASED_PAID.col().sum(), ad::CHASED_PAID_ORDERS),
                f::CHASED_PAID_FEN.col().sum().alias(ad::CHASED_PAID_FEN.name),
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
    .chain(x.ratings.as_ref().map(|r| {
        group(
            r,
            vec![
                typed(len(), ad::RATINGS),
                typed(f::SATISFIED.col().sum(), ad::SATISFIED_RATINGS),
            ],
        )
    }))
    .chain(x.reviews.as_ref().map(|r| group(r, review_aggs())))
    .map(LazyFrame::collect)
    .collect()
}

/// Per review charged to an agent: reviews, 中差评, and 中差评 by stage.
fn review_aggs() -> Vec<Expr> {
    let bad = |stage: Col| f::BAD.col().and(stage.col()).sum();
    vec![
        typed(len(), ad::REVIEWS),
        typed(f::BAD.col().sum(), ad::BAD_REVIEWS),
        typed(bad(f::PRESALE), ad::BAD_REVIEWS_PRESALE),
        typed(bad(f::INSALE), ad::BAD_REVIEWS_INSALE),
        typed(bad(f::AFTERSALE), ad::BAD_REVIEWS_AFTERSALE),
    ]
}

/// The optional inputs' counts: 0 where the input is given and the agent-day
/// has none, null where it is not given.
fn optional_counts(lf: LazyFrame, cols: &[Col], given: bool) -> LazyFrame {
    lf.with_columns(
        cols.iter()
            .map(|c| match given {
                true => c.col().fill_null(lit(0u32)),
                false => lit(NULL).cast(DataType::UInt32).alias(c.name),
            })
            .collect::<Vec<_>>(),
    )
}

/// `agent_daily`, with the roster's name and team. `net`: see [`rate_columns`].
pub fn agent_daily(x: &Facts, agents: &[Agent], net: bool) -> PolarsResult<DataFrame> {
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
        .with_columns(SUMS.map(|c| c.col().fill_null(lit(0i64))));
    let lf = optional_counts(lf, &RATING_COUNTS, x.ratings.is_some());
    let lf = optional_counts(lf, &REVIEW_COUNTS, x.reviews.is_some());
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
    // After the keys join: the sales share divides within the shop.
    .with_columns(rate_columns(ad::DATE, net)?)
    .select(ad::TABLE.columns.iter().map(|c| c.col()).collect::<Vec<_>>())
    .sort_by_exprs(
        [ad::SHOP_ID, ad::AGENT_ID, ad::DATE].map(Col::col),
        SortMultipleOptions::default(),
    )
    .collect()
}
