//! `report.html`: one self-contained page (no network, no scripts) for the
//! weekly review — leaderboard, a card per agent with score components, trend
//! and worst violations, response-time distribution, funnel, intents and hot
//! words, and the hourly load heat map. Charts are hand-made SVG.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{KefuError, Result};

const FONT: &str = "'Noto Sans CJK SC','Noto Sans SC','WenQuanYi Micro Hei','PingFang SC','Microsoft YaHei',sans-serif";
const COLORS: [&str; 8] = [
    "#2f6fdf", "#e8743b", "#19a979", "#945ecf", "#ed4a7b", "#13a4b4", "#6c8893", "#bf399e",
];

use crate::sink::read_table as read;

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Column accessors that never panic: missing or null → None.
struct T<'a>(&'a DataFrame);

impl T<'_> {
    fn s(&self, c: &str, i: usize) -> String {
        self.0
            .column(c)
            .ok()
            .and_then(|x| x.str().ok()?.get(i).map(str::to_owned))
            .unwrap_or_default()
    }
    /// One cell as f64. Read cell by cell: casting the whole column on every
    /// call made a report over a 1M-row table quadratic.
    fn f(&self, c: &str, i: usize) -> Option<f64> {
        self.0.column(c).ok()?.get(i).ok()?.extract::<f64>()
    }
    fn n(&self) -> usize {
        self.0.height()
    }
}

fn fmt_opt(v: Option<f64>, digits: usize, suffix: &str) -> String {
    v.map(|x| format!("{x:.digits$}{suffix}")).unwrap_or_else(|| "—".into())
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

/// Horizontal bars with labels and values.
fn hbars(items: &[(String, f64)], color: &str, value_fmt: impl Fn(f64) -> String) -> String {
    let max = items.iter().map(|x| x.1).fold(0.0, f64::max).max(1e-9);
    let (w, row) = (520.0, 22.0);
    let h = row * items.len() as f64 + 8.0;
    let mut s = format!("<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\">");
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let bw = (v / max) * 300.0;
        let _ = write!(
            s,
            "<text x=\"130\" y=\"{ty}\" text-anchor=\"end\">{l}</text><rect x=\"138\" y=\"{y}\" width=\"{bw:.1}\" height=\"16\" fill=\"{color}\" rx=\"2\"/><text x=\"{tx:.1}\" y=\"{ty}\">{val}</text>",
            ty = y + 13.0,
            l = esc(label),
            tx = 142.0 + bw,
            val = esc(&value_fmt(*v)),
        );
    }
    s.push_str("</svg>");
    s
}

/// Vertical bars for a distribution, several series side by side.
fn vbars(buckets: &[&str], series: &[(String, Vec<f64>)]) -> String {
    let (w, h, left, bottom) = (560.0, 220.0, 40.0, 40.0);
    let max = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .fold(0.0, f64::max)
        .max(1e-9);
    let group = (w - left - 10.0) / buckets.len() as f64;
    let bar = (group - 8.0) / series.len().max(1) as f64;
    let mut s = format!("<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\">");
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#999\"/>",
        y = h - bottom,
        x2 = w - 10.0
    );
    for (b, name) in buckets.iter().enumerate() {
        let gx = left + b as f64 * group;
        for (k, (_, vals)) in series.iter().enumerate() {
            let v = vals.get(b).copied().unwrap_or(0.0);
            let bh = v / max * (h - bottom - 20.0);
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{c}\"><title>{v:.0}</title></rect>",
                x = gx + 4.0 + k as f64 * bar,
                y = h - bottom - bh,
                c = COLORS[k % COLORS.len()],
            );
        }
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{y}\" text-anchor=\"middle\">{n}</text>",
            x = gx + group / 2.0,
            y = h - bottom + 16.0,
            n = esc(name)
        );
    }
    for (k, (name, _)) in series.iter().enumerate() {
        let x = left + k as f64 * 150.0;
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{c}\"/><text x=\"{tx}\" y=\"{ty}\">{n}</text>",
            y = h - 14.0,
            c = COLORS[k % COLORS.len()],
            tx = x + 16.0,
            ty = h - 3.0,
            n = esc(name)
        );
    }
    s.push_str("</svg>");
    s
}

/// A score trend line over weeks (0–100).
fn sparkline(points: &[(String, f64)]) -> String {
    let (w, h) = (220.0, 60.0);
    let mut s = format!("<svg class=\"spark\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\">");
    let n = points.len().max(2) as f64 - 1.0;
    let xy: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (10.0 + i as f64 * (w - 20.0) / n, h - 12.0 - v / 100.0 * (h - 24.0)))
        .collect();
    let path: Vec<String> = xy.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = write!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#2f6fdf\" stroke-width=\"2\"/>",
        path.join(" ")
    );
    for ((x, y), (wk, v)) in xy.iter().zip(points) {
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#2f6fdf\"><title>{} {v:.1}</title></circle>",
            esc(wk)
        );
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{h}\" text-anchor=\"middle\" class=\"small\">{}</text>",
            esc(wk.split('-').next_back().unwrap_or(wk))
        );
    }
    s.push_str("</svg>");
    s
}

/// Weekday × hour heat map of a value.
fn heatmap(cells: &[(u32, u32, f64)]) -> String {
    let (cw, ch, left, top) = (22.0, 20.0, 40.0, 20.0);
    let (w, h) = (left + 24.0 * cw + 10.0, top + 7.0 * ch + 10.0);
    let max = cells.iter().map(|c| c.2).fold(0.0, f64::max).max(1e-9);
    let mut s = format!("<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\">");
    const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    for (d, name) in DAYS.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"end\">{name}</text>",
            x = left - 4.0,
            y = top + d as f64 * ch + 14.0
        );
    }
    for hr in (0..24).step_by(3) {
        let _ = write!(
            s,
            "<text x=\"{x}\" y=\"14\" class=\"small\">{hr}时</text>",
            x = left + hr as f64 * cw
        );
    }
    for (wd, hr, v) in cells {
        let a = (v / max).clamp(0.0, 1.0);
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{cw1}\" height=\"{ch1}\" fill=\"rgba(232,116,59,{o:.2})\"><title>{d} {hr}时: {v:.1}</title></rect>",
            x = left + *hr as f64 * cw,
            y = top + (*wd as f64 - 1.0) * ch,
            cw1 = cw - 2.0,
            ch1 = ch - 2.0,
            o = 0.08 + 0.92 * a,
            d = DAYS[(*wd as usize).clamp(1, 7) - 1],
        );
    }
    s.push_str("</svg>");
    s
}

fn shops(df: &DataFrame) -> Vec<String> {
    let t = T(df);
    let mut v: Vec<String> = (0..t.n()).map(|i| t.s("shop_id", i)).collect();
    v.sort();
    v.dedup();
    v
}

/// Builds the page from the tables under `out`.
pub fn render(out: &Path) -> Result<String> {
    let weekly = read(out, "agent_weekly")?;
    let violations = read(out, "violations")?;
    let turns = read(out, "turns")?;
    let shop_daily = read(out, "shop_daily")?;
    let intents = read(out, "question_intents")?;
    let hot = read(out, "hot_words")?;
    let load = read(out, "hourly_load")?;
    let (w, v) = (T(&weekly), T(&violations));

    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>客服周报 · kefu</title><style>\
body{{font-family:{FONT};margin:24px;color:#222;background:#fafafa}} h1{{font-size:24px}} h2{{margin-top:32px;border-bottom:2px solid #2f6fdf;padding-bottom:4px}}\
table{{border-collapse:collapse;background:#fff;font-size:13px}} th,td{{border:1px solid #ddd;padding:4px 8px;text-align:right}} th{{background:#eef3fc}} td.l{{text-align:left}}\
.cards{{display:flex;flex-wrap:wrap;gap:12px}} .card{{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px;width:460px}}\
.card h3{{margin:0 0 6px 0;font-size:16px}} .score{{font-size:28px;font-weight:bold;color:#2f6fdf}} .warn{{color:#b00}} .small{{font-size:10px;fill:#666}}\
svg text{{font-family:{FONT};font-size:12px;fill:#333}} .ev{{font-size:12px;color:#444;margin:2px 0}} .muted{{color:#888;font-size:12px}}\
</style></head><body><h1>客服周报 · 别让我等 / 别让我想 / 别让我烦</h1>"
    );
    let weeks: Vec<String> = {
        let mut x: Vec<String> = (0..w.n()).map(|i| w.s("week", i)).collect();
        x.sort();
        x.dedup();
        x
    };
    let latest = weeks.last().cloned().unwrap_or_default();
    let _ = write!(
        h,
        "<p class=\"muted\">数据周: {} · 最新周 {}</p>",
        esc(&weeks.join(", ")),
        esc(&latest)
    );

    for shop in shops(&weekly) {
        let _ = write!(h, "<h2>{} · {} 排行榜</h2>", esc(&shop), esc(&latest));
        let mut rows: Vec<usize> = (0..w.n())
            .filter(|&i| w.s("shop_id", i) == shop && w.s("week", i) == latest)
            .collect();
        rows.sort_by_key(|&i| w.f("rank", i).unwrap_or(0.0) as i64);
        h.push_str("<table><tr><th>排名</th><th class=\"l\">客服</th><th>得分</th><th>排名变化</th><th>询单</th><th>转化率</th><th>销售额</th><th>首响</th><th>首问有效回复</th><th>平响</th><th>3分钟回复率</th><th>等</th><th>想</th><th>烦</th></tr>");
        for &i in &rows {
            let change = match w.f("rank_change", i) {
                Some(c) if c > 0.0 => format!("↑{c:.0}"),
                Some(c) if c < 0.0 => format!("↓{:.0}", -c),
                Some(_) => "—".into(),
                None => "新".into(),
            };
            let small = if w.f("insufficient_sample", i) == Some(1.0) {
                " <span class=\"muted\">(样本少)</span>"
            } else {
                ""
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"l\">{}{small}</td><td>{:.1}</td><td>{change}</td><td>{}</td><td>{}</td><td>¥{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                w.f("rank", i).unwrap_or(0.0),
                esc(&w.s("agent_id", i)),
                w.f("score", i).unwrap_or(0.0),
                w.f("inquiries", i).unwrap_or(0.0),
                pct(w.f("conversion_rate", i)),
                w.f("sales_amount", i).unwrap_or(0.0),
                fmt_opt(w.f("first_response_avg_secs", i), 0, "s"),
                fmt_opt(w.f("first_answer_avg_secs", i), 0, "s"),
                fmt_opt(w.f("response_avg_secs", i), 0, "s"),
                pct(w.f("response_3min_rate", i)),
                w.f("violations_wait", i).unwrap_or(0.0),
                w.f("violations_think", i).unwrap_or(0.0),
                w.f("violations_annoy", i).unwrap_or(0.0),
            );
        }
        h.push_str("</table>");

        let _ = write!(h, "<h2>{} · 客服卡片</h2><div class=\"cards\">", esc(&shop));
        for &i in &rows {
            let agent = w.s("agent_id", i);
            let comps: Vec<(String, f64)> = [
                ("转化率", "score_conversion_rate"),
                ("首响", "score_first_response_avg_secs"),
                ("平响", "score_response_avg_secs"),
                ("3分钟率", "score_response_3min_rate"),
                ("首问解答率", "score_first_question_answer_rate"),
                ("等/百会话", "score_violations_wait_per_100"),
                ("想/百会话", "score_violations_think_per_100"),
                ("烦/百会话", "score_violations_annoy_per_100"),
            ]
            .iter()
            .filter_map(|(l, c)| w.f(c, i).map(|v| (l.to_string(), v)))
            .collect();
            let mut trend: Vec<(String, f64)> = (0..w.n())
                .filter(|&k| w.s("shop_id", k) == shop && w.s("agent_id", k) == agent)
                .map(|k| (w.s("week", k), w.f("score", k).unwrap_or(0.0)))
                .collect();
            trend.sort_by(|a, b| a.0.cmp(&b.0));
            let _ = write!(
                h,
                "<div class=\"card\"><h3>{}</h3><span class=\"score\">{:.1}</span> 分 · 第 {} 名<br>{}<div class=\"muted\">得分构成（0–100）</div>{}<div class=\"muted\">最严重的违规</div>",
                esc(&agent),
                w.f("score", i).unwrap_or(0.0),
                w.f("rank", i).unwrap_or(0.0),
                sparkline(&trend),
                hbars(&comps, "#19a979", |x| format!("{x:.0}")),
            );
            // Worst first: annoy, then wait, then think; the latest week's.
            let mut vs: Vec<usize> = (0..v.n())
                .filter(|&k| v.s("shop_id", k) == shop && v.s("agent_id", k) == agent)
                .collect();
            let rank = |c: &str| match c {
                "annoy" => 0,
                "wait" => 1,
                _ => 2,
            };
            vs.sort_by_key(|&k| (rank(&v.s("category", k)), -(v.f("value", k).unwrap_or(0.0) as i64)));
            for &k in vs.iter().take(3) {
                let _ = write!(
                    h,
                    "<p class=\"ev\"><span class=\"warn\">⚠ {}</span> {} · 「{}」 <span class=\"muted\">{}</span></p>",
                    esc(&v.s("rule", k)),
                    esc(&v.s("session_id", k)),
                    esc(&v.s("evidence", k)),
                    fmt_opt(v.f("value", k), 0, ""),
                );
            }
            if vs.is_empty() {
                h.push_str("<p class=\"ev\">无</p>");
            }
            h.push_str("</div>");
        }
        h.push_str("</div>");
    }

    // Response-time distribution of answered in-hours turns, one series per shop.
    const BUCKETS: [&str; 6] = ["≤10s", "10–30s", "30–60s", "1–3分", "3–10分", ">10分"];
    let t = T(&turns);
    let mut series = Vec::new();
    for shop in shops(&turns) {
        let mut counts = vec![0.0; BUCKETS.len()];
        for i in 0..t.n() {
            if t.s("shop_id", i) != shop || t.f("in_service_hours", i) != Some(1.0) {
                continue;
            }
            if let Some(r) = t.f("response_secs", i) {
                let b = [10.0, 30.0, 60.0, 180.0, 600.0]
                    .iter()
                    .position(|&x| r <= x)
                    .unwrap_or(5);
                counts[b] += 1.0;
            }
        }
        series.push((shop, counts));
    }
    let _ = write!(
        h,
        "<h2>响应时间分布（服务时间内已回复的轮次）</h2>{}",
        vbars(&BUCKETS, &series)
    );

    // Funnel over the whole period.
    let sd = T(&shop_daily);
    h.push_str("<h2>询单漏斗与静默下单</h2><div class=\"cards\">");
    for shop in shops(&shop_daily) {
        let sum = |c: &str| {
            (0..sd.n())
                .filter(|&i| sd.s("shop_id", i) == shop)
                .map(|i| sd.f(c, i).unwrap_or(0.0))
                .sum::<f64>()
        };
        let funnel = vec![
            ("接待人数".to_string(), sum("buyers")),
            ("询单人数".to_string(), sum("inquiries")),
            ("下单人数".to_string(), sum("ordered_buyers")),
            ("付款人数".to_string(), sum("paid_buyers")),
        ];
        let paid = sum("paid_orders");
        let _ = write!(
            h,
            "<div class=\"card\"><h3>{}</h3>{}<p class=\"ev\">询单流失 {:.0} 人 · 未付款询单订单 {:.0} · 静默付款订单占比 {} · 客服销售额 ¥{:.0} · 静默销售额 ¥{:.0}</p></div>",
            esc(&shop),
            hbars(&funnel, "#2f6fdf", |x| format!("{x:.0}")),
            sum("lost_inquiries"),
            sum("unpaid_inquiry_orders"),
            pct((paid > 0.0).then(|| sum("silent_paid_orders") / paid)),
            sum("agent_sales_amount"),
            sum("silent_sales_amount"),
        );
    }
    h.push_str("</div>");

    // Intents and hot words.
    let it = T(&intents);
    let hw = T(&hot);
    h.push_str("<h2>买家问什么：意图与热词</h2><div class=\"cards\">");
    for shop in shops(&intents) {
        let mut by: std::collections::BTreeMap<String, f64> = Default::default();
        for i in (0..it.n()).filter(|&i| it.s("shop_id", i) == shop) {
            *by.entry(it.s("intent", i)).or_default() += it.f("questions", i).unwrap_or(0.0);
        }
        let mut items: Vec<(String, f64)> = by.into_iter().collect();
        items.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut words: Vec<(String, f64)> = (0..hw.n())
            .filter(|&i| hw.s("shop_id", i) == shop && hw.s("sender", i) == "buyer" && hw.s("week", i) == latest)
            .map(|i| (hw.s("word", i), hw.f("count", i).unwrap_or(0.0)))
            .collect();
        words.truncate(12);
        let _ = write!(
            h,
            "<div class=\"card\"><h3>{} · 问题意图</h3>{}<div class=\"muted\">{} 买家热词</div>{}</div>",
            esc(&shop),
            hbars(&items, "#945ecf", |x| format!("{x:.0}")),
            esc(&latest),
            hbars(&words, "#13a4b4", |x| format!("{x:.0}")),
        );
    }
    h.push_str("</div>");

    // Hourly load.
    let l = T(&load);
    h.push_str("<h2>每小时询单量（日均）</h2>");
    for shop in shops(&load) {
        let cells: Vec<(u32, u32, f64)> = (0..l.n())
            .filter(|&i| l.s("shop_id", i) == shop)
            .map(|i| {
                (
                    l.f("weekday", i).unwrap_or(1.0) as u32,
                    l.f("hour", i).unwrap_or(0.0) as u32,
                    l.f("inquiries_per_day", i).unwrap_or(0.0),
                )
            })
            .collect();
        let _ = write!(h, "<h3>{}</h3>{}", esc(&shop), heatmap(&cells));
    }
    h.push_str("<p class=\"muted\">kefu · 定义见 README；数据来自 out/ 下的 Parquet 表。</p></body></html>\n");
    Ok(h)
}

/// Writes `out/report.html` atomically and returns its path.
pub fn write(out: &Path) -> Result<PathBuf> {
    let html = render(out)?;
    let path = out.join("report.html");
    let tmp = out.join(".report.html.tmp");
    std::fs::write(&tmp, html).map_err(|e| KefuError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| KefuError::io(&path, e))?;
    Ok(path)
}
