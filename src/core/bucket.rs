//! Shop buckets: the unit kefu partitions a run by. Every computation is
//! local to one shop (sessions per shop and buyer, orders joined by shop and
//! buyer, ranks per shop and week), so a run over one bucket's shops gives
//! exactly those shops' rows of a run over all of them. The function is
//! fixed by the contract so that upstream exports can pre-bucket and readers
//! can prune: README gives it in Python and SQL too.

use sha2::{Digest, Sha256};

/// The most buckets a run may have: far more than any cluster's workers,
/// and few enough that the output stays a browsable folder.
pub const MAX_BUCKETS: u32 = 65_536;

/// `bucket(shop_id)`: the first 60 bits of SHA-256 of the UTF-8 shop id, as
/// an unsigned integer, mod `buckets`.
pub fn bucket(shop_id: &str, buckets: u32) -> u32 {
    let h = Sha256::digest(shop_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    ((u64::from_be_bytes(first) >> 4) % u64::from(buckets.max(1))) as u32
}

/// Which rows a pass over the inputs keeps: those of shops in `bucket`.
/// Rows with no shop id belong to bucket 0 (where they are rejected, once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Route {
    pub buckets: u32,
    pub bucket: u32,
}

impl Route {
    /// Whether a row with this shop id (trimmed, as validation keeps it;
    /// `None` when absent or empty) is this pass's.
    pub fn keeps(&self, shop_id: Option<&str>) -> bool {
        match shop_id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => bucket(s, self.buckets) == self.bucket,
            None => self.bucket == 0,
        }
    }

    /// Whether rows that belong to no shop (the agent roster) are counted in
    /// this pass: they are read by every bucket but accounted in bucket 0.
    pub fn accounts_shopless(&self) -> bool {
        self.bucket == 0
    }
}

/// `--shard k/N`: this process computes the buckets `b ≡ k (mod N)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `k/N` with `0 <= k < N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not k/N (e.g. 0/3)"))?;
        let k: u32 = k
            .trim()
            .parse()
            .map_err(|_| format!("{k:?} in {s:?} is not a shard number"))?;
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("{n:?} in {s:?} is not a shard count"))?;
        if n == 0 || k >= n {
            return Err(format!("{s:?}: the shard k must be 0 <= k < N"));
        }
        Ok(Shard { index: k, count: n })
    }

    /// Whether this shard computes bucket `b`.
    pub fn has(&self, b: u32) -> bool {
        b % self.count == self.index
    }

    /// The buckets of `0..buckets` this shard computes, in order.
    pub fn buckets(&self, buckets: u32) -> impl Iterator<Item = u32> + '_ {
        (self.index..buckets).step_by(self.count as usize)
    }
}

/// `--memory-budget SIZE`: bytes, with an optional K, M, G or T (powers of
/// 1024, optionally followed by `B` or `iB`), e.g. `2G`, `1.5G`, `512M`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(format!("{s:?}: give a size such as 2G, 1.5G or 512M")),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: give a size such as 2G, 1.5G or 512M"))?;
    let bytes = n * (1u64 << shift) as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("{s:?} is no memory size"));
    }
    Ok(bytes as u64)
}

/// What a run holds besides its bucket's rows: jieba and the lexicons (a
/// run on the samples peaks at 92 MB), and the spill's read window, parts
/// and write buffers. Measured on the release build (README, Scale out).
pub const BASE_BYTES: u64 = 300 << 20;

/// Peak memory of a pass per byte of input it holds (text as read, then
/// the rows, tokens, sessions and tables built from it): 1 M generated
/// messages, 125 MB of CSV, peak at 760 MB in the release build.
pub const BYTES_PER_INPUT_BYTE: u64 = 5;

/// Buckets are even only on average: with a few shops each, the largest
/// holds about twice the mean, so the mean is sized to half the budget.
const UNEVEN: u64 = 2;

/// The bucket count that keeps a pass over `input_bytes` of inputs within
/// `budget` bytes: the smallest power of two whose share fits (one shop is
/// indivisible, so a bucket holding a shop larger than the budget still
/// exceeds it).
pub fn buckets_for(budget: u64, input_bytes: u64) -> Result<u32, String> {
    let usable = budget
        .checked_sub(BASE_BYTES)
        .filter(|u| *u >= (64 << 20))
        .ok_or_else(|| {
            format!(
                "{} MB is below what a run needs besides its data (about {} MB); give at least {} MB",
                budget >> 20,
                BASE_BYTES >> 20,
                (BASE_BYTES >> 20) + 64
            )
        })?;
    let need = input_bytes
        .saturating_mul(BYTES_PER_INPUT_BYTE * UNEVEN)
        .div_ceil(usable)
        .max(1);
    let b = need.next_power_of_two();
    u32::try_from(b).ok().filter(|b| *b <= MAX_BUCKETS).ok_or_else(|| {
        format!(
            "{} MB of inputs need more than {MAX_BUCKETS} buckets in this budget",
            input_bytes >> 20
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_budgets() {
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("2X").is_err() && parse_size("G").is_err() && parse_size("0").is_err());
        // 1 GiB budget: 724 MiB usable; 50 MiB of inputs need 50 × 5 × 2 = 500 MiB: one bucket.
        assert_eq!(buckets_for(1 << 30, 50 << 20), Ok(1));
        // 1 GiB of inputs: 10240 / 724 = 14.1, so 16 buckets.
        assert_eq!(buckets_for(1 << 30, 1 << 30), Ok(16));
        assert!(buckets_for(300 << 20, 1).is_err());
    }

    /// Values from Python: `int.from_bytes(hashlib.sha256(s.encode()).digest()[:8], "big") >> 4`.
    #[test]
    fn matches_the_published_definition() {
        assert_eq!(bucket("", 1 << 31), 697_287_105);
        assert_eq!(bucket("悦然旗舰店", 64), 32);
        assert_eq!(bucket("悦然旗舰店", 8), 0);
        assert_eq!(bucket("shop-01", 64), 57);
        assert_eq!(bucket("a", 8), 4);
        assert_eq!(bucket("a", 1), 0);
    }

    #[test]
    fn shards_split_buckets_without_overlap() {
        let s = Shard::parse("1/3").unwrap();
        assert_eq!(s.buckets(8).collect::<Vec<_>>(), vec![1, 4, 7]);
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("x").is_err());
    }
}
