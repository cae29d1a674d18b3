//! kefu (客服): customer-service analytics for Chinese e-commerce shops.
//!
//! Layers, as dbt names them: `ingest` stages raw rows into typed records;
//! `text`, `sessions`, `conversion` and `rules` build facts from them; `marts`
//! and `scoring` build the reporting tables; `tables` and `sink` write them.

pub mod bench;
pub mod cli;
pub mod config;
pub mod conversion;
pub mod error;
pub mod explain;
pub mod frame;
pub mod funnel;
pub mod generate;
pub mod ingest;
pub mod lexicons;
pub mod marts;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod scoring;
pub mod segeval;
pub mod sessions;
pub mod sink;
pub mod staffing;
pub mod tables;
pub mod text;
pub mod timeutil;
pub mod topics;

/// Sets the worker count for rayon and polars. Must run before either pool is
/// used; outputs do not depend on it.
pub fn set_threads(n: usize) -> error::Result<()> {
    // polars reads this once, when its pool first starts.
    std::env::set_var("POLARS_MAX_THREADS", n.to_string());
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| error::KefuError::Other(format!("thread pool: {e}")))
}
