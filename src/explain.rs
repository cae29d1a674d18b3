//! `kefu explain SESSION_ID`: a session as a readable transcript with its
//! turns, response times, flags, and each violation marked at the message that
//! proves it — what a manager shows an agent in the weekly review. Reads the
//! Parquet written by `kefu run`, so it shows exactly what was counted (PII
//! already masked).

use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::*;

use crate::error::{KefuError, Result};
use crate::timeutil::fmt_local;

fn scan(out: &Path, table: &str, session_id: &str, shop: Option<&str>) -> Result<DataFrame> {
    let p = out.join(table).join("part-0.parquet");
    if !p.is_file() {
        return Err(KefuError::input(&p, "not found: run `kefu run` first, or pass --out"));
    }
    let path = PlRefPath::try_from_path(&p)?;
    let mut lf = LazyFrame::scan_parquet(path, ScanArgsParquet::default())?
        .filter(col("session_id").eq(lit(session_id.to_owned())));
    if let Some(shop) = shop {
        lf = lf.filter(col("shop_id").eq(lit(shop.to_owned())));
    }
    Ok(lf.collect()?)
}

struct Col<'a>(&'a DataFrame);

impl Col<'_> {
    fn s(&self, c: &str, i: usize) -> Option<String> {
        self.0.column(c).ok()?.str().ok()?.get(i).map(str::to_owned)
    }
    fn u(&self, c: &str, i: usize) -> Option<u32> {
        self.0.column(c).ok()?.u32().ok()?.get(i)
    }
    fn f(&self, c: &str, i: usize) -> Option<f64> {
        self.0.column(c).ok()?.f64().ok()?.get(i)
    }
    fn b(&self, c: &str, i: usize) -> Option<bool> {
        self.0.column(c).ok()?.bool().ok()?.get(i)
    }
    fn t(&self, c: &str, i: usize) -> Option<String> {
        let s = self.0.column(c).ok()?.as_materialized_series().to_physical_repr();
        s.i64().ok()?.get(i).map(fmt_local)
    }
}

fn secs(v: Option<f64>) -> String {
    match v {
        Some(v) if v.fract() == 0.0 => format!("{v:.0} s"),
        Some(v) => format!("{v:.1} s"),
        None => "—".into(),
    }
}

/// Renders one session. `shop` picks among shops that share a session id.
pub fn explain(out: &Path, session_id: &str, shop: Option<&str>) -> Result<String> {
    let sessions = scan(out, "sessions", session_id, shop)?;
    match sessions.height() {
        0 => {
            return Err(KefuError::Other(format!(
                "session {session_id:?} not found in {}",
                out.display()
            )))
        }
        1 => {}
        _ => {
            let shops: Vec<String> = (0..sessions.height())
                .filter_map(|i| Col(&sessions).s("shop_id", i))
                .collect();
            return Err(KefuError::Config(format!(
                "session {session_id:?} exists in several shops ({}); pass --shop",
                shops.join(", ")
            )));
        }
    }
    let shop = Col(&sessions).s("shop_id", 0).unwrap_or_default();
    let msgs = scan(out, "messages", session_id, Some(&shop))?.sort(["msg_no"], Default::default())?;
    let turns = scan(out, "turns", session_id, Some(&shop))?;
    let viols = scan(out, "violations", session_id, Some(&shop))?;
    let (s, m, t, v) = (Col(&sessions), Col(&msgs), Col(&turns), Col(&viols));

    let mut o = String::new();
    let _ = writeln!(
        o,
        "会话 {session_id} · {shop} · 买家 {}",
        s.s("buyer_id", 0).unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "{} → {} · 买家消息 {} · 客服消息 {} · 轮次 {}（未回复 {}）· {}{}",
        s.t("started_at", 0).unwrap_or_default(),
        s.t("ended_at", 0).unwrap_or_default(),
        s.u("n_buyer_msgs", 0).unwrap_or(0),
        s.u("n_agent_msgs", 0).unwrap_or(0),
        s.u("n_turns", 0).unwrap_or(0),
        s.u("n_unanswered_turns", 0).unwrap_or(0),
        if s.b("is_inquiry", 0) == Some(true) {
            "询单"
        } else {
            "非询单"
        },
        if s.b("is_after_sales", 0) == Some(true) {
            " · 售后"
        } else {
            ""
        },
    );
    let _ = writeln!(
        o,
        "首响 {} · 平响 {}",
        secs(s.f("first_response_secs", 0)),
        secs(s.f("avg_response_secs", 0))
    );
    if let Some(q) = s.s("first_question", 0) {
        let answered = match s.b("first_question_answered", 0) {
            Some(true) => format!("首次有效回复 {}", secs(s.f("first_answer_secs", 0))),
            _ => "始终没有有效回复".into(),
        };
        let _ = writeln!(
            o,
            "首问「{q}」{answered} · 敷衍 {} 轮",
            s.u("stall_rounds", 0).unwrap_or(0)
        );
    }
    let _ = writeln!(o);
    for i in 0..msgs.height() {
        let no = m.u("msg_no", i).unwrap_or(0);
        for k in 0..turns.height() {
            if t.u("msg_no", k) == Some(no) {
                let rt = match t.b("answered", k) {
                    Some(true) => format!("响应 {}", secs(t.f("response_secs", k))),
                    _ => "未回复".into(),
                };
                let hours = if t.b("in_service_hours", k) == Some(false) {
                    " · 非服务时间"
                } else {
                    ""
                };
                let _ = writeln!(o, "  ── 轮次 {} · {rt}{hours} ──", t.u("turn_no", k).unwrap_or(0));
            }
        }
        let sender = m.s("sender", i).unwrap_or_default();
        let who = match sender.as_str() {
            "buyer" => "买家".to_owned(),
            "agent" => format!(
                "客服 {}",
                m.s("agent_id", i)
                    .map(|a| a.rsplit(':').next().unwrap_or(&a).to_owned())
                    .unwrap_or_default()
            ),
            "bot" => "自动回复".to_owned(),
            _ => "系统".to_owned(),
        };
        let mut flags = Vec::new();
        for (c, label) in [
            ("is_question", "问题"),
            ("is_filler", "敷衍"),
            ("is_after_sales", "售后"),
        ] {
            if m.b(c, i) == Some(true) {
                flags.push(label);
            }
        }
        let time = m.t("sent_at", i).unwrap_or_default();
        let content = m.s("content", i).unwrap_or_default().replace('\n', " ⏎ ");
        let tag = if flags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", flags.join("/"))
        };
        let _ = writeln!(o, "  {}  {who:<10} {content}{tag}", time.get(11..).unwrap_or(&time));
        for k in 0..viols.height() {
            if v.u("msg_no", k) == Some(no) {
                let cat = match v.s("category", k).as_deref() {
                    Some("wait") => "别让我等",
                    Some("think") => "别让我想",
                    _ => "别让我烦",
                };
                let val = match (v.f("value", k), v.f("threshold", k)) {
                    (Some(x), Some(th)) => format!(" · {x:.1} vs {th:.1}"),
                    (Some(x), None) => format!(" · {x:.1}"),
                    _ => String::new(),
                };
                let agent = v.s("agent_id", k).map(|a| format!(" · {a}")).unwrap_or_default();
                let _ = writeln!(o, "        ⚠ {cat} {}{val}{agent}", v.s("rule", k).unwrap_or_default());
            }
        }
    }
    Ok(o)
}
