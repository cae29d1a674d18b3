//! Mutated inputs never make kefu panic (issue 16): every reader (CSV, GBK
//! CSV, JSONL, 千牛 transcript), the order reader and the config loader get
//! seeded mutants of real inputs — bytes flipped, cut, doubled, quotes,
//! separators, line breaks and invalid UTF-8 spliced in — and must return
//! rows, rejects or an error, never unwind. A deterministic enumeration
//! (SplitMix64, fixed seeds), so a failure names the seed that made it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use kefu::cmd::generate::Rng;

use crate::helpers::*;

/// Bytes that break parsers when spliced in.
const NASTY: &[&[u8]] = &[
    b"\"",
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b"\xff",
    b"\xe4\xbd",
    b"\x00",
    b"\t",
    b"{",
    b"}",
    b"[",
    b":",
    b"\\",
    b"2026-13-45 25:61:61",
    b"-99999999999999999999",
    b"NaN",
    "（".as_bytes(),
    "：".as_bytes(),
    b"\xef\xbb\xbf",
];

/// One mutant of `src`: a few random edits.
fn mutate(src: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = src.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(b.len() as u64 + 1) as usize;
        match rng.below(5) {
            0 => b.truncate(at),
            1 => {
                let nasty = NASTY[rng.below(NASTY.len() as u64) as usize];
                b.splice(at..at, nasty.iter().copied());
            }
            2 if at < b.len() => b[at] ^= 1 << rng.below(8),
            3 => {
                let end = (at + rng.below(64) as usize).min(b.len());
                let piece = b[at..end].to_vec();
                b.splice(at..at, piece);
            }
            _ => {
                let end = (at + rng.below(16) as usize).min(b.len());
                b.drain(at..end);
            }
        }
    }
    b
}

/// Runs ingest on `name` holding each of `n` mutants of `src`; returns how
/// many were read (rows or rejects) rather than refused whole.
fn no_panic_on_mutants(name: &str, src: &[u8], n: u64) -> u64 {
    let mut read = 0;
    for seed in 0..n {
        let mut rng = Rng::new(seed);
        let f = Fixture::new();
        f.write(name, mutate(src, &mut rng));
        if !name.starts_with("orders/") {
            f.write("orders/o.csv", ORDER_HEADER);
        }
        if !name.starts_with("messages/") {
            f.chat("m", "b1", "2026-11-16", &[("10:00:00", "buyer", "在吗")]);
        }
        let settings = f.settings();
        let r = catch_unwind(AssertUnwindSafe(|| {
            kefu::stages::ingest::stage(&settings, None).map(|_| ())
        }));
        match r {
            Ok(Ok(())) => read += 1,
            Ok(Err(e)) => eprintln!("{name} seed {seed}: {e}"),
            Err(_) => panic!("{name}: seed {seed} panicked"),
        }
    }
    read
}

#[test]
fn readers_never_panic_on_mutated_input() {
    let samples = repo().join("data_samples/messages");
    let csv = std::fs::read(samples.join("悦然旗舰店.csv")).unwrap();
    let csv = &csv[..csv.len().min(4000)];
    // Most mutants are still files to read (bad rows become rejects); a
    // few are refused whole (a header cut away): both are fine, a panic is not.
    let mut read = no_panic_on_mutants("messages/m.csv", csv, 40);
    let gbk = std::fs::read(samples.join("米粒母婴专营店_gbk.csv")).unwrap();
    read += no_panic_on_mutants("messages/g.csv", &gbk[..gbk.len().min(4000)], 20);
    let txt = std::fs::read(samples.join("qianniu_export.txt")).unwrap();
    read += no_panic_on_mutants("messages/悦然旗舰店.txt", &txt, 40);
    let jsonl = format!(
        "{{\"shop_id\":\"{SHOP}\",\"buyer_id\":\"b1\",\"sender\":\"buyer\",\"sent_at\":\"2026-11-16T10:00:00+08:00\",\"content\":\"有货吗\"}}\n\
         {{\"shop_id\":\"{SHOP}\",\"buyer_id\":\"b1\",\"agent_id\":\"{SHOP}:小美\",\"sender\":\"agent\",\"sent_at\":\"2026-11-16 10:00:30\",\"content\":\"有的\",\"msg_type\":\"text\"}}\n"
    );
    read += no_panic_on_mutants("messages/m.jsonl", jsonl.as_bytes(), 40);
    let orders = std::fs::read(repo().join("data_samples/orders/orders.csv")).unwrap();
    read += no_panic_on_mutants("orders/o.csv", &orders[..orders.len().min(3000)], 30);
    eprintln!("{read} of 170 mutants read");
    assert!(read > 100, "only {read} of 170 mutants were read at all");
}

#[test]
fn config_loader_never_panics_on_mutated_toml() {
    let toml = std::fs::read(repo().join("pipelines/weekly_agent_scoring.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for seed in 0..200 {
        let mut rng = Rng::new(seed);
        // The job's lexicon paths resolve beside it: keep it in pipelines/.
        let p = dir.path().join("job.toml");
        std::fs::write(&p, mutate(&toml, &mut rng)).unwrap();
        let r = catch_unwind(AssertUnwindSafe(|| {
            kefu::config::job(Some(&p), kefu::config::Overrides::default()).map(|_| ())
        }));
        assert!(r.is_ok(), "config: seed {seed} panicked");
    }
}

/// A few whole runs on mutants: the stages after ingest take what the
/// readers let through.
#[test]
fn whole_runs_never_panic_on_mutated_chats() {
    let txt = std::fs::read(repo().join("data_samples/messages/qianniu_export.txt")).unwrap();
    let csv = std::fs::read(repo().join("data_samples/messages/悦然旗舰店.csv")).unwrap();
    let mut analysed = 0;
    for seed in 0..6 {
        let mut rng = Rng::new(1000 + seed);
        let f = Fixture::new();
        f.write("messages/悦然旗舰店.txt", mutate(&txt, &mut rng));
        f.write("messages/m.csv", mutate(&csv[..csv.len().min(6000)], &mut rng));
        f.write("orders/o.csv", ORDER_HEADER);
        let settings = f.settings();
        let r = catch_unwind(AssertUnwindSafe(|| {
            kefu::pipeline::analyse(&settings).map(|a| a.staged.messages.len())
        }));
        match r {
            Ok(Ok(n)) => analysed += u64::from(n > 0),
            Ok(Err(e)) => eprintln!("seed {seed}: {e}"),
            Err(_) => panic!("whole run: seed {seed} panicked"),
        }
    }
    assert!(analysed >= 3, "only {analysed} of 6 mutants ran through");
}
