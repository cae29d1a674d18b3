//! `kefu report`: `report.html`, one self-contained page (no network, no
//! scripts) for the weekly review — leaderboard, a card per agent with score
//! components, trend and the latest week's worst violations, the workload
//! table, response-time distribution, funnel, what costs sales, after-sales
//! and 中差评 reasons, intents and hot words, and the hourly load heat map.
//! It reads the tables a run wrote through the output schema, so a missing
//! column is an error, not a blank.

mod charts;
mod service;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use charts::{hbars, heatmap, sparkline, vbars};

use crate::core::error::{KefuError, Result};
use crate::core::registry::{Category, RuleId};
use crate::core::schema::{after_sales_reasons as ar, loss_reasons as lr, review_reasons as rr};
use crate::core::schema::{agent_weekly as aw, hot_words as hw, hourly_load as hl, question_intents as qi};
use crate::core::schema::{shop_daily as sd, turns as tn, violations as vi, Col, Rows, Table, SCORE_COMPONENTS};
use crate::core::time;
use crate::stages::sink::read_table;

const FONT: &str = "'Noto Sans CJK SC','Noto Sans SC','WenQuanYi Micro Hei','PingFang SC','Microsoft YaHei',sans-serif";

pub fn run(out: Option<PathBuf>, config: Option<&Path>) -> Result<()> {
    let out = super::out_dir(out, config)?;
    println!("wrote {}", write(&out)?.display());
    Ok(())
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn fmt_opt(v: Option<f64>, digits: usize, suffix: &str) -> String {
    v.map(|x| format!("{x:.digits$}{suffix}")).unwrap_or_else(|| "—".into())
}

fn money(v: Option<f64>) -> String {
    match v {
        Some(x) if x.round() < 0.0 => format!("-¥{:.0}", -x),
        Some(x) => format!("¥{:.0}", x.abs()),
        None => "—".into(),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

/// The distinct values of a string column, sorted.
fn distinct(r: &Rows, c: Col) -> Vec<String> {
    let mut v: Vec<String> = (0..r.len()).filter_map(|i| r.str(c, i).map(str::to_owned)).collect();
    v.sort();
    v.dedup();
    v
}

/// Row indices of `r` by the value of column `c`, in row order, the keys
/// sorted: one pass over the rows, so a section per shop (or per agent)
/// reads each row once, not once per shop — a vendor's 10,000 shops cost
/// linear time.
pub(super) fn groups(r: &Rows, c: Col) -> BTreeMap<String, Vec<usize>> {
    let mut g: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..r.len() {
        if let Some(v) = r.str(c, i) {
            match g.get_mut(v) {
                Some(rows) => rows.push(i),
                None => {
                    g.insert(v.to_owned(), vec![i]);
                }
            }
        }
    }
    g
}

/// Row indices of `r` by (shop, agent).
fn agent_groups(r: &Rows, shop: Col, agent: Col) -> HashMap<(String, String), Vec<usize>> {
    let mut g: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for i in 0..r.len() {
        if let (Some(s), Some(a)) = (r.str(shop, i), r.str(agent, i)) {
            g.entry((s.to_owned(), a.to_owned())).or_default().push(i);
        }
    }
    g
}

/// The tables the page is built from.
struct Tables {
    weekly: Rows,
    violations: Rows,
    turns: Rows,
    shop_daily: Rows,
    intents: Rows,
    hot: Rows,
    load: Rows,
    losses: Rows,
    after_sales: Rows,
    reviews: Rows,
    /// agent_weekly and violations rows by (shop, agent).
    weekly_by_agent: HashMap<(String, String), Vec<usize>>,
    violations_by_agent: HashMap<(String, String), Vec<usize>>,
}

/// Builds the page from the tables under `out`.
pub fn render(out: &Path) -> Result<String> {
    let weekly = read_table(out, &aw::TABLE)?;
    // The two tables that grow with the messages: only the columns the page shows.
    let violations = read_table(
        out,
        &Table {
            columns: &[
                vi::SHOP_ID,
                vi::AGENT_ID,
                vi::CATEGORY,
                vi::DATE,
                vi::EVIDENCE,
                vi::RULE,
                vi::SESSION_ID,
                vi::VALUE,
            ],
            ..vi::TABLE
        },
    )?;
    let t = Tables {
        weekly_by_agent: agent_groups(&weekly, aw::SHOP_ID, aw::AGENT_ID),
        violations_by_agent: agent_groups(&violations, vi::SHOP_ID, vi::AGENT_ID),
        weekly,
        violations,
        turns: read_table(
            out,
            &Table {
                columns: &[tn::SHOP_ID, tn::IN_SERVICE_HOURS, tn::RESPONSE_SECS],
                ..tn::TABLE
            },
        )?,
        shop_daily: read_table(out, &sd::TABLE)?,
        intents: read_table(out, &qi::TABLE)?,
        hot: read_table(out, &hw::TABLE)?,
        load: read_table(out, &hl::TABLE)?,
        losses: read_table(out, &lr::TABLE)?,
        after_sales: read_table(out, &ar::TABLE)?,
        reviews: read_table(out, &rr::TABLE)?,
    };
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
    let weeks = distinct(&t.weekly, aw::WEEK);
    let latest = weeks.last().cloned().unwrap_or_default();
    let _ = write!(
        h,
        "<p class=\"muted\">数据周: {} · 最新周 {}</p>",
        esc(&weeks.join(", ")),
        esc(&latest)
    );
    for (shop, rows) in groups(&t.weekly, aw::SHOP_ID) {
        let rows = leaderboard(&mut h, &t.weekly, &shop, &rows, &latest);
        cards(&mut h, &t, &shop, &latest, &rows);
    }
    service::workload(&mut h, &t.weekly, &latest);
    response_times(&mut h, &t.turns);
    funnel(&mut h, &t.shop_daily);
    losses(&mut h, &t.losses, &latest);
    service::reasons(&mut h, &t.after_sales, &t.reviews, &latest);
    topics(&mut h, &t.intents, &t.hot, &latest);
    load(&mut h, &t.load);
    h.push_str("<p class=\"muted\">kefu · 定义见 README；数据来自 out/ 下的 Parquet 表。</p></body></html>\n");
    Ok(h)
}

/// The shop's leaderboard for the latest week; returns its rows, best first.
fn leaderboard(h: &mut String, w: &Rows, shop: &str, shop_rows: &[usize], latest: &str) -> Vec<usize> {
    let _ = write!(h, "<h2>{} · {} 排行榜</h2>", esc(shop), esc(latest));
    let mut rows: Vec<usize> = shop_rows
        .iter()
        .copied()
        .filter(|&i| w.str(aw::WEEK, i) == Some(latest))
        .collect();
    rows.sort_by_key(|&i| w.u32(aw::RANK, i).unwrap_or(0));
    h.push_str("<table><tr><th>排名</th><th class=\"l\">客服</th><th>得分</th><th>排名变化</th><th>询单</th><th>转化率</th><th>销售额</th><th>客单价</th><th>付款流失</th><th>催付成功</th><th>退款率</th><th>指标完成</th><th>首响</th><th>首问有效回复</th><th>平响</th><th>3分钟回复率</th><th>等</th><th>想</th><th>烦</th></tr>");
    for &i in &rows {
        let change = match w.i64(aw::RANK_CHANGE, i) {
            Some(c) if c > 0 => format!("↑{c}"),
            Some(c) if c < 0 => format!("↓{}", -c),
            Some(_) => "—".into(),
            None => "新".into(),
        };
        let small = if w.bool(aw::INSUFFICIENT_SAMPLE, i) == Some(true) {
            " <span class=\"muted\">(样本少)</span>"
        } else {
            ""
        };
        let n = |c: Col| w.num(c, i).unwrap_or(0.0);
        let chased = format!("{:.0}/{:.0}", n(aw::CHASED_PAID_ORDERS), n(aw::CHASED_ORDERS));
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"l\">{}{small}</td><td>{:.1}</td><td>{change}</td><td>{}</td><td>{}</td><td>¥{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            n(aw::RANK),
            esc(w.str(aw::AGENT_ID, i).unwrap_or_default()),
            n(aw::SCORE),
            n(aw::INQUIRIES),
            pct(w.f64(aw::CONVERSION_RATE, i)),
            n(aw::SALES_AMOUNT),
            money(w.f64(aw::AVG_ORDER_VALUE, i)),
            n(aw::UNPAID_BUYERS),
            chased,
            pct(w.f64(aw::REFUND_RATE, i)),
            pct(w.f64(aw::TARGET_COMPLETION, i)),
            fmt_opt(w.f64(aw::FIRST_RESPONSE_AVG_SECS, i), 0, "s"),
            fmt_opt(w.f64(aw::FIRST_ANSWER_AVG_SECS, i), 0, "s"),
            fmt_opt(w.f64(aw::RESPONSE_AVG_SECS, i), 0, "s"),
            pct(w.f64(aw::RESPONSE_3MIN_RATE, i)),
            n(aw::VIOLATIONS_WAIT),
            n(aw::VIOLATIONS_THINK),
            n(aw::VIOLATIONS_ANNOY),
        );
    }
    h.push_str("</table>");
    rows
}

/// Score components in the card, by label.
const COMPONENT_LABELS: [(&str, &str); 8] = [
    ("转化率", "conversion_rate"),
    ("首响", "first_response_avg_secs"),
    ("平响", "response_avg_secs"),
    ("3分钟率", "response_3min_rate"),
    ("首问解答率", "first_question_answer_rate"),
    ("等/百会话", "violations_wait_per_100"),
    ("想/百会话", "violations_think_per_100"),
    ("烦/百会话", "violations_annoy_per_100"),
];

/// A card per agent: score, trend over weeks, components, worst violations of the latest week.
fn cards(h: &mut String, t: &Tables, shop: &str, latest: &str, rows: &[usize]) {
    let w = &t.weekly;
    let _ = write!(h, "<h2>{} · 客服卡片</h2><div class=\"cards\">", esc(shop));
    for &i in rows {
        let agent = w.str(aw::AGENT_ID, i).unwrap_or_default();
        // A component's points column is read only if this run scored it.
        let comps: Vec<(String, f64)> = COMPONENT_LABELS
            .iter()
            .filter_map(|(label, name)| {
                let (_, points) = SCORE_COMPONENTS.iter().find(|(c, _)| c.name == *name)?;
                w.num(*points, i).map(|v| (label.to_string(), v))
            })
            .collect();
        let key = (shop.to_owned(), agent.to_owned());
        let mut trend: Vec<(String, f64)> = t
            .weekly_by_agent
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&k| {
                (
                    w.str(aw::WEEK, k).unwrap_or_default().to_owned(),
                    w.num(aw::SCORE, k).unwrap_or(0.0),
                )
            })
            .collect();
        trend.sort_by(|a, b| a.0.cmp(&b.0));
        let _ = write!(
            h,
            "<div class=\"card\"><h3>{}</h3><span class=\"score\">{:.1}</span> 分 · 第 {} 名<br>{}<div class=\"muted\">得分构成（0–100）</div>{}<div class=\"muted\">最严重的违规</div>",
            esc(agent),
            w.num(aw::SCORE, i).unwrap_or(0.0),
            w.u32(aw::RANK, i).unwrap_or(0),
            sparkline(&trend),
            hbars(&comps, "#19a979", |x| format!("{x:.0}")),
        );
        let theirs = t.violations_by_agent.get(&key).map_or(&[][..], Vec::as_slice);
        worst_violations(h, &t.violations, theirs, latest);
        h.push_str("</div>");
    }
    h.push_str("</div>");
}

/// The agent's three worst violations of the latest week: annoy, then wait,
/// then think, each by its value.
fn worst_violations(h: &mut String, v: &Rows, theirs: &[usize], latest: &str) {
    let in_week = |k: usize| v.date(vi::DATE, k).map(time::iso_week).as_deref() == Some(latest);
    let mut vs: Vec<usize> = theirs.iter().copied().filter(|&k| in_week(k)).collect();
    let rank = |c: Option<&str>| match c {
        Some("annoy") => 0,
        Some("wait") => 1,
        _ => 2,
    };
    vs.sort_by_key(|&k| {
        (
            rank(v.str(vi::CATEGORY, k)),
            -(v.f64(vi::VALUE, k).unwrap_or(0.0) as i64),
        )
    });
    for &k in vs.iter().take(3) {
        let _ = write!(
            h,
            "<p class=\"ev\"><span class=\"warn\">⚠ {}</span> {} · 「{}」 <span class=\"muted\">{}</span></p>",
            esc(v.str(vi::RULE, k).unwrap_or_default()),
            esc(v.str(vi::SESSION_ID, k).unwrap_or_default()),
            esc(v.str(vi::EVIDENCE, k).unwrap_or_default()),
            fmt_opt(v.f64(vi::VALUE, k), 0, ""),
        );
    }
    if vs.is_empty() {
        h.push_str("<p class=\"ev\">无</p>");
    }
}

/// Response-time distribution of answered in-hours turns, one series per shop.
fn response_times(h: &mut String, t: &Rows) {
    const BUCKETS: [&str; 6] = ["≤10s", "10–30s", "30–60s", "1–3分", "3–10分", ">10分"];
    let mut series = Vec::new();
    for (shop, rows) in groups(t, tn::SHOP_ID) {
        let mut counts = vec![0.0; BUCKETS.len()];
        for i in rows {
            if t.bool(tn::IN_SERVICE_HOURS, i) != Some(true) {
                continue;
            }
            if let Some(r) = t.f64(tn::RESPONSE_SECS, i) {
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
}

/// The 询单 funnel and silent orders over the whole period.
fn funnel(h: &mut String, sd_rows: &Rows) {
    h.push_str("<h2>询单漏斗与静默下单</h2><div class=\"cards\">");
    for (shop, rows) in groups(sd_rows, sd::SHOP_ID) {
        let sum = |c: Col| rows.iter().map(|&i| sd_rows.num(c, i).unwrap_or(0.0)).sum::<f64>();
        let funnel = vec![
            ("接待人数".to_string(), sum(sd::BUYERS)),
            ("询单人数".to_string(), sum(sd::INQUIRIES)),
            ("下单人数".to_string(), sum(sd::ORDERED_BUYERS)),
            ("付款人数".to_string(), sum(sd::PAID_BUYERS)),
        ];
        let paid = sum(sd::PAID_ORDERS);
        let _ = write!(
            h,
            "<div class=\"card\"><h3>{}</h3>{}<p class=\"ev\">询单流失 {:.0} 人 · 付款流失 {:.0} 人 ¥{:.0} · 当日付款 {:.0} 人 · 次日内付款 {:.0} 人</p>\
<p class=\"ev\">静默付款订单占比 {} · 客服销售额 ¥{:.0} · 静默销售额 ¥{:.0} · 退款 {:.0} 单 ¥{:.0} · 净销售额 ¥{:.0}</p>\
<p class=\"ev\">催付: 可催 {:.0} 单 · 已催 {:.0} 单 · 催回付款 {:.0} 单 ¥{:.0}</p></div>",
            esc(&shop),
            hbars(&funnel, "#2f6fdf", |x| format!("{x:.0}")),
            sum(sd::LOST_INQUIRIES),
            sum(sd::UNPAID_BUYERS),
            sum(sd::UNPAID_AMOUNT),
            sum(sd::PAID_SAME_DAY_BUYERS),
            sum(sd::PAID_NEXT_DAY_BUYERS),
            pct((paid > 0.0).then(|| sum(sd::SILENT_PAID_ORDERS) / paid)),
            sum(sd::AGENT_SALES_AMOUNT),
            sum(sd::SILENT_SALES_AMOUNT),
            sum(sd::REFUND_ORDERS),
            sum(sd::REFUND_AMOUNT),
            sum(sd::NET_SALES_AMOUNT),
            sum(sd::CHASEABLE_ORDERS),
            sum(sd::CHASED_ORDERS),
            sum(sd::CHASED_PAID_ORDERS),
            sum(sd::CHASED_PAID_AMOUNT),
        );
    }
    h.push_str("</div>");
}

/// 这周的等/想/烦花了多少钱: per shop, the latest week's rules by the sales
/// they go with losing (loss_reasons), with the interval, and the caveat.
fn losses(h: &mut String, l: &Rows, latest: &str) {
    let _ = write!(h, "<h2>这周的等/想/烦花了多少钱（{}）</h2>", esc(latest));
    h.push_str("<p class=\"muted\">同店、同周、同问题意图的可比询单相比：有该问题的询单转化率低多少，按本周客单价折算。这是关联，不是因果证明。</p>");
    for (shop, rows) in groups(l, lr::SHOP_ID) {
        let mut rows: Vec<usize> = rows
            .into_iter()
            .filter(|&i| l.str(lr::WEEK, i) == Some(latest) && l.str(lr::FACTOR_KIND, i) == Some("rule"))
            .collect();
        rows.sort_by(|&a, &b| {
            let v = |i| l.f64(lr::LOST_SALES_EST, i).unwrap_or(0.0);
            v(b).total_cmp(&v(a))
        });
        let total: f64 = rows
            .iter()
            .filter_map(|&i| l.f64(lr::LOST_SALES_EST, i))
            .filter(|v| *v > 0.0)
            .sum();
        let _ = write!(h, "<h3>{} · 估计流失 ¥{total:.0}</h3>", esc(&shop));
        h.push_str("<table><tr><th class=\"l\">问题</th><th>类别</th><th>询单</th><th>转化率</th><th>可比转化率</th><th>差（95%区间）</th><th>估计流失买家</th><th>估计流失销售额</th></tr>");
        for &i in rows.iter().take(10) {
            let rule = l.str(lr::FACTOR, i).unwrap_or_default();
            let cat = match RuleId::parse(rule).map(RuleId::category) {
                Some(Category::Wait) => "等",
                Some(Category::Think) => "想",
                _ => "烦",
            };
            let _ = write!(
                h,
                "<tr><td class=\"l\">{}</td><td>{cat}</td><td>{}</td><td>{}</td><td>{}</td><td>{:+.0}% ({:+.0}% … {:+.0}%)</td><td>{:.1}</td><td>{}</td></tr>",
                esc(rule),
                l.u32(lr::INQUIRIES, i).unwrap_or(0),
                pct(l.f64(lr::CONVERSION_RATE, i)),
                pct(l.f64(lr::BASELINE_CONVERSION_RATE, i)),
                l.f64(lr::DIFFERENCE, i).unwrap_or(0.0) * 100.0,
                l.f64(lr::DIFFERENCE_LOW, i).unwrap_or(0.0) * 100.0,
                l.f64(lr::DIFFERENCE_HIGH, i).unwrap_or(0.0) * 100.0,
                l.f64(lr::LOST_BUYERS_EST, i).unwrap_or(0.0),
                money(l.f64(lr::LOST_SALES_EST, i)),
            );
        }
        h.push_str("</table>");
    }
}

/// Question intents over the period and the latest week's buyer hot words.
fn topics(h: &mut String, it: &Rows, hot: &Rows, latest: &str) {
    h.push_str("<h2>买家问什么：意图与热词</h2><div class=\"cards\">");
    let hot_by_shop = groups(hot, hw::SHOP_ID);
    for (shop, rows) in groups(it, qi::SHOP_ID) {
        let mut by: BTreeMap<String, f64> = BTreeMap::new();
        for i in rows {
            *by.entry(it.str(qi::INTENT, i).unwrap_or_default().to_owned())
                .or_default() += it.num(qi::QUESTIONS, i).unwrap_or(0.0);
        }
        let mut items: Vec<(String, f64)> = by.into_iter().collect();
        items.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut words: Vec<(String, f64)> = hot_by_shop
            .get(&shop)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| hot.str(hw::SENDER, i) == Some("buyer") && hot.str(hw::WEEK, i) == Some(latest))
            .map(|i| {
                (
                    hot.str(hw::WORD, i).unwrap_or_default().to_owned(),
                    hot.num(hw::COUNT, i).unwrap_or(0.0),
                )
            })
            .collect();
        words.truncate(12);
        let _ = write!(
            h,
            "<div class=\"card\"><h3>{} · 问题意图</h3>{}<div class=\"muted\">{} 买家热词</div>{}</div>",
            esc(&shop),
            hbars(&items, "#945ecf", |x| format!("{x:.0}")),
            esc(latest),
            hbars(&words, "#13a4b4", |x| format!("{x:.0}")),
        );
    }
    h.push_str("</div>");
}

/// Inquiries per day by weekday and hour, a heat map per shop.
fn load(h: &mut String, l: &Rows) {
    h.push_str("<h2>每小时询单量（日均）</h2>");
    for (shop, rows) in groups(l, hl::SHOP_ID) {
        let cells: Vec<(u32, u32, f64)> = rows
            .into_iter()
            .map(|i| {
                (
                    l.u32(hl::WEEKDAY, i).unwrap_or(1),
                    l.u32(hl::HOUR, i).unwrap_or(0),
                    l.f64(hl::INQUIRIES_PER_DAY, i).unwrap_or(0.0),
                )
            })
            .collect();
        let _ = write!(h, "<h3>{}</h3>{}", esc(&shop), heatmap(&cells));
    }
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
