//! Invariants as properties (issue 16), over random chats with bad rows and
//! exact repeats, split across two files: every row read is used, rejected
//! or deduplicated (per file); every kept message lies in exactly one
//! session; no response time is negative; and the sessions and turns do not
//! depend on the order the files are named in.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use kefu::pipeline::{self, Analysis};
use kefu::stages::text::TextEngine;
use proptest::prelude::*;

use crate::helpers::{Fixture, HEADER, SHOP};

/// Built once: jieba's dictionary is the slow part of a case.
static ENGINE: LazyLock<Arc<TextEngine>> =
    LazyLock::new(|| Arc::new(TextEngine::for_settings(&Fixture::new().settings()).expect("engine")));

const CONTENTS: [&str; 6] = [
    "在吗",
    "好的亲",
    "什么时候发货",
    "我要退款",
    "稍等",
    "\"多少钱,包邮吗\"",
];

/// One generated row: buyer, who writes, second of the day, content, how it
/// is broken (0–5 fine, 6 bad time, 7 no buyer, 8 a field short), in which
/// file, and whether it is written twice.
type Row = (u8, u8, u32, usize, u8, bool, bool);

fn line((buyer, who, sec, content, broken, _, _): &Row) -> String {
    let (h, m, s) = (8 + sec / 3600, sec / 60 % 60, sec % 60);
    let time = match broken {
        6 => format!("2026-11-99 {h:02}:{m:02}:{s:02}"),
        _ => format!("2026-11-16 {h:02}:{m:02}:{s:02}"),
    };
    let buyer = if *broken == 7 {
        String::new()
    } else {
        format!("b{buyer}")
    };
    let (agent, sender) = match who {
        0 | 1 => (String::new(), "buyer"),
        2 => (format!("{SHOP}:小美"), "agent"),
        3 => (format!("{SHOP}:小王"), "agent"),
        _ => (String::new(), "bot"),
    };
    let content = CONTENTS[*content];
    match broken {
        8 => format!("{SHOP},{buyer},{agent},{sender},{time},{content}\n"),
        _ => format!("{SHOP},{buyer},{agent},{sender},{time},{content},text\n"),
    }
}

fn row() -> impl Strategy<Value = Row> {
    (
        0u8..3,
        0u8..5,
        0u32..7200,
        0usize..CONTENTS.len(),
        0u8..9,
        any::<bool>(),
        prop::bool::weighted(0.1),
    )
}

/// Writes the rows into `a.csv` and `b.csv`; returns their paths and how many rows each holds.
fn write(f: &Fixture, rows: &[Row]) -> ([PathBuf; 2], u64) {
    let mut files = [String::from(HEADER), String::from(HEADER)];
    let mut n = 0;
    for r in rows {
        let copies = if r.6 { 2 } else { 1 };
        for _ in 0..copies {
            files[usize::from(r.5)].push_str(&line(r));
            n += 1;
        }
    }
    let a = f.write("messages/a.csv", &files[0]);
    let b = f.write("messages/b.csv", &files[1]);
    ([a, b], n)
}

fn analyse(f: &Fixture, files: Vec<PathBuf>) -> Analysis {
    let mut cfg = f.config();
    cfg.input.messages = files;
    let settings = cfg.validate(None).expect("settings");
    pipeline::analyse_with_engine(&settings, ENGINE.clone()).expect("analysis")
}

/// Sessions and turns as comparable values, without file positions.
fn shape(a: &Analysis) -> (Vec<String>, Vec<String>) {
    let m = &a.staged.messages;
    let sessions = a
        .conv
        .sessions
        .iter()
        .map(|s| {
            let texts: Vec<String> = m[s.msgs.clone()]
                .iter()
                .map(|x| format!("{}{:?}{}", x.ts, x.sender, x.content))
                .collect();
            format!(
                "{} {} {:?} {:?}",
                &*s.buyer_id, s.started_ts, s.first_response_ms, texts
            )
        })
        .collect();
    let turns = a
        .conv
        .turns
        .iter()
        .map(|t| format!("{} {} {:?} {:?}", t.start_ts, t.n_buyer_msgs, t.response_ms, t.agent_id))
        .collect();
    (sessions, turns)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_on_random_chats(rows in prop::collection::vec(row(), 1..60)) {
        let f = Fixture::new();
        f.write("orders/o.csv", crate::helpers::ORDER_HEADER);
        let (files, written) = write(&f, &rows);
        let a = analyse(&f, files.to_vec());

        // Nothing dropped silently: per file, and in all.
        let mut read = 0;
        for x in &a.staged.files {
            prop_assert_eq!(x.rows_read, x.rows_used + x.rows_rejected + x.rows_deduplicated, "{:?}", x);
            read += x.rows_read;
        }
        prop_assert_eq!(read, written);

        // Each kept message in exactly one session, sessions tiling the messages.
        let n = a.staged.messages.len();
        prop_assert_eq!(a.conv.session_of.len(), n);
        let mut next = 0;
        for (k, s) in a.conv.sessions.iter().enumerate() {
            prop_assert_eq!(s.msgs.start, next);
            prop_assert!(s.msgs.end > s.msgs.start);
            for i in s.msgs.clone() {
                prop_assert_eq!(a.conv.session_of[i] as usize, k);
            }
            next = s.msgs.end;
        }
        prop_assert_eq!(next, n);

        // Response times are never negative.
        for t in &a.conv.turns {
            prop_assert!(t.response_ms.is_none_or(|r| r >= 0), "{:?}", t.response_ms);
        }
        for s in &a.conv.sessions {
            prop_assert!(s.first_response_ms.is_none_or(|r| r >= 0));
        }

        // The order the files are named in changes nothing.
        let swapped = analyse(&f, vec![files[1].clone(), files[0].clone()]);
        prop_assert_eq!(shape(&a), shape(&swapped));
    }
}
