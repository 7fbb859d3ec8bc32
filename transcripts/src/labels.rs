//! Transcript labels (spec `protocol.md` §6). Every label carries the protocol version.

/// Label of every transcript the protocol creates.
pub const PROTOCOL: &[u8] = b"verifiable-elections/v1";
/// Domain separator of Groth16 batch verification.
pub const GROTH16_BATCH: &[u8] = b"ve/groth16-batch/v1";
/// Domain separator of the VVPAT audit seed.
pub const AUDIT_SEED: &[u8] = b"ve/audit-seed/v1";
/// Domain separator of the statutory sample drawn from an audit seed (v2: the size is not in the
/// transcript, so samples of different sizes are nested).
pub const AUDIT_STATUTORY: &[u8] = b"ve/audit-statutory/v2";
/// Domain separator of the risk-limiting (PPEB) draws from an audit seed.
pub const AUDIT_PPEB: &[u8] = b"ve/audit-ppeb/v1";
/// Domain separator of a SnarkPack aggregate of Groth16 proofs (`aggregation.md`).
pub const AGGREGATE: &[u8] = b"ve/snarkpack/v1";
