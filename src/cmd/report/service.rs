//! The report's service sections: the latest week's workload per agent (the
//! figures the platforms' own dashboards show, beside kefu's), and what
//! after-sales chats and 中差评 are about.

use std::fmt::Write as _;

use super::charts::hbars;
use super::{esc, fmt_opt, groups, pct};
use crate::core::schema::{after_sales_reasons as ar, agent_weekly as aw, review_reasons as rr, Col, Rows};

/// `n / d` as "n/d", or — when the input behind it is absent (null).
fn of(w: &Rows, n: Col, d: Col, i: usize) -> String {
    match (w.u32(n, i), w.u32(d, i)) {
        (Some(n), Some(d)) => format!("{n}/{d}"),
        _ => "—".into(),
    }
}

/// 工作量与服务: one row per agent of the shop in the latest week.
pub fn workload(h: &mut String, w: &Rows, latest: &str) {
    let _ = write!(h, "<h2>工作量与服务（{}）</h2>", esc(latest));
    h.push_str("<p class=\"muted\">平响(平台) 按淘宝口径：服务时间内未回复的轮次按 600 秒计；平响(已回复) 只算已回复的轮次。满意度与中差评来自可选的 ratings / reviews 输入，未提供时为 —。</p>");
    for (shop, rows) in groups(w, aw::SHOP_ID) {
        let mut rows: Vec<usize> = rows
            .into_iter()
            .filter(|&i| w.str(aw::WEEK, i) == Some(latest))
            .collect();
        rows.sort_by_key(|&i| w.str(aw::AGENT_ID, i).map(str::to_owned));
        let _ = write!(h, "<h3>{}</h3>", esc(&shop));
        h.push_str("<table><tr><th class=\"l\">客服</th><th>接待人数</th><th>买家消息</th><th>客服消息</th><th>答问比</th><th>字数</th><th>回复率</th><th>未回复人数</th><th>慢响应人数</th><th>长接待</th><th>接待时长</th><th>平均会话</th><th>转入/转出</th><th>主动跟进</th><th>邀评</th><th>平响(平台)</th><th>平响(已回复)</th><th>满意</th><th>满意度</th><th>中差评 售前/售中/售后</th></tr>");
        for &i in &rows {
            let n = |c: Col| w.u32(c, i).unwrap_or(0);
            let bad = match (w.u32(aw::BAD_REVIEWS, i), w.u32(aw::BAD_REVIEWS_PRESALE, i)) {
                (Some(b), Some(p)) => format!(
                    "{b} ({p}/{}/{})",
                    n(aw::BAD_REVIEWS_INSALE),
                    n(aw::BAD_REVIEWS_AFTERSALE)
                ),
                _ => "—".into(),
            };
            let _ = write!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{bad}</td></tr>",
                esc(w.str(aw::AGENT_ID, i).unwrap_or_default()),
                n(aw::RECEIVED_BUYERS),
                n(aw::BUYER_MSGS),
                n(aw::AGENT_MSGS),
                fmt_opt(w.f64(aw::QA_RATIO, i), 2, ""),
                n(aw::AGENT_CHARS),
                pct(w.f64(aw::REPLY_RATE, i)),
                n(aw::UNREPLIED_BUYERS),
                n(aw::SLOW_BUYERS),
                n(aw::LONG_RECEPTIONS),
                fmt_opt(w.f64(aw::RECEPTION_SECS, i).map(|s| s / 3600.0), 1, "h"),
                fmt_opt(w.f64(aw::AVG_SESSION_SECS, i).map(|s| s / 60.0), 1, "min"),
                n(aw::TRANSFERS_IN),
                n(aw::TRANSFERS_OUT),
                n(aw::AGENT_STARTED_SESSIONS),
                n(aw::REVIEW_INVITES),
                fmt_opt(w.f64(aw::RESPONSE_AVG_PLATFORM_SECS, i), 0, "s"),
                fmt_opt(w.f64(aw::RESPONSE_AVG_SECS, i), 0, "s"),
                of(w, aw::SATISFIED_RATINGS, aw::RATINGS, i),
                pct(w.f64(aw::SATISFACTION_RATE, i)),
            );
        }
        h.push_str("</table>");
    }
}

/// 售后与差评原因: the latest week's after-sales sessions by reason (with how
/// often each went without a remedy), and its 中差评 by reason when the
/// reviews input is given.
pub fn reasons(h: &mut String, a: &Rows, r: &Rows, latest: &str) {
    let _ = write!(h, "<h2>售后与差评原因（{}）</h2><div class=\"cards\">", esc(latest));
    let reviews_by_shop = groups(r, rr::SHOP_ID);
    for (shop, rows) in groups(a, ar::SHOP_ID) {
        let mut chats: Vec<(String, f64)> = Vec::new();
        let mut no_fix: Vec<(String, f64)> = Vec::new();
        for i in rows.into_iter().filter(|&i| a.str(ar::WEEK, i) == Some(latest)) {
            let reason = a.str(ar::REASON, i).unwrap_or_default().to_owned();
            chats.push((reason.clone(), a.u32(ar::SESSIONS, i).unwrap_or(0) as f64));
            no_fix.push((reason, a.f64(ar::NO_SOLUTION_RATE, i).unwrap_or(0.0) * 100.0));
        }
        chats.sort_by(|x, y| y.1.total_cmp(&x.1));
        no_fix.sort_by(|x, y| y.1.total_cmp(&x.1));
        let mut reviews: Vec<(String, f64)> = reviews_by_shop
            .get(&shop)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| r.str(rr::WEEK, i) == Some(latest))
            .map(|i| {
                let reason = r.str(rr::REASON, i).unwrap_or_default().to_owned();
                (reason, r.u32(rr::BAD_REVIEWS, i).unwrap_or(0) as f64)
            })
            .collect();
        reviews.sort_by(|x, y| y.1.total_cmp(&x.1));
        let review_part = match reviews.is_empty() {
            true => "<div class=\"muted\">本周无中差评（或未提供 reviews 输入）</div>".to_owned(),
            false => hbars(&reviews, "#ed4a7b", |x| format!("{x:.0}")),
        };
        let _ = write!(
            h,
            "<div class=\"card\"><h3>{} · 售后会话原因</h3>{}<div class=\"muted\">未给解决方案（no_solution）的比例</div>{}<div class=\"muted\">中差评原因</div>{review_part}</div>",
            esc(&shop),
            hbars(&chats, "#e8743b", |x| format!("{x:.0}")),
            hbars(&no_fix, "#6c8893", |x| format!("{x:.0}%")),
        );
    }
    h.push_str("</div>");
}
