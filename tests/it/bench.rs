//! The benchmark's peers (pandas + jieba, DuckDB SQL + jieba, DuckDB SQL +
//! rjieba in a process per thread) compute the
//! shared figures — sessions, turns, response sums, credited orders and the
//! money funnel per agent — by the same definitions from the same files, and
//! `kefu bench pipeline --peers` fails unless they equal kefu's exactly.

use crate::helpers::*;

/// The peers need pandas, duckdb, jieba and rjieba (installed by .ci/run).
fn peers_installed() -> bool {
    python_has("pandas, duckdb, jieba, rjieba", "benches/peers/requirements.txt")
}

#[test]
fn bench_peers_agree_with_kefu() {
    if !peers_installed() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let result = tmp.path().join("bench.json");
    let o = kefu()
        .args([
            "bench",
            "pipeline",
            "--sessions-per-day",
            "25",
            "--shops",
            "2",
            "--days",
            "9",
            "--agents",
            "5",
            "--peers",
        ])
        .arg("--work")
        .arg(tmp.path().join("work"))
        .arg("--out")
        .arg(&result)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    let peers = r["peers"].as_array().unwrap();
    let names: Vec<&str> = peers.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["pandas_jieba", "duckdb_peer", "duckdb_rjieba_peer"]);
    assert!(peers.iter().all(|p| p["agrees_with_kefu"] == true), "{peers:?}");
    // The funnel is there and not trivially empty.
    let funnel = r["figures"]["funnel"].as_object().unwrap();
    let paid: i64 = funnel.values().map(|v| v[1].as_i64().unwrap()).sum();
    assert!(funnel.len() >= 5 && paid > 0, "{funnel:?}");
}
