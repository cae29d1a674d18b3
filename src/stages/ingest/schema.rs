//! The input tables (CONTRACT §2): their columns as files name them, which
//! are required, and an enum per table whose variants index a row's fields,
//! so validation reads `MsgCol::SentAt`, never a bare position.

/// An input table's columns, in the order readers hand over a row's fields.
pub struct InputSchema {
    pub name: &'static str,
    /// (column name, required).
    pub columns: &'static [(&'static str, bool)],
}

impl InputSchema {
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|(n, _)| *n)
    }
    pub fn is_required(&self, name: &str) -> bool {
        self.columns.iter().any(|(n, r)| *n == name && *r)
    }
}

/// Declares an input table: an enum of its columns and its [`InputSchema`].
macro_rules! input_table {
    ($(#[$doc:meta])* $schema:ident = $name:literal, $cols:ident { $($var:ident = $col:literal $($req:ident)?),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $cols { $($var),* }
        impl From<$cols> for usize {
            fn from(c: $cols) -> usize {
                c as usize
            }
        }
        pub const $schema: InputSchema = InputSchema {
            name: $name,
            columns: &[$(($col, input_table!(@req $($req)?))),*],
        };
    };
    (@req required) => { true };
    (@req) => { false };
}

input_table! {
    /// One row per chat message.
    MESSAGES = "messages", MsgCol {
        ShopId = "shop_id" required,
        BuyerId = "buyer_id" required,
        AgentId = "agent_id",
        Sender = "sender" required,
        SentAt = "sent_at" required,
        Content = "content" required,
        MsgType = "msg_type",
        SessionId = "session_id",
    }
}

input_table! {
    /// One row per order.
    ORDERS = "orders", OrderCol {
        OrderId = "order_id" required,
        ShopId = "shop_id" required,
        BuyerId = "buyer_id" required,
        CreatedAt = "created_at" required,
        PaidAt = "paid_at",
        Amount = "amount" required,
        Status = "status",
        RefundAmount = "refund_amount",
    }
}

input_table! {
    /// The agent roster.
    AGENTS = "agents", AgentCol {
        AgentId = "agent_id" required,
        Name = "name",
        Team = "team",
    }
}

input_table! {
    /// Optional: refunds as the shop records them (one row per refund).
    REFUNDS = "refunds", RefundCol {
        OrderId = "order_id" required,
        ShopId = "shop_id",
        RefundAt = "refund_at",
        Amount = "amount" required,
        Stage = "stage",
        Reason = "reason",
    }
}

input_table! {
    /// Optional: buyers from the shop's CRM.
    BUYERS = "buyers", BuyerCol {
        ShopId = "shop_id" required,
        BuyerId = "buyer_id" required,
        FirstPaidAt = "first_paid_at",
        MemberLevel = "member_level",
    }
}

input_table! {
    /// Optional: sales targets (指标) per agent or team, per ISO week or month.
    TARGETS = "targets", TargetCol {
        ShopId = "shop_id" required,
        AgentId = "agent_id",
        Team = "team",
        Period = "period" required,
        TargetSales = "target_sales" required,
    }
}

input_table! {
    /// Optional: satisfaction ratings (1–5) per session.
    RATINGS = "ratings", RatingCol {
        ShopId = "shop_id" required,
        SessionId = "session_id",
        BuyerId = "buyer_id",
        RatedAt = "rated_at",
        AgentId = "agent_id",
        Score = "score" required,
    }
}

input_table! {
    /// Optional: order reviews (评价).
    REVIEWS = "reviews", ReviewCol {
        OrderId = "order_id" required,
        ShopId = "shop_id",
        Rating = "rating" required,
        Text = "text",
        CreatedAt = "created_at" required,
    }
}

/// The widest input table: a row's fields fit in an array this long.
pub const MAX_COLUMNS: usize = 8;

/// Every input table: the three every run reads (messages, orders, the
/// roster), then the optional ones.
pub const INPUTS: [&InputSchema; 8] = [
    &MESSAGES, &ORDERS, &AGENTS, &REFUNDS, &BUYERS, &TARGETS, &RATINGS, &REVIEWS,
];
/// How many of [`INPUTS`] every run accounts for, read or not.
pub const ALWAYS_ACCOUNTED: usize = 3;

const _: () = {
    let tables = INPUTS;
    let mut i = 0;
    while i < tables.len() {
        assert!(tables[i].columns.len() <= MAX_COLUMNS);
        i += 1;
    }
};
