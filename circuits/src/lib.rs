//! BLS12-381 side of the protocol: Poseidon parameters, the salted log commitment, the station
//! circuit (a native twin and its constraint version) and Groth16 keys.
//!
//! Spec: `spec/protocol.md` §3 (commitments) and §4 (station circuit).
//!
//! arkworks' `parallel` feature is deliberately off: ark-ec 0.6 builds a fresh rayon thread pool
//! inside every multi-scalar multiplication, and under our station-level parallelism that leaked
//! threads and memory (24 GB within minutes on 1,834 stations). Parallelism lives one level up:
//! the prover proves stations in parallel, the verifier checks proofs in parallel.
#![deny(missing_docs)]

pub mod aggregate;
pub mod batch;
pub mod ceremony;
pub mod commitment;
pub mod encoding;
pub mod error;
pub mod g2;
pub mod keys;
pub mod miller;
pub mod poseidon;
pub mod r1cs;
pub mod shape;
pub mod station;
pub mod totaliser;

pub use ark_bls12_381::{Bls12_381, Fr};
pub use commitment::{log_commitment, station_binding, vartime_challenge, LogWitness, Salt};
pub use error::CircuitError;
pub use keys::{
    fr_from_hex, fr_to_hex, matrix_digest, proof_from_hex, proof_to_hex, vk_digest, vk_from_bytes,
    vk_to_bytes, PreparedKey, ProvingKey, StationProof,
};
pub use shape::{Kind, Shape};
pub use station::{PublicInputs, StationCircuit};
