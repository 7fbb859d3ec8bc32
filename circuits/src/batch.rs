//! Batch verification of Groth16 proofs that share a verifying key (spec `protocol.md` §6.1).
//!
//! For proofs `(A_i, B_i, C_i)` with prepared inputs `IC_i` and coefficients `r_i`, each proof
//! satisfies `e(A_i, B_i) = e(alpha, beta) e(IC_i, gamma) e(C_i, delta)`; the batch checks
//!
//! ```text
//! prod_i e(r_i A_i, B_i) * e(sum_i r_i IC_i, -gamma) * e(sum_i r_i C_i, -delta)
//!     = e(alpha, beta)^(sum_i r_i)
//! ```
//!
//! with one multi-Miller loop and one final exponentiation. The `r_i` are 128-bit values drawn
//! from a merlin transcript over the key, every proof and its inputs, and 32 bytes of the
//! verifier's own entropy, so a prover cannot predict them: a batch containing an invalid proof
//! passes with probability at most about 2^-128. When a batch fails it is split in halves until
//! every invalid proof is named, each confirmed by a lone verification.

use crate::encoding::{StationProof, PROOF_BYTES};
use crate::keys::PreparedKey;
use crate::station::PublicInputs;
use ark_bls12_381::{g1, Bls12_381, Fr, G1Affine, G1Projective};
use ark_ec::pairing::Pairing;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField, Zero};
use ark_serialize::CanonicalSerialize;
use transcripts::{labels, Transcript, TranscriptProtocol};

/// One proof with its public inputs.
pub type Item = (PublicInputs, StationProof);

/// A batch coefficient, split for the curve's endomorphism: `r = lo + lambda * hi` with `lo`,
/// `hi` below 2^64 and `lambda` the eigenvalue of `phi(x, y) = (beta x, y)` on G1 (spec
/// `protocol.md` §6.1). Distinct `(lo, hi)` give distinct `r` (lambda times any nonzero
/// difference below 2^64 stays at least 2^64 away from a multiple of the group order), so `r`
/// takes 2^128 values; `r A = lo A + hi phi(A)` costs 64 doublings instead of 128
/// ([`lo_hi_mul`]), and `sum r_i C_i` is one multi-scalar multiplication of 64-bit scalars over
/// the `C_i` and `phi(C_i)`.
#[derive(Clone, Copy)]
struct Coefficient {
    lo: u64,
    hi: u64,
    r: Fr,
}

fn coefficients(vk_digest: &[u8], items: &[&Item], entropy: &[u8; 32]) -> Vec<Coefficient> {
    let mut t = Transcript::new(labels::PROTOCOL);
    t.groth16_batch_domain_sep(vk_digest, items.len() as u64);
    for (public, proof) in items {
        let mut p = Vec::with_capacity(PROOF_BYTES);
        // Serialising a valid in-memory proof cannot fail; an empty message would only weaken
        // binding to this proof, never soundness against the entropy below.
        let _ = proof.serialize_uncompressed(&mut p);
        let inputs: Vec<u8> = public
            .to_field_elements()
            .iter()
            .flat_map(|x| x.into_bigint().to_bytes_le())
            .collect();
        t.append_proof(&p, &inputs);
    }
    t.append_local_entropy(entropy);
    items
        .iter()
        .map(|_| {
            let (lo, hi, r) = coefficient(t.challenge_u128(b"coefficient"));
            Coefficient { lo, hi, r }
        })
        .collect()
}

/// The coefficient of a 16-byte challenge read little-endian (spec `protocol.md` §6.1): its
/// halves `lo` (all zero with `hi` gives `lo = 1`) and `hi`, and `lo + lambda hi`.
pub fn coefficient(challenge: u128) -> (u64, u64, Fr) {
    let (lo, hi) = match (challenge as u64, (challenge >> 64) as u64) {
        (0, 0) => (1, 0),
        pair => pair,
    };
    let r = Fr::from(lo) + <g1::Config as GLVConfig>::LAMBDA * Fr::from(hi);
    (lo, hi, r)
}

/// `lo P + hi phi(P)`, which is `r P` for `r = lo + lambda hi`: Shamir's simultaneous
/// double-and-add over the 64 bits of both halves. For a point with a part outside G1, `phi`
/// maps that part to another point of order dividing the cofactor, which no pairing with G2
/// sees (protocol.md §4.8).
fn lo_hi_mul(p: &G1Affine, lo: u64, hi: u64) -> G1Projective {
    let phi = <g1::Config as GLVConfig>::endomorphism_affine(p);
    let both = G1Projective::from(*p) + phi;
    let mut acc = G1Projective::zero();
    for i in (0..64 - (lo | hi).leading_zeros()).rev() {
        acc.double_in_place();
        match ((lo >> i) & 1, (hi >> i) & 1) {
            (1, 0) => acc += p,
            (0, 1) => acc += &phi,
            (1, 1) => acc += &both,
            _ => {}
        }
    }
    acc
}

impl PreparedKey {
    /// Whether the whole batch verifies (no bisection). Every item must already have the
    /// key's public-input count.
    fn vartime_batch_holds(&self, vk_digest: &[u8], items: &[&Item], entropy: &[u8; 32]) -> bool {
        let vk = &self.pvk.vk;
        let r = coefficients(vk_digest, items, entropy);
        // sum_i r_i IC_i = (sum r_i) g_0 + sum_j (sum_i r_i x_ij) g_{j+1}: one MSM.
        let mut scalars = vec![Fr::from(0u64); vk.gamma_abc_g1.len()];
        for ((public, _), ri) in items.iter().zip(&r) {
            scalars[0] += ri.r;
            for (s, x) in scalars.iter_mut().skip(1).zip(public.to_field_elements()) {
                *s += ri.r * x;
            }
        }
        let Ok(ic) = G1Projective::msm(&vk.gamma_abc_g1, &scalars) else {
            return false;
        };
        // sum_i r_i C_i = sum_i lo_i C_i + sum_i hi_i phi(C_i).
        let mut cs: Vec<G1Affine> = items.iter().map(|(_, p)| p.c).collect();
        cs.extend(
            items
                .iter()
                .map(|(_, p)| <g1::Config as GLVConfig>::endomorphism_affine(&p.c)),
        );
        let halves: Vec<u64> = r
            .iter()
            .map(|c| c.lo)
            .chain(r.iter().map(|c| c.hi))
            .collect();
        let c = G1Projective::msm_u64(&cs, &halves);
        let mut g1: Vec<<Bls12_381 as Pairing>::G1Prepared> = Vec::with_capacity(items.len() + 2);
        let mut g2: Vec<<Bls12_381 as Pairing>::G2Prepared> = Vec::with_capacity(items.len() + 2);
        let mut scaled = Vec::with_capacity(items.len());
        for ((_, proof), ri) in items.iter().zip(&r) {
            // B's membership of G2, checked while preparing it (protocol.md §4.8).
            let Some(b) = crate::g2::prepare_in_g2(&proof.b) else {
                return false;
            };
            scaled.push(lo_hi_mul(&proof.a, ri.lo, ri.hi));
            g2.push(b);
        }
        // One field inversion for all the r_i A_i.
        g1.extend(
            G1Projective::normalize_batch(&scaled)
                .into_iter()
                .map(Into::into),
        );
        g1.push(ic.into_affine().into());
        g2.push(self.pvk.gamma_g2_neg_pc.clone());
        g1.push(c.into_affine().into());
        g2.push(self.pvk.delta_g2_neg_pc.clone());
        let Some(lhs) = Bls12_381::final_exponentiation(Bls12_381::multi_miller_loop(g1, g2))
        else {
            return false;
        };
        let r_sum: Fr = scalars[0];
        lhs.0 == self.pvk.alpha_g1_beta_g2.pow(r_sum.into_bigint())
    }

    /// Verifies `items` as one batch; returns the indices of the proofs that do not verify
    /// (empty when all do). Inputs of the wrong count are named without entering the batch.
    pub fn verify_batch(&self, vk_digest: &[u8], items: &[Item], entropy: &[u8; 32]) -> Vec<usize> {
        let expected = self.pvk.vk.gamma_abc_g1.len() - 1;
        let mut bad = Vec::new();
        let mut good: Vec<usize> = Vec::with_capacity(items.len());
        for (i, (public, _)) in items.iter().enumerate() {
            if public.to_field_elements().len() == expected {
                good.push(i);
            } else {
                bad.push(i);
            }
        }
        self.bisect(vk_digest, items, &good, entropy, &mut bad);
        bad.sort_unstable();
        bad
    }

    fn bisect(
        &self,
        vk_digest: &[u8],
        items: &[Item],
        idx: &[usize],
        entropy: &[u8; 32],
        bad: &mut Vec<usize>,
    ) {
        if idx.is_empty() {
            return;
        }
        if idx.len() == 1 {
            let (public, proof) = &items[idx[0]];
            if self.verify(public, proof).is_err() {
                bad.push(idx[0]);
            }
            return;
        }
        let refs: Vec<&Item> = idx.iter().map(|&i| &items[i]).collect();
        if self.vartime_batch_holds(vk_digest, &refs, entropy) {
            return;
        }
        let (left, right) = idx.split_at(idx.len() / 2);
        self.bisect(vk_digest, items, left, entropy, bad);
        self.bisect(vk_digest, items, right, entropy, bad);
    }
}
