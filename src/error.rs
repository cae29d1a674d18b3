//! Typed errors of the library. The binary maps them to exit codes: usage and
//! configuration problems exit 2 (the user must change how kefu is called),
//! everything else exits 1.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum KefuError {
    /// Bad command line or pipeline configuration: exit code 2.
    #[error("config: {0}")]
    Config(String),

    /// A whole input file cannot be read as the table it should be
    /// (missing column, unreadable encoding, broken Parquet). Bad *rows* never
    /// raise this: they go to `rejects`.
    #[error("{}: {reason}", path.display())]
    Input { path: PathBuf, reason: String },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("polars: {0}")]
    Polars(#[from] polars::prelude::PolarsError),

    #[error("{0}")]
    Other(String),
}

impl KefuError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        KefuError::Io {
            path: path.into(),
            source,
        }
    }

    pub fn input(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        KefuError::Input {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Exit code as fixed by the contract: 2 for usage/config, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            KefuError::Config(_) => 2,
            _ => 1,
        }
    }
}

pub type Result<T, E = KefuError> = std::result::Result<T, E>;
