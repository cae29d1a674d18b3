//! Time. Every time is parsed once into two integers:
//! `ts`, milliseconds since the UNIX epoch (an instant, for durations), and
//! `local`, the wall-clock time in the run's zone as milliseconds counted as if
//! that wall clock were UTC (for dates, hours of day and calendar-day windows).
//! Integers keep arithmetic exact and outputs identical across thread counts.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

pub const MS_PER_SEC: i64 = 1_000;
pub const MS_PER_DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

impl Zone {
    pub fn parse(name: &str) -> Option<Zone> {
        name.parse::<Tz>().ok().map(Zone)
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.fff]` (naive, in this zone; `T` or `/` also
    /// accepted) or RFC 3339 with an offset. Returns `(ts, local)`.
    pub fn parse_time(&self, s: &str) -> Result<(i64, i64), String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty time".into());
        }
        if let Some(naive) = parse_plain(s) {
            return self.instant_of_local(naive, s);
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            let ts = dt.timestamp_millis();
            return Ok((ts, self.local_of(ts)));
        }
        // RFC 3339 with a space instead of `T` and an offset.
        if let Ok(dt) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
            let ts = dt.timestamp_millis();
            return Ok((ts, self.local_of(ts)));
        }
        let naive = parse_naive(s).ok_or_else(|| format!("unparsable time {s:?}"))?;
        self.instant_of_local(naive, s)
    }

    fn instant_of_local(&self, naive: NaiveDateTime, s: &str) -> Result<(i64, i64), String> {
        let local = naive.and_utc().timestamp_millis();
        let ts = match self.0.from_local_datetime(&naive) {
            chrono::LocalResult::Single(dt) => dt.timestamp_millis(),
            // A repeated wall-clock hour (DST end): take the earlier instant.
            chrono::LocalResult::Ambiguous(a, _) => a.timestamp_millis(),
            chrono::LocalResult::None => return Err(format!("time {s:?} does not exist in {} (DST gap)", self.name())),
        };
        Ok((ts, local))
    }

    /// `(ts, local)` of a wall-clock time already held as local milliseconds
    /// (a timezone-naive Parquet datetime): read as naive CSV times are.
    pub fn wall(&self, local: i64) -> Result<(i64, i64), String> {
        let naive = DateTime::from_timestamp_millis(local)
            .ok_or_else(|| format!("time {local} ms is out of range"))?
            .naive_utc();
        self.instant_of_local(naive, &fmt_local(local))
    }

    /// `(ts, local)` of an instant (a Parquet datetime with a zone).
    pub fn instant(&self, ts: i64) -> Result<(i64, i64), String> {
        DateTime::from_timestamp_millis(ts).ok_or_else(|| format!("time {ts} ms is out of range"))?;
        Ok((ts, self.local_of(ts)))
    }

    /// Wall-clock milliseconds of an instant.
    pub fn local_of(&self, ts: i64) -> i64 {
        let off = self
            .0
            .offset_from_utc_datetime(&DateTime::from_timestamp_millis(ts).unwrap_or_default().naive_utc())
            .fix()
            .local_minus_utc() as i64;
        ts + off * MS_PER_SEC
    }
}

/// The common `YYYY-MM-DD HH:MM:SS` shape, parsed without format machinery
/// (ingest spends most of its time on timestamps otherwise).
fn parse_plain(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b' ' || b[10] == b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter()
            .try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32))
    };
    NaiveDate::from_ymd_opt(n(0..4)? as i32, n(5..7)?, n(8..10)?)?.and_hms_opt(n(11..13)?, n(14..16)?, n(17..19)?)
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    const FORMATS: &[&str] = &[
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M",
    ];
    FORMATS.iter().find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// Milliseconds as seconds (f64), exact for any realistic duration.
pub fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Days since 1970-01-01 of a local wall-clock time (the Parquet `date` value).
pub fn local_day(local: i64) -> i32 {
    local.div_euclid(MS_PER_DAY) as i32
}

/// Seconds after local midnight.
pub fn sec_of_day(local: i64) -> u32 {
    (local.rem_euclid(MS_PER_DAY) / MS_PER_SEC) as u32
}

pub fn hour_of_day(local: i64) -> u32 {
    sec_of_day(local) / 3600
}

pub fn naive_date(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + 719_163).unwrap_or_default()
}

/// ISO week label such as `2026-W47` of a local day.
pub fn iso_week(day: i32) -> String {
    let w = naive_date(day).iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The Monday of a day's ISO week (days since 1970-01-01).
pub fn week_start(day: i32) -> i32 {
    day - (iso_weekday(day) as i32 - 1)
}

/// ISO weekday, 1 = Monday … 7 = Sunday.
pub fn iso_weekday(day: i32) -> u32 {
    naive_date(day).weekday().number_from_monday()
}

/// `YYYY-MM-DD HH:MM:SS` of a local wall-clock time, for reports and ids.
pub fn fmt_local(local: i64) -> String {
    let dt = DateTime::from_timestamp_millis(local).unwrap_or_default().naive_utc();
    if local.rem_euclid(MS_PER_SEC) == 0 {
        dt.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        dt.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
    }
}

/// `2026-11-16` of a local day.
pub fn fmt_day(day: i32) -> String {
    naive_date(day).format("%Y-%m-%d").to_string()
}

/// Compact form for derived session ids: `20261116T093005`.
pub fn fmt_compact(local: i64) -> String {
    let dt = DateTime::from_timestamp_millis(local).unwrap_or_default().naive_utc();
    dt.format("%Y%m%dT%H%M%S").to_string()
}

/// Local midnight of `day` as wall-clock ms.
pub fn day_start(day: i32) -> i64 {
    day as i64 * MS_PER_DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_and_offset_times_agree() {
        let z = Zone::parse("Asia/Shanghai").unwrap();
        let (ts1, l1) = z.parse_time("2026-11-16 09:00:00").unwrap();
        let (ts2, l2) = z.parse_time("2026-11-16T01:00:00Z").unwrap();
        let (ts3, l3) = z.parse_time("2026-11-16T09:00:00+08:00").unwrap();
        assert_eq!((ts1, l1), (ts2, l2));
        assert_eq!((ts1, l1), (ts3, l3));
        assert_eq!(l1 - ts1, 8 * 3600 * 1000);
        assert_eq!(sec_of_day(l1), 9 * 3600);
        let (_, l4) = z.parse_time("2026-11-16 09:00:00.250").unwrap();
        assert_eq!(l4 - l1, 250);
        assert!(z.parse_time("2026-13-01 00:00:00").is_err());
        assert!(z.parse_time("2026-02-30 10:00:00").is_err());
        assert!(z.parse_time("2026-11-16 24:00:00").is_err());
        assert_eq!(z.parse_time("2026-11-16T09:00:00").unwrap(), (ts1, l1));
        assert!(z.parse_time("yesterday").is_err());
    }

    #[test]
    fn iso_weeks() {
        let z = Zone::parse("Asia/Shanghai").unwrap();
        let (_, l) = z.parse_time("2026-11-16 00:00:00").unwrap();
        assert_eq!(iso_week(local_day(l)), "2026-W47");
        assert_eq!(iso_weekday(local_day(l)), 1);
        let (_, l) = z.parse_time("2027-01-01 12:00:00").unwrap();
        assert_eq!(iso_week(local_day(l)), "2026-W53");
    }
}
