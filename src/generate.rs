//! `kefu generate`: a deterministic synthetic shop data set of any size, for
//! tests, benchmarks and `data_samples/`. Agents have habits (fast, slow,
//! stalling with filler, pushing choices back, apologising or arguing in
//! after-sales), buyers write the way Taobao buyers write, and orders follow
//! chats on the same day, the next day, later, or never get paid; some orders
//! come with no chat at all (静默下单). Output is streamed, so size is bounded
//! by disk, not memory.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{KefuError, Result};
use crate::timeutil::{self, MS_PER_SEC};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Habit {
    Fast,
    Staller,
    Pushback,
    Slow,
    Apologizer,
    Arguer,
}

const HABITS: [Habit; 6] = [
    Habit::Fast,
    Habit::Staller,
    Habit::Pushback,
    Habit::Slow,
    Habit::Apologizer,
    Habit::Arguer,
];
const SHOP_NAMES: &[&str] = &[
    "悦然旗舰店",
    "米粒母婴专营店",
    "山野户外旗舰店",
    "青禾茶具店",
    "橙子数码专营店",
    "暖暖家纺旗舰店",
];
const AGENT_NAMES: &[&str] = &[
    "小美", "小雨", "阿杰", "糖糖", "小七", "木子", "晓晓", "安安", "豆豆", "乐乐", "婷婷", "阿明",
];
const NICK_HEADS: &[&str] = &[
    "tb",
    "小猫咪",
    "jack",
    "momo",
    "快乐的鱼",
    "wang",
    "lily",
    "阿狸",
    "橘子汽水",
    "zhang",
    "清风",
    "sunny",
];

const GREETINGS: &[&str] = &["在吗", "在吗？", "你好", "亲在吗", "在不在", "您好", "hello", "有人吗"];
/// (intent, buyer question, substantive agent answer)
const QUESTIONS: &[(&str, &str, &str)] = &[
    (
        "尺码",
        "我身高165体重110斤穿什么码",
        "亲，按您的身高体重建议拍M码，平时穿S的话也可以拍M，会宽松一点",
    ),
    (
        "尺码",
        "这件偏大还是偏小？",
        "这款是标准码的亲，按平时尺码拍就可以，介意宽松可以拍小一码",
    ),
    ("尺码", "180的穿XL可以吗", "180穿XL正合适的亲，肩宽和衣长都够"),
    ("库存", "这款还有现货吗", "有现货的亲，今天16点前拍下当天就能发出"),
    ("库存", "白色M码有货吗？", "白色M码还有货的亲，库存不多了建议尽快拍下"),
    (
        "发货",
        "今天拍明天能发货吗",
        "亲，16点前付款当天发，之后的第二天上午发出，默认中通快递",
    ),
    (
        "发货",
        "发什么快递？",
        "默认发中通和圆通，需要顺丰的话补8元运费差价就可以",
    ),
    ("发货", "几天能到上海", "上海一般两天左右就到了亲，江浙沪次日达的比较多"),
    (
        "价格",
        "能便宜点吗",
        "亲，现在下单可以领10元优惠券，满199再减20，已经是活动价了",
    ),
    ("价格", "包邮吗", "全店满99包邮的亲，偏远地区除外，还送运费险"),
    (
        "价格",
        "双十一还有优惠吗",
        "有的亲，收藏加购可以领店铺券，叠加跨店满减更划算",
    ),
    (
        "材质",
        "这个面料起球吗",
        "是精梳棉的亲，正常穿着洗涤不会起球，建议翻面洗",
    ),
    ("材质", "是纯棉的吗？", "面料95%棉加5%氨纶，透气有弹性，不是纯棉哦"),
    ("材质", "会不会掉色", "第一次洗会有轻微浮色属于正常，建议冷水单独手洗"),
    ("使用", "这个怎么清洗", "建议30度以下水温手洗，不要暴晒，反面晾干就可以"),
    (
        "使用",
        "奶瓶可以用开水烫吗",
        "可以的亲，PPSU材质耐温180度，开水消毒没问题",
    ),
    ("使用", "充电要多久？", "原装充电器大概1.5小时充满，支持快充"),
];
const FOLLOW_UPS: &[(&str, &str)] = &[
    ("那黑色的呢", "黑色也有的亲，尺码和白色一样"),
    ("有赠品吗", "现在下单送同款收纳袋一个哦"),
    ("可以开发票吗", "可以开电子发票的亲，下单后在订单里申请就行"),
    ("七天无理由吗", "支持七天无理由退换的亲，还送运费险"),
];
const FILLERS: &[&str] = &["好的亲", "稍等亲", "嗯我看一下", "亲稍等哦", "好的", "收到", "在的亲"];
const PUSHBACKS: &[&str] = &[
    "看您自己需求哦",
    "都挺好的亲",
    "能拍的都有的",
    "都可以的，看您喜欢",
    "随便选都行的",
];
const CLOSINGS: &[&str] = &["好的 谢谢", "好的", "那我拍了", "谢谢", "嗯嗯好的", "拜拜"];
const URGES: &[&str] = &["在吗？", "人呢", "怎么不回", "快点好吗", "有人吗？"];
const AFTER_SALES: &[&str] = &[
    "我买的衣服怎么还没发货",
    "收到的杯子破了",
    "我要退货",
    "发错颜色了，我要的是白色",
    "快递三天没动了，帮我查一下物流",
    "少发了一件，只收到一件",
    "衣服有个洞，质量太差了",
];
const APOLOGIES: &[&str] = &[
    "非常抱歉给您带来不便",
    "不好意思亲，给您添麻烦了",
    "对不起亲，是我们的失误",
];
const REMEDIES: &[&str] = &[
    "这边马上给您补发一件，今天就发出",
    "您申请退货退款就可以，运费我们承担",
    "给您换货，新的今天发出",
    "给您补偿10元优惠券，再帮您催一下快递",
];
const ARGUES: &[&str] = &[
    "这个不是我们的问题，是快递的问题",
    "您自己签收的时候没检查吗",
    "规定就是这样，没办法",
    "您自己拍错了",
];
const COMPLAINTS: &[&str] = &[
    "什么态度，我要投诉",
    "太差劲了，给差评",
    "再不处理我就打12315",
    "你们这是骗人吧",
];
const BOT_GREETING: &str = "您好，欢迎光临{shop}，客服马上为您服务~ 下单前可以先领券哦";
const FOLLOW_UP_PROMISE: &[&str] = &["我去查一下", "我问一下仓库", "稍等我去查查"];
const FORBIDDEN: &[&str] = &["放心拍，全网最低价了", "绝对正品，假一赔十"];
const PRICES_FEN: &[i64] = &[3990, 5900, 8900, 12900, 19900, 25900, 39900, 59900];

struct AgentDef {
    id: String,
    name: String,
    habit: Habit,
}

/// One generated chat line.
struct Line {
    t: i64,
    sender: &'static str,
    agent: Option<usize>,
    content: String,
    msg_type: &'static str,
}

struct Chat {
    buyer: String,
    agent: usize,
    lines: Vec<Line>,
}

/// Writes `messages/`, `orders/` and `agents.csv` under `out`.
pub fn write(out: &Path, spec: &Spec) -> Result<Counts> {
    if spec.shops == 0 || spec.agents == 0 || spec.days == 0 {
        return Err(KefuError::Config(
            "--shops, --agents and --days must be at least 1".into(),
        ));
    }
    let mdir = out.join("messages");
    let odir = out.join("orders");
    for d in [&mdir, &odir] {
        fs::create_dir_all(d).map_err(|e| KefuError::io(d, e))?;
    }
    let mut rng = Rng::new(spec.seed);
    let shops: Vec<String> = (0..spec.shops).map(|i| nth_name(SHOP_NAMES, i as usize)).collect();
    let agents: Vec<Vec<AgentDef>> = shops
        .iter()
        .map(|shop| {
            (0..spec.agents as usize)
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
        .collect();

    let mut counts = Counts::default();
    // Agents roster.
    let mut roster = String::from("agent_id,name,team\n");
    for a in agents.iter().flatten() {
        let team = if matches!(a.habit, Habit::Apologizer | Habit::Arguer) {
            "aftersale"
        } else {
            "presale"
        };
        roster.push_str(&format!("{},{},{}\n", a.id, a.name, team));
        counts.agents += 1;
    }
    let roster_path = out.join("agents.csv");
    fs::write(&roster_path, roster).map_err(|e| KefuError::io(&roster_path, e))?;

    let header = "shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type,session_id\n";
    let open = |p: &Path| -> Result<BufWriter<fs::File>> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            fs::File::create(p).map_err(|e| KefuError::io(p, e))?,
        ))
    };
    let main_path = if spec.sample_layout {
        mdir.join(format!("{}.csv", shops[0]))
    } else {
        mdir.join("messages.csv")
    };
    let mut main = open(&main_path)?;
    main.write_all(header.as_bytes())
        .map_err(|e| KefuError::io(&main_path, e))?;
    // Sample layout: the second shop's rows are collected and written as GBK at the end.
    let mut gbk = String::new();
    if spec.sample_layout {
        gbk.push_str(header);
    }
    let mut txt = String::new();
    let orders_path = odir.join("orders.csv");
    let mut orders = open(&orders_path)?;
    orders
        .write_all(b"order_id,shop_id,buyer_id,created_at,paid_at,amount,status,refund_amount\n")
        .map_err(|e| KefuError::io(&orders_path, e))?;

    let start_day = 20_766; // 2026-11-09, a Monday (ISO week 46)
    let buyers_per_shop = (spec.sessions_per_day as u64 * spec.days as u64 / 2).max(4);
    let mut order_no = 0u64;
    let mut first_row: Option<String> = None;
    for day in 0..spec.days as i32 {
        for (si, shop) in shops.iter().enumerate() {
            for k in 0..spec.sessions_per_day {
                let buyer_no = rng.below(buyers_per_shop);
                let buyer = format!(
                    "{}{}",
                    NICK_HEADS[(buyer_no % NICK_HEADS.len() as u64) as usize],
                    100 + buyer_no
                );
                let start = timeutil::day_start(start_day + day) + session_start_ms(&mut rng);
                let chat = chat(&mut rng, si, shop, &agents[si], buyer, start);
                let to_txt = spec.sample_layout && si == 0 && day == 0 && k < 6;
                if to_txt {
                    let bar = "=".repeat(64);
                    txt.push_str(&format!("{bar}\n消息对象:{}\n{bar}\n\n", chat.buyer));
                }
                for l in &chat.lines {
                    counts.messages += 1;
                    if to_txt {
                        let nick = match l.sender {
                            "buyer" => chat.buyer.clone(),
                            _ => agents[si][l.agent.unwrap_or(chat.agent)].id.clone(),
                        };
                        if l.content.is_empty() {
                            continue;
                        }
                        let content = if l.sender == "bot" {
                            format!("[自动回复]{}", l.content)
                        } else {
                            l.content.clone()
                        };
                        txt.push_str(&format!("{nick} {}\n{content}\n\n", timeutil::fmt_local(l.t)));
                        continue;
                    }
                    let agent_id = match (l.sender, l.agent) {
                        ("bot", _) => String::new(),
                        (_, Some(a)) => agents[si][a].id.clone(),
                        _ => String::new(),
                    };
                    let row = format!(
                        "{},{},{},{},{},{},{},\n",
                        shop,
                        chat.buyer,
                        agent_id,
                        l.sender,
                        timeutil::fmt_local(l.t),
                        csv_field(&l.content),
                        l.msg_type
                    );
                    if spec.sample_layout && si == 1 {
                        gbk.push_str(&row);
                    } else {
                        if first_row.is_none() {
                            first_row = Some(row.clone());
                        }
                        main.write_all(row.as_bytes())
                            .map_err(|e| KefuError::io(&main_path, e))?;
                    }
                }
                // Orders that follow the chat.
                if let Some(o) = order_after(&mut rng, &chat, &agents[si]) {
                    order_no += 1;
                    write_order(&mut orders, &orders_path, order_no, shop, &chat.buyer, o)?;
                    counts.orders += 1;
                }
            }
            // Silent orders: no chat before them.
            for _ in 0..(spec.sessions_per_day / 4).max(1) {
                let buyer_no = rng.below(buyers_per_shop * 2);
                let buyer = format!(
                    "{}{}",
                    NICK_HEADS[(buyer_no % NICK_HEADS.len() as u64) as usize],
                    100 + buyer_no
                );
                let created = timeutil::day_start(start_day + day) + session_start_ms(&mut rng);
                let paid = rng.chance(0.9).then(|| created + rng.range(30, 900) * MS_PER_SEC);
                order_no += 1;
                write_order(
                    &mut orders,
                    &orders_path,
                    order_no,
                    shop,
                    &buyer,
                    (created, paid, *rng.pick(PRICES_FEN)),
                )?;
                counts.orders += 1;
            }
        }
    }
    if spec.sample_layout {
        // Bad rows the default run must reject or deduplicate, visibly.
        if let Some(r) = first_row {
            main.write_all(r.as_bytes()).map_err(|e| KefuError::io(&main_path, e))?;
        }
        let bad = format!(
            "{0},tb_bad1,,buyer,2026-11-31 25:61:00,时间写错的一行,text,\n{0},tb_bad2,,customer,2026-11-10 10:00:00,发送方不认识,text,\n",
            shops[0]
        );
        main.write_all(bad.as_bytes())
            .map_err(|e| KefuError::io(&main_path, e))?;
        counts.messages += 3;
        if shops.len() > 1 {
            let p = mdir.join(format!("{}_gbk.csv", shops[1]));
            let (bytes, _, _) = encoding_rs::GBK.encode(&gbk);
            fs::write(&p, &bytes).map_err(|e| KefuError::io(&p, e))?;
        }
        let p = mdir.join("qianniu_export.txt");
        fs::write(&p, txt.replace('\n', "\r\n")).map_err(|e| KefuError::io(&p, e))?;
    }
    main.flush().map_err(|e| KefuError::io(&main_path, e))?;
    orders.flush().map_err(|e| KefuError::io(&orders_path, e))?;
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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_order(
    w: &mut impl Write,
    path: &Path,
    n: u64,
    shop: &str,
    buyer: &str,
    o: (i64, Option<i64>, i64),
) -> Result<()> {
    let (created, paid, fen) = o;
    let status = if paid.is_some() { "paid" } else { "created" };
    let line = format!(
        "O{:09},{},{},{},{},{}.{:02},{},\n",
        n,
        shop,
        buyer,
        timeutil::fmt_local(created),
        paid.map(timeutil::fmt_local).unwrap_or_default(),
        fen / 100,
        fen % 100,
        status
    );
    w.write_all(line.as_bytes()).map_err(|e| KefuError::io(path, e))
}

/// Session start within the day: busy 10–12, 14–17 and 20–23, quiet at night.
fn session_start_ms(rng: &mut Rng) -> i64 {
    const HOUR_WEIGHTS: [u64; 24] = [
        2, 1, 1, 0, 0, 0, 1, 2, 4, 7, 10, 10, 6, 6, 9, 9, 9, 7, 6, 8, 10, 10, 8, 4,
    ];
    let total: u64 = HOUR_WEIGHTS.iter().sum();
    let mut x = rng.below(total);
    let mut h = 0;
    for (i, w) in HOUR_WEIGHTS.iter().enumerate() {
        if x < *w {
            h = i;
            break;
        }
        x -= w;
    }
    (h as i64 * 3600 + rng.range(0, 3599)) * MS_PER_SEC
}

fn chat(rng: &mut Rng, shop_idx: usize, shop: &str, agents: &[AgentDef], buyer: String, start: i64) -> Chat {
    let after_sales = rng.chance(0.25);
    // After-sales goes to the after-sales agents most of the time.
    let pool: Vec<usize> = (0..agents.len())
        .filter(|&a| matches!(agents[a].habit, Habit::Apologizer | Habit::Arguer) == after_sales)
        .collect();
    let agent = if pool.is_empty() || rng.chance(0.15) {
        rng.below(agents.len() as u64) as usize
    } else {
        *rng.pick(&pool)
    };
    let mut c = Chat {
        buyer,
        agent,
        lines: Vec::new(),
    };
    let mut t = start;
    let say =
        |c: &mut Chat, t: i64, sender: &'static str, agent: Option<usize>, content: String, msg_type: &'static str| {
            c.lines.push(Line {
                t,
                sender,
                agent,
                content,
                msg_type,
            });
        };
    let habit = agents[agent].habit;
    if rng.chance(0.5) {
        say(&mut c, t, "buyer", Some(agent), rng.pick(GREETINGS).to_string(), "text");
        if shop_idx.is_multiple_of(2) {
            say(
                &mut c,
                t + 1000,
                "bot",
                None,
                BOT_GREETING.replace("{shop}", shop),
                "text",
            );
        }
        t += rng.range(3, 20) * MS_PER_SEC;
    }
    if after_sales {
        let mut problem = rng.pick(AFTER_SALES).to_string();
        if rng.chance(0.1) {
            problem.push_str("，我电话13812345678");
        }
        say(&mut c, t, "buyer", Some(agent), problem, "text");
        if rng.chance(0.3) {
            t += rng.range(5, 30) * MS_PER_SEC;
            say(&mut c, t, "buyer", Some(agent), "[图片]".into(), "image");
        }
        t += rng.range(10, 120) * MS_PER_SEC;
        match habit {
            Habit::Arguer => {
                say(&mut c, t, "agent", Some(agent), rng.pick(ARGUES).to_string(), "text");
                t += rng.range(20, 120) * MS_PER_SEC;
                if rng.chance(0.5) {
                    say(
                        &mut c,
                        t,
                        "buyer",
                        Some(agent),
                        rng.pick(COMPLAINTS).to_string(),
                        "text",
                    );
                    t += rng.range(30, 200) * MS_PER_SEC;
                    say(&mut c, t, "agent", Some(agent), "那您申请售后吧".into(), "text");
                }
            }
            Habit::Apologizer => {
                say(&mut c, t, "agent", Some(agent), rng.pick(APOLOGIES).to_string(), "text");
                t += rng.range(5, 40) * MS_PER_SEC;
                say(&mut c, t, "agent", Some(agent), rng.pick(REMEDIES).to_string(), "text");
                t += rng.range(20, 120) * MS_PER_SEC;
                say(&mut c, t, "buyer", Some(agent), rng.pick(CLOSINGS).to_string(), "text");
            }
            _ => {
                if rng.chance(0.5) {
                    say(
                        &mut c,
                        t,
                        "agent",
                        Some(agent),
                        rng.pick(FOLLOW_UP_PROMISE).to_string(),
                        "text",
                    );
                    t += rng.range(60, 1500) * MS_PER_SEC;
                }
                say(&mut c, t, "agent", Some(agent), rng.pick(REMEDIES).to_string(), "text");
                t += rng.range(20, 120) * MS_PER_SEC;
                say(&mut c, t, "buyer", Some(agent), rng.pick(CLOSINGS).to_string(), "text");
            }
        }
        return c;
    }

    let (_, q, a) = *rng.pick(QUESTIONS);
    if rng.chance(0.2) {
        say(
            &mut c,
            t,
            "buyer",
            Some(agent),
            "https://item.taobao.com/item.htm?id=6543210987".into(),
            "item_card",
        );
        t += rng.range(2, 10) * MS_PER_SEC;
    }
    say(&mut c, t, "buyer", Some(agent), q.into(), "text");
    let mut cur = agent;
    let rounds = 1 + rng.below(2);
    for round in 0..rounds {
        let (q_t, answer) = if round == 0 {
            (t, a.to_string())
        } else {
            let (fq, fa) = *rng.pick(FOLLOW_UPS);
            t += rng.range(10, 90) * MS_PER_SEC;
            say(&mut c, t, "buyer", Some(cur), fq.into(), "text");
            (t, fa.to_string())
        };
        let h = agents[cur].habit;
        match h {
            Habit::Staller => {
                let n = 1 + rng.below(3);
                for _ in 0..n {
                    t += rng.range(5, 20) * MS_PER_SEC;
                    say(&mut c, t, "agent", Some(cur), rng.pick(FILLERS).to_string(), "text");
                }
                if rng.chance(0.2) {
                    t += rng.range(200, 400) * MS_PER_SEC;
                    say(&mut c, t, "buyer", Some(cur), rng.pick(URGES).to_string(), "text");
                    return c;
                }
                t = q_t + rng.range(120, 600) * MS_PER_SEC;
                say(&mut c, t, "agent", Some(cur), answer, "text");
            }
            Habit::Slow => {
                let delay = rng.range(60, 900);
                if delay > 240 && rng.chance(0.5) {
                    say(
                        &mut c,
                        q_t + 200 * MS_PER_SEC,
                        "buyer",
                        Some(cur),
                        rng.pick(URGES).to_string(),
                        "text",
                    );
                }
                t = q_t + delay * MS_PER_SEC;
                say(&mut c, t, "agent", Some(cur), answer, "text");
            }
            Habit::Pushback if rng.chance(0.5) => {
                t += rng.range(8, 40) * MS_PER_SEC;
                say(&mut c, t, "agent", Some(cur), rng.pick(PUSHBACKS).to_string(), "text");
                if rng.chance(0.5) {
                    t += rng.range(20, 60) * MS_PER_SEC;
                    say(&mut c, t, "buyer", Some(cur), q.into(), "text");
                    t += rng.range(8, 40) * MS_PER_SEC;
                    say(&mut c, t, "agent", Some(cur), answer, "text");
                }
            }
            _ => {
                t += rng.range(4, 28) * MS_PER_SEC;
                let text = if rng.chance(0.03) {
                    rng.pick(FORBIDDEN).to_string()
                } else {
                    answer
                };
                say(&mut c, t, "agent", Some(cur), text, "text");
                if rng.chance(0.15) {
                    t += rng.range(3, 10) * MS_PER_SEC;
                    say(&mut c, t, "agent", Some(cur), "[图片]".into(), "image");
                }
            }
        }
        // Occasionally the chat is handed to a colleague.
        if round == 0 && rounds > 1 && rng.chance(0.1) {
            let next = (cur + 1) % agents.len();
            t += rng.range(5, 20) * MS_PER_SEC;
            say(
                &mut c,
                t,
                "agent",
                Some(cur),
                "亲，这边帮您转接同事处理哦".into(),
                "text",
            );
            cur = next;
            t += rng.range(20, 90) * MS_PER_SEC;
            say(
                &mut c,
                t,
                "agent",
                Some(cur),
                "您好，我是接待您的客服，请问还有什么可以帮您".into(),
                "text",
            );
        }
    }
    if rng.chance(0.6) {
        t += rng.range(10, 120) * MS_PER_SEC;
        say(&mut c, t, "buyer", Some(cur), rng.pick(CLOSINGS).to_string(), "text");
    }
    c.agent = cur;
    c
}

/// An order after a pre-sales chat, by the habits of its agent: (created, paid, fen).
fn order_after(rng: &mut Rng, chat: &Chat, agents: &[AgentDef]) -> Option<(i64, Option<i64>, i64)> {
    let p = match agents[chat.agent].habit {
        Habit::Fast => 0.5,
        Habit::Slow => 0.2,
        Habit::Staller => 0.25,
        Habit::Pushback => 0.25,
        Habit::Apologizer | Habit::Arguer => 0.05,
    };
    if !rng.chance(p) {
        return None;
    }
    let last = chat.lines.last()?.t;
    let day_end = timeutil::day_start(timeutil::local_day(last) + 1);
    let created = match rng.below(100) {
        0..=59 => last + rng.range(60, 3600) * MS_PER_SEC,
        60..=84 => day_end + rng.range(8 * 3600, 22 * 3600) * MS_PER_SEC,
        _ => day_end + rng.range(2 * 86_400, 4 * 86_400) * MS_PER_SEC,
    };
    let paid = rng.chance(0.85).then(|| created + rng.range(20, 1800) * MS_PER_SEC);
    Some((created, paid, *rng.pick(PRICES_FEN)))
}
