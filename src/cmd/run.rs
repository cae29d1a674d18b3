//! `kefu run`: the weekly job. Reads the inputs, runs every stage, writes the
//! tables (and report.html when the job asks) atomically, prints the row
//! reconciliation.

use crate::cli::RunArgs;
use crate::config::{self, Overrides};
use crate::core::bucket::{Shard, MAX_BUCKETS};
use crate::core::error::{KefuError, Result};
use crate::core::settings::Settings;
use crate::pipeline;
use crate::stages::sink::{manifest, summary};

pub fn run(a: RunArgs) -> Result<()> {
    if let Some(n) = a.threads {
        super::set_threads(n)?;
    }
    let settings = config::job(
        a.config.as_deref(),
        Overrides {
            messages: a.messages,
            orders: a.orders,
            agents: a.agents,
            refunds: a.refunds,
            buyers: a.buyers,
            targets: a.targets,
            ratings: a.ratings,
            reviews: a.reviews,
            out: a.out,
            shop: a.shop,
        },
    )?;
    if settings.input.messages.is_empty() {
        return Err(KefuError::usage(
            "--messages",
            format!(
                "no chat messages to read: pass --messages PATH, or run where {} is",
                config::DEFAULT_JOB
            ),
        ));
    }
    if let Some(buckets) = a.buckets {
        return run_buckets(&settings, buckets, a.shard.as_deref());
    }
    let report = settings.output.report;
    let extra = |dir: &std::path::Path| -> Result<()> {
        if report {
            super::report::write(dir)?;
        }
        Ok(())
    };
    let (manifest, _) = pipeline::run(&settings, &extra)?;
    print!("{}", summary(&manifest, &settings.output.dir));
    Ok(())
}

/// `--buckets B [--shard k/N]`: this shard's buckets, then the report once
/// the run is complete (by whichever shard completes it).
fn run_buckets(settings: &Settings, buckets: u32, shard: Option<&str>) -> Result<()> {
    if !(1..=MAX_BUCKETS).contains(&buckets) {
        return Err(KefuError::usage(
            "--buckets",
            format!("{buckets}: give 1 to {MAX_BUCKETS}"),
        ));
    }
    let shard = match shard {
        Some(s) => Shard::parse(s).map_err(|e| KefuError::usage("--shard", e))?,
        None => Shard::ALL,
    };
    let (manifests, done) = pipeline::run_buckets(settings, buckets, shard)?;
    if done && settings.output.report {
        super::report::write(&settings.output.dir)?;
    }
    print!("{}", manifest::shard_summary(&manifests, &settings.output.dir, done));
    Ok(())
}
