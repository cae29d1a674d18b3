//! `kefu explain SESSION_ID`: a session as a readable transcript with its
//! turns, response times, flags, and each violation marked at the message
//! that proves it — what a manager shows an agent in the weekly review.
//! Reads the Parquet written by `kefu run`, so it shows exactly what was
//! counted (PII already masked).

use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::*;

use crate::cli::ExplainArgs;
use crate::core::error::{KefuError, Result};
use crate::core::schema::{messages as ms, sessions as ss, turns as tn, violations as vi, Rows, Table};
use crate::core::time::fmt_local;
use crate::stages::sink::table_files;

pub fn run(a: ExplainArgs) -> Result<()> {
    let out = super::out_dir(a.out, a.config.as_deref())?;
    print!(
        "{}",
        crate::core::term::safe(&explain(&out, &a.session_id, a.shop.as_deref())?)
    );
    Ok(())
}

/// The rows of `table` for one session (and shop).
fn scan(out: &Path, table: &Table, session_id: &str, shop: Option<&str>) -> Result<Rows> {
    let files = table_files(out, table);
    if files.is_empty() {
        return Err(KefuError::NotFound {
            what: format!("table {} (run `kefu run` first, or pass --out)", table.name),
            path: out.to_path_buf(),
        });
    }
    // A partitioned output: each bucket's file scanned, the session's rows kept.
    let lazy = || -> PolarsResult<DataFrame> {
        let mut frames = Vec::with_capacity(files.len());
        for p in &files {
            let path = PlRefPath::try_from_path(p)?;
            let mut lf = LazyFrame::scan_parquet(path, ScanArgsParquet::default())?
                .filter(col(ss::SESSION_ID.name).eq(lit(session_id.to_owned())));
            if let Some(shop) = shop {
                lf = lf.filter(col(ss::SHOP_ID.name).eq(lit(shop.to_owned())));
            }
            frames.push(lf);
        }
        concat(frames, UnionArgs::default())?.collect()
    };
    Rows::new(table, lazy().map_err(KefuError::table(table.name))?)
}

fn secs(v: Option<f64>) -> String {
    match v {
        Some(v) if v.fract() == 0.0 => format!("{v:.0} s"),
        Some(v) => format!("{v:.1} s"),
        None => "—".into(),
    }
}

fn time(r: &Rows, c: crate::core::schema::Col, i: usize) -> String {
    r.datetime(c, i).map(fmt_local).unwrap_or_default()
}

/// Renders one session. `shop` picks among shops that share a session id.
pub fn explain(out: &Path, session_id: &str, shop: Option<&str>) -> Result<String> {
    let s = scan(out, &ss::TABLE, session_id, shop)?;
    match s.len() {
        0 => {
            return Err(KefuError::NotFound {
                what: format!("session {session_id:?}"),
                path: out.to_path_buf(),
            })
        }
        1 => {}
        n => {
            let shops: Vec<&str> = (0..n).filter_map(|i| s.str(ss::SHOP_ID, i)).collect();
            return Err(KefuError::usage(
                "--shop",
                format!(
                    "session {session_id:?} exists in several shops ({}); pass --shop",
                    shops.join(", ")
                ),
            ));
        }
    }
    let shop = s.str(ss::SHOP_ID, 0).unwrap_or_default().to_owned();
    let m = scan(out, &ms::TABLE, session_id, Some(&shop))?;
    let t = scan(out, &tn::TABLE, session_id, Some(&shop))?;
    let v = scan(out, &vi::TABLE, session_id, Some(&shop))?;
    let mut o = header(&s, session_id, &shop);
    let mut order: Vec<usize> = (0..m.len()).collect();
    order.sort_by_key(|&i| m.u32(ms::MSG_NO, i));
    for i in order {
        message(&mut o, &m, &t, &v, i);
    }
    Ok(o)
}

/// The session's header lines: who, when, counts, response times, first question.
fn header(s: &Rows, session_id: &str, shop: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "会话 {session_id} · {shop} · 买家 {}",
        s.str(ss::BUYER_ID, 0).unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "{} → {} · 买家消息 {} · 客服消息 {} · 轮次 {}（未回复 {}）· {}{}",
        time(s, ss::STARTED_AT, 0),
        time(s, ss::ENDED_AT, 0),
        s.u32(ss::N_BUYER_MSGS, 0).unwrap_or(0),
        s.u32(ss::N_AGENT_MSGS, 0).unwrap_or(0),
        s.u32(ss::N_TURNS, 0).unwrap_or(0),
        s.u32(ss::N_UNANSWERED_TURNS, 0).unwrap_or(0),
        if s.bool(ss::IS_INQUIRY, 0) == Some(true) {
            "询单"
        } else {
            "非询单"
        },
        match s.str(ss::STAGE, 0) {
            Some("aftersale") => " · 售后",
            Some("insale") => " · 售中",
            _ => "",
        },
    );
    let _ = writeln!(
        o,
        "首响 {} · 平响 {}",
        secs(s.f64(ss::FIRST_RESPONSE_SECS, 0)),
        secs(s.f64(ss::AVG_RESPONSE_SECS, 0))
    );
    if let Some(q) = s.str(ss::FIRST_QUESTION, 0) {
        let answered = match s.bool(ss::FIRST_QUESTION_ANSWERED, 0) {
            Some(true) => format!("首次有效回复 {}", secs(s.f64(ss::FIRST_ANSWER_SECS, 0))),
            _ => "始终没有有效回复".into(),
        };
        let _ = writeln!(
            o,
            "首问「{q}」{answered} · 敷衍 {} 轮",
            s.u32(ss::STALL_ROUNDS, 0).unwrap_or(0)
        );
    }
    let _ = writeln!(o);
    o
}

/// One message line, the turn it opens (if any) above it and its violations below.
fn message(o: &mut String, m: &Rows, t: &Rows, v: &Rows, i: usize) {
    let no = m.u32(ms::MSG_NO, i);
    for k in (0..t.len()).filter(|&k| t.u32(tn::MSG_NO, k) == no) {
        let rt = match t.bool(tn::ANSWERED, k) {
            Some(true) => format!("响应 {}", secs(t.f64(tn::RESPONSE_SECS, k))),
            _ => "未回复".into(),
        };
        let hours = if t.bool(tn::IN_SERVICE_HOURS, k) == Some(false) {
            " · 非服务时间"
        } else {
            ""
        };
        let _ = writeln!(o, "  ── 轮次 {} · {rt}{hours} ──", t.u32(tn::TURN_NO, k).unwrap_or(0));
    }
    let who = match m.str(ms::SENDER, i).unwrap_or_default() {
        "buyer" => "买家".to_owned(),
        "agent" => format!(
            "客服 {}",
            m.str(ms::AGENT_ID, i)
                .map(|a| a.rsplit(':').next().unwrap_or(a))
                .unwrap_or_default()
        ),
        "bot" => "自动回复".to_owned(),
        _ => "系统".to_owned(),
    };
    let at = time(m, ms::SENT_AT, i);
    let content = m.str(ms::CONTENT, i).unwrap_or_default().replace('\n', " ⏎ ");
    // Each call with the phrase that made it (问「？」 售后「退款」).
    let tag = m.str(ms::WHY, i).map(|w| format!("  [{w}]")).unwrap_or_default();
    let _ = writeln!(o, "  {}  {who:<10} {content}{tag}", at.get(11..).unwrap_or(&at));
    for k in (0..v.len()).filter(|&k| v.u32(vi::MSG_NO, k) == no) {
        let cat = match v.str(vi::CATEGORY, k) {
            Some("wait") => "别让我等",
            Some("think") => "别让我想",
            _ => "别让我烦",
        };
        let val = match (v.f64(vi::VALUE, k), v.f64(vi::THRESHOLD, k)) {
            (Some(x), Some(th)) => format!(" · {x:.1} vs {th:.1}"),
            (Some(x), None) => format!(" · {x:.1}"),
            _ => String::new(),
        };
        let agent = v.str(vi::AGENT_ID, k).map(|a| format!(" · {a}")).unwrap_or_default();
        let _ = writeln!(
            o,
            "        ⚠ {cat} {}{val}{agent}",
            v.str(vi::RULE, k).unwrap_or_default()
        );
    }
}
