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

    /// The buckets of `0..buckets` this shard computes, in order.
    pub fn buckets(&self, buckets: u32) -> impl Iterator<Item = u32> + '_ {
        (self.index..buckets).step_by(self.count as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
