//! Normalised rows (the staging layer): every reader produces these, and every
//! later stage reads only these. Times are kept twice: `ts` (UTC epoch ms) for
//! durations and ordering, `local` (wall-clock ms in the run's zone, counted as
//! if it were UTC) for dates, hours and calendar-day windows.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    Buyer,
    Agent,
    /// Auto-reply or robot: never a human answer.
    Bot,
    System,
}

impl Sender {
    pub fn parse(s: &str) -> Option<Sender> {
        match s.trim().to_ascii_lowercase().as_str() {
            "buyer" => Some(Sender::Buyer),
            "agent" => Some(Sender::Agent),
            "bot" => Some(Sender::Bot),
            "system" => Some(Sender::System),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Buyer => "buyer",
            Sender::Agent => "agent",
            Sender::Bot => "bot",
            Sender::System => "system",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgType {
    Text,
    Image,
    Emoji,
    ItemCard,
    OrderCard,
    Voice,
    System,
}

impl MsgType {
    pub fn parse(s: &str) -> Option<MsgType> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Some(MsgType::Text),
            "image" => Some(MsgType::Image),
            "emoji" => Some(MsgType::Emoji),
            "item_card" => Some(MsgType::ItemCard),
            "order_card" => Some(MsgType::OrderCard),
            "voice" => Some(MsgType::Voice),
            "system" => Some(MsgType::System),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            MsgType::Text => "text",
            MsgType::Image => "image",
            MsgType::Emoji => "emoji",
            MsgType::ItemCard => "item_card",
            MsgType::OrderCard => "order_card",
            MsgType::Voice => "voice",
            MsgType::System => "system",
        }
    }
}

/// One chat message after validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    pub shop_id: String,
    pub buyer_id: String,
    pub agent_id: Option<String>,
    pub sender: Sender,
    pub ts: i64,
    pub local: i64,
    pub content: String,
    pub msg_type: MsgType,
    pub session_id: Option<String>,
    /// Index of the input file and row within it: keeps file order for ties.
    pub file_idx: u32,
    pub line: u64,
}

impl Message {
    /// The fields that make two rows "the same message" for deduplication.
    pub fn dedup_key(&self) -> (&str, &str, Option<&str>, Sender, i64, &str, MsgType, Option<&str>) {
        (
            &self.shop_id,
            &self.buyer_id,
            self.agent_id.as_deref(),
            self.sender,
            self.ts,
            &self.content,
            self.msg_type,
            self.session_id.as_deref(),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Created,
    Paid,
    Shipped,
    Completed,
    Closed,
    Refunded,
}

impl OrderStatus {
    pub fn parse(s: &str) -> Option<OrderStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "created" => Some(OrderStatus::Created),
            "paid" => Some(OrderStatus::Paid),
            "shipped" => Some(OrderStatus::Shipped),
            "completed" => Some(OrderStatus::Completed),
            "closed" => Some(OrderStatus::Closed),
            "refunded" => Some(OrderStatus::Refunded),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Completed => "completed",
            OrderStatus::Closed => "closed",
            OrderStatus::Refunded => "refunded",
        }
    }
}

/// One order after validation. Money is held in integer fen (0.01 CNY) so
/// sums are exact and independent of summation order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Order {
    pub order_id: String,
    pub shop_id: String,
    pub buyer_id: String,
    pub created_ts: i64,
    pub created_local: i64,
    pub paid_ts: Option<i64>,
    pub paid_local: Option<i64>,
    pub amount_fen: i64,
    pub status: Option<OrderStatus>,
    pub refund_fen: Option<i64>,
    pub file_idx: u32,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Agent {
    pub agent_id: String,
    pub name: Option<String>,
    pub team: Option<String>,
}

/// A row that could not be used, with where it came from and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub reason: String,
    pub raw: String,
}
