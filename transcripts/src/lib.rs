//! Every Fiat-Shamir transcript of the protocol: one extension trait over
//! [`merlin::Transcript`] and one list of labels (spec `protocol.md` §6, `encodings.md` §5).
//! Every byte any transcript absorbs is framed here: the Groth16 batch coefficients
//! (`circuits::batch`), the VVPAT audit seed and its two samples, statutory and risk-limiting
//! (`audit::seed`, `audit::sample`). The crates above decide what to absorb and when; how it is
//! framed, labelled and squeezed is defined once, in this crate.
//!
//! Only the top level creates a transcript; functions that draw from one take `&mut Transcript`.
#![deny(missing_docs)]

pub mod labels;

pub use merlin::Transcript;

/// The protocol's transcript operations.
pub trait TranscriptProtocol {
    /// Starts a batch verification of `count` Groth16 proofs under the verifying key whose
    /// SHA-256 is `vk_sha256` (spec §6.1).
    fn groth16_batch_domain_sep(&mut self, vk_sha256: &[u8], count: u64);
    /// Appends a proof with its public inputs, as canonical bytes.
    fn append_proof(&mut self, proof: &[u8], public_inputs: &[u8]);
    /// Appends verifier-local entropy so the prover cannot predict coefficients.
    fn append_local_entropy(&mut self, entropy: &[u8; 32]);
    /// Squeezes a 128-bit coefficient (spec §6.1: 16 bytes, little-endian).
    fn challenge_u128(&mut self, label: &'static [u8]) -> u128;

    /// Starts the VVPAT audit seed of a contest (spec `audit.md` §3): the election, the contest,
    /// the results root and how many shares follow.
    fn audit_seed_domain_sep(
        &mut self,
        election_id: &str,
        contest_id: &str,
        results_root: &[u8; 32],
        shares: u64,
    );
    /// Appends one revealed share with its party id (callers append them in party-id order).
    fn append_share(&mut self, party: &str, share: &[u8; 32]);
    /// Squeezes the 32-byte audit seed.
    fn challenge_seed(&mut self) -> [u8; 32];
    /// Starts the statutory sample of one segment (spec `audit.md` §4.1): the seed, the segment
    /// and its number of stations (not the sample's size, so that samples are nested).
    fn statutory_domain_sep(&mut self, seed: &[u8; 32], segment_id: &str, population: u64);
    /// Starts the risk-limiting (PPEB) draws of a contest (spec `audit.md` §5): the seed, the
    /// contest and its number of stations.
    fn ppeb_domain_sep(&mut self, seed: &[u8; 32], contest_id: &str, batches: u64);
    /// A uniform integer in `[0, m)` (`m` of 0 is taken as 1): 128-bit challenges labelled
    /// `draw`, rejecting those at or above the largest multiple of `m`.
    fn challenge_below(&mut self, m: u128) -> u128;
}

impl TranscriptProtocol for Transcript {
    fn groth16_batch_domain_sep(&mut self, vk_sha256: &[u8], count: u64) {
        self.append_message(b"dom-sep", labels::GROTH16_BATCH);
        self.append_message(b"vk", vk_sha256);
        self.append_u64(b"n", count);
    }

    fn append_proof(&mut self, proof: &[u8], public_inputs: &[u8]) {
        self.append_message(b"proof", proof);
        self.append_message(b"inputs", public_inputs);
    }

    fn append_local_entropy(&mut self, entropy: &[u8; 32]) {
        self.append_message(b"entropy", entropy);
    }

    fn challenge_u128(&mut self, label: &'static [u8]) -> u128 {
        let mut buf = [0u8; 16];
        self.challenge_bytes(label, &mut buf);
        u128::from_le_bytes(buf)
    }

    fn audit_seed_domain_sep(
        &mut self,
        election_id: &str,
        contest_id: &str,
        results_root: &[u8; 32],
        shares: u64,
    ) {
        self.append_message(b"dom-sep", labels::AUDIT_SEED);
        self.append_message(b"election", election_id.as_bytes());
        self.append_message(b"contest", contest_id.as_bytes());
        self.append_message(b"results-root", results_root);
        self.append_u64(b"shares", shares);
    }

    fn append_share(&mut self, party: &str, share: &[u8; 32]) {
        self.append_message(b"party", party.as_bytes());
        self.append_message(b"share", share);
    }

    fn challenge_seed(&mut self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        self.challenge_bytes(b"seed", &mut seed);
        seed
    }

    fn statutory_domain_sep(&mut self, seed: &[u8; 32], segment_id: &str, population: u64) {
        self.append_message(b"dom-sep", labels::AUDIT_STATUTORY);
        self.append_message(b"seed", seed);
        self.append_message(b"segment", segment_id.as_bytes());
        self.append_u64(b"population", population);
    }

    fn ppeb_domain_sep(&mut self, seed: &[u8; 32], contest_id: &str, batches: u64) {
        self.append_message(b"dom-sep", labels::AUDIT_PPEB);
        self.append_message(b"seed", seed);
        self.append_message(b"contest", contest_id.as_bytes());
        self.append_u64(b"batches", batches);
    }

    fn challenge_below(&mut self, m: u128) -> u128 {
        let m = m.max(1);
        let limit = (u128::MAX / m) * m;
        loop {
            let v = self.challenge_u128(b"draw");
            if v < limit {
                return v % m;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_depend_on_every_input() {
        let draw = |vk: &[u8], proof: &[u8], entropy: [u8; 32]| {
            let mut t = Transcript::new(labels::PROTOCOL);
            t.groth16_batch_domain_sep(vk, 1);
            t.append_proof(proof, b"inputs");
            t.append_local_entropy(&entropy);
            t.challenge_u128(b"coefficient")
        };
        let base = draw(b"vk", b"p", [0; 32]);
        assert_eq!(base, draw(b"vk", b"p", [0; 32]));
        assert_ne!(base, draw(b"vk2", b"p", [0; 32]));
        assert_ne!(base, draw(b"vk", b"q", [0; 32]));
        assert_ne!(base, draw(b"vk", b"p", [1; 32]));
    }
}
