//! The byte encodings of spec `encodings.md` that JSON carries as hex: scalars (§2) and proofs
//! (§4.1). A leaf module: commitments, keys and the batch verifier all use it.

use crate::error::CircuitError;
use ark_bls12_381::{Bls12_381, Fr};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::Proof;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// A Groth16 proof of the station circuit.
pub type StationProof = Proof<Bls12_381>;

/// An encoding error about `what`.
pub(crate) fn enc(what: &'static str, e: impl core::fmt::Display) -> CircuitError {
    CircuitError::Encoding {
        what,
        reason: e.to_string(),
    }
}

/// Bytes of a proof: A, B, C uncompressed (spec §6.1). Uncompressed points cost twice the space
/// of compressed ones but decode without square roots in Fq and Fq2, which would otherwise be
/// about half the cost of verifying a station.
pub const PROOF_BYTES: usize = 384;

/// Canonical hex of a proof (384 bytes: A, B, C uncompressed).
pub fn proof_to_hex(proof: &StationProof) -> Result<String, CircuitError> {
    let mut out = Vec::with_capacity(PROOF_BYTES);
    proof
        .serialize_uncompressed(&mut out)
        .map_err(|e| enc("proof", e))?;
    Ok(hex::encode(out))
}

/// Decodes a proof strictly: 384 bytes, canonical, every point on its curve and not the
/// identity. Subgroups are the verifier's business (spec `protocol.md` §4.8): B's membership
/// of G2 is checked by every verification ([`crate::PreparedKey::verify`], and in a batch
/// inside B's Miller-loop preparation, [`crate::g2`]); A and C are not checked to lie in G1,
/// since their parts outside G1 do not change any pairing with a point of G2.
pub fn proof_from_hex(s: &str) -> Result<StationProof, CircuitError> {
    if s.len() != 2 * PROOF_BYTES {
        return Err(enc(
            "proof",
            format!("{} hex digits, expected {}", s.len(), 2 * PROOF_BYTES),
        ));
    }
    // Lower-case hex only: with canonical bytes, one written form.
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(enc("proof", "not the canonical encoding (upper-case hex)"));
    }
    let mut bytes = [0u8; PROOF_BYTES];
    hex::decode_to_slice(s, &mut bytes).map_err(|e| enc("proof", e))?;
    let proof = StationProof::deserialize_with_mode(&bytes[..], Compress::No, Validate::No)
        .map_err(|e| enc("proof", e))?;
    if proof.a.is_zero() || proof.b.is_zero() || proof.c.is_zero() {
        return Err(enc("proof", "an element is the identity point"));
    }
    if !proof.a.is_on_curve() || !proof.c.is_on_curve() || !proof.b.is_on_curve() {
        return Err(enc("proof", "a point is not on its curve"));
    }
    let mut again = [0u8; PROOF_BYTES];
    proof
        .serialize_uncompressed(&mut again[..])
        .map_err(|e| enc("proof", e))?;
    if again != bytes {
        return Err(enc("proof", "not the canonical encoding"));
    }
    Ok(proof)
}

/// Canonical hex of a scalar: 32 bytes little-endian.
pub fn fr_to_hex(x: &Fr) -> String {
    hex::encode(x.into_bigint().to_bytes_le())
}

/// Decodes a scalar strictly: 64 hex digits of a value below r.
pub fn fr_from_hex(s: &str) -> Result<Fr, CircuitError> {
    let bytes = hex::decode(s).map_err(|e| enc("scalar", e))?;
    if bytes.len() != 32 {
        return Err(enc("scalar", format!("{} bytes, expected 32", bytes.len())));
    }
    let x = Fr::from_le_bytes_mod_order(&bytes);
    if x.into_bigint().to_bytes_le() != bytes {
        return Err(enc("scalar", "not below the group order"));
    }
    if fr_to_hex(&x) != s {
        return Err(enc("scalar", "not lower-case hex"));
    }
    Ok(x)
}
