//! The binary: exit codes, atomic output, determinism across thread counts,
//! `tokenize` and `generate`.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use crate::helpers::*;

fn parquet_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for t in std::fs::read_dir(dir).unwrap() {
        let t = t.unwrap().path();
        if t.is_dir() {
            for f in std::fs::read_dir(&t).unwrap() {
                let f = f.unwrap().path();
                out.push((
                    f.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&f).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn default_job_runs_on_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = kefu().args(["run", "--out"]).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("messages") && stdout.contains("rejected"), "{stdout}");
    for t in [
        "sessions",
        "turns",
        "messages",
        "violations",
        "order_attribution",
        "agent_daily",
        "agent_weekly",
        "rejects",
    ] {
        assert!(out.join(t).join("part-0.parquet").is_file(), "{t}");
    }
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let msgs = &m["tables"]["messages"];
    let n = |k: &str| msgs[k].as_u64().unwrap();
    assert_eq!(
        n("rows_read"),
        n("rows_used") + n("rows_rejected") + n("rows_deduplicated")
    );
    // data_samples holds two bad rows and one exact duplicate on purpose.
    assert_eq!((n("rows_rejected"), n("rows_deduplicated")), (2, 1));
    let encodings: Vec<&str> = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["encoding"].as_str().unwrap())
        .collect();
    assert!(encodings.contains(&"gb18030"));
    assert!(m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["format"] == "transcript"));
}

#[test]
fn outputs_identical_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        let o = kefu()
            .args(["run", "--threads", threads, "--out"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let (fa, fb) = (parquet_files(&a), parquet_files(&b));
    assert_eq!(fa.len(), kefu::core::schema::TABLES.len());
    for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between --threads 1 and 2");
    }
}

/// Runs `kefu run` with this job file; asserts exit 2 and returns stderr.
fn config_error(toml: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("job.toml");
    std::fs::write(&cfg, toml).unwrap();
    let o = kefu().args(["run", "--config"]).arg(&cfg).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{toml}");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn usage_and_config_errors_exit_2() {
    assert!(config_error("[metrics]\nsession_gap_minute = 30\n").contains("session_gap_minute"));
    assert!(config_error("[metrics]\nservice_hours = \"23:00-08:00\"\n").contains("service_hours"));
    assert!(config_error("[rules.no_such_rule]\nenabled = false\n").contains("no_such_rule"));

    let o = kefu()
        .args(["run", "--messages", "/nonexistent/kefu"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = kefu().args(["run", "--no-such-flag"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn failed_run_leaves_previous_output_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(kefu()
        .args(["run", "--out"])
        .arg(&out)
        .output()
        .unwrap()
        .status
        .success());
    let before = parquet_files(&out);
    let manifest = std::fs::read(out.join("manifest.json")).unwrap();
    let broken = tmp.path().join("broken.csv");
    std::fs::write(&broken, "shop_id,buyer_id\nA,b\n").unwrap();
    let o = kefu()
        .args(["run", "--messages"])
        .arg(&broken)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("broken.csv"));
    assert_eq!(parquet_files(&out), before);
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), manifest);
    // Nothing half-written is left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kefu-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn refuses_to_replace_a_folder_that_is_not_kefu_output() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("thesis.docx"), "precious").unwrap();
    let o = kefu().args(["run", "--out"]).arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(tmp.path().join("thesis.docx").is_file());
}

/// A `manifest.json` kefu did not write does not make a folder kefu's, and a
/// job never replaces the folder its inputs are in (issue 16, item 2).
#[test]
fn refuses_foreign_manifests_and_outputs_holding_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("manifest.json"), "{\"name\": \"my-web-app\"}").unwrap();
    std::fs::write(tmp.path().join("index.js"), "precious").unwrap();
    let o = kefu().args(["run", "--out"]).arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("was not written by kefu"));
    assert!(tmp.path().join("index.js").is_file());

    // A kefu output whose messages folder was then placed inside it.
    let (f, out) = one_chat_run();
    assert!(out.join(".kefu-output").is_file());
    let inside = out.join("messages");
    std::fs::create_dir_all(&inside).unwrap();
    std::fs::copy(f.path().join("messages/m.csv"), inside.join("m.csv")).unwrap();
    let o = kefu()
        .args(["run", "--messages"])
        .arg(&inside)
        .arg("--orders")
        .arg(f.path().join("orders"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("which replacing it would delete"));
    assert!(inside.join("m.csv").is_file());
}

#[test]
fn tokenize_reads_stdin() {
    let mut child = kefu()
        .arg("tokenize")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("亲，支持七天无理由吗\n运费险有吗\n".as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].split(' ').any(|t| t == "七天无理由"), "{}", lines[0]);
    assert!(lines[1].starts_with("运费险 "), "{}", lines[1]);
}

#[test]
fn generate_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for d in [&a, &b] {
        let o = kefu()
            .args([
                "generate",
                "--seed",
                "42",
                "--shops",
                "2",
                "--agents",
                "4",
                "--days",
                "3",
                "--sessions-per-day",
                "10",
                "--out",
            ])
            .arg(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in ["messages/messages.csv", "orders/orders.csv", "agents.csv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // And the pipeline reads it without rejects.
    let out = tmp.path().join("out");
    let o = kefu()
        .args(["run", "--messages"])
        .arg(a.join("messages"))
        .arg("--orders")
        .arg(a.join("orders"))
        .arg("--agents")
        .arg(a.join("agents.csv"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["tables"]["messages"]["rows_rejected"], 0);
    assert_eq!(
        m["tables"]["messages"]["rows_read"],
        m["tables"]["messages"]["rows_used"]
    );
}

/// Runs the fixture's job into `out/`, then `kefu explain` on one session.
fn run_and_explain(f: &Fixture, session: &str) -> (std::path::PathBuf, String) {
    let out = f.path().join("out");
    let o = f.run_cli(&out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = kefu().args(["explain", session, "--out"]).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (out, String::from_utf8(o.stdout).unwrap())
}

#[test]
fn explain_prints_the_session_with_violations() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "这个面料起球吗"),
            ("10:00:05", "小雨", "好的亲"),
            ("10:00:10", "小雨", "稍等亲"),
            ("10:03:00", "小雨", "不会起球的亲"),
        ],
    );
    let (out, text) = run_and_explain(&f, "b1/20261116T100000");
    assert!(
        text.contains("首问「这个面料起球吗」首次有效回复 180 s · 敷衍 2 轮"),
        "{text}"
    );
    assert!(text.contains("轮次 1 · 响应 5 s"), "{text}");
    assert!(text.contains("⚠ 别让我等 stalled_first_question"), "{text}");
    // Each call names the phrase behind it: 吗 asks, 好的亲 and 稍等亲 are filler.
    assert!(text.contains("这个面料起球吗  [问「吗」]"), "{text}");
    assert!(text.contains("好的亲  [敷衍「好的亲」]"), "{text}");
    // missed_follow_up is off by default, so its lexicon is not read.
    assert!(text.contains("稍等亲  [敷衍「稍等亲」]"), "{text}");
    let o = kefu()
        .args(["explain", "nobody/1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn missing_lexicon_and_bad_threshold_exit_2_naming_the_key() {
    assert!(config_error("[rules.pushback]\nlexicon = \"nowhere.txt\"\n").contains("[rules.pushback] lexicon"));
    assert!(config_error("[metrics]\nrepeat_similarity = 1.5\n").contains("repeat_similarity"));
}

#[test]
fn report_is_self_contained_and_escapes_evidence() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "<script>alert(1)</script>有货吗"),
            ("10:01:00", "小美", "有的亲"),
        ],
    );
    let out = f.path().join("out");
    let o = f.run_cli(&out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The default job turns the report on.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("排行榜") && html.contains("<svg"));
    assert!(!html.contains("<script") && html.contains("&lt;script&gt;"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network references"
    );
}

#[test]
fn plan_staffing_with_given_rates() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(kefu()
        .args(["run", "--out"])
        .arg(&out)
        .output()
        .unwrap()
        .status
        .success());
    let o = kefu()
        .args([
            "plan-staffing",
            "--target-sales",
            "100000",
            "--avg-order-value",
            "200",
            "--inquiry-share",
            "0.3",
        ])
        .args([
            "--conversion-rate",
            "0.25",
            "--max-receptions",
            "120",
            "--max-receptions-per-hour",
            "15",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    // 100 000 ÷ 200 = 500 paying buyers × 0.3 ÷ 0.25 = 600 inquiries ÷ 120 = 5 agents, for each of the two shops.
    assert_eq!(
        text.matches("→ 付款买家 500 · 询单 600 · 客服 5.0 人（取整 5 人）")
            .count(),
        2,
        "{text}"
    );
    assert!(text.contains("(given)") && text.contains("高峰时段"));
}

/// Outside a kefu folder there is no `pipelines/weekly_agent_scoring.toml`:
/// the built-in job (defaults, built-in lexicons, the report on) runs on the
/// inputs given, and with none given kefu says what to pass (exit 2).
#[test]
fn runs_from_any_folder_with_the_built_in_job() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "有货吗"),
            ("10:00:40", "小美", "您好，有的亲，祝您购物愉快"),
        ],
    );
    f.orders(&[("O1", "b1", "2026-11-16 11:00:00", "2026-11-16 11:05:00", "99")]);
    let elsewhere = tempfile::tempdir().unwrap();
    let o = kefu()
        .current_dir(elsewhere.path())
        .args(["run", "--messages"])
        .arg(f.path().join("messages"))
        .arg("--orders")
        .arg(f.path().join("orders"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = elsewhere.path().join("out");
    assert!(out.join("sessions/part-0.parquet").is_file() && out.join("report.html").is_file());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["config"], serde_json::Value::Null, "the built-in job has no file");
    assert_eq!(m["outputs"]["violations"], 1, "slow_first_response: 40 s > 30 s");

    let o = kefu().current_dir(elsewhere.path()).arg("run").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--messages"));

    let o = kefu()
        .current_dir(elsewhere.path())
        .args(["explain", "b1/20261116T100000"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("响应 40 s"), "{o:?}");
}

/// Escapes and a carriage return in a chat reach the terminal escaped, in
/// `explain` and in an error that quotes the data (issue 16, item 7).
#[test]
fn terminal_output_escapes_control_characters() {
    let f = Fixture::new();
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J在吗\rFAKE";
    f.write(
        "messages/m.csv",
        format!(
            "{HEADER}{SHOP},b1,,buyer,2026-11-16 10:00:00,\"{hostile}\",text\n{SHOP},b1,{SHOP}:小雨,agent,2026-11-16 10:00:05,您好,text\n"
        ),
    );
    let (out, text) = run_and_explain(&f, "b1/20261116T100000");
    assert!(!text.contains(['\u{1b}', '\u{7}', '\r']), "{text:?}");
    assert!(text.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2J在吗\\rFAKE"), "{text}");
    // An error quoting the data: a session id with an escape in it.
    let o = kefu()
        .args(["explain", "b\u{1b}[31m1/x", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(!err.contains('\u{1b}') && err.contains("\\u{1b}[31m"), "{err:?}");
}

/// A fixture with one short chat, run once into its `out/`.
fn one_chat_run() -> (Fixture, std::path::PathBuf) {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "在吗"), ("10:00:05", "小雨", "您好")],
    );
    let out = f.path().join("out");
    assert!(f.run_cli(&out).status.success());
    (f, out)
}

/// Left-overs of killed runs are cleaned, an output a kill left moved aside
/// is put back, and a second run on a locked output exits 2 (issue 16, item 9).
#[test]
fn killed_runs_are_recovered_and_concurrent_runs_refused() {
    let (f, out) = one_chat_run();
    let manifest = std::fs::read(out.join("manifest.json")).unwrap();
    // A run killed between its two renames: the output sits aside, a staging
    // folder is left, and no `out` exists.
    std::fs::rename(&out, f.path().join(".out.kefu-old-4242")).unwrap();
    std::fs::create_dir_all(f.path().join(".out.kefu-tmp-4242/messages")).unwrap();
    // The next run fails on its input, after recovery.
    f.write("messages/bad.csv", "shop_id,buyer_id\nx,y\n");
    let o = f.run_cli(&out);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), manifest);
    let hidden: Vec<String> = std::fs::read_dir(f.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kefu-tmp") || n.contains("kefu-old"))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");

    std::fs::remove_file(f.path().join("messages/bad.csv")).unwrap();
    let lock = std::fs::File::create(f.path().join(".out.kefu-lock")).unwrap();
    lock.lock().unwrap();
    let o = f.run_cli(&out);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another kefu run is writing it"));
    lock.unlock().unwrap();
    assert!(f.run_cli(&out).status.success());
}

/// `--out` at a mount point is refused before any work, not at the final
/// rename (issue 16, item 10). /dev/shm is a tmpfs mount on Linux; where it
/// is not one, there is nothing to check.
#[test]
fn out_at_a_mount_point_is_refused_up_front() {
    use std::os::unix::fs::MetadataExt;
    let shm = std::path::Path::new("/dev/shm");
    let (Ok(a), Ok(b)) = (std::fs::metadata(shm), std::fs::metadata("/dev")) else {
        return;
    };
    if a.dev() == b.dev() {
        return;
    }
    let o = kefu().args(["run", "--out"]).arg(shm).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is a mount point"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
