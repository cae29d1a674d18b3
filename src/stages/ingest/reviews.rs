//! The optional `reviews` input joined to the orders: each review names an
//! order (by id, and by shop where an id is used in more than one shop). A
//! review that names no order, an ambiguous one, or that was written before
//! its order was created is a reject.

use super::refunds::{matched, reject};
use super::InputFile;
use crate::core::model::{Order, Reject, Review};

pub fn join(orders: &[Order], reviews: Vec<Review>, files: &mut [InputFile], rejects: &mut Vec<Reject>) -> Vec<Review> {
    let keys = reviews.iter().map(|r| (r.order_id.as_str(), r.shop_id.as_ref()));
    let found = matched(orders, keys);
    let mut kept = Vec::with_capacity(reviews.len());
    for (mut r, m) in reviews.into_iter().zip(found) {
        let m = m.and_then(|i| match r.created_ts < orders[i].created_ts {
            true => Err(format!(
                "review of order {} is dated before the order was created",
                r.order_id
            )),
            false => Ok(i),
        });
        match m {
            Ok(i) => {
                r.order = i;
                kept.push(r);
            }
            Err(why) => {
                let raw = format!("{},{},{}", r.order_id, r.rating, r.text);
                reject((r.file_idx, r.line), why, raw, files, rejects);
            }
        }
    }
    kept
}
