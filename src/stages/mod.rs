//! The stages, in the order a run takes them. Each reads only `core`,
//! `lexicon` and the stages before it (an architecture test holds this):
//!
//! 1. [`ingest`]: input files → validated rows, rejects, row accounting
//! 2. [`text`]: every message's text, once → flags, intents, lexicon hits, word counts
//! 3. [`sessions`]: messages → sessions and turns, response times, first questions
//! 4. [`conversion`]: orders → inquiries, credited agents, silent orders
//! 5. [`rules`]: sessions → 等/想/烦 violations with evidence
//! 6. [`marts`]: facts → agent_daily, agent_weekly (score), shop_daily, hourly_load, topics
//! 7. [`sink`]: everything → Parquet, manifest, one atomic swap

pub mod conversion;
pub mod ingest;
pub mod marts;
pub mod rules;
pub mod sessions;
pub mod sink;
pub mod text;
