//! Sales targets (指标, the optional `targets` input): each target's credited
//! sales in its period — of its agent, or of its team's agents by the roster
//! — by inquiry date, as the conversion columns count them, and the
//! completion (指标完成率). Weekly agent targets also reach `agent_weekly`.

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{yuan, Period, Target, TargetHolder};
use crate::core::schema::{agent_daily as ad, agent_weekly as aw, targets as tg, Col, Ty};
use crate::core::time;

/// A weekly agent target in fen, for the join onto `agent_weekly`.
pub const TARGET_FEN: Col = Col::new("target_fen", Ty::I64, false);

fn label(p: Period) -> String {
    match p {
        Period::Week(y, w) => format!("{y}-W{w:02}"),
        Period::Month(y, m) => format!("{y}-{m:02}"),
    }
}

fn in_period(day: i32, p: Period) -> bool {
    use chrono::Datelike;
    match p {
        Period::Week(..) => time::iso_week(day) == label(p),
        Period::Month(y, m) => {
            let d = time::naive_date(day);
            d.year() == y && d.month() == m
        }
    }
}

/// `agent_daily` read back as the rows a target sums.
struct Daily {
    shop: Vec<String>,
    agent: Vec<String>,
    team: Vec<Option<String>>,
    date: Vec<i32>,
    sales_fen: Vec<i64>,
}

fn daily(df: &DataFrame, net: bool) -> PolarsResult<Daily> {
    let strs = |c: Col| -> PolarsResult<Vec<Option<String>>> {
        Ok(df.column(c.name)?.str()?.iter().map(|v| v.map(str::to_owned)).collect())
    };
    let ints =
        |c: Col| -> PolarsResult<Vec<i64>> { Ok(df.column(c.name)?.i64()?.iter().map(|v| v.unwrap_or(0)).collect()) };
    let (sales, refunds) = (ints(ad::SALES_FEN)?, ints(ad::REFUND_FEN)?);
    Ok(Daily {
        shop: strs(ad::SHOP_ID)?.into_iter().map(Option::unwrap_or_default).collect(),
        agent: strs(ad::AGENT_ID)?.into_iter().map(Option::unwrap_or_default).collect(),
        team: strs(ad::TEAM)?,
        date: df
            .column(ad::DATE.name)?
            .date()?
            .physical()
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect(),
        sales_fen: sales
            .iter()
            .zip(&refunds)
            .map(|(s, r)| if net { s - r } else { *s })
            .collect(),
    })
}

/// The credited sales of a target's holder in its period.
fn sales_of(t: &Target, d: &Daily) -> i64 {
    (0..d.shop.len())
        .filter(|&i| d.shop[i] == *t.shop_id && in_period(d.date[i], t.period))
        .filter(|&i| match &t.holder {
            TargetHolder::Agent(a) => d.agent[i] == *a,
            TargetHolder::Team(team) => d.team[i].as_deref() == Some(team),
        })
        .map(|i| d.sales_fen[i])
        .sum()
}

/// The `targets` table and the weekly agent targets (shop, agent, week, fen).
pub fn targets(targets: &[Target], agent_daily: &DataFrame, net: bool) -> PolarsResult<(DataFrame, DataFrame)> {
    let d = daily(agent_daily, net)?;
    let sales: Vec<i64> = targets.iter().map(|t| sales_of(t, &d)).collect();
    let table = FrameBuilder::new(targets.len())
        .str(tg::SHOP_ID, targets.iter().map(|t| &t.shop_id))
        .str(
            tg::HOLDER_KIND,
            targets.iter().map(|t| match t.holder {
                TargetHolder::Agent(_) => "agent",
                TargetHolder::Team(_) => "team",
            }),
        )
        .str(
            tg::HOLDER,
            targets.iter().map(|t| match &t.holder {
                TargetHolder::Agent(h) | TargetHolder::Team(h) => h.as_str(),
            }),
        )
        .str(tg::PERIOD, targets.iter().map(|t| label(t.period)))
        .f64(tg::TARGET_SALES, targets.iter().map(|t| yuan(t.target_fen)))
        .f64(tg::SALES_AMOUNT, sales.iter().map(|s| yuan(*s)))
        .f64(
            tg::TARGET_COMPLETION,
            targets.iter().zip(&sales).map(|(t, s)| *s as f64 / t.target_fen as f64),
        )
        .build()?;
    let weekly: Vec<(&Target, &str)> = targets
        .iter()
        .filter(|t| matches!(t.period, Period::Week(..)))
        .filter_map(|t| match &t.holder {
            TargetHolder::Agent(a) => Some((t, a.as_str())),
            TargetHolder::Team(_) => None,
        })
        .collect();
    let per_week = FrameBuilder::new(weekly.len())
        .str(aw::SHOP_ID, weekly.iter().map(|(t, _)| &t.shop_id))
        .str(aw::AGENT_ID, weekly.iter().map(|(_, a)| *a))
        .str(aw::WEEK, weekly.iter().map(|(t, _)| label(t.period)))
        .i64(TARGET_FEN, weekly.iter().map(|(t, _)| t.target_fen))
        .build()?;
    Ok((table, per_week))
}
