//! Errors of the BLS12-381 side.

use thiserror::Error;

/// Everything that can go wrong when committing, proving or verifying.
#[derive(Debug, Error)]
pub enum CircuitError {
    /// The requested shape is not one of the supported shapes.
    #[error("unsupported circuit shape {votes} votes x {choices} choices")]
    UnsupportedShape {
        /// Maximum votes requested.
        votes: usize,
        /// Maximum choices requested.
        choices: usize,
    },
    /// A log does not fit the shape (too many votes or a choice outside it).
    #[error("log does not fit shape {shape}: {reason}")]
    DoesNotFit {
        /// The shape, as `VOTESxCHOICES`.
        shape: String,
        /// What does not fit.
        reason: String,
    },
    /// The public-input vector has the wrong length for the verifying key.
    #[error("expected {expected} public inputs, got {got}")]
    PublicInputCount {
        /// Public inputs the key expects.
        expected: usize,
        /// Public inputs supplied.
        got: usize,
    },
    /// The proof does not verify against the key and the public inputs.
    #[error("the Groth16 proof does not verify against its public inputs")]
    ProofInvalid,
    /// Bytes that should encode a field element, a proof or a key do not.
    #[error("malformed encoding of {what}: {reason}")]
    Encoding {
        /// What was being decoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// A key ceremony's state, transcript or contribution does not hold.
    #[error("key ceremony: {0}")]
    Ceremony(String),
    /// Constraint synthesis or proving failed.
    #[error("proving failed: {0}")]
    Synthesis(String),
}
