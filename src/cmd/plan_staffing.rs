//! `kefu plan-staffing`: how many agents a sales target needs, by the seeds'
//! formula
//!
//! agents = (target sales ÷ 客单价) × inquiry share ÷ conversion rate ÷ max receptions per agent per day
//!
//! with every rate measured from a run's output unless given, and the day's
//! inquiries spread over the peak hours by the observed hourly load. 客单价 is
//! per paying buyer, as the platforms and `shop_daily` define it, so target ÷
//! 客单价 is the paying buyers needed, and conversion (paid buyers ÷
//! inquiries) turns them into inquiries.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::cli::StaffingArgs;
use crate::core::error::{KefuError, Result};
use crate::core::schema::{agent_daily as ad, hourly_load as hl, order_attribution as oa};
use crate::core::schema::{shop_daily as sd, turns as tn, Col, Rows};
use crate::stages::sink::read_table;

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
    /// Paying buyers the target needs (target ÷ 客单价).
    pub buyers_needed: f64,
    pub inquiries_needed: f64,
    pub agents: f64,
    /// (hour, share of the day's inquiries, inquiries, agents needed that hour).
    pub peak_hours: Vec<(u32, f64, f64, f64)>,
}

/// The formula itself. `hour_shares` are each hour's share of the day's inquiries.
pub fn plan(target_sales: f64, i: &Inputs, hour_shares: &[(u32, f64)], peaks: usize) -> Plan {
    let buyers_needed = target_sales / i.avg_order_value.0;
    let inquiries_needed = buyers_needed * i.inquiry_share.0 / i.conversion_rate.0;
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
        buyers_needed,
        inquiries_needed,
        agents,
        peak_hours,
    }
}

pub fn run(a: StaffingArgs) -> Result<()> {
    if a.target_sales.is_nan() || a.target_sales <= 0.0 {
        return Err(KefuError::usage("--target-sales", "must be positive"));
    }
    let out = super::out_dir(a.out, a.config.as_deref())?;
    let shops = match a.shop {
        Some(s) => vec![s],
        None => shops(&out)?,
    };
    let given = Given {
        target_sales: a.target_sales,
        avg_order_value: a.avg_order_value,
        inquiry_share: a.inquiry_share,
        conversion_rate: a.conversion_rate,
        max_receptions: a.max_receptions,
        max_receptions_per_hour: a.max_receptions_per_hour,
    };
    for shop in shops {
        let (inputs, shares) = measure(&out, &shop, &given)?;
        let plan = plan(a.target_sales, &inputs, &shares, a.peak_hours);
        println!(
            "{}",
            crate::core::term::safe(&render(&shop, a.target_sales, &inputs, &plan))
        );
    }
    Ok(())
}

/// The rows of a table that belong to `shop`.
fn shop_rows(r: &Rows, c: Col, shop: &str) -> Vec<usize> {
    (0..r.len()).filter(|&i| r.str(c, i) == Some(shop)).collect()
}

/// 客单价 = paid sales ÷ paying buyers, over the whole output (the platform's
/// definition, and `shop_daily.avg_order_value`'s per day).
fn avg_order_value(orders: &Rows, shop: &str) -> f64 {
    let mut buyers: HashSet<&str> = HashSet::new();
    let mut sales = 0.0;
    for i in shop_rows(orders, oa::SHOP_ID, shop) {
        if orders.bool(oa::IS_PAID, i) == Some(true) {
            sales += orders.f64(oa::AMOUNT, i).unwrap_or(0.0);
            buyers.extend(orders.str(oa::BUYER_ID, i));
        }
    }
    if buyers.is_empty() {
        0.0
    } else {
        sales / buyers.len() as f64
    }
}

/// The busiest agent-hour: distinct buyers one agent took in one clock hour.
fn busiest_hour(turns: &Rows, shop: &str) -> f64 {
    // (agent, date, hour) → buyers.
    type Hour<'a> = (&'a str, Option<i32>, Option<u32>);
    let mut per: HashMap<Hour, HashSet<&str>> = HashMap::new();
    for i in shop_rows(turns, tn::SHOP_ID, shop) {
        if let (Some(agent), Some(buyer)) = (turns.str(tn::AGENT_ID, i), turns.str(tn::BUYER_ID, i)) {
            let key = (agent, turns.date(tn::DATE, i), turns.u32(tn::HOUR, i));
            per.entry(key).or_default().insert(buyer);
        }
    }
    per.values().map(HashSet::len).max().unwrap_or(0) as f64
}

/// Each hour's share of the shop's daily inquiries, from `hourly_load`.
fn hour_shares(load: &Rows, shop: &str) -> Vec<(u32, f64)> {
    let mut by_hour: BTreeMap<u32, f64> = BTreeMap::new();
    for i in shop_rows(load, hl::SHOP_ID, shop) {
        *by_hour.entry(load.u32(hl::HOUR, i).unwrap_or(0)).or_default() +=
            load.f64(hl::INQUIRIES_PER_DAY, i).unwrap_or(0.0);
    }
    let total: f64 = by_hour.values().sum();
    by_hour
        .into_iter()
        .map(|(h, q)| (h, if total > 0.0 { q / total } else { 0.0 }))
        .collect()
}

/// Measures what is not given from `out/` for one shop.
pub fn measure(out: &Path, shop: &str, g: &Given) -> Result<(Inputs, Vec<(u32, f64)>)> {
    let daily = read_table(out, &sd::TABLE)?;
    let days = shop_rows(&daily, sd::SHOP_ID, shop);
    if days.is_empty() {
        return Err(KefuError::NotFound {
            what: format!("shop {shop:?}"),
            path: out.to_path_buf(),
        });
    }
    let sum = |c: Col| days.iter().map(|&i| daily.num(c, i).unwrap_or(0.0)).sum::<f64>();
    let paid_orders = sum(sd::PAID_ORDERS);
    let share = if paid_orders > 0.0 {
        1.0 - sum(sd::SILENT_PAID_ORDERS) / paid_orders
    } else {
        0.0
    };
    let inquiries = sum(sd::INQUIRIES);
    let conv = if inquiries > 0.0 {
        sum(sd::PAID_BUYERS) / inquiries
    } else {
        0.0
    };
    let agents = read_table(out, &ad::TABLE)?;
    let max_day = shop_rows(&agents, ad::SHOP_ID, shop)
        .into_iter()
        .filter_map(|i| agents.u32(ad::BUYERS, i))
        .max()
        .unwrap_or(0) as f64;
    let pick = |given: Option<f64>, measured: f64| match given {
        Some(v) => (v, "given"),
        None => (measured, "measured"),
    };
    let inputs = Inputs {
        avg_order_value: pick(g.avg_order_value, avg_order_value(&read_table(out, &oa::TABLE)?, shop)),
        inquiry_share: pick(g.inquiry_share, share),
        conversion_rate: pick(g.conversion_rate, conv),
        max_receptions: pick(g.max_receptions, max_day),
        max_receptions_per_hour: pick(
            g.max_receptions_per_hour,
            busiest_hour(&read_table(out, &tn::TABLE)?, shop),
        ),
    };
    for (arg, (v, _)) in [
        ("--avg-order-value", inputs.avg_order_value),
        ("--conversion-rate", inputs.conversion_rate),
        ("--max-receptions", inputs.max_receptions),
        ("--max-receptions-per-hour", inputs.max_receptions_per_hour),
    ] {
        if !(v > 0.0 && v.is_finite()) {
            return Err(KefuError::usage(
                arg,
                format!("measured {v} for {shop}: give it on the command line"),
            ));
        }
    }
    Ok((inputs, hour_shares(&read_table(out, &hl::TABLE)?, shop)))
}

/// Shops present in a run's output.
pub fn shops(out: &Path) -> Result<Vec<String>> {
    let daily = read_table(out, &sd::TABLE)?;
    let mut v: Vec<String> = (0..daily.len())
        .filter_map(|i| daily.str(sd::SHOP_ID, i).map(str::to_owned))
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
        "  客单价 (paid sales ÷ paying buyers) ¥{:.2}  ({})",
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
        "  → 付款买家 {:.0} · 询单 {:.0} · 客服 {:.1} 人（取整 {} 人）",
        p.buyers_needed,
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
        // 100 000 / 200 = 500 paying buyers; × 0.3 = 150 through inquiries; ÷ 0.25 = 600 inquiries; ÷ 120 = 5 agents.
        let p = plan(100_000.0, &i, &[(10, 0.1), (20, 0.15), (3, 0.01)], 2);
        assert_eq!((p.buyers_needed, p.inquiries_needed, p.agents), (500.0, 600.0, 5.0));
        // 20:00 carries 15% = 90 inquiries = 6 agents at 15 an hour; 10:00 10% = 60 = 4.
        assert_eq!(p.peak_hours, vec![(20, 0.15, 90.0, 6.0), (10, 0.1, 60.0, 4.0)]);
    }
}
