//! Command-line arguments (CONTRACT §1): parsing only. `cmd/` turns each
//! subcommand's raw arguments into validated settings and library calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kefu",
    version,
    about = "客服 analytics: sessions, response times, inquiry conversion and 别让我等/想/烦 violations from chat logs and orders",
    long_about = "kefu reads a shop's chat transcripts (CSV, JSONL, Parquet or 千牛 .txt exports) and orders, \
and writes Parquet tables for the weekly agent review and BI dashboards: sessions, turns, messages, \
order_attribution, violations, agent_daily, agent_weekly and rejects, plus manifest.json.\n\n\
Exit codes: 0 success (even with rejected rows), 2 bad usage or config, 1 any other failure."
)]
pub struct Cli {
    /// Log more (-v info, -vv debug); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline job (default: pipelines/weekly_agent_scoring.toml on data_samples/ into out/).
    Run(RunArgs),
    /// Print each input line's tokens separated by spaces (stdin when no FILE).
    Tokenize(TokenizeArgs),
    /// Write a deterministic synthetic messages/orders/agents data set.
    Generate(GenerateArgs),
    /// Print one session as a transcript with turns, response times and violations marked.
    Explain(ExplainArgs),
    /// Write report.html (the weekly review page) from a run's output folder.
    Report {
        /// Output folder of a `kefu run` (default: the job's output folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Pipeline job whose output folder to read.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Agents needed for a daily sales target: (target ÷ 客单价) × inquiry share ÷
    /// conversion rate ÷ max receptions per agent per day, rates measured from a run's output.
    PlanStaffing(StaffingArgs),
    /// Measure segmentation quality or pipeline speed; results go to benches/results/.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Args)]
pub struct StaffingArgs {
    /// Daily sales target in CNY (e.g. a 大促 day).
    #[arg(long, value_name = "CNY")]
    pub target_sales: f64,
    /// Shop to plan for (default: every shop in the output).
    #[arg(long)]
    pub shop: Option<String>,
    /// 客单价 in CNY; measured (paid sales ÷ paying buyers) when absent.
    #[arg(long)]
    pub avg_order_value: Option<f64>,
    /// Share of paid orders that come through an inquiry (0–1); measured as 1 − silent share.
    #[arg(long)]
    pub inquiry_share: Option<f64>,
    /// 询单转化率 (0–1); measured as paid buyers ÷ inquiries.
    #[arg(long)]
    pub conversion_rate: Option<f64>,
    /// Buyers one agent can take a day; measured as the busiest agent-day.
    #[arg(long)]
    pub max_receptions: Option<f64>,
    /// Buyers one agent can take in an hour; measured as the busiest agent-hour.
    #[arg(long)]
    pub max_receptions_per_hour: Option<f64>,
    /// How many peak hours to show.
    #[arg(long, default_value_t = 5)]
    pub peak_hours: usize,
    /// Output folder of a `kefu run` (default: the job's output folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Pipeline job whose output folder to read.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Segmentation P/R/F1 on a gold-segmented corpus (SIGHAN format).
    Segmentation {
        /// Gold file, words separated by spaces.
        #[arg(long, default_value = "../shared/data/icwb2/pku_test_gold.utf8")]
        gold: PathBuf,
        /// Where to write the JSON results.
        #[arg(long, default_value = "benches/results/segmentation-pku.json")]
        out: PathBuf,
    },
    /// Generate synthetic data, run the whole pipeline, report per-stage time,
    /// throughput and peak memory.
    Pipeline(PipelineBenchArgs),
}

#[derive(Debug, Args)]
pub struct PipelineBenchArgs {
    /// Sessions per shop per day (about 5.4 messages each).
    #[arg(long, default_value_t = 2000)]
    pub sessions_per_day: u32,
    #[arg(long, default_value_t = 10)]
    pub shops: u32,
    #[arg(long, default_value_t = 14)]
    pub days: u32,
    #[arg(long, default_value_t = 8)]
    pub agents: u32,
    /// Scratch folder for the generated data and the outputs.
    #[arg(long, default_value = "bench-out")]
    pub work: PathBuf,
    /// Where to write the JSON results.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also run the pandas + jieba and DuckDB peers (benches/peers/) and check they agree.
    #[arg(long)]
    pub peers: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The session id (see the `sessions` or `violations` table).
    pub session_id: String,
    /// Output folder of a `kefu run` (default: the job's output folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Pipeline job whose output folder to read.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Shop, when the same session id exists in several shops.
    #[arg(long, value_name = "SHOP")]
    pub shop: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Pipeline job file (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Chat messages: a file or a folder (read recursively); repeatable. Replaces the job's.
    #[arg(long, value_name = "PATH")]
    pub messages: Vec<PathBuf>,
    /// Orders: a file or a folder; repeatable. Replaces the job's.
    #[arg(long, value_name = "PATH")]
    pub orders: Vec<PathBuf>,
    /// Agent roster (agent_id, name, team).
    #[arg(long, value_name = "PATH")]
    pub agents: Option<PathBuf>,
    /// Optional refunds (order_id, shop_id, refund_at, amount, stage, reason); repeatable.
    #[arg(long, value_name = "PATH")]
    pub refunds: Vec<PathBuf>,
    /// Optional buyers from the CRM (shop_id, buyer_id, first_paid_at, member_level); repeatable.
    #[arg(long, value_name = "PATH")]
    pub buyers: Vec<PathBuf>,
    /// Optional sales targets (shop_id, agent_id or team, period, target_sales); repeatable.
    #[arg(long, value_name = "PATH")]
    pub targets: Vec<PathBuf>,
    /// Optional satisfaction ratings (shop_id, session_id or buyer_id + rated_at, agent_id, score 1–5); repeatable.
    #[arg(long, value_name = "PATH")]
    pub ratings: Vec<PathBuf>,
    /// Optional order reviews (order_id, shop_id, rating 1–5, text, created_at); repeatable.
    #[arg(long, value_name = "PATH")]
    pub reviews: Vec<PathBuf>,
    /// Output folder, replaced atomically when the run succeeds.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Outputs are identical whatever the count.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Shop id for 千牛 .txt transcripts whose nicks carry none.
    #[arg(long, value_name = "SHOP")]
    pub shop: Option<String>,
    /// Partition the run by shop into B buckets (README, Scale out): tables
    /// as OUT/<table>/shop_bucket=<b>/, a manifest per bucket, _SUCCESS.json last.
    #[arg(long, value_name = "B")]
    pub buckets: Option<u32>,
    /// Compute only the buckets b ≡ k (mod N), so N processes write one output; needs --buckets.
    #[arg(long, value_name = "k/N", requires = "buckets")]
    pub shard: Option<String>,
    /// Bound the run's memory (e.g. 2G): inputs are read once into per-bucket
    /// spill files, then buckets run one after another, as many as the budget
    /// needs (README, Scale out). Output is partitioned as with --buckets.
    #[arg(long, value_name = "SIZE")]
    pub memory_budget: Option<String>,
    /// Folder for the spill files (default: OUT/_work); implies spilling; needs
    /// --buckets or --memory-budget.
    #[arg(long, value_name = "DIR")]
    pub spill: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TokenizeArgs {
    /// Text file, one message a line (stdin when absent).
    pub file: Option<PathBuf>,
    /// Pipeline job whose dictionaries to use.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output folder (created).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed: the same seed and sizes give byte-identical files.
    #[arg(long)]
    pub seed: u64,
    /// Number of shops.
    #[arg(long, default_value_t = 2)]
    pub shops: u32,
    /// Agents per shop.
    #[arg(long, default_value_t = 6)]
    pub agents: u32,
    /// Days of chats, starting Monday 2026-11-09.
    #[arg(long, default_value_t = 14)]
    pub days: u32,
    /// Sessions per shop per day.
    #[arg(long, default_value_t = 20)]
    pub sessions_per_day: u32,
    /// Also write the sample layout: shop 2 as a GBK CSV and a few sessions as a 千牛 .txt export.
    #[arg(long, hide = true)]
    pub sample_layout: bool,
}
