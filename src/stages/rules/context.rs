//! The one walk over a session: [`Cx`] is what every rule may read of the
//! session, [`Walk`] what the walk has seen so far. At each message the
//! rules read the walk as it stood before that message; the walk then takes
//! the message in ([`Walk::advance`]). The order rules run in therefore
//! never matters.

use super::{annoy, think, wait, Violation};
use crate::core::model::{Message, Name, Sender};
use crate::core::registry::{RuleBits, RuleId};
use crate::core::settings::Metrics;
use crate::stages::sessions::{Conversations, Session, Turn};
use crate::stages::text::MessageText;

/// One session as the rules see it, and the violations charged so far.
pub struct Cx<'a> {
    pub si: usize,
    pub s: &'a Session,
    pub turns: &'a [Turn],
    pub messages: &'a [Message],
    pub text: &'a [MessageText],
    pub m: &'a Metrics,
    /// Looks ahead from each message, computed once a session so no rule
    /// scans to the session's end from every message (a 60 k-message
    /// session must cost linear time).
    pub ahead: Ahead,
    enabled: RuleBits,
    out: Vec<Violation>,
}

/// Per message of the session (index `i - s.msgs.start`): what comes after it.
pub struct Ahead {
    start: usize,
    /// The next agent message after it.
    next_agent: Vec<Option<usize>>,
    /// The next substantive agent message after it.
    next_answer: Vec<Option<usize>>,
    /// Whether a buyer message from it on asks, states a problem or complains.
    asks_from: Vec<bool>,
}

impl Ahead {
    fn new(s: &Session, messages: &[Message], text: &[MessageText]) -> Ahead {
        let n = s.msgs.len();
        let (mut next_agent, mut next_answer, mut asks_from) = (vec![None; n], vec![None; n], vec![false; n]);
        let (mut agent, mut answer, mut asks) = (None, None, false);
        for k in (0..n).rev() {
            let i = s.msgs.start + k;
            next_agent[k] = agent;
            next_answer[k] = answer;
            let f = &text[i].flags;
            match messages[i].sender {
                Sender::Agent => {
                    agent = Some(i);
                    if f.is_substantive {
                        answer = Some(i);
                    }
                }
                Sender::Buyer => {
                    asks |= f.is_question || text[i].states_problem();
                }
                Sender::Bot | Sender::System => {}
            }
            asks_from[k] = asks;
        }
        Ahead {
            start: s.msgs.start,
            next_agent,
            next_answer,
            asks_from,
        }
    }

    /// The first agent message after `i`.
    pub fn next_agent(&self, i: usize) -> Option<usize> {
        self.next_agent[i - self.start]
    }

    /// The first substantive agent message after `i`.
    pub fn next_answer(&self, i: usize) -> Option<usize> {
        self.next_answer[i - self.start]
    }

    /// Whether the buyer asks, states a problem or complains from `i` on.
    pub fn asks_from(&self, i: usize) -> bool {
        self.asks_from[i - self.start]
    }
}

impl Cx<'_> {
    pub fn on(&self, r: RuleId) -> bool {
        self.enabled.contains(r)
    }

    /// Charges `rule` (when enabled) at message `msg`.
    pub fn fire(&mut self, rule: RuleId, agent: Option<Name>, msg: usize, value: Option<f64>, threshold: Option<f64>) {
        if self.on(rule) {
            self.out.push(Violation {
                session: self.si,
                agent_id: agent,
                rule,
                msg,
                value,
                threshold,
            });
        }
    }

    /// Whether message `i` can charge rule `r` (its lexicon, `=` entries
    /// only when they are the whole message).
    pub fn hit(&self, i: usize, r: RuleId) -> bool {
        self.text[i].triggers.contains(r)
    }

    /// The agent responsible at a message: the agent of the turn it belongs to.
    pub fn turn_agent(&self, i: usize) -> Option<Name> {
        // Turns are in message order: a binary search, not a scan per message.
        let k = self.turns.partition_point(|t| t.first_msg <= i);
        k.checked_sub(1)
            .and_then(|k| self.turns[k].agent_id.clone())
            .or_else(|| self.s.first_agent_id.clone())
    }
}

/// How many sends of one reply `canned_repeat` remembers.
pub const REPLIES_KEPT: usize = 64;

/// What the walk has seen of the session so far.
#[derive(Default)]
pub struct Walk<'a> {
    /// The buyer message waiting for an agent since.
    pub waiting_since: Option<usize>,
    /// Buyer questions so far.
    pub questions: Vec<usize>,
    pub last_question: Option<usize>,
    /// The buyer's latest message.
    pub last_buyer: Option<usize>,
    /// The last substantive agent answer (a pushback is none).
    pub last_substantive: Option<usize>,
    /// The buyer's first after-sales message.
    pub first_problem: Option<usize>,
    /// An agent apologised / offered a remedy.
    pub apology: bool,
    pub remedy: bool,
    /// Agent replies so far by (agent, text): the questions each answered,
    /// the first [`REPLIES_KEPT`] of them (a bot that sends one text ten
    /// thousand times must not cost its square).
    pub replies: std::collections::HashMap<(Option<&'a str>, &'a str), Vec<Option<usize>>>,
}

impl<'a> Walk<'a> {
    /// Takes message `i` in, after the rules have looked at it.
    fn advance(&mut self, cx: &Cx<'a>, i: usize) {
        let (msg, tx) = (&cx.messages[i], &cx.text[i]);
        match msg.sender {
            Sender::Buyer => {
                // A problem, not just an after-sales topic.
                if tx.states_problem() && self.first_problem.is_none() {
                    self.first_problem = Some(i);
                }
                if tx.flags.is_question {
                    self.questions.push(i);
                    self.last_question = Some(i);
                }
                self.last_buyer = Some(i);
                // A closing (好的谢谢) waits for nothing.
                if !tx.flags.is_closing {
                    self.waiting_since.get_or_insert(i);
                }
            }
            Sender::Agent => {
                self.waiting_since = None;
                // Handing the choice back is no answer to the question asked.
                if tx.flags.is_substantive && !tx.is_pushback() {
                    self.last_substantive = Some(i);
                }
                let sent = self
                    .replies
                    .entry((msg.agent_id.as_deref(), msg.content.trim()))
                    .or_default();
                if sent.len() < REPLIES_KEPT {
                    sent.push(self.last_question);
                }
                self.apology |= tx.hits.contains(RuleId::NoApology);
                self.remedy |= tx.hits.contains(RuleId::NoSolution) || tx.flags.takes_step;
            }
            Sender::Bot | Sender::System => {}
        }
    }
}

/// Every violation of session `si`, in the order found.
pub fn session_violations(
    enabled: RuleBits,
    conv: &Conversations,
    si: usize,
    messages: &[Message],
    text: &[MessageText],
    m: &Metrics,
) -> Vec<Violation> {
    let s = &conv.sessions[si];
    let mut cx = Cx {
        si,
        s,
        turns: &conv.turns[s.turns.clone()],
        messages,
        text,
        m,
        ahead: Ahead::new(s, messages, text),
        enabled,
        out: Vec::new(),
    };
    wait::turns(&mut cx);
    wait::first_question(&mut cx);
    think::first_question(&mut cx);
    let mut walk = Walk::default();
    for i in s.msgs.clone() {
        match messages[i].sender {
            Sender::Buyer => {
                wait::buyer(&mut cx, &walk, i);
                think::buyer(&mut cx, &walk, i);
                annoy::buyer(&mut cx, i);
            }
            Sender::Agent => {
                wait::agent(&mut cx, i);
                think::agent(&mut cx, &walk, i);
                annoy::agent(&mut cx, i);
            }
            Sender::Bot | Sender::System => {}
        }
        walk.advance(&cx, i);
    }
    annoy::end(&mut cx, &walk);
    annoy::service_flow(&mut cx);
    cx.out
}
