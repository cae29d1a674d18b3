//! The subcommands, one module each. Each takes its parsed arguments, builds
//! typed settings through `config`, and calls the library; only the binary
//! calls in here.

pub mod bench;
pub mod explain;
pub mod generate;
pub mod plan_staffing;
pub mod report;
pub mod run;
pub mod tokenize;

use std::path::{Path, PathBuf};

use crate::cli::{BenchCommand, Command};
use crate::config::{self, Overrides};
use crate::core::error::{KefuError, Result};

pub fn dispatch(cmd: Command) -> Result<()> {
    match cmd {
        Command::Run(a) => run::run(a),
        Command::Tokenize(a) => tokenize::run(a),
        Command::Report { out, config } => report::run(out, config.as_deref()),
        Command::PlanStaffing(a) => plan_staffing::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Bench(BenchCommand::Segmentation { gold, out }) => bench::segmentation::run(&gold, &out),
        Command::Bench(BenchCommand::Pipeline(a)) => bench::pipeline::run(a),
        Command::Generate(a) => generate::run(a),
    }
}

/// Sets the worker count for rayon and polars. Must run before either pool
/// is used; outputs do not depend on it.
pub fn set_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(KefuError::usage("--threads", "must be at least 1"));
    }
    // polars reads this once, when its pool first starts.
    std::env::set_var("POLARS_MAX_THREADS", n.to_string());
    rayon::ThreadPoolBuilder::new().num_threads(n).build_global()?;
    Ok(())
}

/// `--out` if given, else the output folder of the job (`--config`, the
/// default job file, or the built-in job's `out`).
pub fn out_dir(out: Option<PathBuf>, config: Option<&Path>) -> Result<PathBuf> {
    Ok(match out {
        Some(o) => o,
        None => config::job(config, Overrides::default())?.output.dir,
    })
}
