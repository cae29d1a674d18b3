//! `kefu generate`: a deterministic synthetic shop data set of any size, for
//! tests, benchmarks and `data_samples/`. Agents have habits (fast, slow,
//! stalling with filler, pushing choices back, apologising or arguing in
//! after-sales), buyers write the way Taobao buyers write, and orders follow
//! chats on the same day, the next day, later, or never get paid; some orders
//! come with no chat at all (静默下单). Output is streamed, so size is bounded
//! by disk, not memory.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

mod chat;
mod feedback;
mod vocab;

use chat::{chat, order_after, session_start_ms, AgentDef, Chat, HABITS};
use vocab::{AGENT_NAMES, NICK_HEADS, PRICES_FEN, SHOP_NAMES};

use crate::cli::GenerateArgs;
use crate::core::error::{KefuError, Result};
use crate::core::time::{self, MS_PER_SEC};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    pub shops: u32,
    pub agents: u32,
    pub days: u32,
    pub sessions_per_day: u32,
    /// `data_samples/` layout: the second shop as a GBK CSV and the first
    /// shop's first sessions as a 千牛 `.txt` export, plus a few bad rows.
    pub sample_layout: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub messages: u64,
    pub orders: u64,
    pub agents: u64,
}

/// SplitMix64: tiny, fast, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

pub fn run(a: GenerateArgs) -> Result<()> {
    let spec = Spec {
        seed: a.seed,
        shops: a.shops,
        agents: a.agents,
        days: a.days,
        sessions_per_day: a.sessions_per_day,
        sample_layout: a.sample_layout,
    };
    let counts = write(&a.out, &spec)?;
    println!(
        "wrote {} messages, {} orders, {} agents to {}",
        counts.messages,
        counts.orders,
        counts.agents,
        a.out.display()
    );
    Ok(())
}

const HEADER: &str = "shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type,session_id\n";
const ORDER_HEADER: &str = "order_id,shop_id,buyer_id,created_at,paid_at,amount,status,refund_amount\n";
/// 2026-11-09, a Monday (ISO week 46): day 0 of every data set.
const START_DAY: i32 = 20_766;

/// A file written through a buffer, named in its errors.
struct Out {
    path: PathBuf,
    w: BufWriter<fs::File>,
}

impl Out {
    fn create(path: PathBuf, header: &str) -> Result<Self> {
        let f = fs::File::create(&path).map_err(|e| KefuError::io(&path, e))?;
        let mut o = Out {
            w: BufWriter::with_capacity(1 << 20, f),
            path,
        };
        o.put(header)?;
        Ok(o)
    }
    fn put(&mut self, s: &str) -> Result<()> {
        self.w.write_all(s.as_bytes()).map_err(|e| KefuError::io(&self.path, e))
    }
    fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| KefuError::io(&self.path, e))
    }
}

/// Where the data set goes, and what it has written so far.
struct Files {
    seed: u64,
    sample_layout: bool,
    main: Out,
    orders: Out,
    /// Sample layout: the second shop's rows, written as GBK at the end.
    gbk: String,
    /// Sample layout: the first shop's first chats as a 千牛 export.
    txt: String,
    first_row: Option<String>,
    order_no: u64,
    counts: Counts,
    /// Refunded orders (id, shop, refund fen, paid at), for the sample `refunds.csv`.
    refunded: Vec<(String, String, i64, i64)>,
    /// Sample layout: ratings and reviews.
    feedback: Option<feedback::Feedback>,
    chat_no: u64,
}

impl Files {
    /// Writes one chat's lines: to the 千牛 export, the GBK file or the main CSV.
    fn chat(&mut self, c: &Chat, shop: &str, agents: &[AgentDef], si: usize, to_txt: bool) -> Result<()> {
        if to_txt {
            let bar = "=".repeat(64);
            self.txt.push_str(&format!("{bar}\n消息对象:{}\n{bar}\n\n", c.buyer));
        }
        for l in &c.lines {
            self.counts.messages += 1;
            if to_txt {
                let nick = match l.sender {
                    "buyer" => c.buyer.clone(),
                    _ => agents[l.agent.unwrap_or(c.agent)].id.clone(),
                };
                if l.content.is_empty() {
                    continue;
                }
                let content = if l.sender == "bot" {
                    format!("[自动回复]{}", l.content)
                } else {
                    l.content.clone()
                };
                self.txt
                    .push_str(&format!("{nick} {}\n{content}\n\n", time::fmt_local(l.t)));
                continue;
            }
            let agent_id = match (l.sender, l.agent) {
                ("bot", _) => String::new(),
                (_, Some(a)) => agents[a].id.clone(),
                _ => String::new(),
            };
            let row = format!(
                "{},{},{},{},{},{},{},\n",
                shop,
                c.buyer,
                agent_id,
                l.sender,
                time::fmt_local(l.t),
                csv_field(&l.content),
                l.msg_type
            );
            if self.sample_layout && si == 1 {
                self.gbk.push_str(&row);
            } else {
                if self.first_row.is_none() {
                    self.first_row = Some(row.clone());
                }
                self.main.put(&row)?;
            }
        }
        Ok(())
    }

    fn order(&mut self, shop: &str, buyer: &str, o: (i64, Option<i64>, i64)) -> Result<()> {
        self.order_no += 1;
        self.counts.orders += 1;
        let (created, paid, fen) = o;
        let (status, refund) = match paid {
            None => ("created", None),
            Some(_) => self.refund(fen),
        };
        if let (Some(r), Some(p)) = (refund, paid) {
            self.refunded
                .push((format!("O{:09}", self.order_no), shop.to_owned(), r, p));
        }
        if let (Some(fb), Some(p)) = (self.feedback.as_mut(), paid) {
            fb.review(self.seed, self.order_no, shop, p, refund.is_some());
        }
        let line = format!(
            "O{:09},{},{},{},{},{},{},{}\n",
            self.order_no,
            shop,
            buyer,
            time::fmt_local(created),
            paid.map(time::fmt_local).unwrap_or_default(),
            fen_text(fen),
            status,
            refund.map(fen_text).unwrap_or_default(),
        );
        self.orders.put(&line)
    }

    /// Whether a paid order is refunded: about 1 in 16, half in full
    /// (`refunded`), half in part. Drawn from a stream of its own per order,
    /// so the chats and orders of a seed stay what they were.
    fn refund(&self, fen: i64) -> (&'static str, Option<i64>) {
        let mut r = Rng::new(self.seed ^ self.order_no.wrapping_mul(0xD1B5_4A32_D192_ED03));
        if !r.chance(1.0 / 16.0) {
            return ("paid", None);
        }
        if r.chance(0.5) {
            ("refunded", Some(fen))
        } else {
            ("completed", Some(fen * r.range(10, 50) / 100))
        }
    }

    /// Sample layout: a repeated row and two bad rows the default run must
    /// deduplicate and reject, visibly; then the GBK file and the 千牛 export.
    fn sample_extras(&mut self, mdir: &Path, shops: &[String]) -> Result<()> {
        if let Some(r) = self.first_row.clone() {
            self.main.put(&r)?;
        }
        let bad = format!(
            "{0},tb_bad1,,buyer,2026-11-31 25:61:00,时间写错的一行,text,\n{0},tb_bad2,,customer,2026-11-10 10:00:00,发送方不认识,text,\n",
            shops[0]
        );
        self.main.put(&bad)?;
        self.counts.messages += 3;
        if shops.len() > 1 {
            let p = mdir.join(format!("{}_gbk.csv", shops[1]));
            let (bytes, _, _) = encoding_rs::GBK.encode(&self.gbk);
            fs::write(&p, &bytes).map_err(|e| KefuError::io(&p, e))?;
        }
        let p = mdir.join("qianniu_export.txt");
        fs::write(&p, self.txt.replace('\n', "\r\n")).map_err(|e| KefuError::io(&p, e))
    }

    /// Sample layout: the optional inputs — the refunds with their reasons, a
    /// CRM that knows some buyers bought before the data starts, targets,
    /// ratings and reviews.
    fn optional_samples(&mut self, out: &Path, shops: &[String], agents: &[Vec<AgentDef>], buyers: u64) -> Result<()> {
        const REASONS: [&str; 5] = ["尺码不符", "质量问题", "发错/漏发", "七天无理由", "物流太慢"];
        let mut refunds = String::from("order_id,shop_id,refund_at,amount,stage,reason\n");
        for (i, (id, shop, fen, paid)) in self.refunded.iter().enumerate() {
            let at = time::fmt_local(paid + (1 + i as i64 % 3) * time::MS_PER_DAY);
            let stage = if i % 4 == 0 { "发货前" } else { "售后" };
            let reason = REASONS[i % REASONS.len()];
            refunds.push_str(&format!("{id},{shop},{at},{},{stage},{reason}\n", fen_text(*fen)));
        }
        let mut crm = String::from("shop_id,buyer_id,first_paid_at,member_level\n");
        for shop in shops {
            for no in (0..buyers).step_by(5) {
                let nick = format!("{}{}", NICK_HEADS[(no % NICK_HEADS.len() as u64) as usize], 100 + no);
                let day = 1 + no % 28;
                crm.push_str(&format!("{shop},{nick},2026-10-{day:02} 20:00:00,V{}\n", 1 + no % 3));
            }
        }
        let mut targets = String::from("shop_id,agent_id,team,period,target_sales\n");
        for (shop, team) in shops.iter().zip(agents) {
            for week in ["2026-W46", "2026-W47"] {
                for a in team {
                    targets.push_str(&format!("{shop},{},,{week},800.00\n", a.id));
                }
            }
            targets.push_str(&format!("{shop},,presale,2026-11,9000.00\n"));
        }
        for (name, text) in [
            ("refunds.csv", refunds),
            ("crm_buyers.csv", crm),
            ("targets.csv", targets),
        ] {
            let p = out.join(name);
            fs::write(&p, text).map_err(|e| KefuError::io(&p, e))?;
        }
        match self.feedback.take() {
            Some(fb) => fb.write(out, &shops[0]),
            None => Ok(()),
        }
    }
}

/// A buyer nick out of `n` per shop.
fn buyer_nick(rng: &mut Rng, n: u64) -> String {
    let no = rng.below(n);
    format!("{}{}", NICK_HEADS[(no % NICK_HEADS.len() as u64) as usize], 100 + no)
}

/// The shops' agents, each with a habit in turn.
fn agents_of(shops: &[String], per_shop: u32) -> Vec<Vec<AgentDef>> {
    shops
        .iter()
        .map(|shop| {
            (0..per_shop as usize)
                .map(|a| {
                    let name = nth_name(AGENT_NAMES, a);
                    AgentDef {
                        id: format!("{shop}:{name}"),
                        name,
                        habit: HABITS[a % HABITS.len()],
                    }
                })
                .collect()
        })
        .collect()
}

fn write_roster(out: &Path, agents: &[Vec<AgentDef>]) -> Result<u64> {
    let mut roster = String::from("agent_id,name,team\n");
    for a in agents.iter().flatten() {
        let team = if a.habit.after_sales() { "aftersale" } else { "presale" };
        roster.push_str(&format!("{},{},{}\n", a.id, a.name, team));
    }
    let path = out.join("agents.csv");
    fs::write(&path, roster).map_err(|e| KefuError::io(&path, e))?;
    Ok(agents.iter().map(|a| a.len() as u64).sum())
}

/// Writes `messages/`, `orders/` and `agents.csv` under `out`.
pub fn write(out: &Path, spec: &Spec) -> Result<Counts> {
    if spec.shops == 0 || spec.agents == 0 || spec.days == 0 {
        return Err(KefuError::usage("--shops, --agents, --days", "must be at least 1"));
    }
    let (mdir, odir) = (out.join("messages"), out.join("orders"));
    for d in [&mdir, &odir] {
        fs::create_dir_all(d).map_err(|e| KefuError::io(d, e))?;
    }
    let mut rng = Rng::new(spec.seed);
    let shops: Vec<String> = (0..spec.shops).map(|i| nth_name(SHOP_NAMES, i as usize)).collect();
    let agents = agents_of(&shops, spec.agents);
    let main_name = if spec.sample_layout {
        format!("{}.csv", shops[0])
    } else {
        "messages.csv".to_owned()
    };
    let mut f = Files {
        seed: spec.seed,
        sample_layout: spec.sample_layout,
        main: Out::create(mdir.join(main_name), HEADER)?,
        orders: Out::create(odir.join("orders.csv"), ORDER_HEADER)?,
        gbk: if spec.sample_layout {
            HEADER.to_owned()
        } else {
            String::new()
        },
        txt: String::new(),
        first_row: None,
        order_no: 0,
        refunded: Vec::new(),
        feedback: spec.sample_layout.then(feedback::Feedback::new),
        chat_no: 0,
        counts: Counts {
            agents: write_roster(out, &agents)?,
            ..Counts::default()
        },
    };
    let buyers_per_shop = (spec.sessions_per_day as u64 * spec.days as u64 / 2).max(4);
    for day in 0..spec.days as i32 {
        for (si, shop) in shops.iter().enumerate() {
            for k in 0..spec.sessions_per_day {
                let buyer = buyer_nick(&mut rng, buyers_per_shop);
                let start = time::day_start(START_DAY + day) + session_start_ms(&mut rng);
                let c = chat(&mut rng, si, shop, &agents[si], buyer, start);
                let to_txt = spec.sample_layout && si == 0 && day == 0 && k < 6;
                f.chat(&c, shop, &agents[si], si, to_txt)?;
                f.chat_no += 1;
                if let Some(fb) = f.feedback.as_mut() {
                    fb.rate(spec.seed, f.chat_no, &c, shop, agents[si][c.agent].habit);
                }
                // Orders that follow the chat.
                if let Some(o) = order_after(&mut rng, &c, &agents[si]) {
                    f.order(shop, &c.buyer, o)?;
                }
            }
            // Silent orders: no chat before them.
            for _ in 0..(spec.sessions_per_day / 4).max(1) {
                let buyer = buyer_nick(&mut rng, buyers_per_shop * 2);
                let created = time::day_start(START_DAY + day) + session_start_ms(&mut rng);
                let paid = rng.chance(0.9).then(|| created + rng.range(30, 900) * MS_PER_SEC);
                f.order(shop, &buyer, (created, paid, *rng.pick(PRICES_FEN)))?;
            }
        }
    }
    if spec.sample_layout {
        f.sample_extras(&mdir, &shops)?;
        f.optional_samples(out, &shops, &agents, buyers_per_shop)?;
    }
    let counts = f.counts;
    f.main.finish()?;
    f.orders.finish()?;
    Ok(counts)
}

/// The i-th name of a list, numbered once the list runs out (小美, …, 小美2).
fn nth_name(names: &[&str], i: usize) -> String {
    let base = names[i % names.len()];
    match i / names.len() {
        0 => base.to_owned(),
        round => format!("{base}{}", round + 1),
    }
}

/// Fen as a CNY amount with two decimals.
fn fen_text(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
