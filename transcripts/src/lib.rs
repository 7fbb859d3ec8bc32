//! Every Fiat-Shamir transcript of the protocol: one extension trait over
//! [`merlin::Transcript`] and one list of labels (spec `protocol.md` §6).
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
