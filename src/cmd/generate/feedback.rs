//! Sample layout: satisfaction ratings after some chats and reviews of some
//! paid orders. Each is drawn from a stream of its own (seeded by the chat or
//! order number), so the chats and orders of a seed stay what they were.

use std::fs;
use std::path::Path;

use super::chat::{Chat, Habit};
use super::Rng;
use crate::core::error::{KefuError, Result};
use crate::core::time::{self, MS_PER_DAY, MS_PER_SEC};

/// Positive reviews, and 中差评 that name a reason (or none, the last).
const GOOD: [&str; 4] = [
    "很满意，和描述一致",
    "物流很快，包装完好，客服也很耐心",
    "第二次买了，一如既往的好",
    "",
];
const BAD: [&str; 7] = [
    "收到的时候杯子碎了，包装太简单",
    "颜色和图片不一样，色差很大",
    "尺码偏小，穿不上，换货又麻烦",
    "等了一个星期才到，物流太慢",
    "发错颜色了，找客服半天不回",
    "有股刺鼻的味道，散了好几天",
    "一般般吧",
];

pub struct Feedback {
    ratings: String,
    reviews: String,
}

impl Feedback {
    pub fn new() -> Self {
        Feedback {
            ratings: String::from("shop_id,session_id,buyer_id,rated_at,agent_id,score\n"),
            reviews: String::from("order_id,shop_id,rating,text,created_at\n"),
        }
    }

    /// About one chat in four is rated a few minutes after its last line:
    /// fast and apologising agents mostly 5, slow and arguing ones lower.
    pub fn rate(&mut self, seed: u64, chat_no: u64, c: &Chat, shop: &str, habit: Habit) {
        let mut r = Rng::new(seed ^ chat_no.wrapping_mul(0xA24B_AED4_963E_E407));
        let Some(end) = c.lines.last().map(|l| l.t) else { return };
        if !r.chance(0.25) {
            return;
        }
        let scores: &[u8] = match habit {
            Habit::Fast | Habit::Apologizer => &[5, 5, 5, 4],
            Habit::Staller | Habit::Pushback => &[5, 4, 4, 3],
            Habit::Slow | Habit::Arguer => &[4, 3, 2, 1],
        };
        let at = time::fmt_local(end + r.range(60, 1800) * MS_PER_SEC);
        let score = r.pick(scores);
        self.ratings.push_str(&format!("{shop},,{},{at},,{score}\n", c.buyer));
    }

    /// About one paid order in three is reviewed two to six days after
    /// payment; a refunded one is a 中差评.
    pub fn review(&mut self, seed: u64, order_no: u64, shop: &str, paid: i64, refunded: bool) {
        let mut r = Rng::new(seed ^ order_no.wrapping_mul(0x9FB2_1C65_1E98_DF25));
        if !r.chance(1.0 / 3.0) {
            return;
        }
        let bad = refunded || r.chance(0.08);
        let (rating, text) = match bad {
            true => (r.range(1, 3), *r.pick(&BAD)),
            false => (r.range(4, 5), *r.pick(&GOOD)),
        };
        let at = time::fmt_local(paid + r.range(2, 6) * MS_PER_DAY + r.range(0, 36_000) * MS_PER_SEC);
        self.reviews
            .push_str(&format!("O{order_no:09},{shop},{rating},{text},{at}\n"));
    }

    /// Writes `ratings.csv` and `reviews.csv`, each with a bad row the run
    /// must reject.
    pub fn write(mut self, out: &Path, shop: &str) -> Result<()> {
        self.ratings.push_str(&format!(
            "{shop},,没来过的买家,2026-11-10 12:00:00,,5\n{shop},,小鹿100,2026-11-10 12:00:00,,6\n"
        ));
        self.reviews
            .push_str(&format!("O999999999,{shop},1,没有这个订单,2026-11-12 12:00:00\n"));
        for (name, text) in [("ratings.csv", self.ratings), ("reviews.csv", self.reviews)] {
            let p = out.join(name);
            fs::write(&p, text).map_err(|e| KefuError::io(&p, e))?;
        }
        Ok(())
    }
}
