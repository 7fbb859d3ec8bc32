//! The prover: turns a polling authority's inputs (election definition, Form 17C Part I, sealed
//! EVM logs, postal rows) into signed close-of-poll statements, Groth16 station proofs and a
//! signed election bundle.
//!
//! Spec: `spec/protocol.md`, `spec/bundle.md`.
#![deny(missing_docs)]

pub mod audit;
pub mod ceremony;
pub mod error;
pub mod groups;
pub mod io;
pub mod log;
pub mod pool;
pub mod prove;
pub mod seal;
pub mod setup;
pub mod shard;
pub mod simulate;

pub use error::ProverError;

pub use bundle::inputs::{layout, unix_midnight};
