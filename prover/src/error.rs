//! The prover's errors: every one names the file, the station (when there is one) and the rule.

use thiserror::Error;

/// What stops the prover.
#[derive(Debug, Error)]
pub enum ProverError {
    /// An input breaks a rule of the spec.
    #[error("{file}{}: {rule}", station.as_ref().map(|s| format!(" (station {s})")).unwrap_or_default())]
    Input {
        /// The file at fault.
        file: String,
        /// The station, when the rule is about one.
        station: Option<String>,
        /// The rule broken, in words, with its spec reference.
        rule: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// Proving or key handling failed.
    #[error("{context}: {source}")]
    Circuit {
        /// Where.
        context: String,
        /// The cause.
        source: circuits::CircuitError,
    },
    /// Signing failed.
    #[error("{0}")]
    Bundle(#[from] bundle::BundleError),
}

impl ProverError {
    /// An input error.
    pub fn input(file: impl Into<String>, station: Option<&str>, rule: impl Into<String>) -> Self {
        Self::Input {
            file: file.into(),
            station: station.map(str::to_string),
            rule: rule.into(),
        }
    }
}

impl From<importer::ImportError> for ProverError {
    fn from(e: importer::ImportError) -> Self {
        match e {
            importer::ImportError::Input {
                file,
                station,
                rule,
            } => Self::Input {
                file,
                station,
                rule,
            },
            importer::ImportError::Io { path, reason } => Self::Io { path, reason },
            importer::ImportError::Bundle(e) => Self::Bundle(e),
        }
    }
}
