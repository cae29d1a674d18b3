//! Scale-out (issue 14): `--buckets B --shard k/N` writes disjoint hive
//! partitions whose union is a run without buckets, table by table and
//! reconciliation by reconciliation; a shard killed mid-bucket leaves only
//! whole files and no `_SUCCESS.json`, and rerunning it alone completes the run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kefu::core::bucket::bucket;
use kefu::core::schema::TABLES;
use polars::prelude::*;
use serde_json::Value;

use crate::helpers::kefu;

/// A generated set of 13 shops plus rows that test the routing: a message
/// with no shop (bucket 0 rejects it), one with a bad time (its shop's
/// bucket rejects it), an exact duplicate message and order (deduplicated
/// in their shop's bucket), refunds and reviews that name their order by
/// id alone (they follow the order's bucket; one naming no order is
/// rejected once, in bucket 0), and a repeated roster row.
fn data(dir: &Path) -> Vec<String> {
    generate(dir);
    let msgs = std::fs::read_to_string(dir.join("messages/messages.csv")).unwrap();
    let first_row = msgs.lines().nth(1).unwrap();
    let extra = format!(
        "shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type,session_id\n\
         ,tb1,,buyer,2026-11-10 10:00:00,在吗,text,\n\
         青禾茶具店,tb2,,buyer,2026-11-99 10:00:00,在吗,text,\n\
         {first_row}\n"
    );
    std::fs::write(dir.join("messages/extra.csv"), extra).unwrap();
    let orders = std::fs::read_to_string(dir.join("orders/orders.csv")).unwrap();
    let order_row = orders.lines().nth(3).unwrap();
    std::fs::write(
        dir.join("orders/extra.csv"),
        format!("{}\n{order_row}\n", orders.lines().next().unwrap()),
    )
    .unwrap();
    std::fs::write(
        dir.join("refunds.csv"),
        "order_id,amount,reason\nO000000001,10.00,破损\nO000000005,5.00,\nO999999999,1.00,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("reviews.csv"),
        "order_id,rating,text,created_at\nO000000002,2,杯子破了,2026-11-20 10:00:00\nO999999998,5,好,2026-11-20 10:00:00\n",
    )
    .unwrap();
    let agents = std::fs::read_to_string(dir.join("agents.csv")).unwrap();
    std::fs::write(
        dir.join("agents.csv"),
        format!("{agents}{}\n", agents.lines().nth(1).unwrap()),
    )
    .unwrap();
    let mut args = inputs(dir);
    for (flag, rel) in [("--refunds", "refunds.csv"), ("--reviews", "reviews.csv")] {
        args.push(flag.to_string());
        args.push(dir.join(rel).display().to_string());
    }
    args
}

/// A `kefu generate` set of 13 shops (messages/, orders/, agents.csv).
pub fn generate(dir: &Path) {
    let o = kefu()
        .args(["generate", "--seed", "14", "--shops", "13", "--agents", "3"])
        .args(["--days", "3", "--sessions-per-day", "12", "--out"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `--messages`, `--orders` and `--agents` of a generated set.
pub fn inputs(dir: &Path) -> Vec<String> {
    let mut args = Vec::new();
    for (flag, rel) in [
        ("--messages", "messages"),
        ("--orders", "orders"),
        ("--agents", "agents.csv"),
    ] {
        args.push(flag.to_string());
        args.push(dir.join(rel).display().to_string());
    }
    args
}

pub fn run(dir: &Path, args: &[String], out: &Path, extra: &[&str]) -> std::process::Output {
    command(dir, args, out, extra).output().unwrap()
}

fn command(dir: &Path, args: &[String], out: &Path, extra: &[&str]) -> std::process::Command {
    let mut c = kefu();
    c.current_dir(dir)
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(out)
        .args(extra);
    c
}

fn read(p: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(p).unwrap()).finish().unwrap()
}

/// The partition files of one table, by bucket.
fn partitions(out: &Path, table: &str) -> Vec<(u32, PathBuf)> {
    let mut v: Vec<(u32, PathBuf)> = std::fs::read_dir(out.join(table))
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let b = name
                .strip_prefix("shop_bucket=")
                .unwrap_or_else(|| panic!("{name}"))
                .parse()
                .unwrap();
            let files: Vec<_> = std::fs::read_dir(e.path())
                .unwrap()
                .map(|f| f.unwrap().file_name())
                .collect();
            assert_eq!(
                files,
                vec![std::ffi::OsString::from("part-0.parquet")],
                "{}",
                e.path().display()
            );
            (b, e.path().join("part-0.parquet"))
        })
        .collect();
    v.sort();
    v
}

/// Rows in a canonical order: sorted on every column.
fn sorted(df: DataFrame) -> DataFrame {
    let cols: Vec<PlSmallStr> = df.get_column_names().into_iter().cloned().collect();
    df.sort(cols, SortMultipleOptions::default().with_nulls_last(true))
        .unwrap()
}

/// Every table's union of partitions equals the plain run's rows; every
/// shop sits only in its bucket's folder.
pub fn assert_union(plain: &Path, out: &Path, buckets: u32) {
    for t in TABLES {
        let parts = partitions(out, t.name);
        assert_eq!(parts.len(), buckets as usize, "{}: a file per bucket", t.name);
        let mut union: Option<DataFrame> = None;
        for (b, p) in &parts {
            let df = read(p);
            if let Ok(shops) = df.column("shop_id") {
                for s in shops.str().unwrap().iter().flatten() {
                    assert_eq!(bucket(s, buckets), *b, "{}: shop {s} in bucket {b}", t.name);
                }
            }
            match union.as_mut() {
                Some(u) => {
                    u.vstack_mut(&df).unwrap();
                }
                None => union = Some(df),
            }
        }
        let want = sorted(read(&plain.join(t.name).join("part-0.parquet")));
        let got = sorted(union.unwrap());
        assert!(
            want.equals_missing(&got),
            "{} with {buckets} buckets differs from the plain run:\n{want}\n{got}",
            t.name
        );
    }
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

/// The bucket manifests' counts add up to the plain run's, and
/// `_SUCCESS.json` says so.
pub fn assert_reconciled(plain: &Path, out: &Path, buckets: u32) {
    let want = json(&plain.join("manifest.json"));
    let success = json(&out.join("_SUCCESS.json"));
    // The job's hash leaves out where files are: every bucket's is the plain run's.
    for key in [
        "tables",
        "outputs",
        "order_history_days",
        "first_order_date",
        "config_hash",
    ] {
        assert_eq!(success[key], want[key], "_SUCCESS.json {key}");
    }
    let mut read = 0;
    for b in 0..buckets {
        let m = json(&out.join(format!("_manifests/bucket={b}.json")));
        assert_eq!(m["bucket"]["bucket"], b);
        read += m["tables"]["messages"]["rows_read"].as_u64().unwrap();
    }
    assert_eq!(read, want["tables"]["messages"]["rows_read"].as_u64().unwrap());
}

/// A run that aborts right after bucket 4's first file is in place, as a
/// SIGKILL there would leave it (the test-only fault).
fn killed_in_bucket_4(dir: &Path, args: &[String], out: &Path, extra: &[&str]) -> std::process::ExitStatus {
    let mut c = command(dir, args, out, extra);
    c.env("KEFU_FAULT_ABORT_IN_BUCKET", "4").output().unwrap().status
}

/// The routing set in a temp folder, its arguments, and its plain run's output.
fn with_plain_run() -> (tempfile::TempDir, Vec<String>, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let args = data(&tmp.path().join("in"));
    let plain = tmp.path().join("plain");
    let o = run(tmp.path(), &args, &plain, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (tmp, args, plain)
}

#[test]
fn shards_union_equals_a_plain_run() {
    let tmp = tempfile::tempdir().unwrap();
    let args = data(&tmp.path().join("in"));
    let plain = tmp.path().join("plain");
    let o = run(tmp.path(), &args, &plain, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = json(&plain.join("manifest.json"));
    // The fixture's routing rows: 2 messages rejected (no shop, bad time) and
    // 1 deduplicated; 1 order deduplicated; 1 refund and 1 review name no order;
    // the repeated roster row is deduplicated.
    assert_eq!(m["tables"]["messages"]["rows_rejected"], 2);
    assert_eq!(m["tables"]["messages"]["rows_deduplicated"], 1);
    assert_eq!(m["tables"]["orders"]["rows_deduplicated"], 1);
    assert_eq!(m["tables"]["refunds"]["rows_rejected"], 1);
    assert_eq!(m["tables"]["reviews"]["rows_rejected"], 1);
    assert_eq!(m["tables"]["agents"]["rows_deduplicated"], 1);
    for buckets in [1u32, 8, 64] {
        let out = tmp.path().join(format!("b{buckets}"));
        for k in 0..3 {
            let b = buckets.to_string();
            let shard = format!("{k}/3");
            let o = run(tmp.path(), &args, &out, &["--buckets", &b, "--shard", &shard]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            // The run is complete once every bucket is written: with B = 1
            // shard 0 completes it (shards 1 and 2 have no bucket).
            let complete = k + 1 >= buckets.min(3);
            assert_eq!(
                out.join("_SUCCESS.json").exists(),
                complete,
                "B={buckets} after shard {k}"
            );
        }
        assert_union(&plain, &out, buckets);
        assert_reconciled(&plain, &out, buckets);
    }
    // The report reads a partitioned output as one table: the same page.
    for out in [plain.clone(), tmp.path().join("b8")] {
        let o = kefu().args(["report", "--out"]).arg(&out).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let page = |d: &Path| std::fs::read_to_string(d.join("report.html")).unwrap();
    assert!(page(&plain) == page(&tmp.path().join("b8")), "report.html differs");
}

#[test]
fn a_killed_shard_leaves_whole_files_and_no_success_and_a_rerun_completes() {
    let (tmp, args, plain) = with_plain_run();
    let out = tmp.path().join("b8");
    for k in ["0/3", "2/3"] {
        assert!(run(tmp.path(), &args, &out, &["--buckets", "8", "--shard", k])
            .status
            .success());
    }
    // Shard 1/3 computes buckets 1, 4, 7: it dies inside bucket 4, after the
    // first of its files is in place (as a SIGKILL there would leave it).
    assert!(!killed_in_bucket_4(tmp.path(), &args, &out, &["--buckets", "8", "--shard", "1/3"]).success());
    assert!(!out.join("_SUCCESS.json").exists());
    assert!(out.join("_manifests/bucket=1.json").exists());
    assert!(!out.join("_manifests/bucket=4.json").exists());
    // Whatever a reader can see is a whole Parquet file.
    let mut seen = BTreeSet::new();
    for t in TABLES {
        let Ok(dirs) = std::fs::read_dir(out.join(t.name)) else {
            continue;
        };
        for d in dirs {
            let d = d.unwrap();
            for f in std::fs::read_dir(d.path()).unwrap() {
                let f = f.unwrap();
                assert_eq!(f.file_name(), "part-0.parquet");
                read(&f.path());
                seen.insert(d.file_name().to_string_lossy().into_owned());
            }
        }
    }
    assert!(
        seen.contains("shop_bucket=4"),
        "the fault struck after bucket 4's first file"
    );
    let o = run(tmp.path(), &args, &out, &["--buckets", "8", "--shard", "1/3"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_union(&plain, &out, 8);
    assert_reconciled(&plain, &out, 8);
}

#[test]
fn one_output_keeps_one_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let args = data(&tmp.path().join("in"));
    let (plain, b4) = (tmp.path().join("plain"), tmp.path().join("b4"));
    assert!(run(tmp.path(), &args, &plain, &[]).status.success());
    assert!(run(tmp.path(), &args, &b4, &["--buckets", "4", "--shard", "0/2"])
        .status
        .success());
    for (out, extra, says) in [
        (&b4, &["--buckets", "8"][..], "holds a run with 4 buckets"),
        (&plain, &["--buckets", "8"][..], "holds a run without --buckets"),
        (&b4, &["--buckets", "4", "--shard", "2/2"][..], "0 <= k < N"),
        (&b4, &["--buckets", "0"][..], "--buckets"),
        (&b4, &["--shard", "0/2"][..], "--buckets"),
        (
            &b4,
            &["--spill", "sp"][..],
            "--spill: needs --buckets or --memory-budget",
        ),
        (
            &b4,
            &["--memory-budget", "100M"][..],
            "100 MB is below what a run needs",
        ),
        (&b4, &["--memory-budget", "2X"][..], "give a size such as 2G"),
    ] {
        let o = run(tmp.path(), &args, out, extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?}: {err}");
    }
}

/// The samples (a GBK CSV, a 千牛 export, bad rows, every optional input)
/// bucketed equal the samples run plainly, the report included.
#[test]
fn the_samples_in_four_buckets_equal_the_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, b4) = (tmp.path().join("plain"), tmp.path().join("b4"));
    let repo = crate::helpers::repo();
    assert!(run(&repo, &[], &plain, &[]).status.success());
    let page = |d: &Path| std::fs::read(d.join("report.html")).unwrap();
    // Rereading the inputs per bucket, and reading them once into a spill.
    let spill = tmp.path().join("spill");
    for extra in [
        &["--buckets", "4"][..],
        &["--buckets", "4", "--spill", spill.to_str().unwrap()],
    ] {
        let o = run(&repo, &[], &b4, extra);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_union(&plain, &b4, 4);
        assert_reconciled(&plain, &b4, 4);
        assert!(page(&plain) == page(&b4), "report.html differs with {extra:?}");
    }
    assert_eq!(std::fs::read_dir(&spill).unwrap().count(), 0, "the spill is removed");
}

/// `--memory-budget` and `--spill`: the inputs are read once into
/// per-bucket spill files and each bucket's pass replays its rows; the
/// union equals the plain run (the routing rows included), the spill is
/// gone afterwards, and one left by a killed run is removed by the next.
#[test]
fn a_spilled_run_equals_a_plain_run() {
    let (tmp, args, plain) = with_plain_run();
    let spill = tmp.path().join("spill");
    let sp = spill.to_str().unwrap();
    for buckets in [8u32, 64] {
        let out = tmp.path().join(format!("s{buckets}"));
        let b = buckets.to_string();
        for k in ["0/3", "1/3", "2/3"] {
            let o = run(tmp.path(), &args, &out, &["--buckets", &b, "--shard", k, "--spill", sp]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        assert_union(&plain, &out, buckets);
        assert_reconciled(&plain, &out, buckets);
    }
    assert_eq!(std::fs::read_dir(&spill).unwrap().count(), 0, "the spill is removed");
    // A budget far above these inputs needs one bucket; its spill lives in OUT/_work.
    let out = tmp.path().join("m");
    let o = run(tmp.path(), &args, &out, &["--memory-budget", "1G"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&out.join("_layout.json"))["buckets"], 1);
    assert_union(&plain, &out, 1);
    assert_reconciled(&plain, &out, 1);
    // Killed inside bucket 4: its spill stays behind until the next run.
    let s8 = tmp.path().join("s8");
    assert!(!killed_in_bucket_4(tmp.path(), &args, &s8, &["--buckets", "8", "--spill", sp]).success());
    assert_eq!(std::fs::read_dir(&spill).unwrap().count(), 1, "a killed run's spill");
    let o = run(
        tmp.path(),
        &args,
        &tmp.path().join("s8"),
        &["--buckets", "8", "--spill", sp],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_dir(&spill).unwrap().count(),
        0,
        "the stale spill is removed"
    );
    assert_union(&plain, &tmp.path().join("s8"), 8);
}
