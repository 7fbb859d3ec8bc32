//! The multi-party key ceremony (spec `ceremony.md`): the station circuit's Groth16 keys made by
//! several contributors so that they are sound if any one of them destroyed its secret.
//!
//! - Phase 1 ([`phase1`]): powers of tau on BLS12-381 (`tau^i` in G1 and G2, `alpha tau^i` and
//!   `beta tau^i` in G1, `beta` in G2), large enough for every shape of the election. Each
//!   contributor multiplies in secrets `(t, a, b)`.
//! - Phase 2 ([`phase2`]): per shape, the circuit-specific part (Bowe, Gabizon, Miers 2017): the
//!   keys are derived deterministically from phase 1 and the shape's constraint matrices with
//!   `delta = gamma = 1`, then each contributor multiplies `delta` by a secret `d` and divides
//!   the H and L queries by it.
//!
//! Every contribution carries, per secret, a proof of knowledge bound to the digest of the
//! chain before it, and a hash that chains it to the previous one. Only the few points each
//! contribution changes first are in its record; the full state after the last contribution is
//! checked against the chain with random linear combinations (same-ratio checks by pairings),
//! never point by point. [`Ceremony`] holds a whole ceremony (the state file contributors pass
//! along); [`BundleCeremony`] holds the part an election bundle carries.

pub mod aggregation;
mod encoding;
mod equation;
pub mod phase1;
pub mod phase2;
pub mod signatures;
mod state;

pub use encoding::{g1_from_hex, g1_to_hex, g2_from_hex, g2_to_hex};
pub use state::{
    BundleCeremony, Ceremony, CeremonyReport, ContributionLine, FileReader, Phase, Transcript,
    MAX_HEADER, MAX_STATE,
};

use crate::error::CircuitError;
use ark_bls12_381::{g2, Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::hashing::curve_maps::wb::WBMap;
use ark_ec::hashing::map_to_curve_hasher::MapToCurveBasedHasher;
use ark_ec::hashing::HashToCurve;
use ark_ec::pairing::Pairing;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::field_hashers::DefaultFieldHasher;
use ark_ff::{UniformRand, Zero};
use ark_serialize::CanonicalSerialize;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

/// A chain digest (SHA-256).
pub type Digest = [u8; 32];

/// Domain separation tag of the hash to G2 in proofs of knowledge (RFC 9380 suite
/// BLS12381G2_XMD:SHA-256_SSWU_RO_).
pub const POK_DST: &[u8] = b"VE-CEREMONY-POK-V1_BLS12381G2_XMD:SHA-256_SSWU_RO_";

/// Who contributed: a name and a role as they state them (free text, published).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contributor {
    /// Name as the contributor wants it published.
    pub name: String,
    /// Role (for example "State Election Commission", "party agent", "observer").
    pub role: String,
}

impl Contributor {
    /// Checks the published text: 1 to 200 characters, no control characters.
    pub fn check(&self) -> Result<(), CircuitError> {
        for (what, s) in [("name", &self.name), ("role", &self.role)] {
            let n = s.chars().count();
            if n == 0 || n > 200 || s.chars().any(char::is_control) {
                return Err(ceremony_err(format!(
                    "a contributor's {what} is 1 to 200 characters without control characters"
                )));
            }
        }
        Ok(())
    }
}

/// A proof of knowledge of the scalar `x` of one update (BGM17 §3): `g1_s = s G1` for a random
/// `s`, `g1_s_x = x g1_s`, and `g2_s_x = x H` where `H` hashes the chain digest, a tag and the
/// two G1 points to G2. It binds the update to the chain it extends, so it cannot be replayed on
/// another state, and proves (in the random-oracle model) that the contributor knows `x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pok {
    /// `s G1`.
    pub g1_s: G1Affine,
    /// `x s G1`.
    pub g1_s_x: G1Affine,
    /// `x H(chain, tag, g1_s, g1_s_x)`.
    pub g2_s_x: G2Affine,
}

/// The G2 base `H` of a proof of knowledge.
pub fn pok_base(
    chain: &Digest,
    tag: &str,
    g1_s: &G1Affine,
    g1_s_x: &G1Affine,
) -> Result<G2Affine, CircuitError> {
    let hasher = MapToCurveBasedHasher::<
        G2Projective,
        DefaultFieldHasher<Sha256, 128>,
        WBMap<g2::Config>,
    >::new(POK_DST)
    .map_err(|e| ceremony_err(format!("hash to G2: {e}")))?;
    let mut msg = Vec::with_capacity(32 + tag.len() + 1 + 2 * 96);
    msg.extend_from_slice(chain);
    msg.extend_from_slice(tag.as_bytes());
    msg.push(0);
    encoding::put_g1(&mut msg, g1_s);
    encoding::put_g1(&mut msg, g1_s_x);
    hasher
        .hash(&msg)
        .map_err(|e| ceremony_err(format!("hash to G2: {e}")))
}

impl Pok {
    /// Proves knowledge of `x` for the update tagged `tag` of the chain at `chain`.
    pub fn new<R: RngCore + CryptoRng>(
        x: &Fr,
        chain: &Digest,
        tag: &str,
        rng: &mut R,
    ) -> Result<Self, CircuitError> {
        let s = nonzero(rng);
        let g1_s = (G1Projective::generator() * s).into_affine();
        let g1_s_x = (g1_s * x).into_affine();
        let base = pok_base(chain, tag, &g1_s, &g1_s_x)?;
        let g2_s_x = (base * x).into_affine();
        Ok(Self {
            g1_s,
            g1_s_x,
            g2_s_x,
        })
    }

    /// Checks the proof; returns the pair `(H, x H)` for the update's same-ratio checks.
    pub fn verify(&self, chain: &Digest, tag: &str) -> Option<(G2Affine, G2Affine)> {
        if self.g1_s.is_zero() || self.g1_s_x.is_zero() || self.g2_s_x.is_zero() {
            return None;
        }
        let subgroup = self.g1_s.is_in_correct_subgroup_assuming_on_curve()
            && self.g1_s_x.is_in_correct_subgroup_assuming_on_curve()
            && self.g2_s_x.is_in_correct_subgroup_assuming_on_curve();
        if !subgroup {
            return None;
        }
        let base = pok_base(chain, tag, &self.g1_s, &self.g1_s_x).ok()?;
        same_ratio((self.g1_s, self.g1_s_x), (base, self.g2_s_x)).then_some((base, self.g2_s_x))
    }
}

/// Whether `a.1 / a.0 = b.1 / b.0` in the exponent: `e(a.0, b.1) = e(a.1, b.0)`.
pub fn same_ratio(a: (G1Affine, G1Affine), b: (G2Affine, G2Affine)) -> bool {
    Bls12_381::multi_pairing([a.0, (-a.1.into_group()).into_affine()], [b.1, b.0]).is_zero()
}

/// A uniformly random 128-bit scalar: enough for a weight whose check fails with probability at
/// most its degree over 2^128.
pub(crate) fn small<R: RngCore + CryptoRng>(rng: &mut R) -> Fr {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    Fr::from(u128::from_le_bytes(b))
}

pub(crate) fn pok_json(p: &Pok) -> [String; 3] {
    [
        g1_to_hex(&p.g1_s),
        g1_to_hex(&p.g1_s_x),
        g2_to_hex(&p.g2_s_x),
    ]
}

pub(crate) fn pok_from_json(p: &[String; 3], what: &str) -> Result<Pok, CircuitError> {
    Ok(Pok {
        g1_s: g1_from_hex(&p[0], what)?,
        g1_s_x: g1_from_hex(&p[1], what)?,
        g2_s_x: g2_from_hex(&p[2], what)?,
    })
}

/// A uniformly random nonzero scalar.
pub(crate) fn nonzero<R: RngCore + CryptoRng>(rng: &mut R) -> Fr {
    loop {
        let x = Fr::rand(rng);
        if !x.is_zero() {
            return x;
        }
    }
}

pub(crate) fn ceremony_err(reason: impl Into<String>) -> CircuitError {
    CircuitError::Ceremony(reason.into())
}

/// A multi-scalar multiplication split across the caller's rayon pool, one chunk per thread
/// (Pippenger's windows grow with the chunk, so fewer, larger chunks cost less).
pub(crate) fn msm<G: VariableBaseMSM>(bases: &[G::MulBase], scalars: &[G::ScalarField]) -> G {
    const MIN_CHUNK: usize = 1 << 12;
    let n = bases.len().min(scalars.len());
    let chunk = n
        .div_ceil(rayon::current_num_threads().max(1))
        .max(MIN_CHUNK);
    if n <= chunk {
        return G::msm_unchecked(&bases[..n], &scalars[..n]);
    }
    bases[..n]
        .par_chunks(chunk)
        .zip(scalars[..n].par_chunks(chunk))
        .map(|(b, s)| G::msm_unchecked(b, s))
        .reduce(G::zero, |a, b| a + b)
}

/// Multiplies every point by its scalar, in parallel, and returns them affine.
pub(crate) fn scale_g1(points: &mut [G1Affine], scalars: &[Fr]) {
    points
        .par_chunks_mut(1 << 12)
        .zip(scalars.par_chunks(1 << 12))
        .for_each(|(p, s)| {
            let proj: Vec<G1Projective> = p
                .iter()
                .zip(s)
                .map(|(p, s)| mul_g1(p.into_group(), s))
                .collect();
            p.copy_from_slice(&G1Projective::normalize_batch(&proj));
        });
}

/// As [`scale_g1`], in G2.
pub(crate) fn scale_g2(points: &mut [G2Affine], scalars: &[Fr]) {
    points
        .par_chunks_mut(1 << 10)
        .zip(scalars.par_chunks(1 << 10))
        .for_each(|(p, s)| {
            let proj: Vec<G2Projective> = p
                .iter()
                .zip(s)
                .map(|(p, s)| mul_g2(p.into_group(), s))
                .collect();
            p.copy_from_slice(&G2Projective::normalize_batch(&proj));
        });
}

/// A G2 scalar multiplication with the GLV endomorphism (ark-bls12-381 uses it for G1 only by
/// default; it halves the cost in G2).
pub(crate) fn mul_g2(p: G2Projective, s: &Fr) -> G2Projective {
    <g2::Config as GLVConfig>::glv_mul_projective(p, *s)
}

/// A G1 scalar multiplication (GLV).
pub(crate) fn mul_g1(p: G1Projective, s: &Fr) -> G1Projective {
    p * s
}

/// The inverse FFT over the radix-2 domain of `v.len()` (a power of two), on group elements:
/// `out_j = (1/n) sum_i v_i omega^(-ij)`, as `ark_poly`'s `ifft` on field elements. Iterative
/// Cooley-Tukey with the butterflies of each layer in parallel, multiplications by one skipped.
pub(crate) fn group_ifft<G: CurveGroup<ScalarField = Fr>>(
    v: &mut [G],
    domain: &ark_poly::GeneralEvaluationDomain<Fr>,
    mul: fn(G, &Fr) -> G,
) {
    use ark_ff::Field;
    use ark_poly::EvaluationDomain;
    let n = v.len();
    if n <= 1 {
        return;
    }
    let log = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - log);
        if i < j {
            v.swap(i, j);
        }
    }
    let table = powers(domain.group_gen_inv(), Fr::from(1u64), n / 2);
    let mut m = 2;
    while m <= n {
        let half = m / 2;
        let stride = n / m;
        v.par_chunks_mut(m).for_each(|blk| {
            let (lo, hi) = blk.split_at_mut(half);
            lo.par_iter_mut()
                .zip(hi.par_iter_mut())
                .enumerate()
                .with_min_len(64)
                .for_each(|(j, (a, b))| {
                    let t = if j == 0 {
                        *b
                    } else {
                        mul(*b, &table[j * stride])
                    };
                    let u = *a;
                    *a = u + t;
                    *b = u - t;
                });
        });
        m *= 2;
    }
    let n_inv = Fr::from(n as u64).inverse().unwrap_or_default();
    v.par_iter_mut()
        .with_min_len(64)
        .for_each(|x| *x = mul(*x, &n_inv));
}

/// `[x^0, x^1, ..., x^(n-1)]` times `c`.
pub(crate) fn powers(x: Fr, c: Fr, n: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(n);
    let mut cur = c;
    for _ in 0..n {
        out.push(cur);
        cur *= x;
    }
    out
}

/// A SHA-256 hasher with a length-prefixed label.
pub(crate) fn hasher(label: &str) -> Sha256 {
    let mut h = Sha256::new();
    put_str(&mut h, label);
    h
}

/// Feeds a length-prefixed string.
pub(crate) fn put_str(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// Feeds the uncompressed encoding of a point.
pub(crate) fn put_point<P: CanonicalSerialize>(h: &mut Sha256, p: &P) {
    let mut buf = Vec::with_capacity(192);
    // Serialising an in-memory affine point into a vector cannot fail.
    let _ = p.serialize_uncompressed(&mut buf);
    h.update(&buf);
}

/// Feeds a proof of knowledge.
pub(crate) fn put_pok(h: &mut Sha256, p: &Pok) {
    put_point(h, &p.g1_s);
    put_point(h, &p.g1_s_x);
    put_point(h, &p.g2_s_x);
}

/// Whether a point that came out of a random linear combination is in the prime-order
/// subgroup (the inputs are only checked to be on the curve; a torsion component that survives
/// the combination makes the check fail, as it should).
pub(crate) fn in_subgroup<P: ark_ec::short_weierstrass::SWCurveConfig>(
    p: &ark_ec::short_weierstrass::Affine<P>,
) -> bool {
    p.is_in_correct_subgroup_assuming_on_curve()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
    use rand::SeedableRng;

    #[test]
    fn group_ifft_is_the_field_ifft_in_the_exponent() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let d = GeneralEvaluationDomain::<Fr>::new(16).unwrap_or_else(|| unreachable!());
        let xs: Vec<Fr> = (0..16).map(|_| nonzero(&mut rng)).collect();
        let g = G1Projective::generator();
        let mut pts: Vec<G1Projective> = xs.iter().map(|x| g * x).collect();
        group_ifft(&mut pts, &d, mul_g1);
        let want: Vec<G1Projective> = d.ifft(&xs).iter().map(|x| g * x).collect();
        assert_eq!(pts, want);
        let h = G2Projective::generator();
        let mut pts: Vec<G2Projective> = xs.iter().map(|x| h * x).collect();
        group_ifft(&mut pts, &d, mul_g2);
        let want: Vec<G2Projective> = d.ifft(&xs).iter().map(|x| h * x).collect();
        assert_eq!(pts, want);
    }
}
