//! The `kefu` binary: parses arguments, calls the library, maps errors to
//! exit codes (2 usage/config, 1 anything else).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::Parser;
use kefu::cli::{Cli, Command};
use kefu::error::KefuError;
use kefu::pipeline::{self, Overrides};

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
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.downcast_ref::<KefuError>().map(KefuError::exit_code).unwrap_or(1);
            eprintln!("kefu: error: {e:#}");
            ExitCode::from(code)
        }
    }
}

/// `--out` if given, else the output folder of the job (`--config` or the default).
fn out_dir(out: Option<std::path::PathBuf>, config: Option<&std::path::Path>) -> anyhow::Result<std::path::PathBuf> {
    Ok(match out {
        Some(o) => o,
        None => pipeline::load_settings(config, Overrides::default())?.config.output.dir,
    })
}

fn dispatch(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Run(a) => {
            if let Some(n) = a.threads {
                if n == 0 {
                    return Err(KefuError::Config("--threads must be at least 1".into()).into());
                }
                kefu::set_threads(n)?;
            }
            let settings = pipeline::load_settings(
                a.config.as_deref(),
                Overrides {
                    messages: a.messages,
                    orders: a.orders,
                    agents: a.agents,
                    out: a.out,
                    shop: a.shop,
                },
            )?;
            let manifest = pipeline::run(&settings)?;
            print!("{}", pipeline::summary(&manifest, &settings.config.output.dir));
        }
        Command::Tokenize(a) => {
            // Outside a kefu folder, with no job given, the built-in dictionaries serve.
            let default_job = std::path::Path::new(pipeline::DEFAULT_CONFIG).is_file();
            let settings = match a.config.as_deref() {
                None if !default_job => kefu::config::PipelineConfig::default().validate(None)?,
                c => pipeline::load_settings(c, Overrides::default())?,
            };
            let (engine, _) = pipeline::text_engine(&settings)?;
            let input: Box<dyn BufRead> = match &a.file {
                Some(p) => Box::new(std::io::BufReader::new(
                    std::fs::File::open(p).map_err(|e| KefuError::io(p, e))?,
                )),
                None => Box::new(std::io::stdin().lock()),
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for line in input.lines() {
                let line = line?;
                let tk = engine.tokenize(line.trim_end_matches('\r'));
                let words: Vec<&str> = tk.tokens().filter(|t| !t.trim().is_empty()).collect();
                writeln!(out, "{}", words.join(" "))?;
            }
        }
        Command::Report { out, config } => {
            let out = out_dir(out, config.as_deref())?;
            println!("wrote {}", kefu::report::write(&out)?.display());
        }
        Command::PlanStaffing(a) => {
            if a.target_sales.is_nan() || a.target_sales <= 0.0 {
                return Err(KefuError::Config("--target-sales must be positive".into()).into());
            }
            let out = out_dir(a.out, a.config.as_deref())?;
            let shops = match a.shop {
                Some(s) => vec![s],
                None => kefu::staffing::shops(&out)?,
            };
            let given = kefu::staffing::Given {
                target_sales: a.target_sales,
                avg_order_value: a.avg_order_value,
                inquiry_share: a.inquiry_share,
                conversion_rate: a.conversion_rate,
                max_receptions: a.max_receptions,
                max_receptions_per_hour: a.max_receptions_per_hour,
            };
            for shop in shops {
                let (inputs, shares) = kefu::staffing::measure(&out, &shop, &given)?;
                let plan = kefu::staffing::plan(a.target_sales, &inputs, &shares, a.peak_hours);
                println!("{}", kefu::staffing::render(&shop, a.target_sales, &inputs, &plan));
            }
        }
        Command::Explain(a) => {
            let out = out_dir(a.out, a.config.as_deref())?;
            print!("{}", kefu::explain::explain(&out, &a.session_id, a.shop.as_deref())?);
        }
        Command::Bench(kefu::cli::BenchCommand::Segmentation { gold, out }) => {
            let settings = pipeline::load_settings(None, Overrides::default())?;
            let r = kefu::bench::segmentation(&gold, &settings.config.text)?;
            for v in &r.variants {
                println!(
                    "{:<5} hmm={:<5} P={:.3} R={:.3} F1={:.3}  ({})",
                    v.name, v.hmm, v.score.precision, v.score.recall, v.score.f1, v.dictionary
                );
            }
            kefu::bench::write_json(&out, &r)?;
            println!("wrote {}", out.display());
        }
        Command::Bench(kefu::cli::BenchCommand::Pipeline {
            sessions_per_day,
            shops,
            days,
            agents,
            work,
            out,
            threads,
            peers,
        }) => {
            if let Some(n) = threads {
                kefu::set_threads(n)?;
            }
            let spec = kefu::generate::Spec {
                seed: 1,
                shops,
                agents,
                days,
                sessions_per_day,
                sample_layout: false,
            };
            let r = kefu::bench::pipeline(&work, &spec, peers)?;
            println!("{}", serde_json::to_string_pretty(&r)?);
            let out = out.unwrap_or_else(|| {
                format!(
                    "benches/results/pipeline-{}k-{}-{}t.json",
                    r.messages / 1000,
                    r.build_profile,
                    r.threads
                )
                .into()
            });
            kefu::bench::write_json(&out, &r)?;
            println!("wrote {}", out.display());
        }
        Command::Generate(a) => {
            let spec = kefu::generate::Spec {
                seed: a.seed,
                shops: a.shops,
                agents: a.agents,
                days: a.days,
                sessions_per_day: a.sessions_per_day,
                sample_layout: a.sample_layout,
            };
            let counts = kefu::generate::write(&a.out, &spec)?;
            println!(
                "wrote {} messages, {} orders, {} agents to {}",
                counts.messages,
                counts.orders,
                counts.agents,
                a.out.display()
            );
        }
    }
    Ok(())
}
