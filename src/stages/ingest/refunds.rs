//! The optional `refunds` input joined to the orders: each refund row names
//! an order (by id, and by shop where an id is used in more than one shop);
//! an order's refund becomes the sum of its rows, with the time of the first
//! and the stage and reason the shop recorded. A row that names no order, an
//! ambiguous one, or that takes an order's refunds above its amount is a
//! reject.

use std::collections::{BTreeMap, HashMap};

use super::InputFile;
use crate::core::model::{yuan, Name, Order, Refund, RefundDetail, Reject};

/// Moves a staged row of an optional input from used to rejected.
pub(super) fn reject(
    (file_idx, line): (u32, u64),
    reason: String,
    raw: String,
    files: &mut [InputFile],
    rejects: &mut Vec<Reject>,
) {
    let f = &mut files[file_idx as usize];
    f.rows_used -= 1;
    f.rows_rejected += 1;
    rejects.push(Reject {
        file: f.path.clone(),
        line,
        reason,
        raw,
    });
}

fn reject_refund(r: &Refund, reason: String, files: &mut [InputFile], rejects: &mut Vec<Reject>) {
    let raw = format!("{},{}", r.order_id, yuan(r.amount_fen));
    reject((r.file_idx, r.line), reason, raw, files, rejects);
}

/// Which order each (order id, shop id if given) names (index into
/// `orders`), or why none.
pub(super) fn matched<'a>(
    orders: &[Order],
    keys: impl Iterator<Item = (&'a str, Option<&'a Name>)>,
) -> Vec<Result<usize, String>> {
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, o) in orders.iter().enumerate() {
        by_id.entry(&o.order_id).or_default().push(i);
    }
    keys.map(|(order_id, shop_id)| {
        let candidates: Vec<usize> = by_id
            .get(order_id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| shop_id.is_none_or(|s| *s == orders[i].shop_id))
            .collect();
        match candidates[..] {
            [i] => Ok(i),
            [] => Err(format!("no order {order_id} in the orders")),
            _ => Err(format!("order {order_id} is in several shops: add shop_id")),
        }
    })
    .collect()
}

pub fn join(orders: &mut [Order], refunds: Vec<Refund>, files: &mut [InputFile], rejects: &mut Vec<Reject>) {
    let mut per_order: BTreeMap<usize, Vec<Refund>> = BTreeMap::new();
    let keys = refunds.iter().map(|r| (r.order_id.as_str(), r.shop_id.as_ref()));
    for (r, m) in refunds.iter().zip(matched(orders, keys)) {
        match m {
            Ok(i) => per_order.entry(i).or_default().push(r.clone()),
            Err(why) => reject_refund(r, why, files, rejects),
        }
    }
    for (i, rows) in per_order {
        let o = &mut orders[i];
        let total: i64 = rows.iter().map(|r| r.amount_fen).sum();
        if total > o.amount_fen {
            let why = format!(
                "refunds of order {} add up to {:.2}, above its amount {:.2}",
                o.order_id,
                yuan(total),
                yuan(o.amount_fen)
            );
            for r in &rows {
                reject_refund(r, why.clone(), files, rejects);
            }
            continue;
        }
        o.refund_fen = Some(total);
        o.refund_detail = Some(Box::new(RefundDetail {
            first_refund_local: rows.iter().filter_map(|r| r.refund_local).min(),
            stage: rows.iter().find_map(|r| r.stage.clone()),
            reason: rows.iter().find_map(|r| r.reason.clone()),
        }));
    }
}
