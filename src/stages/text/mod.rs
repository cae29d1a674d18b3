//! Stage 2, text: one pass over every message's text. jieba segmentation
//! ([`engine`]), the flags the definitions rely on — stage, question,
//! closing … ([`flags`]), buyer intents ([`intents`]), rule lexicon hits
//! ([`hits`]), the phrase behind each call ([`why`]), the word counts behind
//! the topic marts ([`words`]), and PII masking for everything written
//! ([`pii`]). [`pass::understand`] runs them all in one parallel pass.

pub mod engine;
pub mod flags;
pub mod hits;
pub mod intents;
pub mod pass;
pub mod pii;
pub mod why;
pub mod words;

pub use engine::{TextEngine, Tokens};
pub use flags::Flags;
pub use pass::{review_reasons, understand, MessageText};
pub use pii::{mask_id, mask_pii};
pub use words::WordCounts;
