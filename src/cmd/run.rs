//! `kefu run`: the weekly job. Reads the inputs, runs every stage, writes the
//! tables (and report.html when the job asks) atomically, prints the row
//! reconciliation.

use crate::cli::RunArgs;
use crate::config::{self, Overrides};
use crate::core::error::{KefuError, Result};
use crate::pipeline;
use crate::stages::sink::summary;

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
