//! Typed errors of the library. Each variant names what failed: the config
//! key, the command-line argument, the input file and line, the output path or
//! the table. The binary maps them to exit codes: 2 when the user must change
//! how kefu is called (config, usage), 1 for everything else.

use std::path::PathBuf;

use polars::prelude::PolarsError;

#[derive(Debug, thiserror::Error)]
pub enum KefuError {
    /// A job-file key whose value cannot be used.
    #[error("{key}: {reason}")]
    Config { key: String, reason: String },

    /// A command-line argument that cannot be used.
    #[error("{arg}: {reason}")]
    Usage { arg: String, reason: String },

    /// A whole input file that cannot be read as the table it should be
    /// (missing column, unreadable encoding, broken Parquet). Bad *rows*
    /// never raise this: they go to `rejects`.
    #[error("{}{}: {reason}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Input {
        path: PathBuf,
        line: Option<u64>,
        reason: String,
    },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The output folder cannot be written, committed or replaced.
    #[error("output {}: {reason}", path.display())]
    Output { path: PathBuf, reason: String },

    /// polars failed building, writing or reading a table.
    #[error("table {table}: {source}")]
    Table {
        table: String,
        #[source]
        source: PolarsError,
    },

    /// A frame does not match the output schema, or a table read back lacks
    /// a column kefu needs.
    #[error("table {table}: {reason}")]
    Schema { table: String, reason: String },

    /// What was asked for is not in a run's output (a session, a shop).
    #[error("{what} not found in {}", path.display())]
    NotFound { what: String, path: PathBuf },

    /// A benchmark peer script failed or disagreed with kefu.
    #[error("peer {}: {reason}", script.display())]
    Peer { script: PathBuf, reason: String },

    #[error("thread pool: {0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
}

impl KefuError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        KefuError::Io {
            path: path.into(),
            source,
        }
    }

    /// A whole input file that cannot be read; `line` when one line is to blame.
    pub fn input(path: impl Into<PathBuf>, line: Option<u64>, reason: impl Into<String>) -> Self {
        KefuError::Input {
            path: path.into(),
            line,
            reason: reason.into(),
        }
    }

    pub fn config(key: impl Into<String>, reason: impl Into<String>) -> Self {
        KefuError::Config {
            key: key.into(),
            reason: reason.into(),
        }
    }

    pub fn usage(arg: impl Into<String>, reason: impl Into<String>) -> Self {
        KefuError::Usage {
            arg: arg.into(),
            reason: reason.into(),
        }
    }

    pub fn output(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        KefuError::Output {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// For `map_err`: a polars error while working on `table`.
    pub fn table(table: impl Into<String>) -> impl FnOnce(PolarsError) -> KefuError {
        let table = table.into();
        move |source| KefuError::Table { table, source }
    }

    /// Exit code as fixed by the contract: 2 for usage/config, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            KefuError::Config { .. } | KefuError::Usage { .. } => 2,
            _ => 1,
        }
    }
}

pub type Result<T, E = KefuError> = std::result::Result<T, E>;
