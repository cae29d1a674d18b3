//! The weekly score: each component is scaled linearly from its `bad` target
//! (0) to its `good` target (100), clamped, and the weighted mean over the
//! components that have a value is the score. Ranks are per shop and week,
//! best first, ties broken by agent_id so ranks are reproducible.

use std::collections::HashMap;

use polars::prelude::*;

use crate::core::schema::{agent_weekly as aw, Col};
use crate::core::settings::Scoring;

/// Scales `v` between `bad` (0) and `good` (100); works for either direction.
pub fn scale(v: f64, good: f64, bad: f64) -> f64 {
    // `+ 0.0` turns the −0 of a value at `bad` with `good < bad` into 0.
    ((v - bad) / (good - bad)).clamp(0.0, 1.0) * 100.0 + 0.0
}

fn f64_col(df: &DataFrame, c: Col) -> PolarsResult<Vec<Option<f64>>> {
    Ok(df
        .column(c.name)?
        .as_materialized_series()
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect())
}

fn str_col(df: &DataFrame, c: Col) -> PolarsResult<Vec<String>> {
    Ok(df
        .column(c.name)?
        .str()?
        .iter()
        .map(|s| s.unwrap_or_default().to_owned())
        .collect())
}

/// Adds `score_<component>`, `score`, `rank`, `insufficient_sample`,
/// `score_change` and `rank_change` (against the agent's previous ISO week in
/// the data) to a weekly frame sorted by (shop_id, week, agent_id).
pub fn score(mut wk: DataFrame, cfg: &Scoring) -> PolarsResult<DataFrame> {
    let n = wk.height();
    let mut total = vec![0.0f64; n];
    let mut weight = vec![0.0f64; n];
    for c in &cfg.components {
        let vals = f64_col(&wk, c.column)?;
        let scaled: Vec<Option<f64>> = vals.iter().map(|v| v.map(|v| scale(v, c.good, c.bad))).collect();
        for (i, s) in scaled.iter().enumerate() {
            if let Some(s) = s {
                total[i] += c.weight * s;
                weight[i] += c.weight;
            }
        }
        wk.with_column(Column::new(c.points.name.into(), scaled))?;
    }
    // Rounded to 0.01 so the score reads cleanly and is identical across runs.
    let score: Vec<f64> = (0..n)
        .map(|i| {
            if weight[i] > 0.0 {
                (total[i] / weight[i] * 100.0).round() / 100.0
            } else {
                0.0
            }
        })
        .collect();
    let shops = str_col(&wk, aw::SHOP_ID)?;
    let weeks = str_col(&wk, aw::WEEK)?;
    let agents = str_col(&wk, aw::AGENT_ID)?;
    let inquiries: Vec<u32> = wk
        .column(aw::INQUIRIES.name)?
        .u32()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();

    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        (&shops[a], &weeks[a])
            .cmp(&(&shops[b], &weeks[b]))
            .then(score[b].total_cmp(&score[a]))
            .then(agents[a].cmp(&agents[b]))
    });
    let mut rank = vec![0u32; n];
    let mut r = 0;
    for (k, &i) in order.iter().enumerate() {
        r = if k > 0 && (shops[order[k - 1]] == shops[i] && weeks[order[k - 1]] == weeks[i]) {
            r + 1
        } else {
            1
        };
        rank[i] = r;
    }
    // Previous week of the same agent in the data (rows are sorted by shop, week, agent).
    let mut last: HashMap<(&str, &str), usize> = HashMap::new();
    let mut score_change = vec![None; n];
    let mut rank_change = vec![None; n];
    let mut by_week: Vec<usize> = (0..n).collect();
    by_week.sort_by(|&a, &b| (&shops[a], &agents[a], &weeks[a]).cmp(&(&shops[b], &agents[b], &weeks[b])));
    for &i in &by_week {
        let key = (shops[i].as_str(), agents[i].as_str());
        if let Some(&p) = last.get(&key) {
            score_change[i] = Some(((score[i] - score[p]) * 100.0).round() / 100.0);
            // Positive = moved up the leaderboard.
            rank_change[i] = Some(rank[p] as i64 - rank[i] as i64);
        }
        last.insert(key, i);
    }
    wk.with_column(Column::new(aw::SCORE.name.into(), score))?;
    wk.with_column(Column::new(aw::RANK.name.into(), rank))?;
    wk.with_column(Column::new(
        aw::INSUFFICIENT_SAMPLE.name.into(),
        inquiries.iter().map(|&q| q < cfg.min_inquiries).collect::<Vec<bool>>(),
    ))?;
    wk.with_column(Column::new(aw::SCORE_CHANGE.name.into(), score_change))?;
    wk.with_column(Column::new(aw::RANK_CHANGE.name.into(), rank_change))?;
    Ok(wk)
}

#[cfg(test)]
mod tests {
    use super::scale;

    #[test]
    fn scales_both_directions() {
        assert_eq!(scale(0.6, 0.6, 0.2), 100.0);
        assert!((scale(0.4, 0.6, 0.2) - 50.0).abs() < 1e-9);
        assert_eq!(scale(0.1, 0.6, 0.2), 0.0);
        // Lower is better for response times.
        assert_eq!(scale(35.0, 10.0, 60.0), 50.0);
        assert_eq!(scale(5.0, 10.0, 60.0), 100.0);
        // At `bad` with lower-is-better: 0 points, not −0.
        assert!(scale(30.0, 0.0, 30.0).is_sign_positive());
    }
}
