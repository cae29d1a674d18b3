//! `shop_daily`: the shop's daily 询单 funnel (by inquiry date: inquiring
//! buyers, ordered, paid — the same day, by the next, ever — lost before
//! ordering or before paying) and its orders, sales and refunds (by order
//! date), with sales split into agent-credited, silent (静默下单) and other.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{yuan, Order, Stage};
use crate::core::schema::shop_daily as sd;
use crate::core::time;
use crate::stages::conversion::Attribution;
use crate::stages::sessions::Conversations;

/// One inquiring buyer's orders from that day's inquiries.
#[derive(Default)]
struct Funnel {
    /// Returning at the inquiry the order converts.
    returning: bool,
    paid: bool,
    paid_same_day: bool,
    paid_next_day: bool,
    unpaid_fen: i64,
}

#[derive(Default)]
struct Day<'a> {
    buyers: BTreeSet<&'a str>,
    /// Inquiring buyers, and whether they were returning (老客) at an inquiry.
    inquiring: BTreeSet<&'a str>,
    inquiring_new: BTreeSet<&'a str>,
    inquiring_returning: BTreeSet<&'a str>,
    /// Buyers with an order from an inquiry of this day.
    ordered: BTreeMap<&'a str, Funnel>,
    unpaid_inquiry_orders: u32,
    orders: u32,
    paid_orders: u32,
    paying_buyers: BTreeSet<&'a str>,
    silent_orders: u32,
    silent_paid_orders: u32,
    sales_fen: i64,
    agent_sales_fen: i64,
    silent_sales_fen: i64,
    other_sales_fen: i64,
    refund_orders: u32,
    refund_fen: i64,
    chaseable_orders: u32,
    chased_orders: u32,
    chased_paid_orders: u32,
    chased_paid_fen: i64,
    insale_sessions: u32,
    aftersale_sessions: u32,
}

impl Day<'_> {
    fn paid_buyers(&self) -> usize {
        self.ordered.values().filter(|f| f.paid).count()
    }
    fn paid_buyers_returning(&self, returning: bool) -> usize {
        self.ordered
            .values()
            .filter(|f| f.paid && f.returning == returning)
            .count()
    }
    /// 付款流失: buyers who ordered from an inquiry and never paid.
    fn unpaid(&self) -> impl Iterator<Item = &Funnel> {
        self.ordered.values().filter(|f| !f.paid)
    }
}

/// The inquiry-date side: an order from an inquiry of `day`.
fn count_inquiry_order<'a>(d: &mut Day<'a>, o: &'a Order, day: i32, returning: bool) {
    let f = d.ordered.entry(&o.buyer_id).or_default();
    f.returning |= returning;
    match o.paid_local {
        Some(p) => {
            f.paid = true;
            f.paid_same_day |= p < time::day_start(day + 1);
            f.paid_next_day |= p < time::day_start(day + 2);
        }
        None => {
            f.unpaid_fen += o.amount_fen;
            d.unpaid_inquiry_orders += 1;
        }
    }
}

/// The order-date side: the day's orders, sales and refunds.
fn count_order<'a>(d: &mut Day<'a>, o: &'a Order, a: &Attribution) {
    d.orders += 1;
    d.silent_orders += a.is_silent as u32;
    d.chaseable_orders += a.chaseable as u32;
    if let Some(c) = &a.chase {
        d.chased_orders += 1;
        if c.paid {
            d.chased_paid_orders += 1;
            d.chased_paid_fen += o.amount_fen;
        }
    }
    if o.paid_ts.is_none() {
        return;
    }
    d.paid_orders += 1;
    d.paying_buyers.insert(&o.buyer_id);
    d.sales_fen += o.amount_fen;
    if a.is_silent {
        d.silent_paid_orders += 1;
    }
    // Sales split into a partition: credited to an agent, else silent, else other
    // (chatted, but no inquiry covers the order, e.g. after-sales chats).
    match (a.agent_id.is_some(), a.is_silent) {
        (true, _) => d.agent_sales_fen += o.amount_fen,
        (false, true) => d.silent_sales_fen += o.amount_fen,
        (false, false) => d.other_sales_fen += o.amount_fen,
    }
    if let Some(r) = o.refund() {
        d.refund_orders += 1;
        d.refund_fen += r;
    }
}

/// `shop_daily`: per shop and date. `agent_sales_amount +
/// silent_sales_amount + other_sales_amount = sales_amount`; an order both
/// credited and silent (inquiry over 24 h before it, inside the window) is
/// agent sales.
pub fn shop_daily(
    conv: &Conversations,
    orders: &[Order],
    attributions: &[Attribution],
    returning: &[bool],
) -> PolarsResult<DataFrame> {
    let mut days: BTreeMap<(&str, i32), Day> = BTreeMap::new();
    for (si, s) in conv.sessions.iter().enumerate() {
        let d = days.entry((&s.shop_id, s.day())).or_default();
        d.buyers.insert(&s.buyer_id);
        d.insale_sessions += (s.stage == Stage::Insale) as u32;
        d.aftersale_sessions += (s.stage == Stage::Aftersale) as u32;
        if s.is_inquiry {
            d.inquiring.insert(&s.buyer_id);
            match returning[si] {
                true => d.inquiring_returning.insert(&s.buyer_id),
                false => d.inquiring_new.insert(&s.buyer_id),
            };
        }
    }
    for a in attributions {
        let o = &orders[a.order];
        if let Some(si) = a.session {
            let s = &conv.sessions[si];
            count_inquiry_order(
                days.entry((&s.shop_id, s.day())).or_default(),
                o,
                s.day(),
                returning[si],
            );
        }
        count_order(
            days.entry((&o.shop_id, time::local_day(o.created_local))).or_default(),
            o,
            a,
        );
    }
    frame(days.into_iter().collect())
}

type Rows<'a> = [((&'a str, i32), Day<'a>)];

fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

fn frame(rows: Vec<((&str, i32), Day)>) -> PolarsResult<DataFrame> {
    let b = FrameBuilder::new(rows.len())
        .str(sd::SHOP_ID, rows.iter().map(|((s, _), _)| *s))
        .date(sd::DATE, rows.iter().map(|((_, d), _)| *d))
        .u32(sd::BUYERS, rows.iter().map(|(_, d)| d.buyers.len() as u32))
        .u32(sd::INQUIRIES, rows.iter().map(|(_, d)| d.inquiring.len() as u32))
        .u32(sd::ORDERED_BUYERS, rows.iter().map(|(_, d)| d.ordered.len() as u32))
        .u32(sd::PAID_BUYERS, rows.iter().map(|(_, d)| d.paid_buyers() as u32))
        .u32(
            sd::LOST_INQUIRIES,
            rows.iter()
                .map(|(_, d)| d.inquiring.iter().filter(|b| !d.ordered.contains_key(*b)).count() as u32),
        )
        .u32(
            sd::UNPAID_INQUIRY_ORDERS,
            rows.iter().map(|(_, d)| d.unpaid_inquiry_orders),
        )
        .opt_f64(
            sd::CONVERSION_RATE,
            rows.iter().map(|(_, d)| ratio(d.paid_buyers(), d.inquiring.len())),
        );
    let b = orders_columns(b, &rows);
    let b = funnel_columns(b, &rows);
    chase_and_returning_columns(b, &rows).build()
}

/// The day's orders and sales, by order date.
fn orders_columns(b: FrameBuilder, rows: &Rows) -> FrameBuilder {
    b.u32(sd::ORDERS, rows.iter().map(|(_, d)| d.orders))
        .u32(sd::PAID_ORDERS, rows.iter().map(|(_, d)| d.paid_orders))
        .u32(sd::SILENT_ORDERS, rows.iter().map(|(_, d)| d.silent_orders))
        .u32(sd::SILENT_PAID_ORDERS, rows.iter().map(|(_, d)| d.silent_paid_orders))
        .opt_f64(
            sd::SILENT_SHARE,
            rows.iter()
                .map(|(_, d)| ratio(d.silent_paid_orders as usize, d.paid_orders as usize)),
        )
        .f64(sd::SALES_AMOUNT, rows.iter().map(|(_, d)| yuan(d.sales_fen)))
        .f64(
            sd::AGENT_SALES_AMOUNT,
            rows.iter().map(|(_, d)| yuan(d.agent_sales_fen)),
        )
        .f64(
            sd::SILENT_SALES_AMOUNT,
            rows.iter().map(|(_, d)| yuan(d.silent_sales_fen)),
        )
        .f64(
            sd::OTHER_SALES_AMOUNT,
            rows.iter().map(|(_, d)| yuan(d.other_sales_fen)),
        )
        .opt_f64(
            sd::AVG_ORDER_VALUE,
            rows.iter()
                .map(|(_, d)| (!d.paying_buyers.is_empty()).then(|| yuan(d.sales_fen) / d.paying_buyers.len() as f64)),
        )
}

/// The rest of the funnel by inquiry date, and refunds by order date.
fn funnel_columns(b: FrameBuilder, rows: &Rows) -> FrameBuilder {
    b.u32(sd::UNPAID_BUYERS, rows.iter().map(|(_, d)| d.unpaid().count() as u32))
        .f64(
            sd::UNPAID_AMOUNT,
            rows.iter().map(|(_, d)| yuan(d.unpaid().map(|f| f.unpaid_fen).sum())),
        )
        .u32(
            sd::PAID_SAME_DAY_BUYERS,
            rows.iter()
                .map(|(_, d)| d.ordered.values().filter(|f| f.paid_same_day).count() as u32),
        )
        .u32(
            sd::PAID_NEXT_DAY_BUYERS,
            rows.iter()
                .map(|(_, d)| d.ordered.values().filter(|f| f.paid_next_day).count() as u32),
        )
        .opt_f64(
            sd::ORDER_TO_PAID_RATE,
            rows.iter().map(|(_, d)| ratio(d.paid_buyers(), d.ordered.len())),
        )
        .u32(sd::REFUND_ORDERS, rows.iter().map(|(_, d)| d.refund_orders))
        .f64(sd::REFUND_AMOUNT, rows.iter().map(|(_, d)| yuan(d.refund_fen)))
        .f64(
            sd::NET_SALES_AMOUNT,
            rows.iter().map(|(_, d)| yuan(d.sales_fen - d.refund_fen)),
        )
}

/// 催付 by order date; 新客 / 老客 by inquiry date.
fn chase_and_returning_columns(b: FrameBuilder, rows: &Rows) -> FrameBuilder {
    b.u32(sd::CHASEABLE_ORDERS, rows.iter().map(|(_, d)| d.chaseable_orders))
        .u32(sd::CHASED_ORDERS, rows.iter().map(|(_, d)| d.chased_orders))
        .u32(sd::CHASED_PAID_ORDERS, rows.iter().map(|(_, d)| d.chased_paid_orders))
        .f64(
            sd::CHASED_PAID_AMOUNT,
            rows.iter().map(|(_, d)| yuan(d.chased_paid_fen)),
        )
        .opt_f64(
            sd::CHASE_COVERAGE,
            rows.iter()
                .map(|(_, d)| ratio(d.chased_orders as usize, d.chaseable_orders as usize)),
        )
        .u32(
            sd::INQUIRIES_NEW,
            rows.iter().map(|(_, d)| d.inquiring_new.len() as u32),
        )
        .u32(
            sd::INQUIRIES_RETURNING,
            rows.iter().map(|(_, d)| d.inquiring_returning.len() as u32),
        )
        .u32(
            sd::PAID_BUYERS_NEW,
            rows.iter().map(|(_, d)| d.paid_buyers_returning(false) as u32),
        )
        .u32(
            sd::PAID_BUYERS_RETURNING,
            rows.iter().map(|(_, d)| d.paid_buyers_returning(true) as u32),
        )
        .opt_f64(
            sd::CONVERSION_RATE_NEW,
            rows.iter()
                .map(|(_, d)| ratio(d.paid_buyers_returning(false), d.inquiring_new.len())),
        )
        .opt_f64(
            sd::CONVERSION_RATE_RETURNING,
            rows.iter()
                .map(|(_, d)| ratio(d.paid_buyers_returning(true), d.inquiring_returning.len())),
        )
        .u32(sd::INSALE_SESSIONS, rows.iter().map(|(_, d)| d.insale_sessions))
        .u32(sd::AFTERSALE_SESSIONS, rows.iter().map(|(_, d)| d.aftersale_sessions))
}
