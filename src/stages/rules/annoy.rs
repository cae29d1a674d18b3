//! 别让我烦: the buyer is annoyed. `complaint`, `argue`, `forbidden_phrase`,
//! `no_apology`, `no_solution`, `unhappy_end`.

use super::context::{Cx, Walk};
use crate::core::model::Sender;
use crate::core::registry::RuleId;

/// The buyer complains.
pub fn buyer(cx: &mut Cx, i: usize) {
    if cx.hit(i, RuleId::Complaint) {
        cx.fire(RuleId::Complaint, cx.turn_agent(i), i, None, None);
    }
}

/// The agent blames the buyer or uses a forbidden phrase.
pub fn agent(cx: &mut Cx, i: usize) {
    let agent = &cx.messages[i].agent_id;
    for rule in [RuleId::Argue, RuleId::ForbiddenPhrase] {
        if cx.hit(i, rule) {
            cx.fire(rule, agent.clone(), i, None, None);
        }
    }
}

/// After-sales sessions: an unhappy last word, no apology, no remedy.
pub fn end(cx: &mut Cx, walk: &Walk) {
    let (s, msgs) = (cx.s, cx.messages);
    if !s.is_after_sales {
        return;
    }
    // The buyer's last word in an after-sales chat is still a complaint.
    let last_buyer = s.msgs.clone().rev().find(|&i| msgs[i].sender == Sender::Buyer);
    if let Some(i) = last_buyer.filter(|&i| cx.hit(i, RuleId::UnhappyEnd) || cx.hit(i, RuleId::Complaint)) {
        cx.fire(
            RuleId::UnhappyEnd,
            cx.turn_agent(i),
            i,
            Some(s.n_buyer_msgs as f64),
            None,
        );
    }
    if s.n_agent_msgs == 0 {
        return;
    }
    let at = walk.first_problem.unwrap_or(s.msgs.start);
    let last_agent = msgs[s.msgs.clone()]
        .iter()
        .rev()
        .find(|x| x.sender == Sender::Agent)
        .and_then(|x| x.agent_id.clone());
    if !walk.apology {
        cx.fire(RuleId::NoApology, last_agent.clone(), at, None, None);
    }
    if !walk.remedy {
        cx.fire(RuleId::NoSolution, last_agent, at, None, None);
    }
}
