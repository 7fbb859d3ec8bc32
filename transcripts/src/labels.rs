//! Transcript labels (spec `protocol.md` §6). Every label carries the protocol version.

/// Label of every transcript the protocol creates.
pub const PROTOCOL: &[u8] = b"verifiable-elections/v1";
/// Domain separator of Groth16 batch verification.
pub const GROTH16_BATCH: &[u8] = b"ve/groth16-batch/v1";
