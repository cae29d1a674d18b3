//! 别让我想: the buyer is made to do the thinking. `pushback`,
//! `repeat_question`, `unanswered_first_question`, `canned_repeat`.

use super::context::{Cx, Walk};
use crate::core::model::MsgType;
use crate::core::registry::RuleId;
use crate::stages::text::MessageText;

/// Canned replies shorter than this (in characters) are not counted as copy-paste.
const CANNED_MIN_CHARS: usize = 8;

/// |a ∩ b| / |a ∪ b| of two sorted sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        return 0.0;
    }
    both as f64 / union as f64
}

/// The first question never gets a substantive answer.
pub fn first_question(cx: &mut Cx) {
    if let Some(fq) = cx.s.first_question.as_ref().filter(|q| q.answer.is_none()) {
        cx.fire(RuleId::UnansweredFirstQuestion, fq.agent_id.clone(), fq.msg, None, None);
    }
}

/// How alike two questions are: the larger of their word and character-bigram
/// Jaccard similarities.
pub fn similarity(a: &MessageText, b: &MessageText) -> f64 {
    jaccard(&a.words, &b.words).max(jaccard(&a.bigrams, &b.bigrams))
}

/// Whether `b` asks again what `a` asked: as alike as `repeat_similarity`, or
/// on the same topic with a content word in common (有现货吗 / 现在能发吗 are
/// not; 什么时候发货 / 几号能发货 are).
pub fn asks_again(a: &MessageText, b: &MessageText, threshold: f64) -> bool {
    let same_topic = a.topic.is_some() && a.topic == b.topic && jaccard(&a.words, &b.words) > 0.0;
    same_topic || similarity(a, b) >= threshold
}

/// How many earlier questions a buyer question is compared with.
const REPEAT_LOOKBACK: usize = 64;

/// The buyer asks again what an earlier question asked, with no substantive
/// answer since.
pub fn buyer(cx: &mut Cx, walk: &Walk, i: usize) {
    let tx = &cx.text[i];
    if !tx.flags.is_question || !cx.on(RuleId::RepeatQuestion) {
        return;
    }
    let threshold = cx.m.repeat_similarity;
    // Only questions since the last real answer, newest first, and at most
    // REPEAT_LOOKBACK of them: a repeat is asked close by, and a session of
    // thousands of unanswered questions must not cost their square.
    let again = walk
        .questions
        .iter()
        .rev()
        .take_while(|&&q| walk.last_substantive.is_none_or(|a| a < q))
        .take(REPEAT_LOOKBACK)
        .find(|&&q| asks_again(&cx.text[q], tx, threshold));
    if let Some(&q) = again {
        let sim = similarity(&cx.text[q], tx);
        cx.fire(RuleId::RepeatQuestion, cx.turn_agent(i), i, Some(sim), Some(threshold));
    }
}

/// The agent hands the choice back, or sends the same canned reply to a
/// different question.
pub fn agent(cx: &mut Cx, walk: &Walk, i: usize) {
    let msg = &cx.messages[i];
    if cx.on(RuleId::Pushback) && cx.text[i].is_pushback() {
        cx.fire(RuleId::Pushback, msg.agent_id.clone(), i, None, None);
    }
    let reply = msg.content.trim();
    // Courtesy templates (greetings, closings, rating prompts) are meant to
    // repeat, and a reply to 好的 / 谢谢 answers no question.
    let tx = &cx.text[i];
    let courtesy = tx.flags.is_courtesy;
    let to_question = walk.last_buyer.is_some_and(|b| walk.last_question == Some(b));
    let canned = msg.msg_type == MsgType::Text
        && tx.flags.is_substantive
        && !courtesy
        && to_question
        && reply.chars().count() >= CANNED_MIN_CHARS
        && cx.on(RuleId::CannedRepeat);
    if !canned {
        return;
    }
    // The same words sent as the answer to a different question.
    let sent = walk.replies.get(&(msg.agent_id.as_deref(), reply));
    let same = sent.into_iter().flatten().filter(|q| match (q, walk.last_question) {
        (Some(q), Some(lq)) => {
            // A paraphrase of the same question deserves the same answer, so
            // sameness is judged leniently here.
            *q != lq && !asks_again(&cx.text[*q], &cx.text[lq], cx.m.repeat_similarity / 2.0)
        }
        _ => false,
    });
    let n = same.count();
    if n > 0 {
        cx.fire(
            RuleId::CannedRepeat,
            msg.agent_id.clone(),
            i,
            Some(n as f64 + 1.0),
            None,
        );
    }
}
