//! What buyers said of the service afterwards: each satisfaction rating
//! matched to the session it rates and the agent it rates, and each review
//! to the session that served its order — 售后 (the buyer's latest
//! after-sales session between the order and the review), else 售中 (the
//! latest other session in that span), else 售前 (the inquiry the order is
//! credited to). A rating that names no session of the chats is a reject.

use std::collections::HashMap;

use super::Attribution;
use crate::core::model::{Message, Name, Order, Rating, Review, Sender};
use crate::core::settings::Metrics;
use crate::core::time;
use crate::stages::ingest::LateReject;
use crate::stages::sessions::Session;

/// A rating with its session and the agent it is charged to.
#[derive(Debug, Clone, PartialEq)]
pub struct RatedSession {
    pub score: u8,
    pub session: usize,
    pub agent_id: Name,
}

/// The stage of the service that served a reviewed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    Presale,
    Insale,
    Aftersale,
}

/// A review with the session that served its order (none for a silent
/// order no one talked to the buyer about).
#[derive(Debug, Clone, PartialEq)]
pub struct ServedReview {
    pub review: usize,
    pub served: Option<(Served, usize)>,
    /// The agent charged: the serving session's last agent, or for 售前 the
    /// order's credited agent.
    pub agent_id: Option<Name>,
}

/// Ratings and reviews with what they judge; each `None` when its input is not given.
#[derive(Debug, Clone, Default)]
pub struct Feedback {
    pub ratings: Option<Vec<RatedSession>>,
    pub reviews: Option<Vec<ServedReview>>,
}

/// What [`feedback`] reads.
pub struct FeedbackInputs<'a> {
    pub ratings: Option<&'a [Rating]>,
    pub reviews: Option<&'a [Review]>,
    pub messages: &'a [Message],
    pub sessions: &'a [Session],
    pub orders: &'a [Order],
    pub attributions: &'a [Attribution],
    pub metrics: &'a Metrics,
    /// The path of input file `i`, for rejects that name another row.
    pub file_path: &'a dyn Fn(u32) -> String,
}

/// Matches ratings and reviews; ratings that name no session come back as rejects.
pub fn feedback(x: &FeedbackInputs) -> (Feedback, Vec<LateReject>) {
    let (ratings, rejects) = match x.ratings {
        Some(r) => {
            let (rated, rejects) = ratings(r, x.messages, x.sessions, x.metrics, x.file_path);
            (Some(rated), rejects)
        }
        None => (None, Vec::new()),
    };
    let reviews = x
        .reviews
        .map(|r| reviews(r, x.messages, x.sessions, x.orders, x.attributions));
    (Feedback { ratings, reviews }, rejects)
}

/// The last agent who wrote in a session.
fn last_agent(messages: &[Message], s: &Session) -> Option<Name> {
    messages[s.msgs.clone()]
        .iter()
        .rev()
        .find(|m| m.sender == Sender::Agent && m.agent_id.is_some())
        .and_then(|m| m.agent_id.clone())
}

/// Sessions of each (shop, buyer), in start order (the sessions' own order).
fn by_buyer(sessions: &[Session]) -> HashMap<(&str, &str), Vec<usize>> {
    let mut map: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, s) in sessions.iter().enumerate() {
        map.entry((&*s.shop_id, &*s.buyer_id)).or_default().push(i);
    }
    map
}

/// The session a rating names, or why none.
fn rated_session(
    r: &Rating,
    sessions: &[Session],
    by_id: &HashMap<(&str, &str), usize>,
    by_buyer: &HashMap<(&str, &str), Vec<usize>>,
    window_ms: i64,
) -> Result<usize, String> {
    if let Some(id) = r.session_id.as_deref() {
        let si = *by_id
            .get(&(&*r.shop_id, id))
            .ok_or_else(|| format!("no session {id} in shop {} in the chats", r.shop_id))?;
        return match r.buyer_id.as_deref() {
            Some(b) if b != &*sessions[si].buyer_id => {
                Err(format!("session {id} is buyer {}'s, not {b}'s", sessions[si].buyer_id))
            }
            _ => Ok(si),
        };
    }
    let (Some(buyer), Some(at)) = (r.buyer_id.as_deref(), r.rated_ts) else {
        return Err("name the session: session_id, or buyer_id and rated_at".into());
    };
    let list = by_buyer.get(&(&*r.shop_id, buyer)).map_or(&[][..], Vec::as_slice);
    let si = list
        .iter()
        .rev()
        .copied()
        .find(|&si| sessions[si].started_ts <= at)
        .ok_or_else(|| format!("buyer {buyer} has no session in shop {} before the rating", r.shop_id))?;
    if at - sessions[si].ended_ts > window_ms {
        return Err(format!(
            "rated more than rating_window_hours after buyer {buyer}'s last session ended"
        ));
    }
    Ok(si)
}

/// Matches every rating to its session and agent; the rest are rejects.
/// Ratings are taken in (file, line) order, so of two landing on one session
/// the first read counts and the second is a reject naming it.
fn ratings(
    ratings: &[Rating],
    messages: &[Message],
    sessions: &[Session],
    m: &Metrics,
    files: &dyn Fn(u32) -> String,
) -> (Vec<RatedSession>, Vec<LateReject>) {
    let by_id: HashMap<(&str, &str), usize> = sessions
        .iter()
        .enumerate()
        .map(|(i, s)| ((&*s.shop_id, s.session_id.as_str()), i))
        .collect();
    let buyers = by_buyer(sessions);
    let mut order: Vec<&Rating> = ratings.iter().collect();
    order.sort_by_key(|r| (r.file_idx, r.line));
    let mut first: HashMap<usize, (u32, u64)> = HashMap::new();
    let (mut rated, mut rejects) = (Vec::new(), Vec::new());
    for r in order {
        let found = rated_session(r, sessions, &by_id, &buyers, m.rating_window_ms).and_then(|si| {
            if let Some((f, l)) = first.get(&si) {
                return Err(format!(
                    "session {} is rated already (at {}:{l})",
                    sessions[si].session_id,
                    files(*f)
                ));
            }
            let agent = r.agent_id.clone().or_else(|| last_agent(messages, &sessions[si]));
            let agent =
                agent.ok_or_else(|| format!("no agent wrote in session {}: name agent_id", sessions[si].session_id))?;
            Ok((si, agent))
        });
        match found {
            Ok((si, agent_id)) => {
                first.insert(si, (r.file_idx, r.line));
                rated.push(RatedSession {
                    score: r.score,
                    session: si,
                    agent_id,
                });
            }
            Err(reason) => rejects.push(LateReject {
                file_idx: r.file_idx,
                line: r.line,
                reason,
                raw: rating_raw(r),
            }),
        }
    }
    rated.sort_by_key(|r| r.session);
    (rated, rejects)
}

/// The row as the input has it (`shop_id,session_id,buyer_id,rated_at,agent_id,score`).
fn rating_raw(r: &Rating) -> String {
    let opt = |x: &Option<Name>| x.as_deref().unwrap_or_default().to_owned();
    let at = r.rated_local.map(time::fmt_local).unwrap_or_default();
    let (session, buyer, agent) = (opt(&r.session_id), opt(&r.buyer_id), opt(&r.agent_id));
    format!("{},{session},{buyer},{at},{agent},{}", r.shop_id, r.score)
}

/// The session that served each review's order, and the agent charged.
fn reviews(
    reviews: &[Review],
    messages: &[Message],
    sessions: &[Session],
    orders: &[Order],
    attributions: &[Attribution],
) -> Vec<ServedReview> {
    let buyers = by_buyer(sessions);
    reviews
        .iter()
        .enumerate()
        .map(|(ri, r)| {
            let o = &orders[r.order];
            let list = buyers.get(&(&*o.shop_id, &*o.buyer_id)).map_or(&[][..], Vec::as_slice);
            // Sessions started after the order was created and before the review.
            let after: Vec<usize> = list
                .iter()
                .copied()
                .filter(|&si| sessions[si].started_ts > o.created_ts && sessions[si].started_ts <= r.created_ts)
                .collect();
            let later = after
                .iter()
                .rev()
                .find(|&&si| sessions[si].is_after_sales)
                .map(|&si| (Served::Aftersale, si))
                .or_else(|| after.last().map(|&si| (Served::Insale, si)));
            let served = later.or_else(|| attributions[r.order].session.map(|si| (Served::Presale, si)));
            let agent_id = match served {
                Some((Served::Presale, _)) => attributions[r.order].agent_id.clone(),
                Some((_, si)) => last_agent(messages, &sessions[si]),
                None => None,
            };
            ServedReview {
                review: ri,
                served,
                agent_id,
            }
        })
        .collect()
}
