//! Stage 6, marts: the reporting tables, built from the facts of the earlier
//! stages. `agent_daily` and `agent_weekly` (with the score) through
//! intermediate fact frames ([`facts`]); `shop_daily`, `hourly_load`,
//! `question_intents` and `hot_words` per shop. Each mart is a file.

pub mod agent_daily;
pub mod agent_weekly;
pub mod facts;
pub mod hourly_load;
pub mod scoring;
pub mod shop_daily;
pub mod topics;

use polars::prelude::*;

use crate::core::error::{KefuError, Result};
use crate::core::model::{Agent, Message, Order};
use crate::core::schema::{agent_daily as ad, agent_weekly as aw, hot_words, hourly_load as hl};
use crate::core::schema::{question_intents as qi, shop_daily as sd};
use crate::core::settings::{Metrics, Scoring};
use crate::stages::conversion::Attribution;
use crate::stages::rules::Violation;
use crate::stages::sessions::Conversations;
use crate::stages::text::intents::IntentModel;
use crate::stages::text::{MessageText, WordCounts};

/// Every mart of a run.
pub struct Marts {
    pub agent_daily: DataFrame,
    pub agent_weekly: DataFrame,
    pub shop_daily: DataFrame,
    pub hourly_load: DataFrame,
    pub question_intents: DataFrame,
    pub hot_words: DataFrame,
    /// Each session's dominant intent (the `sessions.intent` column).
    pub session_intents: Vec<Option<u8>>,
}

/// What the marts are built from.
pub struct Inputs<'a> {
    pub messages: &'a [Message],
    pub orders: &'a [Order],
    pub agents: &'a [Agent],
    pub conv: &'a Conversations,
    pub text: &'a [MessageText],
    pub words: &'a WordCounts,
    pub intents: &'a IntentModel,
    pub attributions: &'a [Attribution],
    pub violations: &'a [Violation],
    pub metrics: &'a Metrics,
    pub scoring: &'a Scoring,
}

pub fn build(x: &Inputs) -> Result<Marts> {
    let facts = facts::facts(&facts::Inputs {
        conv: x.conv,
        messages: x.messages,
        orders: x.orders,
        attributions: x.attributions,
        violations: x.violations,
        metrics: x.metrics,
    })
    .map_err(KefuError::table(ad::TABLE.name))?;
    let net = x.metrics.sales_net_of_refunds;
    let agent_daily = agent_daily::agent_daily(&facts, x.agents, net).map_err(KefuError::table(ad::TABLE.name))?;
    drop(facts);
    let agent_weekly =
        agent_weekly::agent_weekly(&agent_daily, x.scoring, net).map_err(KefuError::table(aw::TABLE.name))?;
    Ok(Marts {
        agent_daily,
        agent_weekly,
        shop_daily: shop_daily::shop_daily(x.conv, x.orders, x.attributions)
            .map_err(KefuError::table(sd::TABLE.name))?,
        hourly_load: hourly_load::hourly_load(x.conv, x.messages).map_err(KefuError::table(hl::TABLE.name))?,
        question_intents: topics::question_intents(x.intents, x.conv, x.messages, x.text, x.words)
            .map_err(KefuError::table(qi::TABLE.name))?,
        hot_words: topics::hot_words(x.words).map_err(KefuError::table(hot_words::TABLE.name))?,
        session_intents: topics::session_intents(x.conv, x.messages, x.text),
    })
}
