//! kefu (客服): customer-service analytics for Chinese e-commerce shops.
//!
//! The house, bottom to top (each layer imports only the ones below it; an
//! architecture test in `tests/it/architecture.rs` holds this):
//!
//! - [`core`]: the staged row types, time, typed settings, the rule registry,
//!   the one output schema, errors, telemetry.
//! - [`lexicon`]: word and phrase lists, built-in copies, the set a run reads.
//! - [`config`]: the TOML job (or the built-in one) → [`core::settings::Settings`].
//! - [`stages`]: ingest → text → sessions → conversion → rules → marts → sink,
//!   each reading only `core`, `lexicon` and the stages before it.
//! - [`pipeline`]: the stage order of a run.
//! - [`cmd`]: one module per subcommand; only the binary calls it.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod core;
pub mod lexicon;
pub mod pipeline;
pub mod stages;
