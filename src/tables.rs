//! Fact tables as frames, with the column names and types of CONTRACT §5.
//! Every text column that can carry buyer data is PII-masked here.

use std::borrow::Cow;
use std::ops::Range;

use polars::prelude::*;
use rayon::prelude::*;

use crate::conversion::Attribution;
use crate::frame::{secs, yuan, FrameBuilder};
use crate::model::{Message, MsgType, Order, Reject};
use crate::rules::{rule_bit, MessageText, Violation, HIT_COLUMNS};
use crate::sessions::Conversations;
use crate::text::{mask_pii, TextEngine};
use crate::timeutil;

/// Rows `rows` of the `sessions` table (the sink writes large tables in slices).
pub fn sessions(
    conv: &Conversations,
    messages: &[Message],
    intents: &[Option<u8>],
    intent_names: &[String],
    rows: Range<usize>,
) -> PolarsResult<DataFrame> {
    let s = &conv.sessions[rows.clone()];
    let intents = &intents[rows];
    let fq = |i: usize| s[i].first_question.as_ref();
    let idx = 0..s.len();
    FrameBuilder::new(s.len())
        .str("shop_id", s.iter().map(|x| &x.shop_id))
        .str("session_id", s.iter().map(|x| &x.session_id))
        .str("buyer_id", s.iter().map(|x| &x.buyer_id))
        .opt_str("first_agent_id", s.iter().map(|x| x.first_agent_id.as_deref()))
        .datetime("started_at", s.iter().map(|x| x.started_local))
        .datetime("ended_at", s.iter().map(|x| x.ended_local))
        .u32("n_buyer_msgs", s.iter().map(|x| x.n_buyer_msgs))
        .u32("n_agent_msgs", s.iter().map(|x| x.n_agent_msgs))
        .opt_f64("first_response_secs", s.iter().map(|x| x.first_response_ms.map(secs)))
        .opt_f64("avg_response_secs", s.iter().map(|x| x.avg_response_secs()))
        .u32("n_turns", s.iter().map(|x| x.n_turns))
        .u32("n_unanswered_turns", s.iter().map(|x| x.n_unanswered_turns))
        .opt_str(
            "first_question",
            idx.clone().map(|i| fq(i).map(|q| mask_pii(&messages[q.msg].content))),
        )
        .opt_f64(
            "first_answer_secs",
            idx.clone().map(|i| fq(i).and_then(|q| q.answer_ms).map(secs)),
        )
        .opt_u32("stall_rounds", idx.clone().map(|i| fq(i).map(|q| q.stall_rounds)))
        .opt_bool(
            "first_question_answered",
            idx.map(|i| fq(i).map(|q| q.answer.is_some())),
        )
        .bool("is_inquiry", s.iter().map(|x| x.is_inquiry))
        .bool("is_after_sales", s.iter().map(|x| x.is_after_sales))
        .bool("buyer_started", s.iter().map(|x| x.buyer_started))
        .opt_str(
            "intent",
            intents.iter().map(|i| i.map(|i| intent_names[i as usize].as_str())),
        )
        .date("date", s.iter().map(|x| x.day()))
        .build()
}

/// Rows `rows` of the `turns` table.
pub fn turns(conv: &Conversations, rows: Range<usize>) -> PolarsResult<DataFrame> {
    let t = &conv.turns[rows];
    let s = &conv.sessions;
    FrameBuilder::new(t.len())
        .str("shop_id", t.iter().map(|x| &s[x.session].shop_id))
        .str("session_id", t.iter().map(|x| &s[x.session].session_id))
        .str("buyer_id", t.iter().map(|x| &s[x.session].buyer_id))
        .u32("turn_no", t.iter().map(|x| x.turn_no))
        .u32(
            "msg_no",
            t.iter().map(|x| (x.first_msg - s[x.session].msgs.start) as u32 + 1),
        )
        .opt_str("agent_id", t.iter().map(|x| x.agent_id.as_deref()))
        .datetime("started_at", t.iter().map(|x| x.start_local))
        .date("date", t.iter().map(|x| x.day()))
        .u32("hour", t.iter().map(|x| timeutil::hour_of_day(x.start_local)))
        .u32("n_buyer_msgs", t.iter().map(|x| x.n_buyer_msgs))
        .bool("answered", t.iter().map(|x| x.answered()))
        .opt_f64("response_secs", t.iter().map(|x| x.response_ms.map(secs)))
        .bool("in_service_hours", t.iter().map(|x| x.in_service_hours))
        .build()
}

/// Rows `rows` of the `messages` table.
pub fn messages(
    conv: &Conversations,
    messages: &[Message],
    text: &[MessageText],
    engine: &TextEngine,
    rows: Range<usize>,
) -> PolarsResult<DataFrame> {
    let intent_names = &engine.intents.names;
    let s = &conv.sessions;
    let session = |i: usize| &s[conv.session_of[i] as usize];
    let idx = rows.clone();
    let m = &messages[rows.clone()];
    let text = &text[rows];
    let n = m.len();
    // Three groups of columns built side by side (polars' builders are
    // single-threaded), joined in the table's column order.
    let ids = || {
        FrameBuilder::new(n)
            .str("shop_id", m.iter().map(|x| &x.shop_id))
            .str("session_id", idx.clone().map(|i| &session(i).session_id))
            .u32("msg_no", idx.clone().map(|i| (i - session(i).msgs.start) as u32 + 1))
            .str("buyer_id", m.iter().map(|x| &x.buyer_id))
            .opt_str("agent_id", m.iter().map(|x| x.agent_id.as_deref()))
            .str("sender", m.iter().map(|x| x.sender.as_str()))
            .datetime("sent_at", m.iter().map(|x| x.local))
            .str("msg_type", m.iter().map(|x| x.msg_type.as_str()))
            .build()
    };
    // Masked in parallel, and cut again here a slice at a time rather than
    // every message's tokens kept from the text pass.
    let words = || {
        let (content, tokens): (Vec<Cow<str>>, Vec<String>) = m
            .par_iter()
            .map(|x| {
                let tokens = match x.msg_type {
                    MsgType::Text => mask_pii(&engine.tokenize(&x.content).joined()).into_owned(),
                    _ => String::new(),
                };
                (mask_pii(&x.content), tokens)
            })
            .unzip();
        FrameBuilder::new(n)
            .str("content", &content)
            .str("tokens", &tokens)
            .build()
    };
    let flags = || {
        let mut b = FrameBuilder::new(n)
            .bool("is_question", text.iter().map(|t| t.flags.is_question))
            .bool("is_greeting", text.iter().map(|t| t.flags.is_greeting))
            .bool("is_closing", text.iter().map(|t| t.flags.is_closing))
            .bool("is_after_sales", text.iter().map(|t| t.flags.is_after_sales))
            .bool("is_filler", text.iter().map(|t| t.flags.is_filler))
            .bool("is_substantive", text.iter().map(|t| t.flags.is_substantive))
            .opt_str(
                "intent",
                text.iter().map(|t| t.intent.map(|i| intent_names[i as usize].as_str())),
            );
        for (name, rule) in HIT_COLUMNS {
            let bit = rule_bit(rule);
            b = b.bool(name, text.iter().map(|t| t.hits & bit != 0));
        }
        b.build()
    };
    let (ids, (words, flags)) = rayon::join(ids, || rayon::join(words, flags));
    ids?.hstack(words?.columns())?.hstack(flags?.columns())
}

/// Rows `rows` of the `violations` table.
pub fn violations(
    conv: &Conversations,
    messages: &[Message],
    v: &[Violation],
    rows: Range<usize>,
) -> PolarsResult<DataFrame> {
    let v = &v[rows];
    let s = &conv.sessions;
    FrameBuilder::new(v.len())
        .str("shop_id", v.iter().map(|x| &s[x.session].shop_id))
        .str("session_id", v.iter().map(|x| &s[x.session].session_id))
        .opt_str("agent_id", v.iter().map(|x| x.agent_id.as_deref()))
        .str("category", v.iter().map(|x| x.category.as_str()))
        .str("rule", v.iter().map(|x| x.rule))
        .datetime("at", v.iter().map(|x| messages[x.msg].local))
        .str("evidence", v.iter().map(|x| mask_pii(&messages[x.msg].content)))
        .opt_f64("value", v.iter().map(|x| x.value))
        .opt_f64("threshold", v.iter().map(|x| x.threshold))
        .str("buyer_id", v.iter().map(|x| &s[x.session].buyer_id))
        .str("sender", v.iter().map(|x| messages[x.msg].sender.as_str()))
        .u32("msg_no", v.iter().map(|x| (x.msg - s[x.session].msgs.start) as u32 + 1))
        .date("date", v.iter().map(|x| timeutil::local_day(messages[x.msg].local)))
        .build()
}

/// Rows `rows` of the `order_attribution` table.
pub fn order_attribution(
    conv: &Conversations,
    orders: &[Order],
    a: &[Attribution],
    rows: Range<usize>,
) -> PolarsResult<DataFrame> {
    let a = &a[rows];
    let o = |x: &Attribution| &orders[x.order];
    let s = &conv.sessions;
    FrameBuilder::new(a.len())
        .str("shop_id", a.iter().map(|x| &o(x).shop_id))
        .str("order_id", a.iter().map(|x| &o(x).order_id))
        .str("buyer_id", a.iter().map(|x| &o(x).buyer_id))
        .datetime("created_at", a.iter().map(|x| o(x).created_local))
        .opt_datetime("paid_at", a.iter().map(|x| o(x).paid_local))
        .f64("amount", a.iter().map(|x| yuan(o(x).amount_fen)))
        .opt_str("agent_id", a.iter().map(|x| x.agent_id.as_deref()))
        .opt_str(
            "session_id",
            a.iter().map(|x| x.session.map(|i| s[i].session_id.as_str())),
        )
        .bool("is_silent", a.iter().map(|x| x.is_silent))
        .bool("is_paid", a.iter().map(|x| o(x).paid_ts.is_some()))
        .opt_str("status", a.iter().map(|x| o(x).status.map(|s| s.as_str())))
        .opt_f64("refund_amount", a.iter().map(|x| o(x).refund_fen.map(yuan)))
        .date("date", a.iter().map(|x| timeutil::local_day(o(x).created_local)))
        .build()
}

pub fn rejects(r: &[Reject]) -> PolarsResult<DataFrame> {
    FrameBuilder::new(r.len())
        .str("file", r.iter().map(|x| &x.file))
        .u64("line", r.iter().map(|x| x.line))
        .str("reason", r.iter().map(|x| &x.reason))
        .str("raw", r.iter().map(|x| mask_pii(&x.raw)))
        .build()
}
