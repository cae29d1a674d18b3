//! Duplicates: exact repeats of a message, order or agent are kept once and
//! counted against the file each repeat came from; an order id repeated with
//! other values is a reject. Every removal keeps the per-file reconciliation
//! `rows_read = rows_used + rows_rejected + rows_deduplicated` true.

use std::collections::HashSet;

use super::InputFile;
use crate::core::model::{Agent, Message, Order, Reject};

/// Moves one row of `file` from used to deduplicated.
fn count_dup(file: &mut InputFile) {
    file.rows_used -= 1;
    file.rows_deduplicated += 1;
}

/// Removes exact duplicate messages, keeping the first in file order.
/// `messages` must be sorted by (shop, buyer, ts, file order): duplicates
/// then sit within one run of equal (shop, buyer, ts). Marked first and
/// removed in place: no second copy of the messages. Within a run the
/// keys seen go in a hash set, so a run of many messages in one second (a
/// bulk import, a bot) costs linear time, not quadratic; a run of one, the
/// common case, hashes nothing.
pub fn messages(messages: &mut Vec<Message>, files: &mut [InputFile]) {
    let mut dup = vec![false; messages.len()];
    let mut run_start = 0usize;
    let mut seen = HashSet::new();
    for i in 0..messages.len() {
        let m = &messages[i];
        let head = &messages[run_start];
        if i == run_start || head.shop_id != m.shop_id || head.buyer_id != m.buyer_id || head.ts != m.ts {
            run_start = i;
            seen.clear();
            continue;
        }
        if seen.is_empty() {
            seen.insert(head.dedup_key());
        }
        if !seen.insert(m.dedup_key()) {
            dup[i] = true;
            count_dup(&mut files[m.file_idx as usize]);
        }
    }
    let mut is_dup = dup.into_iter();
    messages.retain(|_| !is_dup.next().unwrap_or(false));
}

/// Keeps one order per (shop, order_id): an exact repeat is a duplicate, a
/// repeat with other values a reject naming where the first one was.
pub fn orders(mut orders: Vec<Order>, files: &mut [InputFile], rejects: &mut Vec<Reject>) -> Vec<Order> {
    orders.sort_by(|a, b| {
        (&a.shop_id, &a.order_id, a.file_idx, a.line).cmp(&(&b.shop_id, &b.order_id, b.file_idx, b.line))
    });
    let mut kept: Vec<Order> = Vec::with_capacity(orders.len());
    for o in orders {
        if let Some(prev) = kept
            .last()
            .filter(|p| p.shop_id == o.shop_id && p.order_id == o.order_id)
        {
            let same = Order {
                file_idx: prev.file_idx,
                line: prev.line,
                ..o.clone()
            } == *prev;
            if same {
                count_dup(&mut files[o.file_idx as usize]);
            } else {
                let first_at = format!("{}:{}", files[prev.file_idx as usize].path, prev.line);
                let fi = &mut files[o.file_idx as usize];
                fi.rows_used -= 1;
                fi.rows_rejected += 1;
                rejects.push(Reject {
                    file: fi.path.clone(),
                    line: o.line,
                    reason: format!(
                        "order_id {} repeated with different values (first at {first_at})",
                        o.order_id
                    ),
                    raw: format!("{},{},{}", o.order_id, o.shop_id, o.buyer_id),
                });
            }
            continue;
        }
        kept.push(o);
    }
    kept
}

/// Keeps the first row of each agent id (roster files in order); later ones
/// are duplicates of their own file.
pub fn agents(all: Vec<Agent>, files: &mut [InputFile]) -> Vec<Agent> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut agents = Vec::with_capacity(all.len());
    for a in all {
        if !seen.insert(a.agent_id.clone()) {
            count_dup(&mut files[a.file_idx as usize]);
            continue;
        }
        agents.push(a);
    }
    agents
}

/// Keeps the first row per `key` (files in order): a later row equal by
/// `same` is a duplicate of its file, a different one a reject naming where
/// the first one was.
pub fn by_key<T, K: Ord>(
    rows: Vec<T>,
    key: impl Fn(&T) -> K,
    place: impl Fn(&T) -> (u32, u64),
    same: impl Fn(&T, &T) -> bool,
    what: &str,
    files: &mut [InputFile],
    rejects: &mut Vec<Reject>,
) -> Vec<T> {
    let mut kept: std::collections::BTreeMap<K, T> = std::collections::BTreeMap::new();
    for r in rows {
        let (idx, line) = place(&r);
        let Some(first) = kept.get(&key(&r)) else {
            kept.insert(key(&r), r);
            continue;
        };
        if same(first, &r) {
            count_dup(&mut files[idx as usize]);
            continue;
        }
        let (fi, fl) = place(first);
        let first_at = format!("{}:{fl}", files[fi as usize].path);
        let f = &mut files[idx as usize];
        f.rows_used -= 1;
        f.rows_rejected += 1;
        rejects.push(Reject {
            file: f.path.clone(),
            line,
            reason: format!("{what} repeated with different values (first at {first_at})"),
            raw: String::new(),
        });
    }
    kept.into_values().collect()
}
