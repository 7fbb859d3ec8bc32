//! Aggregation of Groth16 proofs that share a verifying key: SnarkPack (Gailly, Maller,
//! Nitulescu, "SnarkPack: Practical SNARK Aggregation", FC 2022, eprint 2021/529), over
//! BLS12-381 (spec `aggregation.md`).
//!
//! For `n = 2^m` proofs `(A_i, B_i, C_i)` with public inputs `x_i`, the prover commits to the
//! vectors A, B and C under keys made from two independent powers of secrets `a` and `b` (the
//! aggregation key: `[a^i]_1, [b^i]_1` for `i < 2n`, `[a^i]_2, [b^i]_2` for `i < n`), draws
//! `r` from a transcript over those commitments, and proves with one inner-pairing-product
//! argument (TIPP) and one multi-exponentiation argument (MIPP), run together in `m` halving
//! rounds and closed by KZG openings of the folded keys, that
//!
//! ```text
//! Z_AB = prod_i e(A_i, B_i)^(r^i)    and    Z_C = sum_i r^i C_i
//! ```
//!
//! for the committed vectors. The verifier then checks the one Groth16 equation
//!
//! ```text
//! Z_AB = e(alpha, beta)^(sum_i r^i) * e(sum_i r^i IC(x_i), gamma) * e(Z_C, delta)
//! ```
//!
//! which, `r` being drawn after the proofs are fixed, holds for all `i` at once or fails
//! except with probability about `n / r`. The verifier's work is `O(m)` exponentiations in
//! GT and G1, a handful of pairings, and one linear combination of the public inputs.
//!
//! Every prover message is absorbed before the challenge that follows it (the transcript of
//! the first round included).

use crate::error::CircuitError;
use crate::keys::PreparedKey;
use crate::station::PublicInputs;
use ark_bls12_381::{Bls12_381, Fq12, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::{Pairing, PairingOutput};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};
use transcripts::{labels, Transcript};

/// An element of the target group GT.
pub type Gt = PairingOutput<Bls12_381>;

/// Pairs per parallel chunk of a multi-Miller loop.
const CHUNK: usize = 64;

/// Largest number of proofs one aggregate holds (`2^20`).
pub const MAX_PROOFS: usize = 1 << 20;

/// The prover's aggregation key: powers of two independent secrets `a` and `b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregationKey {
    /// `[a^i]_1`, `i < 2N`.
    pub g_a: Vec<G1Affine>,
    /// `[b^i]_1`, `i < 2N`.
    pub g_b: Vec<G1Affine>,
    /// `[a^i]_2`, `i < N`.
    pub h_a: Vec<G2Affine>,
    /// `[b^i]_2`, `i < N`.
    pub h_b: Vec<G2Affine>,
}

/// What the verifier needs of the aggregation key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregationVk {
    /// `[1]_1`.
    pub g: G1Affine,
    /// `[1]_2`.
    pub h: G2Affine,
    /// `[a]_1`.
    pub g_a: G1Affine,
    /// `[b]_1`.
    pub g_b: G1Affine,
    /// `[a]_2`.
    pub h_a: G2Affine,
    /// `[b]_2`.
    pub h_b: G2Affine,
}

impl AggregationKey {
    /// The key from two powers-of-secret lists (`[s^i]_1` for `i < 2N`, `[s^i]_2` for `i < N`,
    /// e.g. two phase-1 accumulators). Refuses lists of other lengths or with other generators.
    pub fn from_powers(
        g_a: Vec<G1Affine>,
        h_a: Vec<G2Affine>,
        g_b: Vec<G1Affine>,
        h_b: Vec<G2Affine>,
    ) -> Result<Self, CircuitError> {
        // The largest n with 2n powers in G1 and n in G2 of both secrets.
        let g_len = g_a.len().min(g_b.len()) / 2;
        let h_len = h_a.len().min(h_b.len());
        let fits = g_len.min(h_len);
        let n = if fits == 0 { 0 } else { 1usize << fits.ilog2() };
        let ok = n >= 2
            && g_a[0] == G1Affine::generator()
            && g_b[0] == G1Affine::generator()
            && h_a[0] == G2Affine::generator()
            && h_b[0] == G2Affine::generator()
            && g_a[1] != g_b[1];
        if !ok {
            return Err(CircuitError::Encoding {
                what: "aggregation key",
                reason: "too few powers, other generators, or one secret twice".into(),
            });
        }
        Ok(Self {
            g_a: g_a[..2 * n].to_vec(),
            g_b: g_b[..2 * n].to_vec(),
            h_a: h_a[..n].to_vec(),
            h_b: h_b[..n].to_vec(),
        })
    }

    /// Most proofs this key aggregates (`N`).
    pub fn capacity(&self) -> usize {
        self.h_a.len()
    }

    /// The verifier's part.
    pub fn verifying_key(&self) -> AggregationVk {
        AggregationVk {
            g: self.g_a[0],
            h: self.h_a[0],
            g_a: self.g_a[1],
            g_b: self.g_b[1],
            h_a: self.h_a[1],
            h_b: self.h_b[1],
        }
    }
}

/// One halving round: the cross terms of the left and right halves.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Round {
    /// `prod e(A_R, B_L)` and `prod e(A_L, B_R)`.
    pub z_ab: [Gt; 2],
    /// The pair commitments of `(A_R, B_L)` under `(v_L, w_R)` and of `(A_L, B_R)` under
    /// `(v_R, w_L)`, each `(T, U)`.
    pub t_ab: [[Gt; 2]; 2],
    /// The commitments of `C_R` under `v_L` and of `C_L` under `v_R`, each `(T, U)`.
    pub t_c: [[Gt; 2]; 2],
    /// `<r_L, C_R>` and `<r_R, C_L>`.
    pub z_c: [G1Affine; 2],
}

/// An aggregate of `n = 2^m` proofs.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct AggregateProof {
    /// Number of proofs, a power of two.
    pub n: u64,
    /// Commitment `(T, U)` to A and B.
    pub com_ab: [Gt; 2],
    /// Commitment `(T, U)` to C.
    pub com_c: [Gt; 2],
    /// `prod e(A_i, B_i)^(r^i)`.
    pub z_ab: Gt,
    /// `sum r^i C_i`.
    pub z_c: G1Affine,
    /// The `m` rounds.
    pub rounds: Vec<Round>,
    /// The folded A, B, C.
    pub last: (G1Affine, G2Affine, G1Affine),
    /// The folded keys `v = (v1, v2)` (G2) and `w = (w1, w2)` (G1).
    pub keys: ([G2Affine; 2], [G1Affine; 2]),
    /// KZG openings at `z` of the folded `v` (G2) and `w` (G1).
    pub openings: ([G2Affine; 2], [G1Affine; 2]),
}

fn gt_bytes(t: &Gt) -> Vec<u8> {
    let mut v = Vec::with_capacity(576);
    // In-memory elements always serialise.
    let _ = t.serialize_uncompressed(&mut v);
    v
}

fn point_bytes<P: CanonicalSerialize>(p: &P) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = p.serialize_uncompressed(&mut v);
    v
}

/// A challenge: 64 bytes read little-endian, reduced mod r; never 0.
fn challenge(t: &mut Transcript, label: &'static [u8]) -> Fr {
    let mut buf = [0u8; 64];
    t.challenge_bytes(label, &mut buf);
    let x = Fr::from_le_bytes_mod_order(&buf);
    if x.is_zero() {
        Fr::one()
    } else {
        x
    }
}

/// The context of a contest's aggregate (aggregation.md §3.1): SHA-256 over
/// `"ve/aggregate/contest/v1"`, the election, the contest, the shape and, per station in shard
/// order, its id and its proof as published (the hex text), each string prefixed by its length
/// (u64 LE) and the count of stations (u64 LE) before them. The proofs' text binds the
/// aggregate to the per-station proofs it was made from: one swapped afterwards changes the
/// challenges.
pub fn contest_context<'a>(
    election_id: &str,
    contest_id: &str,
    shape: &str,
    stations: &[(&'a str, &'a str)],
) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut put = |s: &[u8]| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s);
    };
    put(b"ve/aggregate/contest/v1");
    put(election_id.as_bytes());
    put(contest_id.as_bytes());
    put(shape.as_bytes());
    h.update((stations.len() as u64).to_le_bytes());
    for (id, proof) in stations {
        h.update((id.len() as u64).to_le_bytes());
        h.update(id.as_bytes());
        h.update((proof.len() as u64).to_le_bytes());
        h.update(proof.as_bytes());
    }
    h.finalize().into()
}

/// SHA-256 of every proof's public inputs in order, 32 bytes little-endian each.
pub fn inputs_digest(inputs: &[Vec<Fr>]) -> [u8; 32] {
    let mut h = Sha256::new();
    for x in inputs.iter().flatten() {
        h.update(x.into_bigint().to_bytes_le());
    }
    h.finalize().into()
}

/// The transcript up to `r`: the context, the key's digest, n, the inputs' digest, the
/// commitments.
fn start(
    context: &[u8],
    vk_digest: &[u8],
    inputs: &[Vec<Fr>],
    com_ab: &[Gt; 2],
    com_c: &[Gt; 2],
) -> Transcript {
    let mut t = Transcript::new(labels::PROTOCOL);
    t.append_message(b"dom-sep", labels::AGGREGATE);
    t.append_message(b"context", context);
    t.append_message(b"vk", vk_digest);
    t.append_u64(b"n", inputs.len() as u64);
    t.append_message(b"inputs", &inputs_digest(inputs));
    for g in com_ab.iter().chain(com_c) {
        t.append_message(b"com", &gt_bytes(g));
    }
    t
}

fn absorb_round(t: &mut Transcript, r: &Round) {
    for g in &r.z_ab {
        t.append_message(b"z-ab", &gt_bytes(g));
    }
    for g in r.t_ab.iter().flatten() {
        t.append_message(b"t-ab", &gt_bytes(g));
    }
    for g in r.t_c.iter().flatten() {
        t.append_message(b"t-c", &gt_bytes(g));
    }
    for p in &r.z_c {
        t.append_message(b"z-c", &point_bytes(p));
    }
}

fn absorb_last(t: &mut Transcript, p: &AggregateProof) {
    t.append_message(b"a", &point_bytes(&p.last.0));
    t.append_message(b"b", &point_bytes(&p.last.1));
    t.append_message(b"c", &point_bytes(&p.last.2));
    for v in &p.keys.0 {
        t.append_message(b"v", &point_bytes(v));
    }
    for w in &p.keys.1 {
        t.append_message(b"w", &point_bytes(w));
    }
}

/// `prod_i e(g1_i, g2_i)`, in parallel chunks.
fn pairing_product(g1: &[G1Affine], g2: &[G2Affine]) -> Gt {
    let ml = g1
        .par_chunks(CHUNK)
        .zip(g2.par_chunks(CHUNK))
        .map(|(a, b)| Bls12_381::multi_miller_loop(a.iter().copied(), b.iter().copied()).0)
        .reduce(Fq12::one, |x, y| x * y);
    Bls12_381::final_exponentiation(ark_ec::pairing::MillerLoopOutput(ml)).unwrap_or_default()
}

/// `prod e(a_i, v_i) * prod e(w_i, b_i)`.
fn pair_commit(a: &[G1Affine], v: &[G2Affine], w: &[G1Affine], b: &[G2Affine]) -> Gt {
    let g1: Vec<G1Affine> = a.iter().chain(w).copied().collect();
    let g2: Vec<G2Affine> = v.iter().chain(b).copied().collect();
    pairing_product(&g1, &g2)
}

/// `left_i + x right_i` for every i.
fn fold<P: CurveGroup>(left: &[P::Affine], right: &[P::Affine], x: &Fr) -> Vec<P::Affine>
where
    P::Affine: AffineRepr<ScalarField = Fr, Group = P>,
{
    let folded: Vec<P> = left
        .par_iter()
        .zip(right.par_iter())
        .map(|(l, r)| *l + *r * x)
        .collect();
    P::normalize_batch(&folded)
}

/// `sum_i s_i p_i`.
fn msm(points: &[G1Affine], scalars: &[Fr]) -> G1Affine {
    G1Projective::msm_unchecked(points, scalars).into_affine()
}

/// Coefficients (in `X^i`, `i < n`) of `prod_t (1 + c_t X^(2^(m-t)))` for the round values
/// `c_1..c_m`: the coefficient of `X^i` is the product of the `c_t` for the bits of `i` the
/// rounds fold (round t folds bit `m - t`).
fn product_coefficients(c: &[Fr]) -> Vec<Fr> {
    let mut out = vec![Fr::one()];
    // Build from the last round (bit 0) to the first (bit m-1).
    for ct in c.iter().rev() {
        let hi: Vec<Fr> = out.iter().map(|x| *x * ct).collect();
        out.extend(hi);
    }
    out
}

/// `prod_t (1 + c_t z^(2^(m-t)))`.
fn product_at(c: &[Fr], z: &Fr) -> Fr {
    let m = c.len();
    let mut acc = Fr::one();
    let mut zp = *z; // z^(2^0)
    for t in (0..m).rev() {
        acc *= Fr::one() + c[t] * zp;
        zp.square_in_place();
    }
    acc
}

/// The quotient of `f(X) - f(z)` by `X - z` (synthetic division), coefficients low first.
fn quotient(f: &[Fr], z: &Fr) -> Vec<Fr> {
    let d = f.len();
    if d < 2 {
        return Vec::new();
    }
    let mut q = vec![Fr::zero(); d - 1];
    let mut acc = Fr::zero();
    for i in (1..d).rev() {
        acc = f[i] + acc * z;
        q[i - 1] = acc;
    }
    q
}

/// `items` padded to a power of two (at least 2) by repeating the last.
pub fn padded<T: Clone>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    let n = v.len().next_power_of_two().max(2);
    while v.len() < n {
        if let Some(last) = v.last().cloned() {
            v.push(last);
        }
    }
    v
}

/// Aggregates `proofs` (with their public inputs), all under the key `vk_digest` names, for
/// `context` (the contest). The list is padded to a power of two (at least 2) by repeating
/// the last proof.
pub fn aggregate(
    key: &AggregationKey,
    context: &[u8],
    vk_digest: &[u8],
    items: &[(PublicInputs, crate::StationProof)],
) -> Result<AggregateProof, CircuitError> {
    if items.is_empty() || items.len() > MAX_PROOFS {
        return Err(CircuitError::Encoding {
            what: "aggregate",
            reason: format!("{} proofs", items.len()),
        });
    }
    let items = padded(items);
    let n = items.len();
    if n > key.capacity() {
        return Err(CircuitError::Encoding {
            what: "aggregate",
            reason: format!("{n} proofs, the key holds {}", key.capacity()),
        });
    }
    let inputs: Vec<Vec<Fr>> = items.iter().map(|(x, _)| x.to_field_elements()).collect();
    let a: Vec<G1Affine> = items.iter().map(|(_, p)| p.a).collect();
    let b: Vec<G2Affine> = items.iter().map(|(_, p)| p.b).collect();
    let c: Vec<G1Affine> = items.iter().map(|(_, p)| p.c).collect();
    let v1 = key.h_a[..n].to_vec();
    let v2 = key.h_b[..n].to_vec();
    let w1 = key.g_a[n..2 * n].to_vec();
    let w2 = key.g_b[n..2 * n].to_vec();

    let com_ab = [pair_commit(&a, &v1, &w1, &b), pair_commit(&a, &v2, &w2, &b)];
    let com_c = [pairing_product(&c, &v1), pairing_product(&c, &v2)];
    let mut t = start(context, vk_digest, &inputs, &com_ab, &com_c);
    let r = challenge(&mut t, b"r");
    let r_inv = r.inverse().unwrap_or_default();
    let mut r_pows = Vec::with_capacity(n);
    let mut r_inv_pows = Vec::with_capacity(n);
    let (mut p, mut q) = (Fr::one(), Fr::one());
    for _ in 0..n {
        r_pows.push(p);
        r_inv_pows.push(q);
        p *= r;
        q *= r_inv;
    }
    // B'_i = r^i B_i against the keys w'_i = r^-i w_i commit to the same value as B under w;
    // C and the keys v are not scaled, so the commitment to C is kept.
    let mut b: Vec<G2Affine> = G2Projective::normalize_batch(
        &b.par_iter()
            .zip(&r_pows)
            .map(|(x, s)| *x * s)
            .collect::<Vec<_>>(),
    );
    let scale1 = |w: &[G1Affine]| -> Vec<G1Affine> {
        G1Projective::normalize_batch(
            &w.par_iter()
                .zip(&r_inv_pows)
                .map(|(x, s)| *x * s)
                .collect::<Vec<_>>(),
        )
    };
    let mut w1 = scale1(&w1);
    let mut w2 = scale1(&w2);
    let (mut v1, mut v2) = (v1, v2);
    let mut a = a;
    let mut c = c;
    let mut rv = r_pows.clone();
    let z_ab = pairing_product(&a, &b);
    let z_c = msm(&c, &r_pows);
    t.append_message(b"z-ab", &gt_bytes(&z_ab));
    t.append_message(b"z-c", &point_bytes(&z_c));

    let mut rounds = Vec::new();
    let mut xs = Vec::new();
    while a.len() > 1 {
        let h = a.len() / 2;
        let (al, ar) = a.split_at(h);
        let (bl, br) = b.split_at(h);
        let (cl, cr) = c.split_at(h);
        let (rl, rr) = rv.split_at(h);
        let (v1l, v1r) = v1.split_at(h);
        let (v2l, v2r) = v2.split_at(h);
        let (w1l, w1r) = w1.split_at(h);
        let (w2l, w2r) = w2.split_at(h);
        let round = Round {
            z_ab: [pairing_product(ar, bl), pairing_product(al, br)],
            t_ab: [
                [pair_commit(ar, v1l, w1r, bl), pair_commit(ar, v2l, w2r, bl)],
                [pair_commit(al, v1r, w1l, br), pair_commit(al, v2r, w2l, br)],
            ],
            t_c: [
                [pairing_product(cr, v1l), pairing_product(cr, v2l)],
                [pairing_product(cl, v1r), pairing_product(cl, v2r)],
            ],
            z_c: [msm(cr, rl), msm(cl, rr)],
        };
        absorb_round(&mut t, &round);
        let x = challenge(&mut t, b"x");
        let x_inv = x.inverse().unwrap_or_default();
        let na = fold::<G1Projective>(al, ar, &x);
        let nb = fold::<G2Projective>(bl, br, &x_inv);
        let nc = fold::<G1Projective>(cl, cr, &x);
        let nrv: Vec<Fr> = rl.iter().zip(rr).map(|(l, r)| *l + x_inv * r).collect();
        let nv1 = fold::<G2Projective>(v1l, v1r, &x_inv);
        let nv2 = fold::<G2Projective>(v2l, v2r, &x_inv);
        let nw1 = fold::<G1Projective>(w1l, w1r, &x);
        let nw2 = fold::<G1Projective>(w2l, w2r, &x);
        (a, b, c, rv, v1, v2, w1, w2) = (na, nb, nc, nrv, nv1, nv2, nw1, nw2);
        rounds.push(round);
        xs.push(x);
    }
    let mut proof = AggregateProof {
        n: n as u64,
        com_ab,
        com_c,
        z_ab,
        z_c,
        rounds,
        last: (a[0], b[0], c[0]),
        keys: ([v1[0], v2[0]], [w1[0], w2[0]]),
        openings: (
            [G2Affine::zero(), G2Affine::zero()],
            [G1Affine::zero(), G1Affine::zero()],
        ),
    };
    absorb_last(&mut t, &proof);
    let z = challenge(&mut t, b"z");
    // f_v(X) = prod_t (1 + x_t^-1 X^(2^(m-t))); f_w(X) = X^n prod_t (1 + x_t (X/r)^(2^(m-t))):
    // the coefficient of X^(n+i) is r^-i times the product of the x_t for the bits of i.
    let x_invs: Vec<Fr> = xs.iter().map(|x| x.inverse().unwrap_or_default()).collect();
    let fv = product_coefficients(&x_invs);
    let mut fw = vec![Fr::zero(); n];
    fw.extend(
        product_coefficients(&xs)
            .iter()
            .zip(&r_inv_pows)
            .map(|(c, s)| *c * s),
    );
    let qv = quotient(&fv, &z);
    let qw = quotient(&fw, &z);
    let g2msm = |bases: &[G2Affine], s: &[Fr]| {
        G2Projective::msm_unchecked(&bases[..s.len()], s).into_affine()
    };
    proof.openings = (
        [g2msm(&key.h_a, &qv), g2msm(&key.h_b, &qv)],
        [
            msm(&key.g_a[..qw.len()], &qw),
            msm(&key.g_b[..qw.len()], &qw),
        ],
    );
    Ok(proof)
}

impl AggregateProof {
    /// Canonical bytes: arkworks' uncompressed encodings in field order (`aggregation.md`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        // An in-memory proof always serialises.
        let _ = self.serialize_uncompressed(&mut v);
        v
    }

    /// Decodes strictly: the canonical encoding, no trailing byte, every G1 and G2 point on its
    /// curve and in its prime-order subgroup, every GT element in the cyclotomic subgroup of
    /// Fq12 (aggregation.md §5: not tested for order r), `n` a power of two from 2 to
    /// [`MAX_PROOFS`], `log2 n` rounds.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CircuitError> {
        let mut reader = bytes;
        let p = Self::deserialize_with_mode(&mut reader, Compress::No, Validate::No)
            .map_err(|e| crate::encoding::enc("aggregate", e))?;
        if !reader.is_empty() {
            return Err(crate::encoding::enc("aggregate", "trailing bytes"));
        }
        if p.to_bytes() != bytes {
            return Err(crate::encoding::enc(
                "aggregate",
                "not the canonical encoding",
            ));
        }
        let g1_ok = |q: &G1Affine| q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve();
        let g2_ok = |q: &G2Affine| q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve();
        let g1s = [
            p.z_c,
            p.last.0,
            p.last.2,
            p.keys.1[0],
            p.keys.1[1],
            p.openings.1[0],
            p.openings.1[1],
        ];
        let g2s = [
            p.last.1,
            p.keys.0[0],
            p.keys.0[1],
            p.openings.0[0],
            p.openings.0[1],
        ];
        let points_ok = g1s.iter().all(g1_ok)
            && g2s.iter().all(g2_ok)
            && p.rounds.iter().flat_map(|r| r.z_c.iter()).all(g1_ok);
        if !points_ok {
            return Err(crate::encoding::enc(
                "aggregate",
                "a point is off its curve or outside its prime-order subgroup",
            ));
        }
        let gts_ok = p
            .com_ab
            .iter()
            .chain(&p.com_c)
            .chain([&p.z_ab])
            .all(cyclotomic)
            && p.rounds.iter().all(|r| {
                r.z_ab
                    .iter()
                    .chain(r.t_ab.iter().flatten())
                    .chain(r.t_c.iter().flatten())
                    .all(cyclotomic)
            });
        if !gts_ok {
            return Err(crate::encoding::enc(
                "aggregate",
                "a GT element is not in the cyclotomic subgroup of Fq12",
            ));
        }
        if p.n as usize > MAX_PROOFS || !p.n.is_power_of_two() || p.n < 2 {
            return Err(crate::encoding::enc(
                "aggregate",
                "n is not a power of two from 2 to 2^20",
            ));
        }
        if p.rounds.len() != p.n.trailing_zeros() as usize {
            return Err(crate::encoding::enc("aggregate", "not log2(n) rounds"));
        }
        Ok(p)
    }
}

/// Window of [`gt_multiexp`]'s signed digits: 8 precomputed odd powers per base, the cheapest
/// on this group for the ~120 bases of one aggregate (a multiplication in Fq12 costs about
/// three cyclotomic squarings).
const GT_WINDOW: usize = 5;

/// `sum_i exps_i bases_i` in GT (written additively), by interleaved signed windows (Straus,
/// wNAF): every base's odd powers up to `2^(w-1) - 1`, one shared cyclotomic squaring per bit,
/// one multiplication per non-zero digit, the inverses by conjugation. For the few bases of an
/// aggregate it takes about 60% of arkworks' bucket method, whose buckets cost a full Fq12
/// multiplication each even when empty. Every base must be in the cyclotomic subgroup (the
/// decoder's test, aggregation.md §5), where conjugation is inversion and the squaring exact.
pub(crate) fn gt_multiexp(bases: &[Gt], exps: &[Fr]) -> Gt {
    use ark_ec::AdditiveGroup;
    let digits: Vec<Vec<i64>> = exps
        .iter()
        .map(|e| e.into_bigint().find_wnaf(GT_WINDOW).unwrap_or_default())
        .collect();
    let half = 1usize << (GT_WINDOW - 2);
    let tables: Vec<Vec<Gt>> = bases
        .iter()
        .zip(&digits)
        .map(|(b, d)| {
            if d.is_empty() {
                return Vec::new();
            }
            let twice = b.double();
            let mut t = Vec::with_capacity(half);
            t.push(*b);
            for i in 1..half {
                let next = t[i - 1] + twice;
                t.push(next);
            }
            t
        })
        .collect();
    let len = digits.iter().map(Vec::len).max().unwrap_or(0);
    let mut acc = Gt::zero();
    let mut started = false;
    for i in (0..len).rev() {
        if started {
            acc.double_in_place();
        }
        for (d, t) in digits.iter().zip(&tables) {
            match d.get(i).copied().unwrap_or(0) {
                0 => {}
                z if z > 0 => {
                    acc += t[z.unsigned_abs() as usize / 2];
                    started = true;
                }
                z => {
                    acc -= t[z.unsigned_abs() as usize / 2];
                    started = true;
                }
            }
        }
    }
    acc
}

/// Whether `t` is in the cyclotomic subgroup of Fq12 (order `p^4 - p^2 + 1`, which GT divides):
/// `t^(p^4) t = t^(p^2)`, two Frobenius maps and a product. The cyclotomic arithmetic the
/// verifier uses is exact there; membership of GT itself is not needed (aggregation.md §5).
fn cyclotomic(t: &Gt) -> bool {
    let f = t.0;
    !f.is_zero() && f.frobenius_map(4) * f == f.frobenius_map(2)
}

/// Picks a round's left and right terms of one folded value.
type Pick = fn(&Round) -> (Gt, Gt);

/// Why an aggregate does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AggregateError {
    /// The proof's shape does not fit the inputs or the key.
    #[error("malformed aggregate: {0}")]
    Malformed(String),
    /// A check of the argument fails.
    #[error("the aggregate fails: {0}")]
    Fails(&'static str),
}

/// The verifier's challenges of an aggregate (aggregation.md §3, §4): `r`, one `x` per round,
/// `z`, and the ten coefficients `rho` of the combined check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenges {
    /// The powers' base.
    pub r: Fr,
    /// The rounds' challenges.
    pub xs: Vec<Fr>,
    /// The KZG point.
    pub z: Fr,
    /// The coefficients of the combined check.
    pub rho: Vec<Fr>,
}

/// Replays the transcript of `proof` for `inputs` (already padded) and returns its challenges.
pub fn challenges(
    context: &[u8],
    vk_digest: &[u8],
    inputs: &[Vec<Fr>],
    proof: &AggregateProof,
) -> Challenges {
    let mut t = start(context, vk_digest, inputs, &proof.com_ab, &proof.com_c);
    let r = challenge(&mut t, b"r");
    t.append_message(b"z-ab", &gt_bytes(&proof.z_ab));
    t.append_message(b"z-c", &point_bytes(&proof.z_c));
    let mut xs = Vec::with_capacity(proof.rounds.len());
    for round in &proof.rounds {
        absorb_round(&mut t, round);
        xs.push(challenge(&mut t, b"x"));
    }
    absorb_last(&mut t, proof);
    let z = challenge(&mut t, b"z");
    t.append_message(b"openings", &point_bytes(&proof.openings));
    let rho = (0..10).map(|_| challenge(&mut t, b"rho")).collect();
    Challenges { r, xs, z, rho }
}

/// Verifies `proof` for the public inputs `inputs` (one list per proof, in order; padded as
/// the prover pads) under the Groth16 key `pvk` (whose SHA-256 is `vk_digest`) and `context`.
pub fn verify_aggregate(
    avk: &AggregationVk,
    pvk: &PreparedKey,
    context: &[u8],
    vk_digest: &[u8],
    inputs: &[Vec<Fr>],
    proof: &AggregateProof,
) -> Result<(), AggregateError> {
    let prepared = prepare_aggregate(avk, pvk, context, vk_digest, inputs, proof, &Fr::one())?;
    if verify_prepared(&[prepared]) {
        Ok(())
    } else {
        Err(AggregateError::Fails(
            "the aggregate's equations (TIPP, MIPP, KZG openings, and Groth16 over every proof and its public inputs) do not hold",
        ))
    }
}

/// One aggregate's check made ready (aggregation.md §4): its transcript replayed, MIPP's G1
/// check made, and every other equation, times its coefficient `rho_k` and a further
/// coefficient `s`, summed into "a multi-exponentiation in GT plus a multi-pairing is the
/// identity". Aggregates hold together when the sum of their sums does ([`verify_prepared`]).
#[derive(Clone, Debug)]
pub struct PreparedAggregate {
    bases: Vec<Gt>,
    exps: Vec<Fr>,
    /// Pairs at the aggregate's own G2 points (B, v1, v2 and the v openings).
    own: Vec<(G1Projective, G2Affine)>,
    /// Pairs at G2 points of the keys (`[a]_2`, `[b]_2`, `[1]_2`, gamma, delta), which the
    /// aggregates of one bundle share.
    shared: Vec<(G1Projective, G2Affine)>,
}

/// A coefficient for [`prepare_aggregate`] when aggregates are checked together: uniform in
/// `[1, 2^128)`, from the caller's entropy (never from the bundle).
pub fn batch_coefficient<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> Fr {
    loop {
        let mut b = [0u8; 16];
        rng.fill_bytes(&mut b);
        let s = u128::from_le_bytes(b);
        if s != 0 {
            return Fr::from(s);
        }
    }
}

/// Prepares `proof` as [`verify_aggregate`] checks it (the same arguments), every equation
/// times `s` (one for a check on its own, [`batch_coefficient`] for a check with others). An
/// error is final: the aggregate is malformed for these inputs, or MIPP's G1 check fails.
pub fn prepare_aggregate(
    avk: &AggregationVk,
    pvk: &PreparedKey,
    context: &[u8],
    vk_digest: &[u8],
    inputs: &[Vec<Fr>],
    proof: &AggregateProof,
    s: &Fr,
) -> Result<PreparedAggregate, AggregateError> {
    let malformed = |s: String| Err(AggregateError::Malformed(s));
    if inputs.is_empty() || inputs.len() > MAX_PROOFS {
        return malformed(format!("{} proofs", inputs.len()));
    }
    let inputs = padded(inputs);
    let n = inputs.len();
    let m = n.trailing_zeros() as usize;
    if proof.n != n as u64 || proof.rounds.len() != m {
        return malformed(format!(
            "{} proofs in {} rounds, expected {n} in {m}",
            proof.n,
            proof.rounds.len()
        ));
    }
    let vk = &pvk.pvk.vk;
    let width = vk.gamma_abc_g1.len() - 1;
    if let Some(i) = inputs.iter().position(|x| x.len() != width) {
        return malformed(format!("proof {i} has the wrong number of public inputs"));
    }
    let Challenges { r, xs, z, rho } = challenges(context, vk_digest, &inputs, proof);
    // Every equation below is linear in rho: scaling rho by s scales the whole check by s.
    let rho: Vec<Fr> = rho.iter().map(|k| *k * s).collect();
    let x_invs: Vec<Fr> = xs.iter().map(|x| x.inverse().unwrap_or_default()).collect();

    // The G1 check of MIPP: Z_C folded equals r_0 C, with r_0 = prod_t (1 + x_t^-1 r^(2^(m-t))).
    let scalars: Vec<Fr> = xs.iter().chain(&x_invs).copied().collect();
    let zc_bases: Vec<G1Affine> = proof
        .rounds
        .iter()
        .map(|r| r.z_c[0])
        .chain(proof.rounds.iter().map(|r| r.z_c[1]))
        .collect();
    let z_c = G1Projective::from(proof.z_c) + G1Projective::msm_unchecked(&zc_bases, &scalars);
    let (a0, b0, c0) = proof.last;
    let r0 = product_at(&x_invs, &r);
    if z_c != c0 * r0 {
        return Err(AggregateError::Fails("MIPP: the folded sum of C"));
    }
    // Every GT equation of aggregation.md §4, each times its own coefficient rho_k drawn from
    // the transcript after the whole aggregate, summed into one: a multi-exponentiation of the
    // sent GT elements and one multi-pairing must give the identity. A false equation survives
    // with probability 1/r over rho.
    let ([v1, v2], [w1, w2]) = proof.keys;
    let ([pv1, pv2], [pw1, pw2]) = proof.openings;
    let r_inv = r.inverse().unwrap_or_default();
    let fv_z = product_at(&x_invs, &z);
    let mut zn = z;
    for _ in 0..m {
        zn.square_in_place();
    }
    let fw_z = zn * product_at(&xs, &(z * r_inv));
    // The Groth16 equation's public-input side: sum_i r^i IC(x_i), and sum_i r^i.
    let mut r_pow = Fr::one();
    let mut ic_scalars = vec![Fr::zero(); vk.gamma_abc_g1.len()];
    for x in &inputs {
        ic_scalars[0] += r_pow;
        for (s, xi) in ic_scalars.iter_mut().skip(1).zip(x) {
            *s += r_pow * xi;
        }
        r_pow *= r;
    }
    let r_sum = ic_scalars[0];
    let ic = G1Projective::msm_unchecked(&vk.gamma_abc_g1, &ic_scalars);
    // GT side: rho_1 Z_AB, rho_2 T_AB, rho_3 U_AB, rho_4 T_C, rho_5 U_C folded (each start
    // + sum_t x_t L_t + x_t^-1 R_t), plus rho_9 (Z_AB - r_sum e(alpha, beta)).
    let folded: [(Gt, Pick, Fr); 5] = [
        (proof.z_ab, |r: &Round| (r.z_ab[0], r.z_ab[1]), rho[0]),
        (
            proof.com_ab[0],
            |r: &Round| (r.t_ab[0][0], r.t_ab[1][0]),
            rho[1],
        ),
        (
            proof.com_ab[1],
            |r: &Round| (r.t_ab[0][1], r.t_ab[1][1]),
            rho[2],
        ),
        (
            proof.com_c[0],
            |r: &Round| (r.t_c[0][0], r.t_c[1][0]),
            rho[3],
        ),
        (
            proof.com_c[1],
            |r: &Round| (r.t_c[0][1], r.t_c[1][1]),
            rho[4],
        ),
    ];
    let mut bases: Vec<Gt> = Vec::with_capacity(5 + 10 * m + 2);
    let mut exps: Vec<Fr> = Vec::with_capacity(bases.capacity());
    for (start, pick, k) in &folded {
        bases.push(*start);
        exps.push(*k);
        for (round, (x, xi)) in proof.rounds.iter().zip(xs.iter().zip(&x_invs)) {
            let (l, rr) = pick(round);
            bases.extend([l, rr]);
            exps.extend([*k * x, *k * xi]);
        }
    }
    // Z_AB is the first base already: rho_9 joins its exponent.
    exps[0] += rho[8];
    bases.push(PairingOutput(pvk.pvk.alpha_g1_beta_g2));
    exps.push(-(rho[8] * r_sum));
    // Pairing side, by G2 point: minus the right-hand sides of 1-5, the KZG equations
    // (rho_6, rho_7 for v1, v2; rho_8, rho_10 for w1, w2), and Groth16's gamma and delta terms
    // (e(P, -Q) written as e(-P, Q)).
    let (g, h) = (avk.g, avk.h);
    let own = vec![
        (-(a0 * rho[0]) - w1 * rho[1] - w2 * rho[2], b0), // b0
        (-(a0 * rho[1]) - c0 * rho[3] - g * rho[5], v1),  // v1
        (-(a0 * rho[2]) - c0 * rho[4] - g * rho[6], v2),  // v2
        ((avk.g_a.into_group() - g * z) * rho[5], pv1),   // pv1
        ((avk.g_b.into_group() - g * z) * rho[6], pv2),   // pv2
    ];
    let shared = vec![
        (pw1 * rho[7], avk.h_a), // h_a
        (pw2 * rho[9], avk.h_b), // h_b
        (
            g * (fv_z * (rho[5] + rho[6]))
                - (w1.into_group() - g * fw_z + pw1 * z) * rho[7]
                - (w2.into_group() - g * fw_z + pw2 * z) * rho[9],
            h,
        ),
        (-(ic * rho[8]), vk.gamma_g2),
        (-(proof.z_c * rho[8]), vk.delta_g2),
    ];
    Ok(PreparedAggregate {
        bases,
        exps,
        own,
        shared,
    })
}

/// From this many GT bases on, arkworks' bucket method beats [`gt_multiexp`].
const GT_BUCKETS_FROM: usize = 1024;

/// True when every prepared aggregate's check holds, by one check of their sum: one
/// multi-exponentiation in GT over all their bases and one multi-pairing, the pairs at a shared
/// G2 point merged. With each prepared with its own [`batch_coefficient`], a set in which one
/// aggregate fails passes with probability at most `2^-128` (aggregation.md §4.1); false does
/// not say which: check each alone for that.
pub fn verify_prepared<'a>(list: impl IntoIterator<Item = &'a PreparedAggregate>) -> bool {
    let list: Vec<&PreparedAggregate> = list.into_iter().collect();
    let n: usize = list.iter().map(|p| p.bases.len()).sum();
    let mut bases = Vec::with_capacity(n);
    let mut exps = Vec::with_capacity(n);
    let mut g1 = Vec::with_capacity(5 * list.len() + 5);
    let mut g2 = Vec::with_capacity(g1.capacity());
    let mut shared: Vec<(G1Projective, G2Affine)> = Vec::new();
    for p in &list {
        bases.extend_from_slice(&p.bases);
        exps.extend_from_slice(&p.exps);
        for (a, b) in &p.own {
            g1.push(*a);
            g2.push(*b);
        }
        for (a, b) in &p.shared {
            match shared.iter_mut().find(|(_, q)| q == b) {
                Some((sum, _)) => *sum += a,
                None => shared.push((*a, *b)),
            }
        }
    }
    for (a, b) in shared {
        g1.push(a);
        g2.push(b);
    }
    let gt_side = if bases.len() < GT_BUCKETS_FROM {
        gt_multiexp(&bases, &exps)
    } else {
        Gt::msm_unchecked(&bases, &exps)
    };
    let g1: Vec<G1Affine> = G1Projective::normalize_batch(&g1);
    let g2: Vec<<Bls12_381 as Pairing>::G2Prepared> = g2.into_iter().map(Into::into).collect();
    gt_side + Bls12_381::multi_pairing(g1, g2) == Gt::zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    /// The interleaved multi-exponentiation equals arkworks' on random bases and exponents,
    /// with the edge cases of a digit expansion: zero, one, -1, a power of two, the identity
    /// as a base, and no base at all.
    #[test]
    fn gt_multiexp_matches_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let g = Gt::generator();
        for n in [0usize, 1, 2, 5, 40] {
            let mut bases: Vec<Gt> = (0..n).map(|_| g * Fr::rand(&mut rng)).collect();
            let mut exps: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            if n >= 5 {
                exps[0] = Fr::zero();
                exps[1] = Fr::one();
                exps[2] = -Fr::one();
                exps[3] = Fr::from(1u64 << 40);
                bases[4] = Gt::zero();
            }
            assert_eq!(
                gt_multiexp(&bases, &exps),
                Gt::msm_unchecked(&bases, &exps),
                "{n} bases"
            );
        }
    }
}
