//! The one output schema: every table kefu writes, its columns in order, and
//! each column's type. Writers build frames through [`crate::core::frame`]
//! with these columns, the sink checks every frame against its table before
//! writing it, and readers (report, explain, plan-staffing, tests) open a
//! table through [`Rows`], which fails naming the column when one is missing
//! or of another type. A column's name is written here and nowhere else.

use polars::prelude::*;

use crate::core::error::{KefuError, Result};

/// A column's type, as CONTRACT §5 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    U32,
    U64,
    I64,
    F64,
    Bool,
    /// Parquet `DATE`: days since 1970-01-01.
    Date,
    /// Local wall-clock time, timezone-naive, in milliseconds.
    Datetime,
}

impl Ty {
    pub fn dtype(self) -> DataType {
        match self {
            Ty::Str => DataType::String,
            Ty::U32 => DataType::UInt32,
            Ty::U64 => DataType::UInt64,
            Ty::I64 => DataType::Int64,
            Ty::F64 => DataType::Float64,
            Ty::Bool => DataType::Boolean,
            Ty::Date => DataType::Date,
            Ty::Datetime => DataType::Datetime(TimeUnit::Milliseconds, None),
        }
    }
}

/// One column of an output table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col {
    pub name: &'static str,
    pub ty: Ty,
    /// May hold nulls (`?` in the data dictionary).
    pub nullable: bool,
}

impl Col {
    pub const fn new(name: &'static str, ty: Ty, nullable: bool) -> Self {
        Col { name, ty, nullable }
    }
    /// The column in a polars expression.
    pub fn col(self) -> Expr {
        col(self.name)
    }
    /// A column of the same type under another name (a hit column, a score component).
    pub const fn renamed(self, name: &'static str) -> Self {
        Col { name, ..self }
    }
}

/// An output table: a folder `OUT/<name>/` of Parquet files.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Col],
}

impl Table {
    /// Fails unless `df` has exactly `columns`, in order, with their types.
    pub fn check_columns(&self, columns: &[Col], df: &DataFrame) -> Result<()> {
        let got: Vec<(String, DataType)> = df
            .columns()
            .iter()
            .map(|c| (c.name().to_string(), c.dtype().clone()))
            .collect();
        let want: Vec<(String, DataType)> = columns.iter().map(|c| (c.name.to_owned(), c.ty.dtype())).collect();
        if got == want {
            return Ok(());
        }
        let first = want
            .iter()
            .zip(&got)
            .position(|(a, b)| a != b)
            .unwrap_or(want.len().min(got.len()));
        Err(KefuError::Schema {
            table: self.name.into(),
            reason: format!(
                "column {} is {:?}, the schema says {:?}",
                first + 1,
                got.get(first),
                want.get(first)
            ),
        })
    }
    /// [`Table::check_columns`] with the table's own columns.
    pub fn check(&self, df: &DataFrame) -> Result<()> {
        self.check_columns(self.columns, df)
    }
}

/// Declares a table module: a constant per column and `TABLE` listing them in order.
/// `NAME = "name": Ty` is a column that is never null, `…: Ty | null` one that may be.
macro_rules! table {
    ($(#[$doc:meta])* $module:ident { $($(#[$cdoc:meta])* $c:ident = $name:literal : $ty:ident $(| $null:ident)?),* $(,)? }) => {
        $(#[$doc])*
        pub mod $module {
            use super::{Col, Table, Ty};
            $($(#[$cdoc])* pub const $c: Col = Col::new($name, Ty::$ty, table!(@null $($null)?));)*
            pub const TABLE: Table = Table { name: stringify!($module), columns: &[$($c),*] };
        }
    };
    (@null null) => { true };
    (@null) => { false };
}

table! {
    /// One row per session.
    sessions {
        SHOP_ID = "shop_id": Str,
        SESSION_ID = "session_id": Str,
        BUYER_ID = "buyer_id": Str,
        FIRST_AGENT_ID = "first_agent_id": Str | null,
        STARTED_AT = "started_at": Datetime,
        ENDED_AT = "ended_at": Datetime,
        N_BUYER_MSGS = "n_buyer_msgs": U32,
        N_AGENT_MSGS = "n_agent_msgs": U32,
        FIRST_RESPONSE_SECS = "first_response_secs": F64 | null,
        AVG_RESPONSE_SECS = "avg_response_secs": F64 | null,
        N_TURNS = "n_turns": U32,
        N_UNANSWERED_TURNS = "n_unanswered_turns": U32,
        FIRST_QUESTION = "first_question": Str | null,
        FIRST_ANSWER_SECS = "first_answer_secs": F64 | null,
        STALL_ROUNDS = "stall_rounds": U32 | null,
        FIRST_QUESTION_ANSWERED = "first_question_answered": Bool | null,
        IS_INQUIRY = "is_inquiry": Bool,
        IS_AFTER_SALES = "is_after_sales": Bool,
        /// `presale` / `insale` / `aftersale`: the latest its buyer's messages reached.
        STAGE = "stage": Str,
        BUYER_STARTED = "buyer_started": Bool,
        INTENT = "intent": Str | null,
        DATE = "date": Date,
        /// 老客: the buyer had paid an order in the shop before the session
        /// started (by the orders in hand, or the CRM's `first_paid_at`).
        RETURNING_BUYER = "returning_buyer": Bool,
        /// From the optional `buyers` input.
        MEMBER_LEVEL = "member_level": Str | null,
        /// What an after-sales session is about (发错/漏发, 物流慢/未收到, 破损 …, 其他).
        AFTER_SALES_REASON = "after_sales_reason": Str | null,
    }
}

table! {
    /// One row per 轮次.
    turns {
        SHOP_ID = "shop_id": Str,
        SESSION_ID = "session_id": Str,
        BUYER_ID = "buyer_id": Str,
        TURN_NO = "turn_no": U32,
        MSG_NO = "msg_no": U32,
        AGENT_ID = "agent_id": Str | null,
        STARTED_AT = "started_at": Datetime,
        DATE = "date": Date,
        HOUR = "hour": U32,
        N_BUYER_MSGS = "n_buyer_msgs": U32,
        ANSWERED = "answered": Bool,
        RESPONSE_SECS = "response_secs": F64 | null,
        IN_SERVICE_HOURS = "in_service_hours": Bool,
    }
}

table! {
    /// One row per message used. The `hit_*` columns say which rule lexicon a
    /// message hits; the registry names each rule's column.
    messages {
        SHOP_ID = "shop_id": Str,
        SESSION_ID = "session_id": Str,
        MSG_NO = "msg_no": U32,
        BUYER_ID = "buyer_id": Str,
        AGENT_ID = "agent_id": Str | null,
        SENDER = "sender": Str,
        SENT_AT = "sent_at": Datetime,
        MSG_TYPE = "msg_type": Str,
        CONTENT = "content": Str,
        TOKENS = "tokens": Str,
        /// Why the message was read as it was: each flag and lexicon hit with
        /// the phrase that made it (售后「退款」 问「？」 urged「快点」).
        WHY = "why": Str | null,
        IS_QUESTION = "is_question": Bool,
        IS_GREETING = "is_greeting": Bool,
        IS_CLOSING = "is_closing": Bool,
        IS_AFTER_SALES = "is_after_sales": Bool,
        /// A buyer message's stage (`presale` / `insale` / `aftersale`).
        STAGE = "stage": Str | null,
        IS_FILLER = "is_filler": Bool,
        IS_SUBSTANTIVE = "is_substantive": Bool,
        INTENT = "intent": Str | null,
        HIT_PUSHBACK = "hit_pushback": Bool,
        HIT_URGE = "hit_urge": Bool,
        HIT_COMPLAINT = "hit_complaint": Bool,
        HIT_APOLOGY = "hit_apology": Bool,
        HIT_REMEDY = "hit_remedy": Bool,
        HIT_ARGUE = "hit_argue": Bool,
        HIT_FORBIDDEN = "hit_forbidden": Bool,
        HIT_FOLLOW_UP = "hit_follow_up": Bool,
        HIT_TRANSFER = "hit_transfer": Bool,
        HIT_UNHAPPY = "hit_unhappy": Bool,
        HIT_WELCOME = "hit_welcome": Bool,
        HIT_FAREWELL = "hit_farewell": Bool,
        HIT_OFF_PLATFORM = "hit_off_platform": Bool,
        HIT_FALSE_PROMISE = "hit_false_promise": Bool,
        /// The agent invites a review (邀评, `invite_review.txt`).
        IS_REVIEW_INVITE = "is_review_invite": Bool,
    }
}

table! {
    /// One row per violation, with the message that proves it.
    violations {
        SHOP_ID = "shop_id": Str,
        SESSION_ID = "session_id": Str,
        AGENT_ID = "agent_id": Str | null,
        CATEGORY = "category": Str,
        RULE = "rule": Str,
        AT = "at": Datetime,
        EVIDENCE = "evidence": Str,
        VALUE = "value": F64 | null,
        THRESHOLD = "threshold": F64 | null,
        BUYER_ID = "buyer_id": Str,
        SENDER = "sender": Str,
        MSG_NO = "msg_no": U32,
        DATE = "date": Date,
    }
}

table! {
    /// One row per order, with the inquiry and agent it is credited to.
    order_attribution {
        SHOP_ID = "shop_id": Str,
        ORDER_ID = "order_id": Str,
        BUYER_ID = "buyer_id": Str,
        CREATED_AT = "created_at": Datetime,
        PAID_AT = "paid_at": Datetime | null,
        AMOUNT = "amount": F64,
        AGENT_ID = "agent_id": Str | null,
        SESSION_ID = "session_id": Str | null,
        IS_SILENT = "is_silent": Bool,
        IS_PAID = "is_paid": Bool,
        STATUS = "status": Str | null,
        REFUND_AMOUNT = "refund_amount": F64 | null,
        DATE = "date": Date,
        /// From the optional `refunds` input: the first refund's time, the stage and reason.
        REFUND_AT = "refund_at": Datetime | null,
        REFUND_STAGE = "refund_stage": Str | null,
        REFUND_REASON = "refund_reason": Str | null,
    }
}

table! {
    /// Input rows that could not be used, with file, line and reason.
    rejects {
        FILE = "file": Str,
        LINE = "line": U64,
        REASON = "reason": Str,
        RAW = "raw": Str,
    }
}

table! {
    /// Per shop, agent and date. Counts and the integer sums behind every rate.
    agent_daily {
        SHOP_ID = "shop_id": Str,
        AGENT_ID = "agent_id": Str,
        DATE = "date": Date,
        AGENT_NAME = "agent_name": Str | null,
        TEAM = "team": Str | null,
        SESSIONS = "sessions": U32,
        BUYERS = "buyers": U32,
        INQUIRIES = "inquiries": U32,
        ORDERED_BUYERS = "ordered_buyers": U32,
        PAID_BUYERS = "paid_buyers": U32,
        CONVERSION_RATE = "conversion_rate": F64 | null,
        SALES_AMOUNT = "sales_amount": F64,
        FIRST_RESPONSE_AVG_SECS = "first_response_avg_secs": F64 | null,
        FIRST_ANSWER_AVG_SECS = "first_answer_avg_secs": F64 | null,
        RESPONSE_AVG_SECS = "response_avg_secs": F64 | null,
        RESPONSE_3MIN_RATE = "response_3min_rate": F64 | null,
        UNANSWERED_TURNS = "unanswered_turns": U32,
        VIOLATIONS_WAIT = "violations_wait": U32,
        VIOLATIONS_THINK = "violations_think": U32,
        VIOLATIONS_ANNOY = "violations_annoy": U32,
        N_TURNS = "n_turns": U32,
        TURNS_IN_HOURS = "turns_in_hours": U32,
        TURNS_ANSWERED_3MIN = "turns_answered_3min": U32,
        RESPONSE_N = "response_n": U32,
        RESPONSE_SUM_MS = "response_sum_ms": I64,
        FIRST_RESPONSE_N = "first_response_n": U32,
        FIRST_RESPONSE_SUM_MS = "first_response_sum_ms": I64,
        FIRST_QUESTIONS = "first_questions": U32,
        FIRST_QUESTIONS_ANSWERED = "first_questions_answered": U32,
        FIRST_QUESTIONS_STALLED = "first_questions_stalled": U32,
        FIRST_ANSWER_N = "first_answer_n": U32,
        FIRST_ANSWER_SUM_MS = "first_answer_sum_ms": I64,
        SALES_FEN = "sales_fen": I64,
        /// Credited orders (paid or not), by inquiry date.
        ORDERED_ORDERS = "ordered_orders": U32,
        /// Credited orders that were paid (the refund rate's denominator).
        PAID_ORDERS = "paid_orders": U32,
        /// 付款流失: credited buyers with no paid credited order.
        UNPAID_BUYERS = "unpaid_buyers": U32,
        /// 询单流失: inquiry buyers whose inquiry led to no order.
        LOST_INQUIRIES = "lost_inquiries": U32,
        /// Credited buyers who paid by the end of the inquiry's day.
        PAID_SAME_DAY_BUYERS = "paid_same_day_buyers": U32,
        /// Credited buyers who paid by the end of the day after (cumulative).
        PAID_NEXT_DAY_BUYERS = "paid_next_day_buyers": U32,
        /// Paid credited orders refunded (status `refunded` or a refund amount).
        REFUND_ORDERS = "refund_orders": U32,
        ORDERED_FEN = "ordered_fen": I64,
        UNPAID_FEN = "unpaid_fen": I64,
        REFUND_FEN = "refund_fen": I64,
        ORDERED_AMOUNT = "ordered_amount": F64,
        UNPAID_AMOUNT = "unpaid_amount": F64,
        ORDER_TO_PAID_RATE = "order_to_paid_rate": F64 | null,
        REFUND_AMOUNT = "refund_amount": F64,
        REFUND_RATE = "refund_rate": F64 | null,
        NET_SALES_AMOUNT = "net_sales_amount": F64,
        /// 落实客单价: credited paid sales (net of refunds when
        /// `sales_net_of_refunds`) ÷ paid buyers.
        AVG_ORDER_VALUE = "avg_order_value": F64 | null,
        /// The agent's share of the shop's credited sales that day (week).
        SALES_SHARE = "sales_share": F64 | null,
        /// 催付: orders the agent chased (on the order's inquiry date, else its order date).
        CHASED_ORDERS = "chased_orders": U32,
        /// Chased orders paid after the chase, inside the chase window.
        CHASED_PAID_ORDERS = "chased_paid_orders": U32,
        CHASED_PAID_FEN = "chased_paid_fen": I64,
        CHASED_PAID_AMOUNT = "chased_paid_amount": F64,
        CHASE_SUCCESS_RATE = "chase_success_rate": F64 | null,
        /// 新客 / 老客: inquiries and paid buyers by whether the buyer had
        /// paid in the shop before the inquiry.
        INQUIRIES_NEW = "inquiries_new": U32,
        INQUIRIES_RETURNING = "inquiries_returning": U32,
        PAID_BUYERS_NEW = "paid_buyers_new": U32,
        PAID_BUYERS_RETURNING = "paid_buyers_returning": U32,
        CONVERSION_RATE_NEW = "conversion_rate_new": F64 | null,
        CONVERSION_RATE_RETURNING = "conversion_rate_returning": F64 | null,
        /// Workload (the platforms' set): buyer messages of the agent's turns,
        /// the agent's own messages and their characters.
        BUYER_MSGS = "buyer_msgs": U32,
        AGENT_MSGS = "agent_msgs": U32,
        AGENT_CHARS = "agent_chars": U32,
        /// Buyers with a turn credited to the agent; those never replied to.
        RECEIVED_BUYERS = "received_buyers": U32,
        UNREPLIED_BUYERS = "unreplied_buyers": U32,
        /// Buyers who waited `slow_response_secs` or more in service hours.
        SLOW_BUYERS = "slow_buyers": U32,
        /// Sessions longer than `long_reception_mins`.
        LONG_RECEPTIONS = "long_receptions": U32,
        TRANSFERS_IN = "transfers_in": U32,
        TRANSFERS_OUT = "transfers_out": U32,
        /// Sessions the agent opened (主动跟进).
        AGENT_STARTED_SESSIONS = "agent_started_sessions": U32,
        /// Sessions the agent wrote in that reached 售中 / 售后.
        INSALE_SESSIONS = "insale_sessions": U32,
        AFTERSALE_SESSIONS = "aftersale_sessions": U32,
        /// Agent messages inviting a review (邀评).
        REVIEW_INVITES = "review_invites": U32,
        /// In-hours turns, answered or not: the platform 平响's denominator.
        PLATFORM_RESPONSE_N = "platform_response_n": U32,
        RECEPTION_MS = "reception_ms": I64,
        PLATFORM_RESPONSE_SUM_MS = "platform_response_sum_ms": I64,
        /// 答问比: agent ÷ buyer messages.
        QA_RATIO = "qa_ratio": F64 | null,
        /// 1 − unreplied ÷ received buyers.
        REPLY_RATE = "reply_rate": F64 | null,
        RECEPTION_SECS = "reception_secs": F64,
        AVG_SESSION_SECS = "avg_session_secs": F64 | null,
        /// Taobao's 平响: an in-hours unanswered turn counts as
        /// `response_cap_secs` (`response_avg_secs` averages answered turns only).
        RESPONSE_AVG_PLATFORM_SECS = "response_avg_platform_secs": F64 | null,
        /// From the optional `ratings` input (null without it): ratings of the
        /// agent's sessions, those of 4 or 5, and their share.
        RATINGS = "ratings": U32 | null,
        SATISFIED_RATINGS = "satisfied_ratings": U32 | null,
        SATISFACTION_RATE = "satisfaction_rate": F64 | null,
        /// From the optional `reviews` input (null without it): reviews of
        /// orders the agent served, 中差评 (3 or less) among them, split by
        /// the session that served the order — 售后 (the buyer's latest
        /// after-sales session between the order and the review), 售中 (else
        /// the latest other session in that span) or 售前 (else the inquiry
        /// the order is credited to) — on that session's date.
        REVIEWS = "reviews": U32 | null,
        BAD_REVIEWS = "bad_reviews": U32 | null,
        BAD_REVIEWS_PRESALE = "bad_reviews_presale": U32 | null,
        BAD_REVIEWS_INSALE = "bad_reviews_insale": U32 | null,
        BAD_REVIEWS_AFTERSALE = "bad_reviews_aftersale": U32 | null,
    }
}

table! {
    /// Per shop, agent and ISO week: agent_daily's counts and sums added up,
    /// rates recomputed from them, the score and the rank. Between
    /// `VIOLATIONS_ANNOY_PER_100` and `SCORE` sit the `score_<component>`
    /// columns of the configured components ([`agent_weekly_columns`]), which
    /// `TABLE` leaves out.
    agent_weekly {
        SHOP_ID = "shop_id": Str,
        AGENT_ID = "agent_id": Str,
        WEEK = "week": Str,
        SESSIONS = "sessions": U32,
        BUYERS = "buyers": U32,
        INQUIRIES = "inquiries": U32,
        ORDERED_BUYERS = "ordered_buyers": U32,
        PAID_BUYERS = "paid_buyers": U32,
        UNANSWERED_TURNS = "unanswered_turns": U32,
        VIOLATIONS_WAIT = "violations_wait": U32,
        VIOLATIONS_THINK = "violations_think": U32,
        VIOLATIONS_ANNOY = "violations_annoy": U32,
        N_TURNS = "n_turns": U32,
        TURNS_IN_HOURS = "turns_in_hours": U32,
        TURNS_ANSWERED_3MIN = "turns_answered_3min": U32,
        RESPONSE_N = "response_n": U32,
        RESPONSE_SUM_MS = "response_sum_ms": I64,
        FIRST_RESPONSE_N = "first_response_n": U32,
        FIRST_RESPONSE_SUM_MS = "first_response_sum_ms": I64,
        FIRST_QUESTIONS = "first_questions": U32,
        FIRST_QUESTIONS_ANSWERED = "first_questions_answered": U32,
        FIRST_QUESTIONS_STALLED = "first_questions_stalled": U32,
        FIRST_ANSWER_N = "first_answer_n": U32,
        FIRST_ANSWER_SUM_MS = "first_answer_sum_ms": I64,
        SALES_FEN = "sales_fen": I64,
        ORDERED_ORDERS = "ordered_orders": U32,
        PAID_ORDERS = "paid_orders": U32,
        UNPAID_BUYERS = "unpaid_buyers": U32,
        LOST_INQUIRIES = "lost_inquiries": U32,
        PAID_SAME_DAY_BUYERS = "paid_same_day_buyers": U32,
        PAID_NEXT_DAY_BUYERS = "paid_next_day_buyers": U32,
        REFUND_ORDERS = "refund_orders": U32,
        ORDERED_FEN = "ordered_fen": I64,
        UNPAID_FEN = "unpaid_fen": I64,
        REFUND_FEN = "refund_fen": I64,
        CHASED_ORDERS = "chased_orders": U32,
        CHASED_PAID_ORDERS = "chased_paid_orders": U32,
        CHASED_PAID_FEN = "chased_paid_fen": I64,
        INQUIRIES_NEW = "inquiries_new": U32,
        INQUIRIES_RETURNING = "inquiries_returning": U32,
        PAID_BUYERS_NEW = "paid_buyers_new": U32,
        PAID_BUYERS_RETURNING = "paid_buyers_returning": U32,
        BUYER_MSGS = "buyer_msgs": U32,
        AGENT_MSGS = "agent_msgs": U32,
        AGENT_CHARS = "agent_chars": U32,
        RECEIVED_BUYERS = "received_buyers": U32,
        UNREPLIED_BUYERS = "unreplied_buyers": U32,
        SLOW_BUYERS = "slow_buyers": U32,
        LONG_RECEPTIONS = "long_receptions": U32,
        TRANSFERS_IN = "transfers_in": U32,
        TRANSFERS_OUT = "transfers_out": U32,
        AGENT_STARTED_SESSIONS = "agent_started_sessions": U32,
        INSALE_SESSIONS = "insale_sessions": U32,
        AFTERSALE_SESSIONS = "aftersale_sessions": U32,
        REVIEW_INVITES = "review_invites": U32,
        PLATFORM_RESPONSE_N = "platform_response_n": U32,
        RECEPTION_MS = "reception_ms": I64,
        PLATFORM_RESPONSE_SUM_MS = "platform_response_sum_ms": I64,
        RATINGS = "ratings": U32 | null,
        SATISFIED_RATINGS = "satisfied_ratings": U32 | null,
        REVIEWS = "reviews": U32 | null,
        BAD_REVIEWS = "bad_reviews": U32 | null,
        BAD_REVIEWS_PRESALE = "bad_reviews_presale": U32 | null,
        BAD_REVIEWS_INSALE = "bad_reviews_insale": U32 | null,
        BAD_REVIEWS_AFTERSALE = "bad_reviews_aftersale": U32 | null,
        AGENT_NAME = "agent_name": Str | null,
        TEAM = "team": Str | null,
        CONVERSION_RATE = "conversion_rate": F64 | null,
        SALES_AMOUNT = "sales_amount": F64,
        FIRST_RESPONSE_AVG_SECS = "first_response_avg_secs": F64 | null,
        FIRST_ANSWER_AVG_SECS = "first_answer_avg_secs": F64 | null,
        RESPONSE_AVG_SECS = "response_avg_secs": F64 | null,
        RESPONSE_3MIN_RATE = "response_3min_rate": F64 | null,
        ORDERED_AMOUNT = "ordered_amount": F64,
        UNPAID_AMOUNT = "unpaid_amount": F64,
        ORDER_TO_PAID_RATE = "order_to_paid_rate": F64 | null,
        REFUND_AMOUNT = "refund_amount": F64,
        REFUND_RATE = "refund_rate": F64 | null,
        NET_SALES_AMOUNT = "net_sales_amount": F64,
        AVG_ORDER_VALUE = "avg_order_value": F64 | null,
        SALES_SHARE = "sales_share": F64 | null,
        CHASED_PAID_AMOUNT = "chased_paid_amount": F64,
        CHASE_SUCCESS_RATE = "chase_success_rate": F64 | null,
        CONVERSION_RATE_NEW = "conversion_rate_new": F64 | null,
        CONVERSION_RATE_RETURNING = "conversion_rate_returning": F64 | null,
        QA_RATIO = "qa_ratio": F64 | null,
        REPLY_RATE = "reply_rate": F64 | null,
        RECEPTION_SECS = "reception_secs": F64,
        AVG_SESSION_SECS = "avg_session_secs": F64 | null,
        RESPONSE_AVG_PLATFORM_SECS = "response_avg_platform_secs": F64 | null,
        SATISFACTION_RATE = "satisfaction_rate": F64 | null,
        /// The agent's sales target for the week (the `targets` input), and
        /// credited sales ÷ target (指标完成率).
        TARGET_SALES = "target_sales": F64 | null,
        TARGET_COMPLETION = "target_completion": F64 | null,
        FIRST_QUESTION_ANSWER_RATE = "first_question_answer_rate": F64 | null,
        VIOLATIONS_WAIT_PER_100 = "violations_wait_per_100": F64 | null,
        VIOLATIONS_THINK_PER_100 = "violations_think_per_100": F64 | null,
        VIOLATIONS_ANNOY_PER_100 = "violations_annoy_per_100": F64 | null,
        SCORE = "score": F64,
        RANK = "rank": U32,
        INSUFFICIENT_SAMPLE = "insufficient_sample": Bool,
        SCORE_CHANGE = "score_change": F64 | null,
        RANK_CHANGE = "rank_change": I64 | null,
    }
}

table! {
    /// Per shop and date: the 询单 funnel by inquiry date and the day's orders
    /// and sales by order date.
    shop_daily {
        SHOP_ID = "shop_id": Str,
        DATE = "date": Date,
        BUYERS = "buyers": U32,
        INQUIRIES = "inquiries": U32,
        ORDERED_BUYERS = "ordered_buyers": U32,
        PAID_BUYERS = "paid_buyers": U32,
        LOST_INQUIRIES = "lost_inquiries": U32,
        UNPAID_INQUIRY_ORDERS = "unpaid_inquiry_orders": U32,
        CONVERSION_RATE = "conversion_rate": F64 | null,
        ORDERS = "orders": U32,
        PAID_ORDERS = "paid_orders": U32,
        SILENT_ORDERS = "silent_orders": U32,
        SILENT_PAID_ORDERS = "silent_paid_orders": U32,
        SILENT_SHARE = "silent_share": F64 | null,
        SALES_AMOUNT = "sales_amount": F64,
        AGENT_SALES_AMOUNT = "agent_sales_amount": F64,
        SILENT_SALES_AMOUNT = "silent_sales_amount": F64,
        OTHER_SALES_AMOUNT = "other_sales_amount": F64,
        AVG_ORDER_VALUE = "avg_order_value": F64 | null,
        /// Funnel by inquiry date: inquiring buyers who ordered and never paid (付款流失), their unpaid amount.
        UNPAID_BUYERS = "unpaid_buyers": U32,
        UNPAID_AMOUNT = "unpaid_amount": F64,
        PAID_SAME_DAY_BUYERS = "paid_same_day_buyers": U32,
        PAID_NEXT_DAY_BUYERS = "paid_next_day_buyers": U32,
        ORDER_TO_PAID_RATE = "order_to_paid_rate": F64 | null,
        /// By order date: paid orders refunded, their refunds, sales less refunds.
        REFUND_ORDERS = "refund_orders": U32,
        REFUND_AMOUNT = "refund_amount": F64,
        NET_SALES_AMOUNT = "net_sales_amount": F64,
        /// 催付 by order date: orders still unpaid `chase_min_wait_secs` after
        /// creation, those an agent chased, those paid after the chase.
        CHASEABLE_ORDERS = "chaseable_orders": U32,
        CHASED_ORDERS = "chased_orders": U32,
        CHASED_PAID_ORDERS = "chased_paid_orders": U32,
        CHASED_PAID_AMOUNT = "chased_paid_amount": F64,
        /// Chased ÷ chaseable orders.
        CHASE_COVERAGE = "chase_coverage": F64 | null,
        /// 新客 / 老客, by inquiry date.
        INQUIRIES_NEW = "inquiries_new": U32,
        INQUIRIES_RETURNING = "inquiries_returning": U32,
        PAID_BUYERS_NEW = "paid_buyers_new": U32,
        PAID_BUYERS_RETURNING = "paid_buyers_returning": U32,
        CONVERSION_RATE_NEW = "conversion_rate_new": F64 | null,
        CONVERSION_RATE_RETURNING = "conversion_rate_returning": F64 | null,
        /// Sessions started that day that reached 售中 / 售后.
        INSALE_SESSIONS = "insale_sessions": U32,
        AFTERSALE_SESSIONS = "aftersale_sessions": U32,
    }
}

table! {
    /// Per shop and ISO week (by payment date): paying buyers, repeat
    /// purchases (复购) and how much order history the figures stand on.
    shop_weekly {
        SHOP_ID = "shop_id": Str,
        WEEK = "week": Str,
        PAYING_BUYERS = "paying_buyers": U32,
        /// Buyers with two or more orders paid in the week.
        REPEAT_BUYERS = "repeat_buyers": U32,
        /// repeat_buyers ÷ paying_buyers.
        REPEAT_PURCHASE_RATE = "repeat_purchase_rate": F64 | null,
        /// Paying buyers who had paid in the shop before the week (老客).
        RETURNING_BUYERS = "returning_buyers": U32,
        /// Orders paid in the week after an earlier paid order of the same buyer.
        REPURCHASES = "repurchases": U32,
        /// Median days from a buyer's previous paid order to a repurchase in the week.
        REPURCHASE_DAYS_MEDIAN = "repurchase_days_median": F64 | null,
        /// Days of order history in the data before the week's Monday.
        ORDER_HISTORY_DAYS = "order_history_days": I64,
    }
}

table! {
    /// Per sales target (the optional `targets` input): the credited sales of
    /// its agent (or of its team's agents, by the roster) in its week or
    /// month, by inquiry date, and the completion.
    targets {
        SHOP_ID = "shop_id": Str,
        HOLDER_KIND = "holder_kind": Str,
        HOLDER = "holder": Str,
        PERIOD = "period": Str,
        TARGET_SALES = "target_sales": F64,
        SALES_AMOUNT = "sales_amount": F64,
        TARGET_COMPLETION = "target_completion": F64,
    }
}

table! {
    /// Per shop, ISO weekday and hour, averaged over the days of that weekday.
    hourly_load {
        SHOP_ID = "shop_id": Str,
        WEEKDAY = "weekday": U32,
        HOUR = "hour": U32,
        DAYS = "days": U32,
        INQUIRIES = "inquiries": U32,
        INQUIRIES_PER_DAY = "inquiries_per_day": F64,
        TURNS = "turns": U32,
        TURNS_PER_DAY = "turns_per_day": F64,
        AGENTS_ACTIVE = "agents_active": F64,
        CONCURRENT_SESSIONS = "concurrent_sessions": F64,
        SESSIONS_PER_AGENT = "sessions_per_agent": F64 | null,
    }
}

table! {
    /// Per shop, date and intent: buyer questions and the intent's top words.
    question_intents {
        SHOP_ID = "shop_id": Str,
        DATE = "date": Date,
        INTENT = "intent": Str,
        QUESTIONS = "questions": U32,
        SESSIONS = "sessions": U32,
        TOP_WORDS = "top_words": Str,
    }
}

table! {
    /// Per shop, ISO week and sender: the most used words.
    hot_words {
        SHOP_ID = "shop_id": Str,
        WEEK = "week": Str,
        SENDER = "sender": Str,
        WORD = "word": Str,
        COUNT = "count": U32,
        RANK = "rank": U32,
    }
}

table! {
    /// 流失原因: per shop, ISO week and factor (a question intent, or a rule
    /// that fired in the inquiry), the conversion of inquiries with the
    /// factor against comparable inquiries without it (same shop, week and
    /// intent), and what the difference is worth. An association, not a
    /// proof of cause.
    loss_reasons {
        SHOP_ID = "shop_id": Str,
        WEEK = "week": Str,
        /// `intent` or `rule`.
        FACTOR_KIND = "factor_kind": Str,
        FACTOR = "factor": Str,
        /// Inquiries with the factor that have comparable inquiries without it.
        INQUIRIES = "inquiries": U32,
        /// Of those, inquiries whose buyer paid an order credited to them.
        PAID_BUYERS = "paid_buyers": U32,
        CONVERSION_RATE = "conversion_rate": F64,
        /// Comparable inquiries' conversion, weighted like the factor's intents.
        BASELINE_CONVERSION_RATE = "baseline_conversion_rate": F64,
        DIFFERENCE = "difference": F64,
        /// The 95 % interval of the difference (normal approximation).
        DIFFERENCE_LOW = "difference_low": F64,
        DIFFERENCE_HIGH = "difference_high": F64,
        /// −difference × inquiries: paying buyers the factor goes with losing
        /// (negative: gaining).
        LOST_BUYERS_EST = "lost_buyers_est": F64,
        /// lost_buyers_est × the shop's 客单价 that week.
        LOST_SALES_EST = "lost_sales_est": F64 | null,
        /// Every inquiry with the factor, compared or not.
        ALL_INQUIRIES = "all_inquiries": U32,
        /// The shop's 客单价 that week: paid sales ÷ paying buyers (by payment date).
        AVG_ORDER_VALUE = "avg_order_value": F64 | null,
    }
}

table! {
    /// 售后 / 差评 reasons per shop, ISO week (of the session's start) and reason.
    after_sales_reasons {
        SHOP_ID = "shop_id": Str,
        WEEK = "week": Str,
        REASON = "reason": Str,
        /// After-sales sessions about the reason.
        SESSIONS = "sessions": U32,
        /// Of the shop's after-sales sessions that week.
        SHARE = "share": F64,
        /// Of those sessions, how many drew `no_solution` / ended unhappy (`unhappy_end`).
        NO_SOLUTION_RATE = "no_solution_rate": F64,
        UNHAPPY_END_RATE = "unhappy_end_rate": F64,
        /// Mean first response (capped at `response_cap_secs`) of those that had one.
        FIRST_RESPONSE_AVG_SECS = "first_response_avg_secs": F64 | null,
    }
}

table! {
    /// 中差评 (rating 3 or less) of the optional `reviews` input, read by the
    /// same reason classifier as after-sales chats: per shop, ISO week (of
    /// the review) and reason. Empty without the input.
    review_reasons {
        SHOP_ID = "shop_id": Str,
        WEEK = "week": Str,
        REASON = "reason": Str,
        BAD_REVIEWS = "bad_reviews": U32,
        /// Of the shop's 中差评 that week.
        SHARE = "share": F64,
        /// By the session that served the order (as in agent_daily), and
        /// those of orders no session served (a silent order never talked about).
        PRESALE = "presale": U32,
        INSALE = "insale": U32,
        AFTERSALE = "aftersale": U32,
        NO_CHAT = "no_chat": U32,
    }
}

/// Every table a run writes, in the order the sink writes them.
pub const TABLES: [Table; 17] = [
    messages::TABLE,
    sessions::TABLE,
    question_intents::TABLE,
    hot_words::TABLE,
    shop_daily::TABLE,
    hourly_load::TABLE,
    turns::TABLE,
    order_attribution::TABLE,
    violations::TABLE,
    agent_daily::TABLE,
    agent_weekly::TABLE,
    shop_weekly::TABLE,
    targets::TABLE,
    loss_reasons::TABLE,
    after_sales_reasons::TABLE,
    review_reasons::TABLE,
    rejects::TABLE,
];

/// Weekly score components: the `agent_weekly` column scored and the column
/// its points (0–100) go to. The `[scoring.components.*]` keys are the
/// scored columns' names.
pub const SCORE_COMPONENTS: [(Col, Col); 9] = {
    use agent_weekly as w;
    [
        (w::CONVERSION_RATE, w::CONVERSION_RATE.renamed("score_conversion_rate")),
        (
            w::FIRST_QUESTION_ANSWER_RATE,
            w::FIRST_QUESTION_ANSWER_RATE.renamed("score_first_question_answer_rate"),
        ),
        (
            w::FIRST_RESPONSE_AVG_SECS,
            w::FIRST_RESPONSE_AVG_SECS.renamed("score_first_response_avg_secs"),
        ),
        (
            w::RESPONSE_3MIN_RATE,
            w::RESPONSE_3MIN_RATE.renamed("score_response_3min_rate"),
        ),
        (
            w::RESPONSE_AVG_SECS,
            w::RESPONSE_AVG_SECS.renamed("score_response_avg_secs"),
        ),
        (
            w::TARGET_COMPLETION,
            w::TARGET_COMPLETION.renamed("score_target_completion"),
        ),
        (
            w::VIOLATIONS_ANNOY_PER_100,
            w::VIOLATIONS_ANNOY_PER_100.renamed("score_violations_annoy_per_100"),
        ),
        (
            w::VIOLATIONS_THINK_PER_100,
            w::VIOLATIONS_THINK_PER_100.renamed("score_violations_think_per_100"),
        ),
        (
            w::VIOLATIONS_WAIT_PER_100,
            w::VIOLATIONS_WAIT_PER_100.renamed("score_violations_wait_per_100"),
        ),
    ]
};

/// `agent_weekly`'s columns when `points` (the `score_<component>` columns of
/// the configured components, in name order) are scored.
pub fn agent_weekly_columns(points: &[Col]) -> Vec<Col> {
    let cols = agent_weekly::TABLE.columns;
    let at = cols
        .iter()
        .position(|c| *c == agent_weekly::SCORE)
        .unwrap_or(cols.len());
    let mut v = cols[..at].to_vec();
    v.extend_from_slice(points);
    v.extend_from_slice(&cols[at..]);
    v
}

/// A table read back from a run's output, its columns checked against the
/// schema when it is opened: a missing or retyped column is an error naming
/// it, never a silent blank. Accessors return `None` only for null values.
pub struct Rows {
    df: DataFrame,
    table: &'static str,
}

impl Rows {
    /// Checks that every column of `table` is in `df` with its type (more may be).
    pub fn new(table: &Table, df: DataFrame) -> Result<Rows> {
        for c in table.columns {
            match df.column(c.name) {
                Ok(x) if x.dtype() == &c.ty.dtype() => {}
                Ok(x) => {
                    return Err(KefuError::Schema {
                        table: table.name.into(),
                        reason: format!("column {} is {}, expected {}", c.name, x.dtype(), c.ty.dtype()),
                    })
                }
                Err(_) => {
                    return Err(KefuError::Schema {
                        table: table.name.into(),
                        reason: format!("column {} is missing (written by another kefu version?)", c.name),
                    })
                }
            }
        }
        Ok(Rows { df, table: table.name })
    }

    pub fn len(&self) -> usize {
        self.df.height()
    }

    pub fn is_empty(&self) -> bool {
        self.df.height() == 0
    }

    pub fn frame(&self) -> &DataFrame {
        &self.df
    }

    pub fn table(&self) -> &'static str {
        self.table
    }

    fn series(&self, c: Col) -> Option<&Series> {
        self.df.column(c.name).ok().map(|x| x.as_materialized_series())
    }

    pub fn str(&self, c: Col, i: usize) -> Option<&str> {
        self.series(c)?.str().ok()?.get(i)
    }
    pub fn u32(&self, c: Col, i: usize) -> Option<u32> {
        self.series(c)?.u32().ok()?.get(i)
    }
    pub fn i64(&self, c: Col, i: usize) -> Option<i64> {
        self.series(c)?.i64().ok()?.get(i)
    }
    pub fn f64(&self, c: Col, i: usize) -> Option<f64> {
        self.series(c)?.f64().ok()?.get(i)
    }
    pub fn bool(&self, c: Col, i: usize) -> Option<bool> {
        self.series(c)?.bool().ok()?.get(i)
    }
    /// Days since 1970-01-01.
    pub fn date(&self, c: Col, i: usize) -> Option<i32> {
        self.series(c)?.date().ok()?.physical().get(i)
    }
    /// Local wall-clock milliseconds.
    pub fn datetime(&self, c: Col, i: usize) -> Option<i64> {
        self.series(c)?.datetime().ok()?.physical().get(i)
    }
    /// Any numeric column as f64 (counts, rates, amounts).
    pub fn num(&self, c: Col, i: usize) -> Option<f64> {
        self.series(c)?.get(i).ok()?.extract::<f64>()
    }
}
