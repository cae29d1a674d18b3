//! A partitioned run's pass over the inputs keeps one shop bucket's rows
//! (see [`crate::core::bucket`]). A row is routed before it is validated, by
//! its raw `shop_id`, so another bucket's rows cost a hash, not a parse, and
//! are neither used nor counted here: their own bucket's pass counts them.
//! Rows no shop can be read from (a line that splits into no fields, a
//! missing `shop_id`) go to bucket 0, where they are rejected exactly once.
//!
//! Refunds and reviews may leave `shop_id` out and name their order by id
//! alone; such a row belongs to the bucket of the one order it names, so the
//! orders pass remembers the ids (and shops) of other buckets' valid orders.
//! A row naming no order or orders in several shops is rejected in bucket 0,
//! as a run without buckets rejects it.

use std::collections::HashMap;

use super::readers::{Fields, Value};
use super::InputFile;
use crate::core::bucket::{bucket, Route};
use crate::core::model::Name;

/// What a pass does with rows that carry no shop id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shopless {
    /// `shop_id` is required: the row is bucket 0's (to be rejected there).
    Bucket0,
    /// The row names its shop through its order: kept, resolved after the
    /// orders are read ([`Foreign::owns`]).
    ByOrder,
}

/// One table's routing in one pass.
#[derive(Debug, Clone, Copy)]
pub struct RowRoute {
    pub route: Route,
    pub shop_col: usize,
    pub shopless: Shopless,
}

/// Where a row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    Bucket(u32),
    /// A shop-less row that names its order: every pass reads it and keeps
    /// it only if it owns the order ([`Foreign::owns`]).
    Every,
}

impl RowRoute {
    /// Whether the row (its fields, or `None` when it split into none) is this pass's.
    pub fn keeps(&self, fields: Option<&Fields>) -> bool {
        match self.dest(fields) {
            Dest::Bucket(b) => b == self.route.bucket,
            Dest::Every => true,
        }
    }

    /// The bucket of the row's shop, bucket 0 for a row no shop can be read
    /// from, or every bucket for one that names its order instead.
    pub fn dest(&self, fields: Option<&Fields>) -> Dest {
        let Some(f) = fields else {
            return Dest::Bucket(0);
        };
        let shop = match f.get(self.shop_col) {
            Some(Value::Text(s)) => Some(s.trim()).filter(|s| !s.is_empty()),
            _ => None,
        };
        match (shop, self.shopless) {
            (Some(s), _) => Dest::Bucket(bucket(s, self.route.buckets)),
            (None, Shopless::Bucket0) => Dest::Bucket(0),
            (None, Shopless::ByOrder) => Dest::Every,
        }
    }
}

/// Valid orders read in other buckets' passes (or, after a spill, in all of
/// them): order id → the shops it is used in, each with its bucket.
#[derive(Debug, Default)]
pub struct Foreign {
    shops: HashMap<Box<str>, Vec<(Name, u32)>>,
}

impl Foreign {
    pub fn add(&mut self, order_id: &str, shop: &Name, buckets: u32) {
        let shops = self.shops.entry(order_id.into()).or_default();
        if !shops.iter().any(|(s, _)| s == shop) {
            shops.push((shop.clone(), bucket(shop, buckets)));
        }
    }

    /// Whether a shop-less row naming `order_id` is this pass's, given the
    /// shops this pass's own orders use the id in: yes when the id names one
    /// order and it is ours; when it names none or several, bucket 0 rejects it.
    pub fn owns(&self, route: Route, order_id: &str, own_shops: usize) -> bool {
        let theirs = self
            .shops
            .get(order_id)
            .map_or(0, |s| s.iter().filter(|(_, b)| *b != route.bucket).count());
        match (own_shops, theirs) {
            (1, 0) => true,
            (0, 1) => false,
            _ => route.bucket == 0,
        }
    }
}

/// Keeps the shop-less rows this pass owns (see [`Foreign::owns`]); the
/// others leave the pass uncounted, as if never read here.
pub fn own_shopless<T>(
    rows: Vec<T>,
    route: Option<Route>,
    foreign: &Foreign,
    own_shops: impl Fn(&str) -> usize,
    key: impl Fn(&T) -> (Option<&Name>, &str, u32),
    files: &mut [InputFile],
) -> Vec<T> {
    let Some(route) = route else { return rows };
    rows.into_iter()
        .filter(|r| {
            let (shop, order_id, file_idx) = key(r);
            if shop.is_some() || foreign.owns(route, order_id, own_shops(order_id)) {
                return true;
            }
            let f = &mut files[file_idx as usize];
            f.rows_read -= 1;
            f.rows_used -= 1;
            false
        })
        .collect()
}
