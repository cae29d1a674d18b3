//! The `kefu` binary: parses arguments, hands them to the subcommand, maps
//! errors to exit codes (2 usage/config, 1 anything else).

use std::process::ExitCode;

use clap::Parser;
use kefu::cli::Cli;
use kefu::core::error::KefuError;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| level.into()))
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.downcast_ref::<KefuError>().map(KefuError::exit_code).unwrap_or(1);
            eprintln!("kefu: error: {}", kefu::core::term::safe(&format!("{e:#}")));
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    Ok(kefu::cmd::dispatch(cli.command)?)
}
