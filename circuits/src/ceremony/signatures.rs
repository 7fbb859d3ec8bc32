//! Contributors' signatures over their contributions (spec `ceremony.md` §8).
//!
//! A contribution's name and role are what the contributor typed; the coordinator could type
//! them too. A contributor who wants its contribution to be known as its own signs it with an
//! Ed25519 key it published beforehand: the message is
//! `"ve/1.0/ceremony-contribution" 0x00 || phase (one byte) || contribution hash (32 bytes)`.
//! The contribution hash is the chain digest after the contribution, computed over the digest
//! before it, the name, the role and every point (ceremony.md §4), so the signature binds the
//! key to the state it extended and to the name it published. The bundle carries the signatures
//! in `ceremony/signatures.json`, bound by the manifest like the other ceremony files.

use serde::{Deserialize, Serialize};

/// The file's `format`.
pub const FORMAT: &str = "ve-ceremony-signatures/v1";
/// Its name in a key folder's and a bundle's `ceremony/`.
pub const FILE: &str = "signatures.json";
/// The domain of the signed message.
pub const DOMAIN: &[u8] = b"ve/1.0/ceremony-contribution\0";

/// The bytes a contributor signs for its contribution of `phase` (1 or 2) with hash `hash`.
pub fn message(phase: u8, hash: &[u8; 32]) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    m.push(phase);
    m.extend_from_slice(hash);
    m
}

/// One contributor's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionSignature {
    /// The phase of the contribution, 1 or 2.
    pub phase: u8,
    /// The contribution hash, hex.
    pub hash: String,
    /// The contributor's Ed25519 public key, hex.
    pub public_key: String,
    /// Ed25519 over [`message`], hex.
    pub signature: String,
}

/// `ceremony/signatures.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// [`FORMAT`].
    pub format: String,
    /// In the order of the contributions they sign.
    pub signatures: Vec<ContributionSignature>,
}

/// Checks every signature against a verified ceremony's contributions: each names a
/// contribution of the ceremony (phase and hash), at most one per contribution, with a valid
/// key (32 bytes, a curve point, not of small order) and a valid signature (strict Ed25519).
/// Returns, per contribution in the report's order, the key that signed it, if any.
pub fn check(
    report: &super::CeremonyReport,
    file: &SignatureFile,
) -> Result<Vec<Option<String>>, crate::error::CircuitError> {
    use ed25519_dalek::{Signature, VerifyingKey};
    let bad = |why: String| super::ceremony_err(format!("{FILE}: {why}"));
    if file.format != FORMAT {
        return Err(bad(format!("format {:?} is not {FORMAT:?}", file.format)));
    }
    let mut keys: Vec<Option<String>> = vec![None; report.contributions.len()];
    for (i, s) in file.signatures.iter().enumerate() {
        let which = format!("signature {} (over {})", i + 1, s.hash);
        let pos = report
            .contributions
            .iter()
            .position(|c| c.hash == s.hash && c.phase == s.phase)
            .ok_or_else(|| {
                bad(format!(
                    "{which}: no contribution of phase {} of this ceremony has that hash: it signs another state",
                    s.phase
                ))
            })?;
        if keys[pos].is_some() {
            return Err(bad(format!("{which}: the contribution is signed twice")));
        }
        let key: [u8; 32] = hex_exact(&s.public_key).ok_or_else(|| {
            bad(format!(
                "{which}: the public key is not 32 bytes of lower-case hex"
            ))
        })?;
        let key = VerifyingKey::from_bytes(&key)
            .ok()
            .filter(|k| !k.is_weak())
            .ok_or_else(|| {
                bad(format!(
                    "{which}: the public key is not a valid Ed25519 key"
                ))
            })?;
        let sig: [u8; 64] = hex_exact(&s.signature).ok_or_else(|| {
            bad(format!(
                "{which}: the signature is not 64 bytes of lower-case hex"
            ))
        })?;
        let hash: [u8; 32] = hex_exact(&s.hash).ok_or_else(|| {
            bad(format!(
                "{which}: the hash is not 32 bytes of lower-case hex"
            ))
        })?;
        key.verify_strict(&message(s.phase, &hash), &Signature::from_bytes(&sig))
            .map_err(|_| {
                bad(format!(
                    "{which}: the signature does not verify under key {}",
                    s.public_key
                ))
            })?;
        keys[pos] = Some(s.public_key.clone());
    }
    Ok(keys)
}

/// A short fingerprint of a public key (hex): the first 16 hex digits of its SHA-256, in groups
/// of four, for a person to compare with the key they published.
pub fn fingerprint(public_key_hex: &str) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(public_key_hex.as_bytes());
    let h = hex::encode(&d[..8]);
    format!("{}:{}:{}:{}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
}

fn hex_exact<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    hex::decode(s).ok()?.try_into().ok()
}
