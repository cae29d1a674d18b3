//! Normalised rows (the staging layer): every reader produces these, and every
//! later stage reads only these. Times are kept twice: `ts` (UTC epoch ms) for
//! durations and ordering, `local` (wall-clock ms in the run's zone, counted as
//! if it were UTC) for dates, hours and calendar-day windows.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;

/// A shop, buyer, agent or session id. Ids repeat on every message, so each
/// distinct one is stored once and shared ([`Interner`]): a message holds an
/// 8-byte pointer per id (an `Arc<str>` would take 16), not an allocation.
/// Compares, hashes and orders as its text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<String>);

impl Name {
    pub fn new(s: &str) -> Self {
        Name(Arc::new(s.to_owned()))
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

/// Hands out one shared [`Name`] per distinct string.
#[derive(Debug, Default)]
pub struct Interner(HashSet<Name>);

impl Interner {
    pub fn name(&mut self, s: &str) -> Name {
        if let Some(n) = self.0.get(s) {
            return n.clone();
        }
        let n = Name::new(s);
        self.0.insert(n.clone());
        n
    }
}

/// Where in the service a buyer message, or a session, is: 售前 (before
/// ordering), 售中 (an order exists and the buyer asks to change or move it),
/// 售后 (something after delivery is wrong or wanted back). Ordered, so a
/// session's stage is the latest its buyer reached: the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Stage {
    #[default]
    Presale,
    Insale,
    Aftersale,
}

impl Stage {
    /// The name in the `stage` columns.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Presale => "presale",
            Stage::Insale => "insale",
            Stage::Aftersale => "aftersale",
        }
    }
}

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
    pub shop_id: Name,
    pub buyer_id: Name,
    pub agent_id: Option<Name>,
    pub sender: Sender,
    pub ts: i64,
    pub local: i64,
    pub content: Box<str>,
    pub msg_type: MsgType,
    pub session_id: Option<Name>,
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
    pub shop_id: Name,
    pub buyer_id: Name,
    pub created_ts: i64,
    pub created_local: i64,
    pub paid_ts: Option<i64>,
    pub paid_local: Option<i64>,
    pub amount_fen: i64,
    pub status: Option<OrderStatus>,
    pub refund_fen: Option<i64>,
    /// From the optional `refunds` input: when the (first) refund was made,
    /// and the stage and reason the shop recorded.
    pub refund_detail: Option<Box<RefundDetail>>,
    pub file_idx: u32,
    pub line: u64,
}

/// What the `refunds` input adds to an order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefundDetail {
    pub first_refund_local: Option<i64>,
    pub stage: Option<String>,
    pub reason: Option<String>,
}

/// One row of the optional `refunds` input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Refund {
    pub order_id: String,
    /// Needed only where an order id is used in more than one shop.
    pub shop_id: Option<Name>,
    pub refund_ts: Option<i64>,
    pub refund_local: Option<i64>,
    pub amount_fen: i64,
    pub stage: Option<String>,
    pub reason: Option<String>,
    pub file_idx: u32,
    pub line: u64,
}

/// One row of the optional `buyers` input (the shop's CRM): what the orders
/// in hand cannot know about a buyer's history.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BuyerInfo {
    pub shop_id: Name,
    pub buyer_id: Name,
    /// The buyer's first paid order ever in the shop, if known.
    pub first_paid_ts: Option<i64>,
    pub member_level: Option<String>,
    pub file_idx: u32,
    pub line: u64,
}

/// One row of the optional `ratings` input: a buyer's satisfaction score
/// (1–5) for a session, named by its id or by the buyer and the time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rating {
    pub shop_id: Name,
    pub session_id: Option<Name>,
    pub buyer_id: Option<Name>,
    pub rated_ts: Option<i64>,
    pub rated_local: Option<i64>,
    /// The agent rated; else the session's last agent.
    pub agent_id: Option<Name>,
    pub score: u8,
    pub file_idx: u32,
    pub line: u64,
}

/// One row of the optional `reviews` input: a buyer's review of an order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Review {
    pub order_id: String,
    /// Needed only where an order id is used in more than one shop.
    pub shop_id: Option<Name>,
    /// 1–5; 3 or less is a 中差评.
    pub rating: u8,
    pub text: Box<str>,
    pub created_ts: i64,
    pub created_local: i64,
    /// The order reviewed (index into the staged orders), set when joined.
    pub order: usize,
    pub file_idx: u32,
    pub line: u64,
}

/// Who a sales target is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetHolder {
    Agent(String),
    Team(String),
}

/// The period of a sales target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// An ISO week: year and week number.
    Week(i32, u32),
    /// A calendar month: year and month.
    Month(i32, u32),
}

/// One row of the optional `targets` input: a sales target (指标).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub shop_id: Name,
    pub holder: TargetHolder,
    pub period: Period,
    pub target_fen: i64,
    pub file_idx: u32,
    pub line: u64,
}

impl Order {
    /// The refund of an order, in fen, when it has one: its `refund_amount`,
    /// or the whole amount when only the status says `refunded`.
    pub fn refund(&self) -> Option<i64> {
        match (self.refund_fen, self.status) {
            (Some(r), _) if r > 0 => Some(r),
            (_, Some(OrderStatus::Refunded)) => Some(self.amount_fen),
            _ => None,
        }
    }
}

/// One roster row after validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Agent {
    pub agent_id: String,
    pub name: Option<String>,
    pub team: Option<String>,
    /// Where it came from: a repeated agent is counted against its own file.
    pub file_idx: u32,
    pub line: u64,
}

/// Fen as yuan: money is held in integer fen and shown in CNY.
pub fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

/// A row that could not be used, with where it came from and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub reason: String,
    pub raw: String,
}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    /// Ten million of these are most of a run's memory (README, Performance).
    #[test]
    fn a_message_is_80_bytes_plus_its_text() {
        assert_eq!(std::mem::size_of::<super::Message>(), 80);
        assert_eq!(std::mem::size_of::<Option<super::Name>>(), 8);
    }
}
