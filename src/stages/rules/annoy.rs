//! 别让我烦: the buyer is annoyed. `complaint`, `argue`, `forbidden_phrase`,
//! `no_apology`, `no_solution`, `unhappy_end`, and the service norms of the
//! 售前 flow and the platforms' rulebooks: `no_greeting`, `no_closing`,
//! `wait_no_apology`, `off_platform`, `false_promise`, `no_review_invite`.

use super::context::{Cx, Walk};
use crate::core::model::Sender;
use crate::core::registry::RuleId;

/// The buyer complains.
pub fn buyer(cx: &mut Cx, i: usize) {
    if cx.hit(i, RuleId::Complaint) {
        cx.fire(RuleId::Complaint, cx.turn_agent(i), i, None, None);
    }
}

/// The agent blames the buyer, uses a forbidden phrase, diverts the buyer
/// or promises what the shop cannot keep.
pub fn agent(cx: &mut Cx, i: usize) {
    let agent = &cx.messages[i].agent_id;
    for rule in [RuleId::Argue, RuleId::ForbiddenPhrase] {
        if cx.hit(i, rule) {
            cx.fire(rule, agent.clone(), i, None, None);
        }
    }
    agent_promises(cx, i);
}

/// After-sales sessions, and any where the buyer states a problem with what
/// came (a problem is not always worded as after-sales: 台灯一闪一闪的): an
/// unhappy last word, no apology, no remedy.
pub fn end(cx: &mut Cx, walk: &Walk) {
    let (s, msgs) = (cx.s, cx.messages);
    if !s.is_after_sales && walk.first_problem.is_none() {
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
    // An after-sales question with no problem in it owes no apology or remedy.
    let Some(at) = walk.first_problem.filter(|_| s.n_agent_msgs > 0) else {
        return;
    };
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

/// The 售前 flow: a welcome first, a farewell last; an apology after a long wait.
pub fn service_flow(cx: &mut Cx) {
    let (s, msgs) = (cx.s, cx.messages);
    let agent_msgs = || s.msgs.clone().filter(|&i| msgs[i].sender == Sender::Agent);
    if s.buyer_started {
        if let Some(i) = agent_msgs().next().filter(|&i| !cx.hit(i, RuleId::NoGreeting)) {
            cx.fire(RuleId::NoGreeting, msgs[i].agent_id.clone(), i, None, None);
        }
    }
    if s.is_inquiry {
        no_closing(cx);
    }
    wait_no_apology(cx);
    no_review_invite(cx);
}

/// The inquiry ends with no farewell in the agent's last run of messages
/// (a closing question, then a rating prompt, closes), unless the agent's
/// last word asks the buyer something — then the buyer left mid-way, and the
/// agent could not close.
fn no_closing(cx: &mut Cx) {
    let (s, msgs) = (cx.s, cx.messages);
    let Some(last) = s.msgs.clone().rev().find(|&i| msgs[i].sender == Sender::Agent) else {
        return;
    };
    if cx.text[last].flags.asks_buyer {
        return;
    }
    let run = (s.msgs.start..=last)
        .rev()
        .take_while(|&i| msgs[i].sender != Sender::Buyer)
        .filter(|&i| msgs[i].sender == Sender::Agent);
    // A rating prompt is how the platforms end a chat (别忘了评价哦 谢谢您).
    let closes = |i: usize| cx.hit(i, RuleId::NoClosing) || cx.text[i].flags.is_review_invite;
    if !run.into_iter().any(closes) {
        cx.fire(RuleId::NoClosing, msgs[last].agent_id.clone(), last, None, None);
    }
}

/// A reply after more than `reply_slow_secs` whose answer (the agent's
/// messages until the buyer writes again) carries no apology.
fn wait_no_apology(cx: &mut Cx) {
    let (s, msgs, slow) = (cx.s, cx.messages, cx.m.reply_slow_secs);
    for t in cx.turns {
        let (Some(a), Some(rt)) = (t.answer_msg, t.response_ms) else {
            continue;
        };
        if rt as f64 <= slow * 1000.0 {
            continue;
        }
        let answer_end = (a..s.msgs.end)
            .find(|&j| msgs[j].sender == Sender::Buyer)
            .unwrap_or(s.msgs.end);
        let apologised = (a..answer_end).any(|j| msgs[j].sender == Sender::Agent && cx.hit(j, RuleId::WaitNoApology));
        if !apologised {
            let v = Some(crate::core::time::secs(rt));
            cx.fire(RuleId::WaitNoApology, t.agent_id.clone(), a, v, Some(slow));
        }
    }
}

/// The buyer closes (好的谢谢, 拜拜) and no agent invited a review (off by default).
fn no_review_invite(cx: &mut Cx) {
    let (s, msgs) = (cx.s, cx.messages);
    if !cx.on(RuleId::NoReviewInvite) {
        return;
    }
    let invited = s.msgs.clone().any(|i| cx.text[i].flags.is_review_invite);
    let last_buyer = s.msgs.clone().rev().find(|&i| msgs[i].sender == Sender::Buyer);
    if let Some(i) = last_buyer.filter(|&i| !invited && cx.text[i].flags.is_closing) {
        cx.fire(RuleId::NoReviewInvite, cx.turn_agent(i), i, None, None);
    }
}

/// Hosts of the platforms' own pages: links to anywhere else divert the buyer.
const PLATFORM_HOSTS: [&str; 10] = [
    "taobao.com",
    "tmall.com",
    "tmall.hk",
    "tb.cn",
    "alicdn.com",
    "alipay.com",
    "jd.com",
    "jd.hk",
    "3.cn",
    "360buyimg.com",
];

/// Whether a message links outside the platforms.
pub fn links_outside(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["http://", "https://", "www."].iter().any(|scheme| {
        lower.match_indices(scheme).any(|(at, _)| {
            let rest = &lower[at + scheme.len()..];
            let host: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                .collect();
            let host = host.trim_start_matches("www.");
            !host.is_empty()
                && !PLATFORM_HOSTS
                    .iter()
                    .any(|p| host == *p || host.ends_with(&format!(".{p}")))
        })
    })
}

/// Agent messages that divert the buyer off the platform or promise what a
/// shop cannot keep.
pub fn agent_promises(cx: &mut Cx, i: usize) {
    let agent = &cx.messages[i].agent_id;
    if cx.hit(i, RuleId::OffPlatform) || (cx.on(RuleId::OffPlatform) && links_outside(&cx.messages[i].content)) {
        cx.fire(RuleId::OffPlatform, agent.clone(), i, None, None);
    }
    if cx.hit(i, RuleId::FalsePromise) {
        cx.fire(RuleId::FalsePromise, agent.clone(), i, None, None);
    }
}

#[cfg(test)]
mod tests {
    use super::links_outside;

    #[test]
    fn outside_links() {
        assert!(links_outside("加我 https://weixin.qq.com/abc"));
        assert!(links_outside("看这个 www.example.cn"));
        assert!(!links_outside("https://item.taobao.com/item.htm?id=1"));
        assert!(!links_outside("https://detail.tmall.com/x"));
        assert!(!links_outside("链接 https://item.jd.com/100.html"));
        assert!(!links_outside("没有链接"));
    }
}
