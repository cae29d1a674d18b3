//! The fact tables as frames (sessions, turns, messages, violations,
//! order_attribution, rejects), a slice of rows at a time, with the columns
//! of the output schema. Every text column that can carry buyer data is
//! PII-masked here.

use std::borrow::Cow;
use std::ops::Range;

use polars::prelude::*;
use rayon::prelude::*;

use crate::core::frame::FrameBuilder;
use crate::core::model::{yuan, Message, MsgType, Order, Reject, Sender};
use crate::core::registry::RULES;
use crate::core::schema::{messages as ms, order_attribution as oa, rejects as rj, sessions as ss};
use crate::core::schema::{turns as tn, violations as vi};
use crate::core::time::{self, secs};
use crate::stages::conversion::Attribution;
use crate::stages::marts::Marts;
use crate::stages::rules::Violation;
use crate::stages::sessions::Conversations;
use crate::stages::text::pii::{apply, spans};
use crate::stages::text::{mask_id, mask_pii, MessageText, TextEngine};

/// Rows `rows` of the `sessions` table (the sink writes large tables in slices).
pub fn sessions(
    conv: &Conversations,
    messages: &[Message],
    marts: &Marts,
    engine: &TextEngine,
    rows: Range<usize>,
) -> PolarsResult<DataFrame> {
    let intent_names = &engine.intents.names;
    let s = &conv.sessions[rows.clone()];
    let intents = &marts.session_intents[rows.clone()];
    let returning = &marts.session_returning[rows.clone()];
    let levels = &marts.session_member_levels[rows.clone()];
    let reasons = &marts.session_reasons[rows];
    let fq = |i: usize| s[i].first_question.as_ref();
    let idx = 0..s.len();
    FrameBuilder::new(s.len())
        .str(ss::SHOP_ID, s.iter().map(|x| &x.shop_id))
        .str(ss::SESSION_ID, s.iter().map(|x| mask_id(&x.session_id)))
        .str(ss::BUYER_ID, s.iter().map(|x| mask_id(&x.buyer_id)))
        .opt_str(ss::FIRST_AGENT_ID, s.iter().map(|x| x.first_agent_id.as_deref()))
        .datetime(ss::STARTED_AT, s.iter().map(|x| x.started_local))
        .datetime(ss::ENDED_AT, s.iter().map(|x| x.ended_local))
        .u32(ss::N_BUYER_MSGS, s.iter().map(|x| x.n_buyer_msgs))
        .u32(ss::N_AGENT_MSGS, s.iter().map(|x| x.n_agent_msgs))
        .opt_f64(ss::FIRST_RESPONSE_SECS, s.iter().map(|x| x.first_response_ms.map(secs)))
        .opt_f64(ss::AVG_RESPONSE_SECS, s.iter().map(|x| x.avg_response_secs()))
        .u32(ss::N_TURNS, s.iter().map(|x| x.n_turns))
        .u32(ss::N_UNANSWERED_TURNS, s.iter().map(|x| x.n_unanswered_turns))
        .opt_str(
            ss::FIRST_QUESTION,
            idx.clone().map(|i| fq(i).map(|q| mask_pii(&messages[q.msg].content))),
        )
        .opt_f64(
            ss::FIRST_ANSWER_SECS,
            idx.clone().map(|i| fq(i).and_then(|q| q.answer_ms).map(secs)),
        )
        .opt_u32(ss::STALL_ROUNDS, idx.clone().map(|i| fq(i).map(|q| q.stall_rounds)))
        .opt_bool(
            ss::FIRST_QUESTION_ANSWERED,
            idx.map(|i| fq(i).map(|q| q.answer.is_some())),
        )
        .bool(ss::IS_INQUIRY, s.iter().map(|x| x.is_inquiry))
        .bool(ss::IS_AFTER_SALES, s.iter().map(|x| x.is_after_sales))
        .str(ss::STAGE, s.iter().map(|x| x.stage.name()))
        .bool(ss::BUYER_STARTED, s.iter().map(|x| x.buyer_started))
        .opt_str(
            ss::INTENT,
            intents.iter().map(|i| i.map(|i| intent_names[i as usize].as_str())),
        )
        .date(ss::DATE, s.iter().map(|x| x.day()))
        .bool(ss::RETURNING_BUYER, returning.iter().copied())
        .opt_str(ss::MEMBER_LEVEL, levels.iter().map(|l| l.as_deref()))
        .opt_str(
            ss::AFTER_SALES_REASON,
            reasons.iter().map(|r| r.map(|r| engine.reasons.name(r))),
        )
        .build()
}

/// Rows `rows` of the `turns` table.
pub fn turns(conv: &Conversations, rows: Range<usize>) -> PolarsResult<DataFrame> {
    let t = &conv.turns[rows];
    let s = &conv.sessions;
    FrameBuilder::new(t.len())
        .str(tn::SHOP_ID, t.iter().map(|x| &s[x.session].shop_id))
        .str(tn::SESSION_ID, t.iter().map(|x| mask_id(&s[x.session].session_id)))
        .str(tn::BUYER_ID, t.iter().map(|x| mask_id(&s[x.session].buyer_id)))
        .u32(tn::TURN_NO, t.iter().map(|x| x.turn_no))
        .u32(
            tn::MSG_NO,
            t.iter().map(|x| (x.first_msg - s[x.session].msgs.start) as u32 + 1),
        )
        .opt_str(tn::AGENT_ID, t.iter().map(|x| x.agent_id.as_deref()))
        .datetime(tn::STARTED_AT, t.iter().map(|x| x.start_local))
        .date(tn::DATE, t.iter().map(|x| x.day()))
        .u32(tn::HOUR, t.iter().map(|x| time::hour_of_day(x.start_local)))
        .u32(tn::N_BUYER_MSGS, t.iter().map(|x| x.n_buyer_msgs))
        .bool(tn::ANSWERED, t.iter().map(|x| x.answered()))
        .opt_f64(tn::RESPONSE_SECS, t.iter().map(|x| x.response_ms.map(secs)))
        .bool(tn::IN_SERVICE_HOURS, t.iter().map(|x| x.in_service_hours))
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
            .str(ms::SHOP_ID, m.iter().map(|x| &x.shop_id))
            .str(ms::SESSION_ID, idx.clone().map(|i| mask_id(&session(i).session_id)))
            .u32(ms::MSG_NO, idx.clone().map(|i| (i - session(i).msgs.start) as u32 + 1))
            .str(ms::BUYER_ID, m.iter().map(|x| mask_id(&x.buyer_id)))
            .opt_str(ms::AGENT_ID, m.iter().map(|x| x.agent_id.as_deref()))
            .str(ms::SENDER, m.iter().map(|x| x.sender.as_str()))
            .datetime(ms::SENT_AT, m.iter().map(|x| x.local))
            .str(ms::MSG_TYPE, m.iter().map(|x| x.msg_type.as_str()))
            .build()
    };
    // Masked in parallel, and cut again here a slice at a time rather than
    // every message's tokens kept from the text pass.
    let words = || {
        let cut: Vec<(Cow<str>, String, Option<String>)> = m
            .par_iter()
            .zip(text)
            .map(|(x, t)| {
                // Personal data found once, for the text and its tokens.
                let pii = spans(&x.content);
                let (tokens, why) = match x.msg_type {
                    MsgType::Text => {
                        let tk = engine.tokenize(&x.content);
                        (tk.masked(&pii), engine.why(x.sender, x.msg_type, &tk, &t.flags, t.hits))
                    }
                    _ => (String::new(), None),
                };
                (apply(&x.content, &pii), tokens, why)
            })
            .collect();
        FrameBuilder::new(n)
            .str(ms::CONTENT, cut.iter().map(|c| &c.0))
            .str(ms::TOKENS, cut.iter().map(|c| &c.1))
            .opt_str(ms::WHY, cut.iter().map(|c| c.2.as_deref()))
            .build()
    };
    let flags = || {
        let mut b = FrameBuilder::new(n)
            .bool(ms::IS_QUESTION, text.iter().map(|t| t.flags.is_question))
            .bool(ms::IS_GREETING, text.iter().map(|t| t.flags.is_greeting))
            .bool(ms::IS_CLOSING, text.iter().map(|t| t.flags.is_closing))
            .bool(ms::IS_AFTER_SALES, text.iter().map(|t| t.flags.is_after_sales))
            .opt_str(
                ms::STAGE,
                m.iter()
                    .zip(text)
                    .map(|(x, t)| (x.sender == Sender::Buyer).then(|| t.flags.stage.name())),
            )
            .bool(ms::IS_FILLER, text.iter().map(|t| t.flags.is_filler))
            .bool(ms::IS_SUBSTANTIVE, text.iter().map(|t| t.flags.is_substantive))
            .opt_str(
                ms::INTENT,
                text.iter().map(|t| t.intent.map(|i| engine.intents.name(i))),
            );
        // The hit columns in the schema's order, each the lexicon of its rule.
        for c in ms::TABLE.columns {
            if let Some(rule) = RULES.iter().find(|r| r.hit_column == Some(*c)) {
                b = b.bool(*c, text.iter().map(|t| t.hits.contains(rule.id)));
            }
        }
        b.bool(ms::IS_REVIEW_INVITE, text.iter().map(|t| t.flags.is_review_invite))
            .build()
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
        .str(vi::SHOP_ID, v.iter().map(|x| &s[x.session].shop_id))
        .str(vi::SESSION_ID, v.iter().map(|x| mask_id(&s[x.session].session_id)))
        .opt_str(vi::AGENT_ID, v.iter().map(|x| x.agent_id.as_deref()))
        .str(vi::CATEGORY, v.iter().map(|x| x.category().as_str()))
        .str(vi::RULE, v.iter().map(|x| x.rule.name()))
        .datetime(vi::AT, v.iter().map(|x| messages[x.msg].local))
        .str(vi::EVIDENCE, v.iter().map(|x| mask_pii(&messages[x.msg].content)))
        .opt_f64(vi::VALUE, v.iter().map(|x| x.value))
        .opt_f64(vi::THRESHOLD, v.iter().map(|x| x.threshold))
        .str(vi::BUYER_ID, v.iter().map(|x| mask_id(&s[x.session].buyer_id)))
        .str(vi::SENDER, v.iter().map(|x| messages[x.msg].sender.as_str()))
        .u32(
            vi::MSG_NO,
            v.iter().map(|x| (x.msg - s[x.session].msgs.start) as u32 + 1),
        )
        .date(vi::DATE, v.iter().map(|x| time::local_day(messages[x.msg].local)))
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
        .str(oa::SHOP_ID, a.iter().map(|x| &o(x).shop_id))
        .str(oa::ORDER_ID, a.iter().map(|x| &o(x).order_id))
        .str(oa::BUYER_ID, a.iter().map(|x| mask_id(&o(x).buyer_id)))
        .datetime(oa::CREATED_AT, a.iter().map(|x| o(x).created_local))
        .opt_datetime(oa::PAID_AT, a.iter().map(|x| o(x).paid_local))
        .f64(oa::AMOUNT, a.iter().map(|x| yuan(o(x).amount_fen)))
        .opt_str(oa::AGENT_ID, a.iter().map(|x| x.agent_id.as_deref()))
        .opt_str(
            oa::SESSION_ID,
            a.iter().map(|x| x.session.map(|i| mask_id(&s[i].session_id))),
        )
        .bool(oa::IS_SILENT, a.iter().map(|x| x.is_silent))
        .bool(oa::IS_PAID, a.iter().map(|x| o(x).paid_ts.is_some()))
        .opt_str(oa::STATUS, a.iter().map(|x| o(x).status.map(|s| s.as_str())))
        .opt_f64(oa::REFUND_AMOUNT, a.iter().map(|x| o(x).refund_fen.map(yuan)))
        .date(oa::DATE, a.iter().map(|x| time::local_day(o(x).created_local)))
        .opt_datetime(
            oa::REFUND_AT,
            a.iter()
                .map(|x| o(x).refund_detail.as_ref().and_then(|d| d.first_refund_local)),
        )
        .opt_str(
            oa::REFUND_STAGE,
            a.iter()
                .map(|x| o(x).refund_detail.as_ref().and_then(|d| d.stage.as_deref())),
        )
        .opt_str(
            oa::REFUND_REASON,
            a.iter()
                .map(|x| o(x).refund_detail.as_ref().and_then(|d| d.reason.as_deref())),
        )
        .build()
}

pub fn rejects(r: &[Reject]) -> PolarsResult<DataFrame> {
    FrameBuilder::new(r.len())
        .str(rj::FILE, r.iter().map(|x| &x.file))
        .u64(rj::LINE, r.iter().map(|x| x.line))
        .str(rj::REASON, r.iter().map(|x| mask_pii(&x.reason)))
        .str(rj::RAW, r.iter().map(|x| mask_pii(&x.raw)))
        .build()
}
