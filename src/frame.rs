//! Building polars frames from fact structs with the exact types CONTRACT §5
//! names. Datetimes are local wall-clock time, timezone-naive, in milliseconds.

use polars::prelude::*;

/// Accumulates typed columns of one table.
pub struct FrameBuilder {
    height: usize,
    cols: Vec<Column>,
}

impl FrameBuilder {
    pub fn new(height: usize) -> Self {
        FrameBuilder {
            height,
            cols: Vec::new(),
        }
    }

    fn push(mut self, s: Series) -> Self {
        debug_assert_eq!(s.len(), self.height, "column {}", s.name());
        self.cols.push(s.into());
        self
    }

    /// String columns are built straight from borrowed values: no copy into
    /// a `Vec<String>` first.
    pub fn str<S: AsRef<str>>(self, name: &str, v: impl IntoIterator<Item = S>) -> Self {
        let ca = StringChunked::from_iter_values(name.into(), v.into_iter());
        self.push(ca.into_series())
    }
    pub fn opt_str<S: AsRef<str>>(self, name: &str, v: impl IntoIterator<Item = Option<S>>) -> Self {
        let ca = StringChunked::from_iter_options(name.into(), v.into_iter());
        self.push(ca.into_series())
    }
    pub fn u32(self, name: &str, v: impl IntoIterator<Item = u32>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<u32>>()))
    }
    pub fn opt_u32(self, name: &str, v: impl IntoIterator<Item = Option<u32>>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<Option<u32>>>()))
    }
    pub fn u64(self, name: &str, v: impl IntoIterator<Item = u64>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<u64>>()))
    }
    pub fn i64(self, name: &str, v: impl IntoIterator<Item = i64>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<i64>>()))
    }
    pub fn opt_i64(self, name: &str, v: impl IntoIterator<Item = Option<i64>>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<Option<i64>>>()))
    }
    pub fn f64(self, name: &str, v: impl IntoIterator<Item = f64>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<f64>>()))
    }
    pub fn opt_f64(self, name: &str, v: impl IntoIterator<Item = Option<f64>>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<Option<f64>>>()))
    }
    pub fn bool(self, name: &str, v: impl IntoIterator<Item = bool>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<bool>>()))
    }
    pub fn opt_bool(self, name: &str, v: impl IntoIterator<Item = Option<bool>>) -> Self {
        self.push(Series::new(name.into(), v.into_iter().collect::<Vec<Option<bool>>>()))
    }
    /// Local wall-clock milliseconds as a naive `datetime[ms]`.
    pub fn datetime(self, name: &str, v: impl IntoIterator<Item = i64>) -> Self {
        let s = Series::new(name.into(), v.into_iter().collect::<Vec<i64>>());
        self.push(s.into_datetime(TimeUnit::Milliseconds, None))
    }
    pub fn opt_datetime(self, name: &str, v: impl IntoIterator<Item = Option<i64>>) -> Self {
        let s = Series::new(name.into(), v.into_iter().collect::<Vec<Option<i64>>>());
        self.push(s.into_datetime(TimeUnit::Milliseconds, None))
    }
    /// Days since 1970-01-01 as a `date`.
    pub fn date(self, name: &str, v: impl IntoIterator<Item = i32>) -> Self {
        let s = Series::new(name.into(), v.into_iter().collect::<Vec<i32>>());
        self.push(s.into_date())
    }

    pub fn build(self) -> PolarsResult<DataFrame> {
        DataFrame::new(self.height, self.cols)
    }
}

/// Milliseconds as seconds (f64), exact for any realistic duration.
pub fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Fen as yuan.
pub fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}
