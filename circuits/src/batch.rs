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
use ark_bls12_381::{g1, Bls12_381, Config, Fr, G1Affine, G1Projective};
use ark_ec::bls12::G2Prepared;
use ark_ec::pairing::Pairing;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField, Zero};
use ark_serialize::CanonicalSerialize;
use transcripts::{labels, Transcript, TranscriptProtocol};

/// One proof with its public inputs.
pub type Item = (PublicInputs, StationProof);

/// Public inputs a batch takes: anything that gives its field elements in the key's order
/// (the station circuit's, the committed station circuit's, the group circuit's, or the
/// elements themselves).
pub trait Inputs {
    /// The field elements, in the order of the key's circuit.
    fn to_field_elements(&self) -> Vec<Fr>;
}

impl Inputs for PublicInputs {
    fn to_field_elements(&self) -> Vec<Fr> {
        PublicInputs::to_field_elements(self)
    }
}

impl Inputs for crate::totaliser::CommittedPublicInputs {
    fn to_field_elements(&self) -> Vec<Fr> {
        crate::totaliser::CommittedPublicInputs::to_field_elements(self)
    }
}

impl Inputs for Vec<Fr> {
    fn to_field_elements(&self) -> Vec<Fr> {
        self.clone()
    }
}

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

fn coefficients<I: Inputs>(
    vk_digest: &[u8],
    items: &[&(I, StationProof)],
    entropy: &[u8; 32],
) -> Vec<Coefficient> {
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

/// `lo P + hi phi(P)`, which is `r P` for `r = lo + lambda hi`, for every `(P, lo, hi)`:
/// interleaved width-4 NAFs of both halves over one run of 64 doublings, adding odd multiples
/// `±P, ±3P, ±5P, ±7P` and their images under `phi` (`phi(kP) = k phi(P)`, one
/// multiplication in Fq each). The tables of all points share one field inversion. For a point
/// with a part outside G1, `phi` maps that part to another point of order dividing the
/// cofactor, which no pairing with G2 sees (protocol.md §4.8); the result is the same point as
/// a plain double-and-add of `lo P + hi phi(P)` gives, for every point of the curve.
fn lo_hi_mul_all(points: &[(&G1Affine, u64, u64)]) -> Vec<G1Affine> {
    // 3P, 5P, 7P of every point, made affine together.
    let mut odd = Vec::with_capacity(3 * points.len());
    for (p, _, _) in points {
        let p1 = G1Projective::from(**p);
        let p2 = p1.double();
        let p3 = p2 + *p;
        let p5 = p3 + p2;
        odd.extend([p3, p5, p5 + p2]);
    }
    let odd = G1Projective::normalize_batch(&odd);
    let scaled: Vec<G1Projective> = points
        .iter()
        .zip(odd.chunks_exact(3))
        .map(|((p, lo, hi), odd)| {
            let table = [**p, odd[0], odd[1], odd[2]];
            let phi_table = table.map(|t| <g1::Config as GLVConfig>::endomorphism_affine(&t));
            let (dlo, dhi) = (wnaf4(*lo), wnaf4(*hi));
            let mut acc = G1Projective::zero();
            for i in (0..dlo.len().max(dhi.len())).rev() {
                acc.double_in_place();
                for (digits, table) in [(&dlo, &table), (&dhi, &phi_table)] {
                    match digits.get(i).copied().unwrap_or(0) {
                        0 => {}
                        d if d > 0 => acc += &table[(d / 2) as usize],
                        d => acc -= &table[(-d / 2) as usize],
                    }
                }
            }
            acc
        })
        .collect();
    G1Projective::normalize_batch(&scaled)
}

/// The width-4 non-adjacent form of `k`, least significant digit first: digits in
/// `{0, ±1, ±3, ±5, ±7}`, each nonzero digit followed by at least three zeros, `sum d_i 2^i = k`.
fn wnaf4(k: u64) -> Vec<i8> {
    let mut k = u128::from(k);
    let mut digits = Vec::with_capacity(66);
    while k != 0 {
        let d = if k & 1 == 1 {
            let m = (k & 15) as i8;
            let d = if m >= 8 { m - 16 } else { m };
            k = k.wrapping_sub(d as i128 as u128);
            d
        } else {
            0
        };
        digits.push(d);
        k >>= 1;
    }
    digits
}

impl PreparedKey {
    /// Whether the whole batch verifies (no bisection). Every item must already have the
    /// key's public-input count.
    fn vartime_batch_holds<I: Inputs>(
        &self,
        vk_digest: &[u8],
        items: &[&(I, StationProof)],
        entropy: &[u8; 32],
    ) -> bool {
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
        let mut prepared = Vec::with_capacity(items.len());
        for (_, proof) in items {
            // B's membership of G2, checked while preparing it (protocol.md §4.8).
            let Some(b) = crate::g2::prepare_in_g2(&proof.b) else {
                return false;
            };
            prepared.push(b);
        }
        let scaled = lo_hi_mul_all(
            &items
                .iter()
                .zip(&r)
                .map(|((_, proof), ri)| (&proof.a, ri.lo, ri.hi))
                .collect::<Vec<_>>(),
        );
        let mut pairs: Vec<(G1Affine, &G2Prepared<Config>)> =
            scaled.into_iter().zip(&prepared).collect();
        pairs.push((ic.into_affine(), &self.pvk.gamma_g2_neg_pc));
        pairs.push((c.into_affine(), &self.pvk.delta_g2_neg_pc));
        let Some(lhs) = Bls12_381::final_exponentiation(crate::miller::multi_miller_loop(&pairs))
        else {
            return false;
        };
        let r_sum: Fr = scalars[0];
        lhs.0 == self.pvk.alpha_g1_beta_g2.pow(r_sum.into_bigint())
    }

    /// Verifies `items` as one batch; returns the indices of the proofs that do not verify
    /// (empty when all do). Inputs of the wrong count are named without entering the batch.
    pub fn verify_batch<I: Inputs>(
        &self,
        vk_digest: &[u8],
        items: &[(I, StationProof)],
        entropy: &[u8; 32],
    ) -> Vec<usize> {
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

    fn bisect<I: Inputs>(
        &self,
        vk_digest: &[u8],
        items: &[(I, StationProof)],
        idx: &[usize],
        entropy: &[u8; 32],
        bad: &mut Vec<usize>,
    ) {
        if idx.is_empty() {
            return;
        }
        if idx.len() == 1 {
            let (public, proof) = &items[idx[0]];
            if self
                .verify_inputs(&public.to_field_elements(), proof)
                .is_err()
            {
                bad.push(idx[0]);
            }
            return;
        }
        let refs: Vec<&(I, StationProof)> = idx.iter().map(|&i| &items[i]).collect();
        if self.vartime_batch_holds(vk_digest, &refs, entropy) {
            return;
        }
        let (left, right) = idx.split_at(idx.len() / 2);
        self.bisect(vk_digest, items, left, entropy, bad);
        self.bisect(vk_digest, items, right, entropy, bad);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::Fq;
    use ark_ec::AffineRepr;
    use ark_std::UniformRand;
    use rand::{RngCore, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// A point of the curve y^2 = x^3 + 4 over Fq, in G1 or not (almost surely not: G1 is a
    /// fraction 1/h of the curve's points).
    fn curve_point(rng: &mut ChaCha20Rng) -> G1Affine {
        loop {
            let x = Fq::rand(rng);
            if let Some(p) = G1Affine::get_point_from_x_unchecked(x, rng.next_u32() & 1 == 1) {
                return p;
            }
        }
    }

    #[test]
    fn wnaf_digits_sum_to_the_scalar() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for k in [0, 1, 7, 8, 15, 16, u64::MAX, u64::MAX - 7, 1 << 63]
            .into_iter()
            .chain((0..200).map(|_| rng.next_u64()))
        {
            let digits = wnaf4(k);
            let mut sum: i128 = 0;
            for (i, d) in digits.iter().enumerate() {
                assert!(*d == 0 || (d % 2 != 0 && d.abs() <= 7), "{k}: digit {d}");
                sum += i128::from(*d) << i;
            }
            assert_eq!(sum, i128::from(k));
            for w in digits.windows(4) {
                assert!(
                    w[0] == 0 || w[1..].iter().all(|d| *d == 0),
                    "{k}: adjacent digits"
                );
            }
        }
    }

    #[test]
    fn windowed_multiplication_is_lo_p_plus_hi_phi_p_on_the_whole_curve() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut points: Vec<G1Affine> = (0..6)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        points.extend((0..6).map(|_| curve_point(&mut rng)));
        // (0, ±2) has order 3: its table holds the identity (3A) and repeats (5A = -A, 7A = A).
        let order3 = G1Affine::new_unchecked(Fq::from(0u64), Fq::from(2u64));
        assert!(order3.is_on_curve() && !order3.is_zero());
        assert!((order3 * Fr::from(3u64)).is_zero());
        points.push(order3);
        points.push(-order3);
        assert!(points[6..]
            .iter()
            .any(|p| !p.is_in_correct_subgroup_assuming_on_curve()));
        let halves: Vec<(u64, u64)> = [(0, 0), (1, 0), (0, 1), (u64::MAX, u64::MAX)]
            .into_iter()
            .chain((0..8).map(|_| (rng.next_u64(), rng.next_u64())))
            .collect();
        let mut inputs = Vec::new();
        for (p, (lo, hi)) in points.iter().zip(halves.iter().cycle()) {
            inputs.push((p, *lo, *hi));
        }
        let got = lo_hi_mul_all(&inputs);
        for ((p, lo, hi), g) in inputs.iter().zip(got) {
            let phi = <g1::Config as GLVConfig>::endomorphism_affine(p);
            let expected = (*p).mul_bigint([*lo]) + phi.mul_bigint([*hi]);
            assert_eq!(g, expected.into_affine(), "lo {lo} hi {hi}");
            if p.is_in_correct_subgroup_assuming_on_curve() {
                let (_, _, r) = coefficient(u128::from(*lo) | (u128::from(*hi) << 64));
                if (*lo, *hi) != (0, 0) {
                    assert_eq!(g, (**p * r).into_affine());
                }
            }
        }
    }
}
