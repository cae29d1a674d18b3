//! The Spark binding (issue 14): `deploy/spark/kefu_spark.py` on a real
//! PySpark in local mode, `local[2,2]` so a failed task is retried. Spark
//! reads the CSVs and buckets the rows in Spark SQL; each bucket's task runs
//! the kefu binary. The first attempt of one bucket fails on purpose; Spark
//! retries it, and the tables equal a plain run's. Skipped, saying so, where
//! pyspark is not installed, except under CI (`.ci/run` installs it).

use std::process::Command;

use crate::helpers::{python_has, repo};
use crate::scale::{assert_reconciled, assert_union, generate, inputs, run};

#[test]
fn spark_runs_every_bucket_retries_a_failed_one_and_equals_a_plain_run() {
    if !python_has("pyspark", "deploy/spark/requirements.txt") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("in");
    generate(&data);
    let plain = tmp.path().join("plain");
    let o = run(tmp.path(), &inputs(&data), &plain, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = tmp.path().join("spark");
    let o = Command::new("python3")
        .current_dir(tmp.path())
        .arg(repo().join("deploy/spark/kefu_spark.py"))
        .args(["--master", "local[2,2]", "--kefu", env!("CARGO_BIN_EXE_kefu")])
        .args(["--messages", &data.join("messages").display().to_string()])
        .args(["--orders", &data.join("orders").display().to_string()])
        .args(["--agents", &data.join("agents.csv").display().to_string()])
        .args(["--buckets", "8", "--out", &out.display().to_string()])
        .env("KEFU_SPARK_FAULT_BUCKET", "3")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stdout}\n{stderr}");
    // Spark's log of the failed first attempt; the rerun made the output whole.
    assert!(
        stderr.contains("KEFU_SPARK_FAULT_BUCKET=3: failing attempt 0 on purpose"),
        "{stderr}"
    );
    let lost = stderr
        .lines()
        .find(|l| l.contains("Lost task") && l.contains(".0 in stage"));
    assert!(lost.is_some(), "no lost first attempt in Spark's log:\n{stderr}");
    eprintln!("retried: {}", lost.unwrap_or_default());
    assert!(stdout.contains("8 buckets written"), "{stdout}");
    assert_union(&plain, &out, 8);
    assert_reconciled(&plain, &out, 8);
}
