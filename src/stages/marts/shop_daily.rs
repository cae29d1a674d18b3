//! `shop_daily`: the shop's daily 询单 funnel and its orders and sales.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{yuan, Order};
use crate::core::schema::shop_daily as sd;
use crate::core::time;
use crate::stages::conversion::Attribution;
use crate::stages::sessions::Conversations;

#[derive(Default)]
struct Day<'a> {
    buyers: BTreeSet<&'a str>,
    inquiring: BTreeSet<&'a str>,
    ordered: BTreeSet<&'a str>,
    paid: BTreeSet<&'a str>,
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
}

/// `shop_daily`: per shop and date, the 询单 funnel (by inquiry date) and the
/// orders and sales of the day (by order date), split into agent-credited and
/// silent (静默下单). `agent_sales_amount + silent_sales_amount +
/// other_sales_amount = sales_amount`; an order both credited and silent
/// (inquiry over 24 h before it, inside the window) is agent sales.
pub fn shop_daily(conv: &Conversations, orders: &[Order], attributions: &[Attribution]) -> PolarsResult<DataFrame> {
    let mut days: BTreeMap<(&str, i32), Day> = BTreeMap::new();
    for s in &conv.sessions {
        let d = days.entry((&s.shop_id, s.day())).or_default();
        d.buyers.insert(&s.buyer_id);
        if s.is_inquiry {
            d.inquiring.insert(&s.buyer_id);
        }
    }
    for a in attributions {
        let o = &orders[a.order];
        if let Some(si) = a.session {
            let s = &conv.sessions[si];
            let d = days.entry((&s.shop_id, s.day())).or_default();
            d.ordered.insert(&o.buyer_id);
            if o.paid_ts.is_some() {
                d.paid.insert(&o.buyer_id);
            } else {
                d.unpaid_inquiry_orders += 1;
            }
        }
        let d = days.entry((&o.shop_id, time::local_day(o.created_local))).or_default();
        d.orders += 1;
        d.silent_orders += a.is_silent as u32;
        if o.paid_ts.is_some() {
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
        }
    }
    let rows: Vec<_> = days.into_iter().collect();
    let ratio = |n: usize, d: usize| (d > 0).then(|| n as f64 / d as f64);
    FrameBuilder::new(rows.len())
        .str(sd::SHOP_ID, rows.iter().map(|((s, _), _)| *s))
        .date(sd::DATE, rows.iter().map(|((_, d), _)| *d))
        .u32(sd::BUYERS, rows.iter().map(|(_, d)| d.buyers.len() as u32))
        .u32(sd::INQUIRIES, rows.iter().map(|(_, d)| d.inquiring.len() as u32))
        .u32(sd::ORDERED_BUYERS, rows.iter().map(|(_, d)| d.ordered.len() as u32))
        .u32(sd::PAID_BUYERS, rows.iter().map(|(_, d)| d.paid.len() as u32))
        .u32(
            sd::LOST_INQUIRIES,
            rows.iter()
                .map(|(_, d)| d.inquiring.difference(&d.ordered).count() as u32),
        )
        .u32(
            sd::UNPAID_INQUIRY_ORDERS,
            rows.iter().map(|(_, d)| d.unpaid_inquiry_orders),
        )
        .opt_f64(
            sd::CONVERSION_RATE,
            rows.iter().map(|(_, d)| ratio(d.paid.len(), d.inquiring.len())),
        )
        .u32(sd::ORDERS, rows.iter().map(|(_, d)| d.orders))
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
        .build()
}
