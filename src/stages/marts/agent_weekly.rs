//! `agent_weekly`: per shop, agent and ISO week, agent_daily's counts and
//! integer sums added up, the rates recomputed from them (never averaged),
//! then the weekly score and rank ([`super::scoring`]).

use polars::prelude::*;

use super::agent_daily::{rate_columns, ratio, COUNTS, RATING_COUNTS, REVIEW_COUNTS, SUMS};
use super::targets::TARGET_FEN;
use crate::core::schema::{agent_daily as ad, agent_weekly as aw, Col};
use crate::core::settings::Scoring;
use crate::core::time;

/// `targets` are the weekly agent targets (shop, agent, week, fen).
pub fn agent_weekly(daily: &DataFrame, targets: &DataFrame, scoring: &Scoring, net: bool) -> PolarsResult<DataFrame> {
    let dates = daily.column(ad::DATE.name)?.as_materialized_series().to_physical_repr();
    let weeks: Vec<String> = dates.i32()?.iter().map(|d| time::iso_week(d.unwrap_or(0))).collect();
    let mut d = daily.clone();
    d.with_column(Column::new(aw::WEEK.name.into(), weeks))?;

    // Summed in agent_daily's column order, so the weekly table lists them the
    // same way; an optional input's counts stay null when it is not given.
    let optional = |c: &Col| RATING_COUNTS.contains(c) || REVIEW_COUNTS.contains(c);
    let mut aggs: Vec<Expr> = Vec::new();
    for c in ad::TABLE.columns.iter() {
        if COUNTS.contains(c) || SUMS.contains(c) {
            aggs.push(c.col().sum());
        } else if optional(c) {
            aggs.push(
                when(c.col().count().gt(lit(0)))
                    .then(c.col().sum())
                    .otherwise(lit(NULL))
                    .cast(DataType::UInt32)
                    .alias(c.name),
            );
        }
    }
    aggs.push(aw::AGENT_NAME.col().first());
    aggs.push(aw::TEAM.col().first());
    let by = [aw::SHOP_ID, aw::AGENT_ID, aw::WEEK].map(Col::col);
    let sales = match net {
        true => aw::SALES_FEN.col() - aw::REFUND_FEN.col(),
        false => aw::SALES_FEN.col(),
    }
    .cast(DataType::Float64);
    let per_100 = |n: Col, name: Col| (ratio(n, aw::SESSIONS, 1.0) * lit(100.0)).alias(name.name);
    let wk = d
        .lazy()
        .group_by([aw::SHOP_ID, aw::AGENT_ID, aw::WEEK].map(Col::col))
        .agg(aggs)
        .with_columns(COUNTS.map(|c| c.col().cast(DataType::UInt32)))
        .with_columns(rate_columns(aw::WEEK, net)?)
        .join(targets.clone().lazy(), by.clone(), by, JoinArgs::new(JoinType::Left))
        .with_columns([
            (TARGET_FEN.col().cast(DataType::Float64) / lit(100.0)).alias(aw::TARGET_SALES.name),
            (sales / TARGET_FEN.col().cast(DataType::Float64)).alias(aw::TARGET_COMPLETION.name),
        ])
        .drop(Selector::ByName {
            names: std::sync::Arc::new([TARGET_FEN.name.into()]),
            strict: true,
        })
        .with_columns([
            ratio(aw::FIRST_QUESTIONS_ANSWERED, aw::FIRST_QUESTIONS, 1.0).alias(aw::FIRST_QUESTION_ANSWER_RATE.name),
            per_100(aw::VIOLATIONS_WAIT, aw::VIOLATIONS_WAIT_PER_100),
            per_100(aw::VIOLATIONS_THINK, aw::VIOLATIONS_THINK_PER_100),
            per_100(aw::VIOLATIONS_ANNOY, aw::VIOLATIONS_ANNOY_PER_100),
        ])
        .sort_by_exprs(
            [aw::SHOP_ID, aw::WEEK, aw::AGENT_ID].map(Col::col),
            SortMultipleOptions::default(),
        )
        .collect()?;
    super::scoring::score(wk, scoring)
}
