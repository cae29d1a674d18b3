//! One synthetic chat: who the buyer reaches, what they ask, how the agent's
//! habit answers (fast, slow, stalling, pushing back, apologising or
//! arguing), and the order that may follow. The random draws happen in a
//! fixed order, so a seed always gives the same chats.

use super::vocab::*;
use super::Rng;
use crate::core::time::{self, MS_PER_SEC};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Habit {
    Fast,
    Staller,
    Pushback,
    Slow,
    Apologizer,
    Arguer,
}

pub const HABITS: [Habit; 6] = [
    Habit::Fast,
    Habit::Staller,
    Habit::Pushback,
    Habit::Slow,
    Habit::Apologizer,
    Habit::Arguer,
];

impl Habit {
    pub fn after_sales(self) -> bool {
        matches!(self, Habit::Apologizer | Habit::Arguer)
    }
}

pub struct AgentDef {
    pub id: String,
    pub name: String,
    pub habit: Habit,
}

/// One generated chat line.
pub struct Line {
    pub t: i64,
    pub sender: &'static str,
    pub agent: Option<usize>,
    pub content: String,
    pub msg_type: &'static str,
}

pub struct Chat {
    pub buyer: String,
    /// The agent holding the chat at its end.
    pub agent: usize,
    pub lines: Vec<Line>,
}

impl Chat {
    fn say(&mut self, t: i64, sender: &'static str, agent: Option<usize>, content: String, msg_type: &'static str) {
        self.lines.push(Line {
            t,
            sender,
            agent,
            content,
            msg_type,
        });
    }
    /// A text line from the buyer (routed to `agent`) or from agent `agent`.
    fn text(&mut self, t: i64, sender: &'static str, agent: usize, content: impl Into<String>) {
        self.say(t, sender, Some(agent), content.into(), "text");
    }
}

/// Session start within the day: busy 10–12, 14–17 and 20–23, quiet at night.
pub fn session_start_ms(rng: &mut Rng) -> i64 {
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

/// A chat of `buyer` with the shop starting at `start`.
pub fn chat(rng: &mut Rng, shop_idx: usize, shop: &str, agents: &[AgentDef], buyer: String, start: i64) -> Chat {
    let after_sales = rng.chance(0.25);
    // After-sales goes to the after-sales agents most of the time.
    let pool: Vec<usize> = (0..agents.len())
        .filter(|&a| agents[a].habit.after_sales() == after_sales)
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
    if rng.chance(0.5) {
        c.text(t, "buyer", agent, *rng.pick(GREETINGS));
        if shop_idx.is_multiple_of(2) {
            c.say(t + 1000, "bot", None, BOT_GREETING.replace("{shop}", shop), "text");
        }
        t += rng.range(3, 20) * MS_PER_SEC;
    }
    if after_sales {
        after_sales_chat(rng, &mut c, t, agents[agent].habit);
    } else {
        presale_chat(rng, &mut c, t, agents);
    }
    manners(&mut c, agents, start, after_sales);
    c
}

/// Whether the agents greet first and say goodbye last, by habit. Drawn from
/// a stream of the chat's own (its start and buyer), so the words and times
/// every other draw gives stay what they were.
fn manners(c: &mut Chat, agents: &[AgentDef], start: i64, after_sales: bool) {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (start, &c.buyer).hash(&mut h);
    let mut r = Rng::new(h.finish());
    let polite = |habit: Habit| match habit {
        Habit::Fast | Habit::Apologizer => 0.8,
        _ => 0.35,
    };
    let agent_text = |l: &Line| l.sender == "agent" && l.msg_type == "text";
    if let Some(l) = c.lines.iter_mut().find(|l| agent_text(l)) {
        if r.chance(polite(agents[l.agent.unwrap_or(0)].habit)) && !l.content.starts_with("您好") {
            l.content = format!("您好，{}", l.content);
        }
    }
    if let Some(l) = c.lines.iter_mut().rev().find(|l| agent_text(l)) {
        if !after_sales && r.chance(polite(agents[l.agent.unwrap_or(0)].habit) * 0.8) {
            l.content.push_str("，祝您购物愉快");
        }
    }
}

/// A buyer with a problem, answered by the agent's habit.
fn after_sales_chat(rng: &mut Rng, c: &mut Chat, mut t: i64, habit: Habit) {
    let agent = c.agent;
    let mut problem = rng.pick(AFTER_SALES).to_string();
    if rng.chance(0.1) {
        problem.push_str("，我电话13812345678");
    }
    c.text(t, "buyer", agent, problem);
    if rng.chance(0.3) {
        t += rng.range(5, 30) * MS_PER_SEC;
        c.say(t, "buyer", Some(agent), "[图片]".into(), "image");
    }
    t += rng.range(10, 120) * MS_PER_SEC;
    match habit {
        Habit::Arguer => {
            c.text(t, "agent", agent, *rng.pick(ARGUES));
            t += rng.range(20, 120) * MS_PER_SEC;
            if rng.chance(0.5) {
                c.text(t, "buyer", agent, *rng.pick(COMPLAINTS));
                t += rng.range(30, 200) * MS_PER_SEC;
                c.text(t, "agent", agent, "那您申请售后吧");
            }
        }
        Habit::Apologizer => {
            c.text(t, "agent", agent, *rng.pick(APOLOGIES));
            t += rng.range(5, 40) * MS_PER_SEC;
            c.text(t, "agent", agent, *rng.pick(REMEDIES));
            t += rng.range(20, 120) * MS_PER_SEC;
            c.text(t, "buyer", agent, *rng.pick(CLOSINGS));
        }
        _ => {
            if rng.chance(0.5) {
                c.text(t, "agent", agent, *rng.pick(FOLLOW_UP_PROMISE));
                t += rng.range(60, 1500) * MS_PER_SEC;
            }
            c.text(t, "agent", agent, *rng.pick(REMEDIES));
            t += rng.range(20, 120) * MS_PER_SEC;
            c.text(t, "buyer", agent, *rng.pick(CLOSINGS));
        }
    }
}

/// A pre-sales chat: a question, maybe a follow-up, maybe a hand-over, maybe a closing.
fn presale_chat(rng: &mut Rng, c: &mut Chat, mut t: i64, agents: &[AgentDef]) {
    let (_, q, a) = *rng.pick(QUESTIONS);
    if rng.chance(0.2) {
        let url = "https://item.taobao.com/item.htm?id=6543210987";
        c.say(t, "buyer", Some(c.agent), url.into(), "item_card");
        t += rng.range(2, 10) * MS_PER_SEC;
    }
    c.text(t, "buyer", c.agent, q);
    let mut cur = c.agent;
    let rounds = 1 + rng.below(2);
    for round in 0..rounds {
        let (q_t, answer) = if round == 0 {
            (t, a.to_string())
        } else {
            let (fq, fa) = *rng.pick(FOLLOW_UPS);
            t += rng.range(10, 90) * MS_PER_SEC;
            c.text(t, "buyer", cur, fq);
            (t, fa.to_string())
        };
        match answer_round(rng, c, t, q_t, q, answer, agents[cur].habit, cur) {
            Some(next) => t = next,
            // The buyer gave up urging a staller: the chat ends there.
            None => return,
        }
        // Occasionally the chat is handed to a colleague.
        if round == 0 && rounds > 1 && rng.chance(0.1) {
            let next = (cur + 1) % agents.len();
            t += rng.range(5, 20) * MS_PER_SEC;
            c.text(t, "agent", cur, "亲，这边帮您转接同事处理哦");
            cur = next;
            t += rng.range(20, 90) * MS_PER_SEC;
            c.text(t, "agent", cur, "您好，我是接待您的客服，请问还有什么可以帮您");
        }
    }
    if rng.chance(0.6) {
        t += rng.range(10, 120) * MS_PER_SEC;
        c.text(t, "buyer", cur, *rng.pick(CLOSINGS));
    }
    c.agent = cur;
}

/// Agent `cur` answers the question asked at `q_t` by its habit; returns the
/// time reached, or `None` when the chat ends unanswered.
#[allow(clippy::too_many_arguments)]
fn answer_round(
    rng: &mut Rng,
    c: &mut Chat,
    mut t: i64,
    q_t: i64,
    q: &str,
    answer: String,
    habit: Habit,
    cur: usize,
) -> Option<i64> {
    match habit {
        Habit::Staller => {
            let n = 1 + rng.below(3);
            for _ in 0..n {
                t += rng.range(5, 20) * MS_PER_SEC;
                c.text(t, "agent", cur, *rng.pick(FILLERS));
            }
            if rng.chance(0.2) {
                t += rng.range(200, 400) * MS_PER_SEC;
                c.text(t, "buyer", cur, *rng.pick(URGES));
                return None;
            }
            t = q_t + rng.range(120, 600) * MS_PER_SEC;
            c.text(t, "agent", cur, answer);
        }
        Habit::Slow => {
            let delay = rng.range(60, 900);
            if delay > 240 && rng.chance(0.5) {
                c.text(q_t + 200 * MS_PER_SEC, "buyer", cur, *rng.pick(URGES));
            }
            t = q_t + delay * MS_PER_SEC;
            c.text(t, "agent", cur, answer);
        }
        Habit::Pushback if rng.chance(0.5) => {
            t += rng.range(8, 40) * MS_PER_SEC;
            c.text(t, "agent", cur, *rng.pick(PUSHBACKS));
            if rng.chance(0.5) {
                t += rng.range(20, 60) * MS_PER_SEC;
                c.text(t, "buyer", cur, q);
                t += rng.range(8, 40) * MS_PER_SEC;
                c.text(t, "agent", cur, answer);
            }
        }
        _ => {
            t += rng.range(4, 28) * MS_PER_SEC;
            let text = if rng.chance(0.03) {
                rng.pick(FORBIDDEN).to_string()
            } else {
                answer
            };
            c.text(t, "agent", cur, text);
            if rng.chance(0.15) {
                t += rng.range(3, 10) * MS_PER_SEC;
                c.say(t, "agent", Some(cur), "[图片]".into(), "image");
            }
        }
    }
    Some(t)
}

/// An order after a pre-sales chat, by the habits of its agent: (created, paid, fen).
pub fn order_after(rng: &mut Rng, chat: &Chat, agents: &[AgentDef]) -> Option<(i64, Option<i64>, i64)> {
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
    let day_end = time::day_start(time::local_day(last) + 1);
    let created = match rng.below(100) {
        0..=59 => last + rng.range(60, 3600) * MS_PER_SEC,
        60..=84 => day_end + rng.range(8 * 3600, 22 * 3600) * MS_PER_SEC,
        _ => day_end + rng.range(2 * 86_400, 4 * 86_400) * MS_PER_SEC,
    };
    let paid = rng.chance(0.85).then(|| created + rng.range(20, 1800) * MS_PER_SEC);
    Some((created, paid, *rng.pick(PRICES_FEN)))
}
