//! 别让我等: the buyer is kept waiting. `slow_first_response`, `slow_reply`,
//! `unanswered`, `stalled_first_question`, `urged`, `missed_follow_up`,
//! `quiet_after_transfer`.

use super::context::{Cx, Walk};
use crate::core::registry::RuleId;
use crate::core::time::secs;

/// The turn rules: slow first response, slow replies, unanswered turns.
pub fn turns(cx: &mut Cx) {
    let m = cx.m;
    for t in cx.turns {
        let rt = t.response_ms.map(secs);
        if t.turn_no == 1 && cx.s.buyer_started && t.in_service_hours {
            if let Some(x) = rt.filter(|x| *x > m.first_response_slow_secs) {
                let th = Some(m.first_response_slow_secs);
                cx.fire(RuleId::SlowFirstResponse, t.agent_id.clone(), t.first_msg, Some(x), th);
            }
        }
        // A closing (好的谢谢) answered late is no slow reply.
        if t.turn_no > 1 && t.in_service_hours && t.asks {
            if let Some(x) = rt.filter(|x| *x > m.reply_slow_secs) {
                let th = Some(m.reply_slow_secs);
                cx.fire(RuleId::SlowReply, t.agent_id.clone(), t.first_msg, Some(x), th);
            }
        }
        if !t.answered() && t.asks && cx.ahead.asks_from(t.first_msg) {
            cx.fire(RuleId::Unanswered, t.agent_id.clone(), t.first_msg, None, None);
        }
    }
}

/// The first question answered only after `stall_rounds_min` filler messages.
pub fn first_question(cx: &mut Cx) {
    let min = cx.m.stall_rounds_min;
    if let Some(fq) = cx.s.first_question.as_ref().filter(|q| q.stall_rounds >= min) {
        let (v, th) = (Some(fq.stall_rounds as f64), Some(min as f64));
        cx.fire(RuleId::StalledFirstQuestion, fq.agent_id.clone(), fq.msg, v, th);
    }
}

/// The buyer urges (人呢, 在吗 …) while an earlier message of theirs waits.
pub fn buyer(cx: &mut Cx, walk: &Walk, i: usize) {
    // 在吗 while already waiting is urging too, not a greeting.
    let urging = cx.hit(i, RuleId::Urged) || cx.text[i].flags.is_greeting;
    if urging && walk.waiting_since.is_some_and(|w| w < i) {
        cx.fire(RuleId::Urged, cx.turn_agent(i), i, None, None);
    }
}

/// An agent hands over or promises to look and then goes quiet.
pub fn agent(cx: &mut Cx, i: usize) {
    if cx.hit(i, RuleId::QuietAfterTransfer) {
        quiet_after_transfer(cx, i);
    }
    // A promise of a text, a call or a specialist is kept outside the chat.
    if cx.hit(i, RuleId::MissedFollowUp) && !cx.text[i].flags.promises_later {
        missed_follow_up(cx, i);
    }
}

/// A hand-over (转接) with no agent message within `reply_slow_secs`,
/// charged to the agent who took over (else the one who handed over).
fn quiet_after_transfer(cx: &mut Cx, i: usize) {
    let (msgs, m) = (cx.messages, cx.m);
    let msg = &msgs[i];
    let limit = msg.ts + (m.reply_slow_secs * 1000.0) as i64;
    let next = cx.ahead.next_agent(i);
    if next.is_none_or(|j| msgs[j].ts > limit) {
        let value = next.map(|j| secs(msgs[j].ts - msg.ts));
        let agent = next
            .and_then(|j| msgs[j].agent_id.clone())
            .or_else(|| msg.agent_id.clone());
        cx.fire(RuleId::QuietAfterTransfer, agent, i, value, Some(m.reply_slow_secs));
    }
}

/// 稍等 / 我去查一下 with nothing substantive within `follow_up_secs`.
fn missed_follow_up(cx: &mut Cx, i: usize) {
    let (msgs, m) = (cx.messages, cx.m);
    let msg = &msgs[i];
    let limit = msg.ts + (m.follow_up_secs * 1000.0) as i64;
    let next = cx.ahead.next_answer(i);
    if next.is_none_or(|j| msgs[j].ts > limit) {
        let value = next.map(|j| secs(msgs[j].ts - msg.ts));
        cx.fire(
            RuleId::MissedFollowUp,
            msg.agent_id.clone(),
            i,
            value,
            Some(m.follow_up_secs),
        );
    }
}
