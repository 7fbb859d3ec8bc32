//! Errors of the log.

use thiserror::Error;

/// What can go wrong reading or writing a log.
#[derive(Debug, Error)]
pub enum LogError {
    /// The log cannot be reached at all (a folder that does not exist, a server that does not
    /// answer).
    #[error("{place}: the log cannot be reached: {reason}")]
    Unreachable {
        /// Folder or URL.
        place: String,
        /// Why.
        reason: String,
    },
    /// A file the log must serve is not there.
    #[error("{path}: missing from the log")]
    Missing {
        /// The file.
        path: String,
    },
    /// A file is larger than its format allows; it was refused before being read whole.
    #[error("{path}: larger than the {limit} bytes its format allows; refused unread")]
    TooLarge {
        /// The file.
        path: String,
        /// Its limit.
        limit: usize,
    },
    /// A file does not parse as its format.
    #[error("{path}: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// The rule broken.
        reason: String,
    },
    /// A signature does not verify.
    #[error("{path}: {reason}")]
    BadSignature {
        /// The file.
        path: String,
        /// What did not verify.
        reason: String,
    },
    /// The tiles do not give the head's root, or disagree with the entries.
    #[error("{path}: {reason}")]
    Inconsistent {
        /// The file.
        path: String,
        /// What disagrees.
        reason: String,
    },
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file or key string is not in the note key format.
    #[error("{what}: {reason}")]
    Key {
        /// Which key.
        what: String,
        /// Why.
        reason: String,
    },
}

impl LogError {
    /// An I/O error on `path`.
    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        LogError::Io {
            path: path.to_string(),
            source,
        }
    }

    /// A file that breaks its format.
    pub fn malformed(path: impl std::fmt::Display, reason: impl std::fmt::Display) -> Self {
        LogError::Malformed {
            path: path.to_string(),
            reason: reason.to_string(),
        }
    }
}
