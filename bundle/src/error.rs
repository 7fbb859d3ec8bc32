//! Errors of the bundle crate.

use thiserror::Error;

/// What can go wrong reading, writing or signing bundle files.
#[derive(Debug, Error)]
pub enum BundleError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid JSON of the expected form.
    #[error("{path}: not a valid {what}: {reason}")]
    Parse {
        /// The file.
        path: String,
        /// The expected document.
        what: &'static str,
        /// Why parsing failed.
        reason: String,
    },
    /// A key or signature is not a canonical encoding.
    #[error("malformed {what}: {reason}")]
    Encoding {
        /// What was being decoded.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A signature does not verify.
    #[error("the {role} signature on the {kind} does not verify")]
    BadSignature {
        /// The signing role.
        role: String,
        /// The statement kind.
        kind: &'static str,
    },
}
