//! One integration-test binary (as ripgrep and delta-rs do): tiny fixtures
//! written out in each test, numbers worked out by hand in the comments.

mod architecture;
mod bench;
mod cli;
mod conversion;
mod feedback;
mod golden;
mod helpers;
mod hostile;
mod ingest;
mod labels;
mod money;
mod props;
mod report;
mod rules;
mod rules_audit;
mod scale;
mod scoring;
mod sessions;
mod spark;
mod stage;
mod text;
mod workload;
