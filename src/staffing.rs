//! `kefu plan-staffing`: how many agents a sales target needs, by the seeds'
//! formula
//!
//! agents = (target sales ÷ 客单价) × inquiry share ÷ conversion rate ÷ max receptions per agent per day
//!
//! with every rate measured from a run's output unless given, and the day's
//! inquiries spread over the peak hours by the observed hourly load.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::*;

use crate::error::{KefuError, Result};

/// The formula's inputs; `None` = measure from the data.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub target_sales: f64,
    pub avg_order_value: Option<f64>,
    pub inquiry_share: Option<f64>,
    pub conversion_rate: Option<f64>,
    pub max_receptions: Option<f64>,
    pub max_receptions_per_hour: Option<f64>,
}

/// Inputs as used, and where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub avg_order_value: (f64, &'static str),
    pub inquiry_share: (f64, &'static str),
    pub conversion_rate: (f64, &'static str),
    pub max_receptions: (f64, &'static str),
    pub max_receptions_per_hour: (f64, &'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub orders_needed: f64,
    pub inquiries_needed: f64,
    pub agents: f64,
    /// (hour, share of the day's inquiries, inquiries, agents needed that hour).
    pub peak_hours: Vec<(u32, f64, f64, f64)>,
}

/// The formula itself. `hour_shares` are each hour's share of the day's inquiries.
pub fn plan(target_sales: f64, i: &Inputs, hour_shares: &[(u32, f64)], peaks: usize) -> Plan {
    let orders_needed = target_sales / i.avg_order_value.0;
    let inquiries_needed = orders_needed * i.inquiry_share.0 / i.conversion_rate.0;
    let agents = inquiries_needed / i.max_receptions.0;
    let mut hours: Vec<(u32, f64)> = hour_shares.to_vec();
    hours.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let peak_hours = hours
        .into_iter()
        .take(peaks)
        .map(|(h, share)| {
            let q = inquiries_needed * share;
            (h, share, q, q / i.max_receptions_per_hour.0)
        })
        .collect();
    Plan {
        orders_needed,
        inquiries_needed,
        agents,
        peak_hours,
    }
}

fn read(out: &Path, table: &str, shop: &str) -> Result<DataFrame> {
    let df = crate::sink::read_table(out, table)?;
    Ok(df.lazy().filter(col("shop_id").eq(lit(shop.to_owned()))).collect()?)
}

fn sum(df: &DataFrame, c: &str) -> Result<f64> {
    Ok(df
        .column(c)?
        .as_materialized_series()
        .cast(&DataType::Float64)?
        .f64()?
        .sum()
        .unwrap_or(0.0))
}

fn max(df: &DataFrame, c: &str) -> Result<f64> {
    Ok(df
        .column(c)?
        .as_materialized_series()
        .cast(&DataType::Float64)?
        .f64()?
        .max()
        .unwrap_or(0.0))
}

/// Measures what is not given from `out/` for one shop.
pub fn measure(out: &Path, shop: &str, g: &Given) -> Result<(Inputs, Vec<(u32, f64)>)> {
    let daily = read(out, "shop_daily", shop)?;
    if daily.height() == 0 {
        return Err(KefuError::Config(format!(
            "shop {shop:?} not found in {}",
            out.display()
        )));
    }
    let agents = read(out, "agent_daily", shop)?;
    let turns = read(out, "turns", shop)?;
    let load = read(out, "hourly_load", shop)?;
    let pick = |given: Option<f64>, measured: f64| match given {
        Some(v) => (v, "given"),
        None => (measured, "measured"),
    };
    let paid_orders = sum(&daily, "paid_orders")?;
    let aov = if paid_orders > 0.0 {
        sum(&daily, "sales_amount")? / paid_orders
    } else {
        0.0
    };
    let share = if paid_orders > 0.0 {
        1.0 - sum(&daily, "silent_paid_orders")? / paid_orders
    } else {
        0.0
    };
    let inquiries = sum(&daily, "inquiries")?;
    let conv = if inquiries > 0.0 {
        sum(&daily, "paid_buyers")? / inquiries
    } else {
        0.0
    };
    // Busiest agent-hour: distinct buyers one agent took in one clock hour.
    let per_hour = turns
        .clone()
        .lazy()
        .filter(col("agent_id").is_not_null())
        .group_by([col("agent_id"), col("date"), col("hour")])
        .agg([col("buyer_id").n_unique().alias("n")])
        .collect()?;
    let inputs = Inputs {
        avg_order_value: pick(g.avg_order_value, aov),
        inquiry_share: pick(g.inquiry_share, share),
        conversion_rate: pick(g.conversion_rate, conv),
        max_receptions: pick(g.max_receptions, max(&agents, "buyers")?),
        max_receptions_per_hour: pick(g.max_receptions_per_hour, max(&per_hour, "n")?),
    };
    for (name, (v, _)) in [
        ("avg order value", inputs.avg_order_value),
        ("conversion rate", inputs.conversion_rate),
        ("max receptions per agent per day", inputs.max_receptions),
        ("max receptions per agent per hour", inputs.max_receptions_per_hour),
    ] {
        if !(v > 0.0 && v.is_finite()) {
            return Err(KefuError::Config(format!(
                "{name} is {v} for {shop}: give it on the command line"
            )));
        }
    }
    let mut by_hour: BTreeMap<u32, f64> = BTreeMap::new();
    let hours = load.column("hour")?.u32()?.clone();
    let per_day = load.column("inquiries_per_day")?.f64()?.clone();
    for (h, q) in hours.iter().zip(per_day.iter()) {
        *by_hour.entry(h.unwrap_or(0)).or_default() += q.unwrap_or(0.0);
    }
    let total: f64 = by_hour.values().sum();
    let shares = by_hour
        .into_iter()
        .map(|(h, q)| (h, if total > 0.0 { q / total } else { 0.0 }))
        .collect();
    Ok((inputs, shares))
}

/// Shops present in a run's output.
pub fn shops(out: &Path) -> Result<Vec<String>> {
    let df = crate::sink::read_table(out, "shop_daily")?;
    let mut v: Vec<String> = df
        .column("shop_id")?
        .str()?
        .iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    v.sort();
    v.dedup();
    Ok(v)
}

/// The printed plan, inputs first.
pub fn render(shop: &str, target: f64, i: &Inputs, p: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{shop} · 目标日销售额 ¥{target:.0}");
    let _ = writeln!(
        s,
        "  客单价 (avg order value)          ¥{:.2}  ({})",
        i.avg_order_value.0, i.avg_order_value.1
    );
    let _ = writeln!(
        s,
        "  询单占比 (inquiry share)           {:.1}%  ({})",
        i.inquiry_share.0 * 100.0,
        i.inquiry_share.1
    );
    let _ = writeln!(
        s,
        "  询单转化率 (conversion rate)       {:.1}%  ({})",
        i.conversion_rate.0 * 100.0,
        i.conversion_rate.1
    );
    let _ = writeln!(
        s,
        "  每人每日最大接待 (max receptions)  {:.0}  ({})",
        i.max_receptions.0, i.max_receptions.1
    );
    let _ = writeln!(
        s,
        "  每人每小时最大接待                 {:.0}  ({})",
        i.max_receptions_per_hour.0, i.max_receptions_per_hour.1
    );
    let _ = writeln!(
        s,
        "  → 订单 {:.0} · 询单 {:.0} · 客服 {:.1} 人（取整 {} 人）",
        p.orders_needed,
        p.inquiries_needed,
        p.agents,
        p.agents.ceil()
    );
    let _ = writeln!(s, "  高峰时段          询单占比   询单数   需在线客服");
    for (h, share, q, a) in &p.peak_hours {
        let _ = writeln!(
            s,
            "  {h:02}:00–{:02}:00      {:>5.1}%   {q:>6.0}   {a:>5.1}（{} 人）",
            h + 1,
            share * 100.0,
            a.ceil()
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_by_hand() {
        let i = Inputs {
            avg_order_value: (200.0, "given"),
            inquiry_share: (0.3, "given"),
            conversion_rate: (0.25, "given"),
            max_receptions: (120.0, "given"),
            max_receptions_per_hour: (15.0, "given"),
        };
        // 100 000 / 200 = 500 orders; × 0.3 = 150 through inquiries; ÷ 0.25 = 600 inquiries; ÷ 120 = 5 agents.
        let p = plan(100_000.0, &i, &[(10, 0.1), (20, 0.15), (3, 0.01)], 2);
        assert_eq!((p.orders_needed, p.inquiries_needed, p.agents), (500.0, 600.0, 5.0));
        // 20:00 carries 15% = 90 inquiries = 6 agents at 15 an hour; 10:00 10% = 60 = 4.
        assert_eq!(p.peak_hours, vec![(20, 0.15, 90.0, 6.0), (10, 0.1, 60.0, 4.0)]);
    }
}
