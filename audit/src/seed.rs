//! The audit seed (spec `audit.md` §3): shares committed before the results, revealed after,
//! mixed with the results root in a merlin transcript. No single party steers it: each share is
//! fixed before the root is known, and the root is fixed before any share is known.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use transcripts::{labels, Transcript, TranscriptProtocol};

/// Domain separator of share commitments.
pub const COMMITMENT_DOMAIN: &[u8] = b"ve/audit-seed-share/v1";

/// SHA-256 commitment to a 32-byte share, bound to the election, contest and party.
pub fn commit_share(
    election_id: &str,
    contest_id: &str,
    party_id: &str,
    share: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        COMMITMENT_DOMAIN,
        election_id.as_bytes(),
        contest_id.as_bytes(),
        party_id.as_bytes(),
    ] {
        h.update(part);
        h.update([0u8]);
    }
    h.update(share);
    h.finalize().into()
}

/// Whether `share` opens `commitment` (constant-time comparison of the digests).
pub fn opens(
    election_id: &str,
    contest_id: &str,
    party_id: &str,
    share: &[u8; 32],
    commitment: &[u8],
) -> bool {
    let c = commit_share(election_id, contest_id, party_id, share);
    commitment.len() == 32 && bool::from(c.ct_eq(commitment))
}

/// The seed: a merlin transcript over the election, the contest, the results root and every
/// revealed share in party-id order.
pub fn audit_seed(
    election_id: &str,
    contest_id: &str,
    results_root: &[u8; 32],
    shares: &[(String, [u8; 32])],
) -> [u8; 32] {
    let mut sorted: Vec<&(String, [u8; 32])> = shares.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut t = Transcript::new(labels::PROTOCOL);
    t.audit_seed_domain_sep(election_id, contest_id, results_root, sorted.len() as u64);
    for (party, share) in sorted {
        t.append_share(party, share);
    }
    t.challenge_seed()
}

/// Decodes 64 hex digits.
pub fn hex32(s: &str) -> Option<[u8; 32]> {
    hex::decode(s).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitments_bind_share_and_context() {
        let s = [7u8; 32];
        let c = commit_share("E", "C", "RO-1", &s);
        assert!(opens("E", "C", "RO-1", &s, &c));
        assert!(!opens("E", "C", "RO-1", &[8u8; 32], &c));
        assert!(!opens("E", "C", "OBS-1", &s, &c));
        assert!(!opens("E", "C2", "RO-1", &s, &c));
        assert!(!opens("E", "C", "RO-1", &s, &c[..31]));
    }

    #[test]
    fn seed_depends_on_every_input_not_on_order() {
        let root = [1u8; 32];
        let a = ("A".to_string(), [2u8; 32]);
        let b = ("B".to_string(), [3u8; 32]);
        let s = audit_seed("E", "C", &root, &[a.clone(), b.clone()]);
        assert_eq!(s, audit_seed("E", "C", &root, &[b.clone(), a.clone()]));
        assert_ne!(s, audit_seed("E", "C", &[9u8; 32], &[a.clone(), b.clone()]));
        assert_ne!(s, audit_seed("E", "C", &root, std::slice::from_ref(&a)));
        assert_ne!(
            s,
            audit_seed("E", "C", &root, &[a, ("B".into(), [4u8; 32])])
        );
    }
}
