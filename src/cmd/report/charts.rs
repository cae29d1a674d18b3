//! Hand-made SVG charts for report.html: bars, grouped bars, a sparkline
//! and a weekday × hour heat map. No scripts, no network.

use std::fmt::Write as _;

use super::esc;

const COLORS: [&str; 8] = [
    "#2f6fdf", "#e8743b", "#19a979", "#945ecf", "#ed4a7b", "#13a4b4", "#6c8893", "#bf399e",
];

/// Horizontal bars with labels and values.
pub fn hbars(items: &[(String, f64)], color: &str, value_fmt: impl Fn(f64) -> String) -> String {
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
pub fn vbars(buckets: &[&str], series: &[(String, Vec<f64>)]) -> String {
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
pub fn sparkline(points: &[(String, f64)]) -> String {
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
pub fn heatmap(cells: &[(u32, u32, f64)]) -> String {
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
