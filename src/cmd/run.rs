//! `kefu run`: the weekly job. Reads the inputs, runs every stage, writes the
//! tables (and report.html when the job asks) atomically, prints the row
//! reconciliation.

use crate::cli::RunArgs;
use crate::config::{self, Overrides};
use std::path::PathBuf;

use crate::core::bucket::{self, Shard, MAX_BUCKETS};
use crate::core::error::{KefuError, Result};
use crate::core::settings::Settings;
use crate::pipeline;
use crate::stages::ingest::spill;
use crate::stages::sink::{manifest, partition, summary};

pub fn run(a: RunArgs) -> Result<()> {
    let (scale, shard) = ((a.buckets, a.memory_budget.clone(), a.spill.clone()), a.shard.clone());
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
    if let Some(p) = Partitioned::from_args(scale, &settings)? {
        return run_buckets(&settings, p, shard.as_deref());
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

/// A partitioned run's bucket count, and its spill folder when it spills.
struct Partitioned {
    buckets: u32,
    spill: Option<PathBuf>,
}

impl Partitioned {
    /// `--buckets B`, `--memory-budget SIZE` (which picks B from the inputs'
    /// size unless given) and `--spill DIR`; `None` for a plain run.
    fn from_args(
        (buckets, budget, spill): (Option<u32>, Option<String>, Option<PathBuf>),
        settings: &Settings,
    ) -> Result<Option<Partitioned>> {
        let budget = match &budget {
            Some(s) => Some(bucket::parse_size(s).map_err(|e| KefuError::usage("--memory-budget", e))?),
            None => None,
        };
        let buckets = match (buckets, budget) {
            (Some(b), _) => b,
            (None, Some(m)) => {
                let input = spill::input_bytes(settings)?;
                let b = bucket::buckets_for(m, input).map_err(|e| KefuError::usage("--memory-budget", e))?;
                tracing::info!(buckets = b, input_mb = input >> 20, "buckets for the memory budget");
                b
            }
            (None, None) if spill.is_some() => {
                return Err(KefuError::usage("--spill", "needs --buckets or --memory-budget"));
            }
            (None, None) => return Ok(None),
        };
        if !(1..=MAX_BUCKETS).contains(&buckets) {
            return Err(KefuError::usage(
                "--buckets",
                format!("{buckets}: give 1 to {MAX_BUCKETS}"),
            ));
        }
        // A folder of this process's own, so shards on one machine never share one.
        let name = format!("spill-{}", std::process::id());
        let spill = match (&spill, budget) {
            (Some(dir), _) => Some(dir.join(format!("kefu-{name}"))),
            (None, Some(_)) => Some(settings.output.dir.join(partition::WORK).join(name)),
            (None, None) => None,
        };
        Ok(Some(Partitioned { buckets, spill }))
    }
}

/// `--buckets B [--shard k/N]`: this shard's buckets, then the report once
/// the run is complete (by whichever shard completes it).
fn run_buckets(settings: &Settings, p: Partitioned, shard: Option<&str>) -> Result<()> {
    let shard = match shard {
        Some(s) => Shard::parse(s).map_err(|e| KefuError::usage("--shard", e))?,
        None => Shard::ALL,
    };
    let (manifests, done) = pipeline::run_buckets(settings, p.buckets, shard, p.spill.as_deref())?;
    if done && settings.output.report {
        crate::core::telemetry::trim_heap();
        super::report::write(&settings.output.dir)?;
    }
    print!("{}", manifest::shard_summary(&manifests, &settings.output.dir, done));
    Ok(())
}
