//! What a run tells about itself while it works: a progress bar on a
//! terminal, per-stage wall time for the manifest, and resident memory after
//! every stage and table in `-vv` logs (memory targets live in benchmarks,
//! and these are the probes they read).

use std::collections::BTreeMap;
use std::time::Instant;

/// Peak resident memory of this process so far, from /proc (Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    proc_status_kb("VmHWM:").map(|kb| kb * 1024)
}

/// Resident memory of this process now, from /proc (Linux).
pub fn rss_bytes() -> Option<u64> {
    proc_status_kb("VmRSS:").map(|kb| kb * 1024)
}

fn proc_status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak RSS in MB for log lines (0 where /proc is not there).
pub fn peak_rss_mb() -> u64 {
    peak_rss_bytes().unwrap_or(0) / 1_000_000
}

/// Times the stages of a run: `01_ingest`, `02_text`, … in the manifest.
pub struct StageTimer {
    bar: indicatif::ProgressBar,
    timings: BTreeMap<String, u64>,
    t: Instant,
}

impl StageTimer {
    /// `stages` is the number of stages, for the progress bar.
    pub fn new(stages: u64) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(stages), indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        StageTimer {
            bar,
            timings: BTreeMap::new(),
            t: Instant::now(),
        }
    }

    /// Starts stage `name`; `doing` is what the progress bar says meanwhile.
    pub fn start(&mut self, doing: &str) {
        self.bar.set_message(doing.to_owned());
        self.t = Instant::now();
    }

    /// Records the stage started last under `NN_name`.
    pub fn done(&mut self, name: &str) {
        let ms = self.t.elapsed().as_millis() as u64;
        self.timings.insert(format!("{:02}_{name}", self.timings.len() + 1), ms);
        self.bar.inc(1);
        tracing::debug!(
            stage = name,
            ms,
            rss_mb = rss_bytes().unwrap_or(0) / 1_000_000,
            peak_rss_mb = peak_rss_mb(),
            "stage done"
        );
    }

    /// Clears the progress bar and returns the timings.
    pub fn finish(self) -> BTreeMap<String, u64> {
        self.bar.finish_and_clear();
        self.timings
    }
}

/// Gives the allocator's free pages back to the system between a
/// partitioned run's buckets and before its report. glibc keeps the pages a
/// pass freed, so without this the report stacked on the passes' leftovers
/// (10 M messages with `--memory-budget 1G`: 1,431 MB peak without, 927 MB
/// with; README, Scale out).
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns memory the allocator holds free; it
    // touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
