//! Frames built column by column from fact structs, each column named and
//! typed by the output schema ([`crate::core::schema`]): a builder method
//! takes a schema column, so no writer spells a column name or picks a type.
//! Datetimes are local wall-clock time, timezone-naive, in milliseconds.

use polars::prelude::*;

use crate::core::schema::Col;

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

    fn push(mut self, c: Col, s: Series) -> Self {
        debug_assert_eq!(s.len(), self.height, "column {}", c.name);
        debug_assert_eq!(s.dtype(), &c.ty.dtype(), "column {}", c.name);
        self.cols.push(s.into());
        self
    }

    /// String columns are built straight from borrowed values: no copy into
    /// a `Vec<String>` first.
    pub fn str<S: AsRef<str>>(self, c: Col, v: impl IntoIterator<Item = S>) -> Self {
        let ca = StringChunked::from_iter_values(c.name.into(), v.into_iter());
        self.push(c, ca.into_series())
    }
    pub fn opt_str<S: AsRef<str>>(self, c: Col, v: impl IntoIterator<Item = Option<S>>) -> Self {
        let ca = StringChunked::from_iter_options(c.name.into(), v.into_iter());
        self.push(c, ca.into_series())
    }
    pub fn u32(self, c: Col, v: impl IntoIterator<Item = u32>) -> Self {
        self.push(c, Series::new(c.name.into(), v.into_iter().collect::<Vec<u32>>()))
    }
    pub fn opt_u32(self, c: Col, v: impl IntoIterator<Item = Option<u32>>) -> Self {
        self.push(
            c,
            Series::new(c.name.into(), v.into_iter().collect::<Vec<Option<u32>>>()),
        )
    }
    pub fn u64(self, c: Col, v: impl IntoIterator<Item = u64>) -> Self {
        self.push(c, Series::new(c.name.into(), v.into_iter().collect::<Vec<u64>>()))
    }
    pub fn i64(self, c: Col, v: impl IntoIterator<Item = i64>) -> Self {
        self.push(c, Series::new(c.name.into(), v.into_iter().collect::<Vec<i64>>()))
    }
    pub fn opt_i64(self, c: Col, v: impl IntoIterator<Item = Option<i64>>) -> Self {
        self.push(
            c,
            Series::new(c.name.into(), v.into_iter().collect::<Vec<Option<i64>>>()),
        )
    }
    pub fn f64(self, c: Col, v: impl IntoIterator<Item = f64>) -> Self {
        self.push(c, Series::new(c.name.into(), v.into_iter().collect::<Vec<f64>>()))
    }
    pub fn opt_f64(self, c: Col, v: impl IntoIterator<Item = Option<f64>>) -> Self {
        self.push(
            c,
            Series::new(c.name.into(), v.into_iter().collect::<Vec<Option<f64>>>()),
        )
    }
    pub fn bool(self, c: Col, v: impl IntoIterator<Item = bool>) -> Self {
        self.push(c, Series::new(c.name.into(), v.into_iter().collect::<Vec<bool>>()))
    }
    pub fn opt_bool(self, c: Col, v: impl IntoIterator<Item = Option<bool>>) -> Self {
        self.push(
            c,
            Series::new(c.name.into(), v.into_iter().collect::<Vec<Option<bool>>>()),
        )
    }
    /// Local wall-clock milliseconds as a naive `datetime[ms]`.
    pub fn datetime(self, c: Col, v: impl IntoIterator<Item = i64>) -> Self {
        let s = Series::new(c.name.into(), v.into_iter().collect::<Vec<i64>>());
        self.push(c, s.into_datetime(TimeUnit::Milliseconds, None))
    }
    pub fn opt_datetime(self, c: Col, v: impl IntoIterator<Item = Option<i64>>) -> Self {
        let s = Series::new(c.name.into(), v.into_iter().collect::<Vec<Option<i64>>>());
        self.push(c, s.into_datetime(TimeUnit::Milliseconds, None))
    }
    /// Days since 1970-01-01 as a `date`.
    pub fn date(self, c: Col, v: impl IntoIterator<Item = i32>) -> Self {
        let s = Series::new(c.name.into(), v.into_iter().collect::<Vec<i32>>());
        self.push(c, s.into_date())
    }

    pub fn build(self) -> PolarsResult<DataFrame> {
        DataFrame::new(self.height, self.cols)
    }
}

/// A polars expression cast to a schema column's type and named after it.
pub fn typed(e: Expr, c: Col) -> Expr {
    e.cast(c.ty.dtype()).alias(c.name)
}
