//! Behaviour held still: the SHA-256 of every Parquet file for the bundled
//! samples and for one `kefu generate` set. A refactor must leave them
//! byte-identical; an intended change of output updates
//! `tests/golden/parquet.sha256` (`KEFU_UPDATE_GOLDEN=1 cargo test golden`) in
//! a commit of its own that says why.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::helpers::*;

const GOLDEN: &str = "tests/golden/parquet.sha256";

/// `label/table/part-N.parquet` → SHA-256 of every Parquet file under `out`.
fn hashes(label: &str, out: &Path, into: &mut BTreeMap<String, String>) {
    for table in std::fs::read_dir(out).unwrap() {
        let table = table.unwrap().path();
        if !table.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&table).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "parquet") {
                let digest = Sha256::digest(std::fs::read(&f).unwrap());
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                let rel = f.strip_prefix(out).unwrap().display().to_string();
                into.insert(format!("{label}/{rel}"), hex);
            }
        }
    }
}

fn ok(o: std::process::Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn golden_parquet_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let (samples, gen, gen_out) = (tmp.path().join("s"), tmp.path().join("g"), tmp.path().join("go"));
    ok(kefu().args(["run", "--out"]).arg(&samples).output().unwrap());
    let spec = [
        "--seed",
        "11",
        "--shops",
        "3",
        "--agents",
        "5",
        "--days",
        "9",
        "--sessions-per-day",
        "30",
    ];
    ok(kefu()
        .arg("generate")
        .args(spec)
        .arg("--out")
        .arg(&gen)
        .output()
        .unwrap());
    ok(kefu()
        .args(["run", "--messages"])
        .arg(gen.join("messages"))
        .arg("--orders")
        .arg(gen.join("orders"))
        .arg("--agents")
        .arg(gen.join("agents.csv"))
        .arg("--out")
        .arg(&gen_out)
        .output()
        .unwrap());
    let mut got = BTreeMap::new();
    hashes("samples", &samples, &mut got);
    hashes("generated", &gen_out, &mut got);

    let path = repo().join(GOLDEN);
    if std::env::var_os("KEFU_UPDATE_GOLDEN").is_some() {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let mut text: String = old
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        for (k, v) in &got {
            text.push_str(&format!("{v}  {k}\n"));
        }
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want: BTreeMap<String, String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (h, f) = l.split_once("  ").expect("`hash  file` lines");
            (f.to_owned(), h.to_owned())
        })
        .collect();
    let differ: Vec<&String> = want
        .keys()
        .chain(got.keys())
        .filter(|k| want.get(*k) != got.get(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        differ.is_empty(),
        "Parquet output changed for {differ:?}.\nIf the change is intended, run \
         `KEFU_UPDATE_GOLDEN=1 cargo test golden` and commit {GOLDEN} saying why."
    );
    assert_eq!(
        want.len(),
        2 * kefu::core::schema::TABLES.len(),
        "every table for each of the two inputs"
    );
}
