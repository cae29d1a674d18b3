//! Per-message flags the definitions rely on (CONTRACT §4): question,
//! greeting, closing and after-sales for buyers; filler and substantive for
//! agents.

use super::engine::{is_word, TextEngine, Tokens};
use crate::core::model::{MsgType, Sender, Stage};
use crate::core::registry::RuleId;
use crate::lexicon::pattern::{Clauses, Hit};

/// Per-message flags used by sessions, conversion and rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// Buyer asks something (CONTRACT §4 "Question").
    pub is_question: bool,
    /// Buyer only greets (在吗, 你好).
    pub is_greeting: bool,
    /// Buyer only closes (好的, 谢谢, 拜拜): needs no answer.
    pub is_closing: bool,
    /// Buyer talks about an order already placed (refund, logistics, damage …).
    pub is_after_sales: bool,
    /// The buyer message's stage (售前 / 售中 / 售后); 售前 for other senders.
    pub stage: Stage,
    /// The buyer has a problem: a defect, a wrong or missing item, a delay.
    pub has_problem: bool,
    /// The agent asks the buyer something (a question mark, a closing 吗):
    /// the buyer, not the agent, is to speak next.
    pub asks_buyer: bool,
    /// The agent's message is a courtesy template: a greeting, a closing or a
    /// rating prompt with nothing else of substance beside its clause.
    pub is_courtesy: bool,
    /// Agent sends only filler (好的亲, 稍等, 嗯我看一下).
    pub is_filler: bool,
    /// Agent sends a real answer: non-filler text, an image, an item or order card, a voice message.
    pub is_substantive: bool,
    /// Agent asks the buyer to pay (`pay_urge.txt`): what a 催付 may have to say.
    pub is_pay_urge: bool,
    /// Agent invites a review (邀评, `invite_review.txt`).
    pub is_review_invite: bool,
    /// Agent gives something concrete (a number, a unit, a time, a material, a
    /// yes or no): a pushback phrase in it is part of an answer.
    pub carries_fact: bool,
    /// The agent takes the matter on beyond this reply (催促, 核实, 登记,
    /// 短信告知您): a next step.
    pub takes_step: bool,
    /// The agent promises contact outside the chat (短信告知您, 专员回电).
    pub promises_later: bool,
}

/// Interrogative morphemes that make any token starting with them a question word.
#[rustfmt::skip]
const INTERROGATIVE_PREFIXES: &[&str] = &["哪", "几", "多少", "怎么", "怎样", "什么", "啥", "为啥", "咋", "为什么", "是否", "谁"];
/// Interrogatives that make a question wherever they sit in a token (穿多大, 有没有货).
#[rustfmt::skip]
const INTERROGATIVE_INFIXES: &[&str] = &[
    "多大", "多少", "多久", "多长", "多高", "多重", "多厚", "有没有", "是不是", "能不能", "可不可以", "会不会",
    "要不要", "怎么", "什么", "为什么", "哪里", "哪个", "几天", "几号", "几点",
];
const NOT_INTERROGATIVE: &[&str] = &["几乎", "什么的", "怎么着", "哪怕", "谁知道"];
/// A question that supposes (如果收到坏了怎么办, 万一漏了) asks before buying:
/// no after-sales problem. 会不会坏 supposes too, unless it names what the
/// buyer already has (收到, 买的).
const SUPPOSING: &[&str] = &["如果", "万一", "假如", "要是"];
const WONDERING: &[&str] = &["会不会", "是否会"];
const OWNED: &[&str] = &["收到", "买的", "拍的", "到货", "订单", "我的"];
/// Thanks that close a message which asks nothing (收货地址还是之前的 谢谢).
const THANKS: &[&str] = &[
    "谢谢",
    "谢谢你",
    "谢谢您",
    "谢谢亲",
    "谢了",
    "谢啦",
    "多谢",
    "感谢",
    "辛苦了",
    "麻烦了",
    "麻烦你了",
    "麻烦您了",
];
/// Sentence-final particles that make a question when glued to a word (人呢, 还有吗).
const FINAL_PARTICLES: &[char] = &['吗', '呢'];

/// `X不X` (热不热, 好不好): the A-not-A question form.
fn has_a_not_a(text: &str) -> bool {
    let c: Vec<char> = text.chars().collect();
    c.windows(3)
        .any(|w| w[1] == '不' && w[0] == w[2] && w[0] != '不' && !w[0].is_ascii())
}

/// Words after 还是 that make it "still" or "rather", not "or".
const STILL: &[&str] = &[
    "这样",
    "一样",
    "那样",
    "很",
    "太",
    "挺",
    "会",
    "要",
    "想",
    "觉得",
    "有点",
    "老样子",
    "之前",
    "原来",
    "原先",
    "以前",
];

/// Verbs of what the buyer got: 收到的还是 is "still", not "or".
const RECEIVED: &[&str] = &["收到", "发", "发来", "寄", "寄来", "到", "买", "拍", "换"];

/// `A还是B` at the end (S还是M, 现货还是预售): an alternative question;
/// 还是不行 (still no good) and 我还是买黑色吧 (rather) are not.
fn is_alternative(words: &[&str]) -> bool {
    // The choice closes the message: a particle after it is left out, since
    // 还是M的 / 还是M啊 is as often a statement (还是原来的) and on the real
    // chats the wider reading cost precision.
    let n = words.len();
    n >= 3 && words[n - 2] == "还是" && {
        let next = words[n - 1];
        // 收到的还是37号: what came is still the same.
        let received = n >= 4 && words[n - 3] == "的" && RECEIVED.contains(&words[n - 4]);
        !next.starts_with(['不', '没']) && !STILL.contains(&next) && !received
    }
}

/// 多 + a one-character measure (多厚, 多重 cut as 多|厚): asks how much.
fn asks_how_much(words: &[&str]) -> bool {
    words
        .windows(2)
        .any(|w| w[0] == "多" && w[1].chars().count() == 1 && "大小长短高矮厚薄宽窄重轻久远贵".contains(w[1]))
}

/// Byte ranges of a message's words of substance, in order: found once per
/// message, so whether a phrase is the whole answer is a bounds check
/// however many phrases the message holds.
#[derive(Debug, Clone, Default)]
pub struct Substance(Vec<(usize, usize)>);

impl Substance {
    /// These words less those overlapping any of `spans` (one sweep: both
    /// are in byte order once `spans` is sorted).
    pub fn outside(&self, spans: &mut [(usize, usize)]) -> Substance {
        spans.sort_unstable();
        let (mut k, mut reach) = (0, 0);
        let kept = self.0.iter().copied().filter(|&(ws, we)| {
            // `reach`: the furthest end of the spans that start before this word ends.
            while k < spans.len() && spans[k].0 < we {
                reach = reach.max(spans[k].1);
                k += 1;
            }
            // Spans starting before the word ends overlap it if one reaches past its start.
            reach <= ws
        });
        Substance(kept.collect())
    }

    /// Whether every word overlaps `span`: nothing of substance outside it.
    /// Words are in order and disjoint, so the first and last decide.
    pub fn within(&self, (s, e): (usize, usize)) -> bool {
        match (self.0.first(), self.0.last()) {
            (Some(first), Some(last)) => first.1 > s && last.0 < e,
            _ => true,
        }
    }
}

impl TextEngine {
    pub(super) fn is_interrogative(&self, t: &str) -> bool {
        if NOT_INTERROGATIVE.contains(&t) {
            return false;
        }
        self.question.contains(t)
            || INTERROGATIVE_PREFIXES.iter().any(|p| t.starts_with(p))
            || INTERROGATIVE_INFIXES.iter().any(|p| t.contains(p))
            || (t.chars().count() > 1 && t.ends_with(FINAL_PARTICLES))
    }

    /// Flags of one message from its tokens.
    pub fn flags(&self, sender: Sender, msg_type: MsgType, tk: &Tokens) -> Flags {
        match (sender, msg_type) {
            (Sender::Buyer, MsgType::Text) => self.buyer_flags(tk),
            (Sender::Agent, _) => self.agent_flags(msg_type, tk),
            _ => Flags::default(),
        }
    }

    fn buyer_flags(&self, tk: &Tokens) -> Flags {
        let mut f = Flags::default();
        let content: Vec<&str> = tk.words().filter(|t| !self.particles.contains(t)).collect();
        let after_greeting: Vec<&str> = content.iter().copied().filter(|t| !self.greeting.contains(t)).collect();
        f.is_greeting = !content.is_empty() && after_greeting.is_empty();
        let has_mark = tk.text.contains('?') || tk.text.contains('？');
        // 没问题吧？ asks: a question mark makes closing words a question.
        f.is_closing = !has_mark && !content.is_empty() && content.iter().all(|t| self.closing.contains(t));
        // Question particles (吗/呢/么) are also in the particle list, so test all words.
        let asks = tk
            .words()
            .filter(|t| !self.greeting.contains(t))
            .any(|t| self.is_interrogative(t));
        let words: Vec<&str> = tk.words().collect();
        // 周末有人吗: a greeting-question at the end asks about what came before it.
        let trailing_greeting_question = !after_greeting.is_empty()
            && words
                .last()
                .is_some_and(|w| self.greeting.contains(w) && w.ends_with(FINAL_PARTICLES));
        let asks = asks
            || !self.question_phrases.find(tk).is_empty()
            || !self.request.find(tk).is_empty()
            || has_a_not_a(tk.text)
            || is_alternative(&words)
            || asks_how_much(&words)
            || trailing_greeting_question;
        f.is_question = !after_greeting.is_empty() && !f.is_closing && (has_mark || asks);
        let has = |ws: &[&str]| ws.iter().any(|w| tk.text.contains(w));
        let owned = has(OWNED);
        let supposes = f.is_question && (has(SUPPOSING) || (has(WONDERING) && !owned));
        f.has_problem = !supposes && !self.problem.find(tk).is_empty();
        f.is_after_sales = !self.after_sales.find(tk).is_empty();
        // A message that asks nothing and reports no problem closes when it gives
        // up (没事了, 算了我再看看) or ends on thanks (收货地址还是之前的 谢谢).
        if !f.is_question && !f.is_closing && !f.is_after_sales {
            let thanks = content
                .last()
                .is_some_and(|t| THANKS.contains(t) || self.closing.contains(t));
            f.is_closing = thanks || !self.give_up.find(tk).is_empty();
        }
        f.stage = if f.is_after_sales {
            Stage::Aftersale
        } else if !self.insale.find(tk).is_empty() {
            Stage::Insale
        } else {
            Stage::Presale
        };
        f
    }

    fn agent_flags(&self, msg_type: MsgType, tk: &Tokens) -> Flags {
        let mut f = Flags::default();
        match msg_type {
            MsgType::Image | MsgType::ItemCard | MsgType::OrderCard | MsgType::Voice => f.is_substantive = true,
            MsgType::Emoji | MsgType::System => f.is_filler = true,
            MsgType::Text => {
                f.is_filler = tk
                    .words()
                    .all(|t| self.filler.contains(t) || self.particles.contains(t));
                f.is_substantive = !f.is_filler;
                f.is_pay_urge = !self.pay_urge.find(tk).is_empty();
                f.is_review_invite = !self.invite_review.find(tk).is_empty();
                f.carries_fact = tk.text.contains(|c: char| c.is_numeric()) || !self.fact.find(tk).is_empty();
                f.promises_later = !self.later.find(tk).is_empty();
                f.takes_step = f.promises_later || !self.step.find(tk).is_empty();
                let end = tk
                    .text
                    .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?' && c != '？');
                f.asks_buyer = end.ends_with(['?', '？', '吗', '么']);
            }
        }
        f
    }

    /// The message's words of substance: all but particles, filler,
    /// greetings and closings (亲, 哦, 好的, 您好, 谢谢).
    pub fn substance(&self, tk: &Tokens) -> Substance {
        let plain = [&self.particles, &self.filler, &self.greeting, &self.closing];
        Substance(
            tk.located()
                .filter(|(_, t)| is_word(t) && !plain.iter().any(|l| l.contains(t)))
                .map(|(pos, t)| (pos, pos + t.len()))
                .collect(),
        )
    }

    /// Whether an agent message is only courtesy: some greeting, farewell or
    /// rating-prompt clause with nothing of substance in the other clauses.
    /// `found` is the message's rule-lexicon hits ([`super::hits::RuleHits::find`]).
    pub fn courtesy(&self, tk: &Tokens, found: &[Hit], substance: &Substance) -> bool {
        let rules = [RuleId::NoGreeting, RuleId::NoClosing];
        let spans = rules
            .iter()
            .flat_map(|r| self.hits.spans_of(*r, found))
            .chain(self.invite_review.find_outer(tk).into_iter().map(|(_, s, e)| (s, e)));
        let clauses = Clauses::new(tk.text);
        spans.into_iter().any(|(s, e)| substance.within(clauses.of(s, e)))
    }

    /// Meaningful tokens for question similarity: no punctuation, particles,
    /// greetings or stop words.
    pub fn content_words<'a>(&self, tk: &Tokens<'a>) -> Vec<&'a str> {
        tk.tokens()
            .filter(|t| {
                is_word(t) && !self.particles.contains(t) && !self.greeting.contains(t) && !self.stopwords.contains(t)
            })
            .collect()
    }
}
