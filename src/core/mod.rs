//! The ground floor every other layer stands on: the staged row types
//! ([`model`]), time ([`time`]), the typed settings a job resolves to
//! ([`settings`]), the rule registry ([`registry`]), the one output schema
//! ([`schema`]) and the frames built to it ([`frame`]), errors, telemetry, and terminal-safe text ([`term`]).
//! [`bucket`] is the shop bucket a partitioned run splits by. Nothing here imports from above `core`.

pub mod bucket;
pub mod error;
pub mod frame;
pub mod model;
pub mod registry;
pub mod schema;
pub mod settings;
pub mod telemetry;
pub mod term;
pub mod time;
