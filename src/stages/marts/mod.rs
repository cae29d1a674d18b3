//! Stage 6, marts: the reporting tables, built from the facts of the earlier
//! stages. `agent_daily` and `agent_weekly` (with the score) through
//! intermediate fact frames ([`facts`]); `shop_daily`, `shop_weekly`,
//! `hourly_load`, `question_intents`, `hot_words` and `targets` per shop.
//! Each mart is a file.

pub mod agent_daily;
pub mod agent_weekly;
pub mod buyers;
pub mod facts;
pub mod hourly_load;
pub mod loss_reasons;
pub mod reasons;
pub mod scoring;
pub mod shop_daily;
pub mod targets;
pub mod topics;

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::core::error::{KefuError, Result};
use crate::core::model::{Agent, BuyerInfo, Message, Order, Review, Target};
use crate::core::schema::{after_sales_reasons as ar, review_reasons as rr, targets as tg};
use crate::core::schema::{agent_daily as ad, agent_weekly as aw, hot_words, hourly_load as hl};
use crate::core::schema::{loss_reasons as lr, question_intents as qi, shop_daily as sd, shop_weekly as sw};
use crate::core::settings::{Metrics, Scoring};
use crate::stages::conversion::feedback::Feedback;
use crate::stages::conversion::Attribution;
use crate::stages::rules::Violation;
use crate::stages::sessions::Conversations;
use crate::stages::text::intents::{Classifier, IntentModel};
use crate::stages::text::{MessageText, WordCounts};

/// Every mart of a run.
pub struct Marts {
    pub agent_daily: DataFrame,
    pub agent_weekly: DataFrame,
    pub shop_daily: DataFrame,
    pub shop_weekly: DataFrame,
    pub hourly_load: DataFrame,
    pub question_intents: DataFrame,
    pub hot_words: DataFrame,
    pub targets: DataFrame,
    pub loss_reasons: DataFrame,
    pub after_sales_reasons: DataFrame,
    pub review_reasons: DataFrame,
    /// Each after-sales session's reason (the `sessions.after_sales_reason` column).
    pub session_reasons: Vec<Option<u8>>,
    /// Each session's dominant intent (the `sessions.intent` column).
    pub session_intents: Vec<Option<u8>>,
    /// Whether each session's buyer was returning (老客) when it started.
    pub session_returning: Vec<bool>,
    /// Each session's buyer's CRM member level.
    pub session_member_levels: Vec<Option<String>>,
    /// Days of order history before each ISO week's Monday (for the manifest).
    pub order_history_days: BTreeMap<String, i64>,
    /// The first order's local day over all shops (days since 1970-01-01).
    pub first_order_day: Option<i32>,
}

/// What the marts are built from.
pub struct Inputs<'a> {
    pub messages: &'a [Message],
    pub orders: &'a [Order],
    pub agents: &'a [Agent],
    pub buyers: &'a [BuyerInfo],
    pub targets: &'a [Target],
    pub conv: &'a Conversations,
    pub text: &'a [MessageText],
    pub words: &'a WordCounts,
    pub intents: &'a IntentModel,
    pub reasons: &'a Classifier,
    pub attributions: &'a [Attribution],
    pub feedback: &'a Feedback,
    /// The reviews input, if given, and each review's reason.
    pub reviews: Option<&'a [Review]>,
    pub review_reasons: &'a [u8],
    pub violations: &'a [Violation],
    pub metrics: &'a Metrics,
    pub scoring: &'a Scoring,
}

/// The agent marts: daily, weekly (with targets and score), and the targets table.
fn agent_marts(x: &Inputs, returning: &[bool]) -> Result<(DataFrame, DataFrame, DataFrame)> {
    let facts = facts::facts(&facts::Inputs {
        conv: x.conv,
        messages: x.messages,
        orders: x.orders,
        attributions: x.attributions,
        violations: x.violations,
        metrics: x.metrics,
        returning,
        text: x.text,
        ratings: x.feedback.ratings.as_deref(),
        reviews: x.reviews.zip(x.feedback.reviews.as_deref()),
    })
    .map_err(KefuError::table(ad::TABLE.name))?;
    let net = x.metrics.sales_net_of_refunds;
    let daily = agent_daily::agent_daily(&facts, x.agents, net).map_err(KefuError::table(ad::TABLE.name))?;
    drop(facts);
    let (table, weekly_targets) = targets::targets(x.targets, &daily, net).map_err(KefuError::table(tg::TABLE.name))?;
    let weekly = agent_weekly::agent_weekly(&daily, &weekly_targets, x.scoring, net)
        .map_err(KefuError::table(aw::TABLE.name))?;
    Ok((daily, weekly, table))
}

pub fn build(x: &Inputs) -> Result<Marts> {
    let history = buyers::BuyerHistory::new(x.orders, x.buyers);
    let returning = buyers::session_returning(x.conv, &history);
    let (agent_daily, agent_weekly, targets) = agent_marts(x, &returning)?;
    let (shop_weekly, order_history) =
        buyers::shop_weekly(x.orders, &history).map_err(KefuError::table(sw::TABLE.name))?;
    let session_intents = topics::session_intents(x.conv, x.messages, x.text);
    let loss_reasons = loss_reasons::loss_reasons(&loss_reasons::Inputs {
        conv: x.conv,
        orders: x.orders,
        attributions: x.attributions,
        violations: x.violations,
        session_intents: &session_intents,
        intents: x.intents,
    })
    .map_err(KefuError::table(lr::TABLE.name))?;
    let session_reasons = reasons::session_reasons(x.conv, x.messages, x.text, x.reasons);
    let after_sales_reasons = reasons::after_sales_reasons(
        x.conv,
        &session_reasons,
        x.violations,
        x.reasons,
        x.metrics.response_cap_ms,
    )
    .map_err(KefuError::table(ar::TABLE.name))?;
    let review_reasons = reasons::review_reasons(&reasons::ReviewInputs {
        reviews: x.reviews.unwrap_or_default(),
        served: x.feedback.reviews.as_deref().unwrap_or_default(),
        review_reasons: x.review_reasons,
        orders: x.orders,
        reasons: x.reasons,
    })
    .map_err(KefuError::table(rr::TABLE.name))?;
    Ok(Marts {
        agent_daily,
        agent_weekly,
        shop_daily: shop_daily::shop_daily(x.conv, x.orders, x.attributions, &returning)
            .map_err(KefuError::table(sd::TABLE.name))?,
        shop_weekly,
        hourly_load: hourly_load::hourly_load(x.conv, x.messages).map_err(KefuError::table(hl::TABLE.name))?,
        question_intents: topics::question_intents(x.intents, x.conv, x.messages, x.text, x.words)
            .map_err(KefuError::table(qi::TABLE.name))?,
        hot_words: topics::hot_words(x.words).map_err(KefuError::table(hot_words::TABLE.name))?,
        targets,
        loss_reasons,
        after_sales_reasons,
        review_reasons,
        session_reasons,
        session_intents,
        session_member_levels: x
            .conv
            .sessions
            .iter()
            .map(|s| history.level(&s.shop_id, &s.buyer_id).map(str::to_owned))
            .collect(),
        session_returning: returning,
        order_history_days: order_history.days_before_week,
        first_order_day: order_history.first_order_day,
    })
}
