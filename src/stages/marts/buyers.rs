//! 新客 / 老客 and 复购: a buyer is returning (老客) at a moment when a paid
//! order of theirs in the shop exists before it — in the orders in hand, or,
//! with the optional `buyers` input, by the CRM's `first_paid_at`. Orders
//! only reach back as far as the data does, so `shop_weekly` and the manifest
//! say how many days of order history precede each week.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{BuyerInfo, Order};
use crate::core::schema::shop_weekly as sw;
use crate::core::time;
use crate::stages::sessions::Conversations;

/// When each buyer of each shop first paid, and their CRM member level.
pub struct BuyerHistory<'a> {
    first_paid: HashMap<(&'a str, &'a str), i64>,
    levels: HashMap<(&'a str, &'a str), &'a str>,
}

impl<'a> BuyerHistory<'a> {
    pub fn new(orders: &'a [Order], buyers: &'a [BuyerInfo]) -> Self {
        let mut first_paid: HashMap<(&str, &str), i64> = HashMap::new();
        let paid = orders
            .iter()
            .filter_map(|o| o.paid_ts.map(|p| ((&*o.shop_id, &*o.buyer_id), p)));
        let crm = buyers
            .iter()
            .filter_map(|b| b.first_paid_ts.map(|p| ((&*b.shop_id, &*b.buyer_id), p)));
        for (k, p) in paid.chain(crm) {
            let e = first_paid.entry(k).or_insert(p);
            *e = (*e).min(p);
        }
        let levels = buyers
            .iter()
            .filter_map(|b| b.member_level.as_deref().map(|l| ((&*b.shop_id, &*b.buyer_id), l)))
            .collect();
        BuyerHistory { first_paid, levels }
    }

    /// Whether the buyer had paid in the shop before `ts`.
    pub fn returning_at(&self, shop: &str, buyer: &str, ts: i64) -> bool {
        self.first_paid.get(&(shop, buyer)).is_some_and(|p| *p < ts)
    }

    pub fn level(&self, shop: &str, buyer: &str) -> Option<&'a str> {
        self.levels.get(&(shop, buyer)).copied()
    }
}

/// Whether each session's buyer was returning when the session started.
pub fn session_returning(conv: &Conversations, h: &BuyerHistory) -> Vec<bool> {
    conv.sessions
        .iter()
        .map(|s| h.returning_at(&s.shop_id, &s.buyer_id, s.started_ts))
        .collect()
}

#[derive(Default)]
struct Week<'a> {
    /// Buyer → orders paid in the week.
    paid: BTreeMap<&'a str, u32>,
    returning: u32,
    repurchase_days: Vec<f64>,
}

/// What `shop_weekly` tells the manifest: the days of order history before
/// each week's Monday over all shops, and the first order's day (so that
/// bucketed runs can combine the history).
pub struct History {
    pub days_before_week: BTreeMap<String, i64>,
    pub first_order_day: Option<i32>,
}

/// `shop_weekly` (by payment date), and the order history it saw.
pub fn shop_weekly(orders: &[Order], h: &BuyerHistory) -> PolarsResult<(DataFrame, History)> {
    let mut first_day: BTreeMap<&str, i32> = BTreeMap::new();
    for o in orders {
        let d = time::local_day(o.created_local);
        let e = first_day.entry(&o.shop_id).or_insert(d);
        *e = (*e).min(d);
    }
    // Orders are sorted by (shop, buyer, created): a buyer's paid orders in payment order.
    let mut paid: Vec<&Order> = orders.iter().filter(|o| o.paid_ts.is_some()).collect();
    paid.sort_by_key(|o| (&o.shop_id, &o.buyer_id, o.paid_ts));
    let mut weeks: BTreeMap<(&str, i32), Week> = BTreeMap::new();
    for (i, o) in paid.iter().enumerate() {
        let (ts, local) = (o.paid_ts.unwrap_or_default(), o.paid_local.unwrap_or_default());
        let monday = time::week_start(time::local_day(local));
        let w = weeks.entry((&o.shop_id, monday)).or_default();
        let n = w.paid.entry(&o.buyer_id).or_default();
        *n += 1;
        // The week's local midnight as an instant, by this payment's offset from UTC.
        let week_start_ts = time::day_start(monday) - (local - ts);
        if *n == 1 && h.returning_at(&o.shop_id, &o.buyer_id, week_start_ts) {
            w.returning += 1;
        }
        let prev = i.checked_sub(1).map(|j| paid[j]);
        if let Some(p) = prev.filter(|p| p.shop_id == o.shop_id && p.buyer_id == o.buyer_id) {
            w.repurchase_days
                .push((ts - p.paid_ts.unwrap_or_default()) as f64 / time::MS_PER_DAY as f64);
        }
    }
    let first_any = first_day.values().min().copied();
    let mut history = BTreeMap::new();
    for (_, monday) in weeks.keys() {
        if let Some(f) = first_any {
            history.insert(time::iso_week(*monday), (*monday - f).max(0) as i64);
        }
    }
    let rows: Vec<_> = weeks.into_iter().collect();
    let df = FrameBuilder::new(rows.len())
        .str(sw::SHOP_ID, rows.iter().map(|((s, _), _)| *s))
        .str(sw::WEEK, rows.iter().map(|((_, m), _)| time::iso_week(*m)))
        .u32(sw::PAYING_BUYERS, rows.iter().map(|(_, w)| w.paid.len() as u32))
        .u32(sw::REPEAT_BUYERS, rows.iter().map(|(_, w)| repeat(w)))
        .opt_f64(
            sw::REPEAT_PURCHASE_RATE,
            rows.iter()
                .map(|(_, w)| (!w.paid.is_empty()).then(|| repeat(w) as f64 / w.paid.len() as f64)),
        )
        .u32(sw::RETURNING_BUYERS, rows.iter().map(|(_, w)| w.returning))
        .u32(
            sw::REPURCHASES,
            rows.iter().map(|(_, w)| w.repurchase_days.len() as u32),
        )
        .opt_f64(
            sw::REPURCHASE_DAYS_MEDIAN,
            rows.iter().map(|(_, w)| median(&w.repurchase_days)),
        )
        .i64(
            sw::ORDER_HISTORY_DAYS,
            rows.iter().map(|((s, m), _)| (*m - first_day[s]).max(0) as i64),
        )
        .build()?;
    let history = History {
        days_before_week: history,
        first_order_day: first_any,
    };
    Ok((df, history))
}

fn repeat(w: &Week) -> u32 {
    w.paid.values().filter(|n| **n >= 2).count() as u32
}

fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    })
}
