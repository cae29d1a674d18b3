//! Validation: a reader's fields become a [`Message`], [`Order`] or
//! [`Agent`], or the reason they cannot (which goes to `rejects`). Fields are
//! read by column name ([`MsgCol`], [`OrderCol`], [`AgentCol`]), typed values
//! taken as they come.

use super::readers::{Fields, Value};
use super::schema::{AgentCol, BuyerCol, MsgCol, OrderCol, RatingCol, RefundCol, ReviewCol, TargetCol};
use crate::core::model::{Agent, BuyerInfo, Interner, Message, MsgType, Order, OrderStatus, Period, Refund, Sender};
use crate::core::model::{Rating, Review, Target, TargetHolder};
use crate::core::time::Zone;

type Check<T> = std::result::Result<T, String>;

/// A text field, trimmed; `None` when absent or empty.
fn text<'a>(f: &Fields<'a>, c: impl Into<usize>) -> Option<&'a str> {
    match f.get(c) {
        Some(Value::Text(s)) => Some(s.trim()).filter(|s| !s.is_empty()),
        _ => None,
    }
}

fn required<'a>(f: &Fields<'a>, c: impl Into<usize> + Copy, name: &str) -> Check<&'a str> {
    text(f, c).ok_or_else(|| format!("missing {name}"))
}

/// `(ts, local)` of a time field; `None` when absent.
fn time(f: &Fields, c: impl Into<usize>, zone: &Zone, name: &str) -> Option<Check<(i64, i64)>> {
    let t = match f.get(c)? {
        Value::Text(s) if s.trim().is_empty() => return None,
        Value::Text(s) => zone.parse_time(s),
        Value::Instant(ms) => zone.instant(ms),
        Value::Wall(ms) => zone.wall(ms),
        Value::Sender(_) | Value::MsgType(_) => Err("not a time".into()),
    };
    Some(t.map_err(|e| format!("{name}: {e}")))
}

/// The most one order may hold: ¥1,000,000,000. Larger is a typo or a
/// hostile row, and with it the marts' i64 fen sums stay exact for up to
/// 92 million orders at the cap.
pub const MAX_ORDER_FEN: i64 = 100_000_000_000;

/// Parses a CNY amount into fen, exactly (no float rounding).
pub fn parse_fen(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches(['¥', '￥']).replace(',', "");
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r.to_owned()),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    // More than two decimals must be zeros: a fen is the smallest unit.
    if frac.len() > 2 && frac[2..].chars().any(|c| c != '0') {
        return None;
    }
    let mut frac2: String = frac.chars().take(2).collect();
    while frac2.len() < 2 {
        frac2.push('0');
    }
    // `.5` has no integer part; a run of digits too long for i64 is no amount
    // (it must not read as 0).
    let whole = if int.is_empty() { 0 } else { int.parse::<i64>().ok()? };
    let v = whole.checked_mul(100)?.checked_add(frac2.parse::<i64>().ok()?)?;
    Some(if neg { -v } else { v })
}

fn sender(f: &Fields) -> Check<Sender> {
    match f.get(MsgCol::Sender) {
        Some(Value::Sender(s)) => Ok(s),
        _ => {
            let s = required(f, MsgCol::Sender, "sender")?;
            Sender::parse(s).ok_or_else(|| format!("unknown sender {s:?} (expected buyer, agent, bot or system)"))
        }
    }
}

fn msg_type(f: &Fields) -> Check<MsgType> {
    match f.get(MsgCol::MsgType) {
        Some(Value::MsgType(t)) => Ok(t),
        _ => match text(f, MsgCol::MsgType) {
            None => Ok(MsgType::Text),
            Some(s) => MsgType::parse(s).ok_or_else(|| format!("unknown msg_type {s:?}")),
        },
    }
}

pub fn message(f: &Fields, zone: &Zone, names: &mut Interner) -> Check<Message> {
    let shop_id = names.name(required(f, MsgCol::ShopId, "shop_id")?);
    let buyer_id = names.name(required(f, MsgCol::BuyerId, "buyer_id")?);
    let sender = sender(f)?;
    let agent_id = text(f, MsgCol::AgentId).map(|a| names.name(a));
    if sender == Sender::Agent && agent_id.is_none() {
        return Err("missing agent_id on an agent message".into());
    }
    let (ts, local) = time(f, MsgCol::SentAt, zone, "sent_at").unwrap_or_else(|| Err("missing sent_at".into()))?;
    // Content is kept as written (untrimmed); it is required but may be empty.
    let content = match f.get(MsgCol::Content) {
        Some(Value::Text(s)) => Box::from(s),
        _ => Box::from(""),
    };
    Ok(Message {
        shop_id,
        buyer_id,
        agent_id,
        sender,
        ts,
        local,
        content,
        msg_type: msg_type(f)?,
        session_id: text(f, MsgCol::SessionId).map(|s| names.name(s)),
        file_idx: 0,
        line: 0,
    })
}

fn amount(f: &Fields, c: impl Into<usize>, name: &str) -> Option<Check<i64>> {
    let s = text(f, c)?;
    Some(parse_fen(s).ok_or_else(|| format!("unparsable {name} {s:?}")))
}

pub fn order(f: &Fields, zone: &Zone, names: &mut Interner) -> Check<Order> {
    let order_id = required(f, OrderCol::OrderId, "order_id")?.to_owned();
    let shop_id = names.name(required(f, OrderCol::ShopId, "shop_id")?);
    let buyer_id = names.name(required(f, OrderCol::BuyerId, "buyer_id")?);
    let (created_ts, created_local) =
        time(f, OrderCol::CreatedAt, zone, "created_at").unwrap_or_else(|| Err("missing created_at".into()))?;
    let (paid_ts, paid_local) = match time(f, OrderCol::PaidAt, zone, "paid_at").transpose()? {
        None => (None, None),
        Some((t, l)) => (Some(t), Some(l)),
    };
    let amount_s = required(f, OrderCol::Amount, "amount")?;
    let amount_fen = amount(f, OrderCol::Amount, "amount").unwrap_or_else(|| Err("missing amount".into()))?;
    if amount_fen < 0 {
        return Err(format!("negative amount {amount_s:?}"));
    }
    if amount_fen > MAX_ORDER_FEN {
        return Err(format!(
            "amount {amount_s:?} is over the ¥{} one order may hold",
            MAX_ORDER_FEN / 100
        ));
    }
    let status = match text(f, OrderCol::Status) {
        None => None,
        Some(s) => Some(OrderStatus::parse(s).ok_or_else(|| format!("unknown status {s:?}"))?),
    };
    let refund_fen = amount(f, OrderCol::RefundAmount, "refund_amount").transpose()?;
    if let Some(r) = refund_fen.filter(|r| *r > amount_fen || *r < 0) {
        return Err(format!(
            "refund_amount {:.2} is not between 0 and the order's amount {:.2}",
            r as f64 / 100.0,
            amount_fen as f64 / 100.0
        ));
    }
    Ok(Order {
        order_id,
        shop_id,
        buyer_id,
        created_ts,
        created_local,
        paid_ts,
        paid_local,
        amount_fen,
        status,
        refund_fen,
        refund_detail: None,
        file_idx: 0,
        line: 0,
    })
}

pub fn agent(f: &Fields, _: &mut Interner) -> Check<Agent> {
    Ok(Agent {
        agent_id: required(f, AgentCol::AgentId, "agent_id")?.to_owned(),
        name: text(f, AgentCol::Name).map(str::to_owned),
        team: text(f, AgentCol::Team).map(str::to_owned),
        file_idx: 0,
        line: 0,
    })
}

pub fn refund(f: &Fields, zone: &Zone, names: &mut Interner) -> Check<Refund> {
    let order_id = required(f, RefundCol::OrderId, "order_id")?.to_owned();
    let (refund_ts, refund_local) = match time(f, RefundCol::RefundAt, zone, "refund_at").transpose()? {
        Some((t, l)) => (Some(t), Some(l)),
        None => (None, None),
    };
    let amount_fen = amount(f, RefundCol::Amount, "amount").unwrap_or_else(|| Err("missing amount".into()))?;
    if amount_fen <= 0 {
        return Err(format!(
            "refund amount {:.2} is not positive",
            amount_fen as f64 / 100.0
        ));
    }
    Ok(Refund {
        order_id,
        shop_id: text(f, RefundCol::ShopId).map(|s| names.name(s)),
        refund_ts,
        refund_local,
        amount_fen,
        stage: text(f, RefundCol::Stage).map(str::to_owned),
        reason: text(f, RefundCol::Reason).map(str::to_owned),
        file_idx: 0,
        line: 0,
    })
}

pub fn buyer(f: &Fields, zone: &Zone, names: &mut Interner) -> Check<BuyerInfo> {
    Ok(BuyerInfo {
        shop_id: names.name(required(f, BuyerCol::ShopId, "shop_id")?),
        buyer_id: names.name(required(f, BuyerCol::BuyerId, "buyer_id")?),
        first_paid_ts: time(f, BuyerCol::FirstPaidAt, zone, "first_paid_at")
            .transpose()?
            .map(|(t, _)| t),
        member_level: text(f, BuyerCol::MemberLevel).map(str::to_owned),
        file_idx: 0,
        line: 0,
    })
}

/// A score of 1 to 5.
fn score(f: &Fields, c: impl Into<usize> + Copy, name: &str) -> Check<u8> {
    let s = required(f, c, name)?;
    s.parse::<u8>()
        .ok()
        .filter(|v| (1..=5).contains(v))
        .ok_or_else(|| format!("{name} {s:?} is not a whole number from 1 to 5"))
}

pub fn rating(f: &Fields, zone: &Zone, names: &mut Interner) -> Check<Rating> {
    let shop_id = names.name(required(f, RatingCol::ShopId, "shop_id")?);
    let session_id = text(f, RatingCol::SessionId).map(|s| names.name(s));
    let buyer_id = text(f, RatingCol::BuyerId).map(|s| names.name(s));
    let rated = time(f, RatingCol::RatedAt, zone, "rated_at").transpose()?;
    let (rated_ts, rated_local) = (rated.map(|(t, _)| t), rated.map(|(_, l)| l));
    if session_id.is_none() && (buyer_id.is_none() || rated_ts.is_none()) {
        return Err("name the session: session_id, or buyer_id and rated_at".into());
    }
    Ok(Rating {
        shop_id,
        session_id,
        buyer_id,
        rated_ts,
        rated_local,
        agent_id: text(f, RatingCol::AgentId).map(|s| names.name(s)),
        score: score(f, RatingCol::Score, "score")?,
        file_idx: 0,
        line: 0,
    })
}

pub fn review(f: &Fields, zone: &Zone, names: &mut Interner) -> Check<Review> {
    let (created_ts, created_local) =
        time(f, ReviewCol::CreatedAt, zone, "created_at").unwrap_or_else(|| Err("missing created_at".into()))?;
    Ok(Review {
        order_id: required(f, ReviewCol::OrderId, "order_id")?.to_owned(),
        shop_id: text(f, ReviewCol::ShopId).map(|s| names.name(s)),
        rating: score(f, ReviewCol::Rating, "rating")?,
        text: match f.get(ReviewCol::Text) {
            Some(Value::Text(s)) => Box::from(s),
            _ => Box::from(""),
        },
        created_ts,
        created_local,
        order: 0,
        file_idx: 0,
        line: 0,
    })
}

/// `2026-W47` (an ISO week) or `2026-11` (a month).
pub fn parse_period(s: &str) -> Option<Period> {
    let (y, rest) = s.trim().split_once('-')?;
    let year: i32 = y.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    if let Some(w) = rest.strip_prefix('W').or_else(|| rest.strip_prefix('w')) {
        let week: u32 = w.parse().ok()?;
        chrono::NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon)?;
        return Some(Period::Week(year, week));
    }
    let month: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
    Some(Period::Month(year, month))
}

pub fn target(f: &Fields, names: &mut Interner) -> Check<Target> {
    let shop_id = names.name(required(f, TargetCol::ShopId, "shop_id")?);
    let holder = match (text(f, TargetCol::AgentId), text(f, TargetCol::Team)) {
        (Some(a), None) => TargetHolder::Agent(a.to_owned()),
        (None, Some(t)) => TargetHolder::Team(t.to_owned()),
        _ => return Err("give exactly one of agent_id and team".into()),
    };
    let p = required(f, TargetCol::Period, "period")?;
    let period =
        parse_period(p).ok_or_else(|| format!("period {p:?} is neither a week (2026-W47) nor a month (2026-11)"))?;
    let target_fen =
        amount(f, TargetCol::TargetSales, "target_sales").unwrap_or_else(|| Err("missing target_sales".into()))?;
    if target_fen <= 0 {
        return Err("target_sales must be positive".into());
    }
    Ok(Target {
        shop_id,
        holder,
        period,
        target_fen,
        file_idx: 0,
        line: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::{parse_fen, parse_period};
    use crate::core::model::Period;

    #[test]
    fn periods() {
        assert_eq!(parse_period("2026-W47"), Some(Period::Week(2026, 47)));
        assert_eq!(parse_period("2026-11"), Some(Period::Month(2026, 11)));
        assert_eq!(parse_period("2026-W54"), None);
        assert_eq!(parse_period("2026-13"), None);
        assert_eq!(parse_period("next week"), None);
    }

    #[test]
    fn amounts_are_exact_fen() {
        assert_eq!(parse_fen("199.9"), Some(19990));
        assert_eq!(parse_fen("¥1,299.00"), Some(129900));
        assert_eq!(parse_fen("0.01"), Some(1));
        assert_eq!(parse_fen("12"), Some(1200));
        assert_eq!(parse_fen("1.005"), None);
        assert_eq!(parse_fen("abc"), None);
        assert_eq!(parse_fen(""), None);
        assert_eq!(parse_fen(".5"), Some(50));
        // Too long for i64: no amount, never 0.
        assert_eq!(parse_fen("99999999999999999999999"), None);
        assert_eq!(parse_fen("92233720368547758.08"), None);
    }
}
