//! Fixture helpers: a temp folder with messages/orders files and settings
//! that point at the repository's own lexicons.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kefu::config::PipelineConfig;
use kefu::core::schema::{Col, SCORE_COMPONENTS};
use kefu::core::settings::Settings;
use kefu::pipeline::{self, Analysis};
use polars::prelude::*;

pub const HEADER: &str = "shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type\n";
pub const ORDER_HEADER: &str = "order_id,shop_id,buyer_id,created_at,paid_at,amount,status\n";
pub const SHOP: &str = "测试店";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of `../shared/data` (research data with a licence that keeps it
/// out of the repository). When it is missing the test fails under CI
/// (`CI` set, as `.ci/run` runs) and is skipped, saying so, elsewhere.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/data").join(rel);
    if p.is_file() {
        return Some(p);
    }
    assert!(
        !under_ci(),
        "{} not found: under CI the shared data must be beside the repository",
        p.display()
    );
    eprintln!(
        "skipped: {} not found (the shared data folder is not beside the repo)",
        p.display()
    );
    None
}

/// Whether the tests run under CI (`CI` set, as `.ci/run` runs them), where
/// nothing a test needs may be missing.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether python3 imports `modules` (e.g. `"pandas, duckdb"`). When it
/// does not, the test fails under CI (`.ci/run` installs them from
/// `requirements`) and is skipped, saying so, elsewhere.
pub fn python_has(modules: &str, requirements: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || !under_ci(),
        "under CI python3 must import {modules} (pip install -r {requirements})"
    );
    if !ok {
        eprintln!("skipped: python3 cannot import {modules} (pip install -r {requirements})");
    }
    ok
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("messages")).unwrap();
        std::fs::create_dir_all(dir.path().join("orders")).unwrap();
        Fixture { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Messages of one buyer in `SHOP`: each row is (time, who, content) where
    /// `who` is `buyer`, `bot`, `system` or an agent name (`小美` → `测试店:小美`).
    /// A time without a date is on `date`.
    pub fn chat(&self, name: &str, buyer: &str, date: &str, rows: &[(&str, &str, &str)]) {
        let mut s = String::from(HEADER);
        s.push_str(&chat_rows(buyer, date, rows));
        self.write(&format!("messages/{name}.csv"), s);
    }

    pub fn orders(&self, rows: &[(&str, &str, &str, &str, &str)]) {
        let mut s = String::from(ORDER_HEADER);
        for (id, buyer, created, paid, amount) in rows {
            s.push_str(&format!("{id},{SHOP},{buyer},{created},{paid},{amount},\n"));
        }
        self.write("orders/orders.csv", s);
    }

    /// The job the library tests run: the defaults, with the rules that are
    /// off by default for their precision on real chats switched on, since
    /// the tests exercise every rule (`no_review_invite`, a shop norm, stays off).
    pub fn config(&self) -> PipelineConfig {
        let mut cfg = PipelineConfig::default();
        cfg.input.messages = vec![self.path().join("messages")];
        cfg.input.orders = vec![self.path().join("orders")];
        cfg.output.dir = self.path().join("out");
        cfg.resolve_paths(&repo().join("pipelines"));
        let audited_off = kefu::core::registry::RULES
            .iter()
            .filter(|r| !r.default_on && r.id != kefu::core::registry::RuleId::NoReviewInvite);
        for r in audited_off {
            cfg.rules.entry(r.name.to_string()).or_default().enabled = Some(true);
        }
        cfg
    }

    pub fn settings(&self) -> Settings {
        self.config().validate(None).expect("valid settings")
    }

    pub fn analyse(&self) -> Analysis {
        pipeline::analyse(&self.settings()).expect("analysis")
    }
}

pub fn chat_rows(buyer: &str, date: &str, rows: &[(&str, &str, &str)]) -> String {
    let mut s = String::new();
    for (time, who, content) in rows {
        let t = if time.contains(' ') {
            time.to_string()
        } else {
            format!("{date} {time}")
        };
        let (agent, sender) = match *who {
            "buyer" | "bot" | "system" => (String::new(), *who),
            a => (format!("{SHOP}:{a}"), "agent"),
        };
        s.push_str(&format!("{SHOP},{buyer},{agent},{sender},{t},{content},text\n"));
    }
    s
}

fn cell(df: &DataFrame, c: &str, i: usize) -> String {
    let v = df.column(c).unwrap().get(i).unwrap();
    match v {
        AnyValue::Float64(f) => format!("{f:?}"),
        _ => v.get_str().map(str::to_owned).unwrap_or_else(|| v.to_string()),
    }
}

/// One output row as text (floats in full precision), read by schema column.
pub struct Row(BTreeMap<String, String>);

impl std::ops::Index<Col> for Row {
    type Output = str;
    fn index(&self, c: Col) -> &str {
        self.0
            .get(c.name)
            .unwrap_or_else(|| panic!("no column {} in {:?}", c.name, self.0.keys()))
    }
}

/// The first row matching `filter` (schema column = value as text).
pub fn row(df: &DataFrame, filter: &[(Col, &str)]) -> Row {
    let n = df.height();
    'rows: for i in 0..n {
        for (c, v) in filter {
            if cell(df, c.name, i) != *v {
                continue 'rows;
            }
        }
        return Row(df
            .get_column_names()
            .iter()
            .map(|c| (c.to_string(), cell(df, c, i)))
            .collect());
    }
    panic!("no row matching {filter:?} in\n{df}");
}

/// The `agent_weekly` column holding a score component's points.
pub fn points(component: &str) -> Col {
    SCORE_COMPONENTS
        .iter()
        .find(|(c, _)| c.name == component)
        .map(|(_, p)| *p)
        .unwrap_or_else(|| panic!("no score component {component}"))
}

pub fn kefu() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kefu"));
    c.current_dir(repo());
    c.stdin(std::process::Stdio::null());
    c
}

impl Fixture {
    /// Runs the binary on this fixture's messages and orders into `out`, in
    /// the fixture's folder: the built-in job, with none of the samples'
    /// optional inputs that the checkout's job names.
    pub fn run_cli(&self, out: &Path) -> std::process::Output {
        kefu()
            .current_dir(self.path())
            .args(["run", "--messages"])
            .arg(self.path().join("messages"))
            .arg("--orders")
            .arg(self.path().join("orders"))
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    }
}

/// Every Parquet file of an output table folder, in name order, as one frame.
pub fn parquet_frame(table: &Path) -> DataFrame {
    let mut files: Vec<_> = std::fs::read_dir(table).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut out: Option<DataFrame> = None;
    for p in files {
        let df = polars::prelude::ParquetReader::new(std::fs::File::open(&p).unwrap())
            .finish()
            .unwrap();
        match out.as_mut() {
            Some(o) => {
                o.vstack_mut(&df).unwrap();
            }
            None => out = Some(df),
        }
    }
    out.expect("a Parquet file")
}

/// The Wilson score interval (95 %) of `k` successes in `n`.
pub fn wilson(k: u32, n: u32) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n, p) = (1.96f64, n as f64, k as f64 / n as f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}
