//! The data model and wire format of an election bundle, and the Ed25519 role signatures on
//! every published statement. No proving and no verification policy lives here.
//!
//! Spec: `spec/bundle.md`.
#![deny(missing_docs)]

pub mod digest;
pub mod error;
pub mod inputs;
pub mod log;
pub mod model;
pub mod signing;
pub mod tally;
pub mod text;
pub mod totaliser;

pub use ed25519_dalek::VerifyingKey;
pub use error::BundleError;
pub use model::*;
pub use signing::{
    message as signed_message, public_key_from_hex, verify_many, KeyPair, PendingSignature, Role,
    Signed, MAX_SAFE_INTEGER, SIGNING_DOMAIN,
};

/// The protocol version every statement carries (not the crate version).
pub const SPEC_VERSION: &str = "1.0";
