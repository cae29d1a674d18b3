//! 流失原因 — what each service failure costs: for every question intent and
//! every rule that fires in inquiries, the conversion of the inquiries with
//! it against comparable inquiries without it (same shop, week and intent),
//! a 95 % interval of the difference, and the buyers and sales it goes with.
//!
//! The unit is the inquiry session; it converted when its buyer paid an
//! order credited to it. For a rule, inquiries are compared within each
//! intent (a rule that fires more on after-sales-like questions would
//! otherwise look costlier than it is) and the intents are weighted by the
//! rule's own mix: a standardised difference. Intents with no comparable
//! inquiry without the rule drop out of the comparison (`inquiries` counts
//! those compared, `all_inquiries` all). The interval is the normal
//! approximation. This is an association over comparable inquiries, not a
//! proof of cause: agents who break one rule may differ in other ways too.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{yuan, Order};
use crate::core::registry::RuleId;
use crate::core::schema::loss_reasons as lr;
use crate::core::time;
use crate::stages::conversion::Attribution;
use crate::stages::rules::Violation;
use crate::stages::sessions::Conversations;
use crate::stages::text::intents::IntentModel;

/// What the losses are computed from.
pub struct Inputs<'a> {
    pub conv: &'a Conversations,
    pub orders: &'a [Order],
    pub attributions: &'a [Attribution],
    pub violations: &'a [Violation],
    pub session_intents: &'a [Option<u8>],
    pub intents: &'a IntentModel,
}

/// One inquiry as the comparison sees it.
struct Inquiry<'a> {
    shop: &'a str,
    monday: i32,
    /// The stratum: the session's intent, or none when it asked nothing.
    intent: Option<u8>,
    paid: bool,
    rules: BTreeSet<RuleId>,
}

/// Inquiries with / without a factor, per stratum: (n, paid).
type Strata = BTreeMap<Option<u8>, ((u32, u32), (u32, u32))>;

fn inquiries<'a>(x: &Inputs<'a>) -> Vec<Inquiry<'a>> {
    let mut paid = vec![false; x.conv.sessions.len()];
    for a in x.attributions {
        if let Some(s) = a.session.filter(|_| x.orders[a.order].paid_ts.is_some()) {
            paid[s] = true;
        }
    }
    let mut rules: Vec<BTreeSet<RuleId>> = vec![BTreeSet::new(); x.conv.sessions.len()];
    for v in x.violations {
        rules[v.session].insert(v.rule);
    }
    x.conv
        .sessions
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_inquiry)
        .map(|(i, s)| Inquiry {
            shop: &s.shop_id,
            monday: time::week_start(s.day()),
            intent: x.session_intents[i],
            paid: paid[i],
            rules: std::mem::take(&mut rules[i]),
        })
        .collect()
}

/// The shop's 客单价 per week: paid sales ÷ paying buyers, by payment date.
fn order_values(orders: &[Order]) -> BTreeMap<(&str, i32), f64> {
    let mut acc: BTreeMap<(&str, i32), (i64, BTreeSet<&str>)> = BTreeMap::new();
    for o in orders {
        if let Some(p) = o.paid_local {
            let e = acc
                .entry((&o.shop_id, time::week_start(time::local_day(p))))
                .or_default();
            e.0 += o.amount_fen;
            e.1.insert(&o.buyer_id);
        }
    }
    acc.into_iter()
        .map(|(k, (fen, buyers))| (k, yuan(fen) / buyers.len() as f64))
        .collect()
}

/// One row of the table, before framing.
struct Row {
    shop: String,
    monday: i32,
    kind: &'static str,
    factor: String,
    n: u32,
    paid: u32,
    rate: f64,
    baseline: f64,
    diff: f64,
    low: f64,
    high: f64,
    all: u32,
}

/// The standardised comparison of one factor; `None` when nothing compares.
fn compare(strata: &Strata) -> Option<(u32, u32, f64, f64, f64)> {
    let used: Vec<_> = strata
        .values()
        .filter(|((n1, _), (n0, _))| *n1 > 0 && *n0 > 0)
        .collect();
    let n: u32 = used.iter().map(|((n1, _), _)| n1).sum();
    if n == 0 {
        return None;
    }
    let (mut baseline, mut var, mut paid) = (0.0, 0.0, 0u32);
    for ((n1, x1), (n0, x0)) in used {
        let w = *n1 as f64 / n as f64;
        let (p1, p0) = (*x1 as f64 / *n1 as f64, *x0 as f64 / *n0 as f64);
        baseline += w * p0;
        var += w * w * (p1 * (1.0 - p1) / *n1 as f64 + p0 * (1.0 - p0) / *n0 as f64);
        paid += x1;
    }
    Some((n, paid, paid as f64 / n as f64, baseline, var.sqrt()))
}

fn row(shop: &str, monday: i32, kind: &'static str, factor: String, strata: &Strata, all: u32) -> Option<Row> {
    let (n, paid, rate, baseline, sd) = compare(strata)?;
    let diff = rate - baseline;
    Some(Row {
        shop: shop.to_owned(),
        monday,
        kind,
        factor,
        n,
        paid,
        rate,
        baseline,
        diff,
        low: (diff - 1.96 * sd).max(-1.0),
        high: (diff + 1.96 * sd).min(1.0),
        all,
    })
}

/// Adds an inquiry to a factor's strata: with the factor or without.
fn count(strata: &mut Strata, stratum: Option<u8>, with: bool, paid: bool) {
    let e = strata.entry(stratum).or_default();
    let side = if with { &mut e.0 } else { &mut e.1 };
    side.0 += 1;
    side.1 += paid as u32;
}

/// The rows of one shop and week.
fn rows_of(shop: &str, monday: i32, qs: &[&Inquiry], x: &Inputs) -> Vec<Row> {
    let mut out = Vec::new();
    let intents: BTreeSet<u8> = qs.iter().filter_map(|q| q.intent).collect();
    for it in intents {
        // An intent against the other inquiries of the week: one stratum.
        let mut s = Strata::new();
        for q in qs {
            count(&mut s, None, q.intent == Some(it), q.paid);
        }
        let all = qs.iter().filter(|q| q.intent == Some(it)).count() as u32;
        out.extend(row(shop, monday, "intent", x.intents.name(it).to_owned(), &s, all));
    }
    let rules: BTreeSet<RuleId> = qs.iter().flat_map(|q| q.rules.iter().copied()).collect();
    for r in rules {
        let mut s = Strata::new();
        for q in qs {
            count(&mut s, q.intent, q.rules.contains(&r), q.paid);
        }
        let all = qs.iter().filter(|q| q.rules.contains(&r)).count() as u32;
        out.extend(row(shop, monday, "rule", r.name().to_owned(), &s, all));
    }
    out
}

pub fn loss_reasons(x: &Inputs) -> PolarsResult<DataFrame> {
    let all = inquiries(x);
    let mut weeks: BTreeMap<(&str, i32), Vec<&Inquiry>> = BTreeMap::new();
    for q in &all {
        weeks.entry((q.shop, q.monday)).or_default().push(q);
    }
    let rows: Vec<Row> = weeks
        .iter()
        .flat_map(|((shop, monday), qs)| rows_of(shop, *monday, qs, x))
        .collect();
    let aov = order_values(x.orders);
    let value = |r: &Row| aov.get(&(r.shop.as_str(), r.monday)).copied();
    FrameBuilder::new(rows.len())
        .str(lr::SHOP_ID, rows.iter().map(|r| &r.shop))
        .str(lr::WEEK, rows.iter().map(|r| time::iso_week(r.monday)))
        .str(lr::FACTOR_KIND, rows.iter().map(|r| r.kind))
        .str(lr::FACTOR, rows.iter().map(|r| &r.factor))
        .u32(lr::INQUIRIES, rows.iter().map(|r| r.n))
        .u32(lr::PAID_BUYERS, rows.iter().map(|r| r.paid))
        .f64(lr::CONVERSION_RATE, rows.iter().map(|r| r.rate))
        .f64(lr::BASELINE_CONVERSION_RATE, rows.iter().map(|r| r.baseline))
        .f64(lr::DIFFERENCE, rows.iter().map(|r| r.diff))
        .f64(lr::DIFFERENCE_LOW, rows.iter().map(|r| r.low))
        .f64(lr::DIFFERENCE_HIGH, rows.iter().map(|r| r.high))
        .f64(lr::LOST_BUYERS_EST, rows.iter().map(|r| -r.diff * r.n as f64))
        .opt_f64(
            lr::LOST_SALES_EST,
            rows.iter().map(|r| value(r).map(|v| -r.diff * r.n as f64 * v)),
        )
        .u32(lr::ALL_INQUIRIES, rows.iter().map(|r| r.all))
        .opt_f64(lr::AVG_ORDER_VALUE, rows.iter().map(value))
        .build()
}
