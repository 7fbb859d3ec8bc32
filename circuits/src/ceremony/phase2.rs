//! Phase 2: the circuit-specific keys of one shape (spec `ceremony.md` §3; Bowe, Gabizon, Miers
//! 2017, "Scalable Multi-party Computation for zk-SNARK Parameters in the Random Beacon Model").
//!
//! From the phase-1 accumulator and the shape's constraint matrices (the QAP of ark-groth16's
//! libsnark reduction over a radix-2 domain of size `n`), with `gamma = delta = 1`:
//! `A_k = u_k(tau)`, `B_k = v_k(tau)` (G1 and G2), `IC_k = beta u_k + alpha v_k + w_k` for the
//! public variables, `L_k` the same for the private ones, divided by delta, and
//! `H_i = tau^i (tau^n - 1)`, divided by delta. The Lagrange polynomials at tau come from the
//! accumulator by an inverse FFT in the group. A contribution multiplies delta by `d` and divides
//! every `H_i` and `L_k` by it.

use super::encoding::{put_g1, put_g2, Reader};
use super::phase1::Accumulator;
use super::{
    ceremony_err, hasher, nonzero, put_point, put_pok, put_str, same_ratio, scale_g1, Contributor,
    Digest, Pok,
};
use crate::error::CircuitError;
use crate::r1cs::Matrices;
use crate::shape::Shape;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::Digest as _;
use zeroize::Zeroizing;

/// The sizes of a shape's keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Evaluation domain (power of two).
    pub n: usize,
    /// Constraints.
    pub constraints: usize,
    /// Public variables, the constant one included.
    pub instance: usize,
    /// Private variables.
    pub witness: usize,
}

impl Sizes {
    pub(crate) fn of(m: &Matrices) -> Result<Self, CircuitError> {
        let domain = GeneralEvaluationDomain::<Fr>::new(m.num_constraints + m.num_instance)
            .ok_or_else(|| ceremony_err("the circuit is too large for an FFT domain"))?;
        Ok(Self {
            n: domain.size(),
            constraints: m.num_constraints,
            instance: m.num_instance,
            witness: m.num_witness,
        })
    }

    pub(crate) fn fits(&self, acc: &Accumulator) -> Result<(), CircuitError> {
        if self.n > acc.n() {
            return Err(ceremony_err(format!(
                "the shape needs powers of tau up to 2^{}, phase 1 has 2^{}",
                self.power(),
                acc.power
            )));
        }
        Ok(())
    }

    /// The phase-1 power this shape needs.
    pub fn power(&self) -> u32 {
        self.n.trailing_zeros()
    }

    /// Bytes of a phase-2 state of this shape in a binary file.
    pub fn state_bytes(&self) -> u64 {
        96 + 192 + (self.n as u64 - 1 + self.witness as u64) * 96
    }
}

/// The part of a shape's keys that contributions change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2State {
    /// `delta G1`.
    pub delta_g1: G1Affine,
    /// `delta G2`.
    pub delta_g2: G2Affine,
    /// `tau^i Z(tau) / delta`, `i < n - 1`.
    pub h: Vec<G1Affine>,
    /// `(beta u_k + alpha v_k + w_k)(tau) / delta` for each private variable.
    pub l: Vec<G1Affine>,
}

/// One shape's update in a phase-2 contribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeUpdate {
    /// New `delta G1`.
    pub delta_g1: G1Affine,
    /// New `delta G2`.
    pub delta_g2: G2Affine,
    /// Knowledge of `d`.
    pub pok: Pok,
}

/// A phase-2 contribution: one update per shape of the ceremony, in shape order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2Record {
    /// Who.
    pub contributor: Contributor,
    /// Per shape.
    pub updates: Vec<ShapeUpdate>,
    /// Chain digest after this contribution (the contribution hash).
    pub hash: Digest,
}

/// The tag of a shape's proof of knowledge.
pub fn tag(shape: &Shape) -> String {
    format!("phase2/delta/{shape}")
}

/// The digest the phase-2 chain starts from: the end of phase 1 and, per shape, the shape and
/// its matrices' digest.
pub fn initial_digest(phase1_end: &Digest, shapes: &[(Shape, [u8; 32])]) -> Digest {
    let mut h = hasher("ve/ceremony/phase2/v1");
    put_str(&mut h, "initial");
    h.update(phase1_end);
    h.update((shapes.len() as u64).to_le_bytes());
    for (s, d) in shapes {
        put_str(&mut h, &s.to_string());
        h.update(d);
    }
    h.finalize().into()
}

/// The chain digest through a record (spec `ceremony.md` §3.3).
pub fn record_digest(prev: &Digest, r: &Phase2Record) -> Digest {
    let mut h = hasher("ve/ceremony/phase2/v1");
    put_str(&mut h, "contribution");
    h.update(prev);
    put_str(&mut h, &r.contributor.name);
    put_str(&mut h, &r.contributor.role);
    h.update((r.updates.len() as u64).to_le_bytes());
    for u in &r.updates {
        put_point(&mut h, &u.delta_g1);
        put_point(&mut h, &u.delta_g2);
        put_pok(&mut h, &u.pok);
    }
    h.finalize().into()
}

/// Group elements of the Lagrange basis at tau: `L_j(tau) G` for `j < n`, by an inverse FFT of
/// `tau^i G`.
fn lagrange<G: CurveGroup<ScalarField = Fr>>(
    monomials: &[G::Affine],
    domain: &GeneralEvaluationDomain<Fr>,
    mul: fn(G, &Fr) -> G,
) -> Vec<G::Affine> {
    let mut v: Vec<G> = monomials.iter().map(|p| p.into_group()).collect();
    super::group_ifft(&mut v, domain, mul);
    G::normalize_batch(&v)
}

/// `sum c_j P_j` over a column's terms: coefficients of at most 64 bits (either sign), as most
/// are (bit packing, small constants), by double-and-add over their few bits; the others (the
/// Poseidon layers' constants) by a full scalar multiplication.
fn combine<G: CurveGroup<ScalarField = Fr>>(
    terms: &[(usize, Fr)],
    bases: &[G::Affine],
    mul: fn(G, &Fr) -> G,
) -> G {
    use ark_ff::{BigInteger, PrimeField};
    let mut acc = G::zero();
    for (j, c) in terms {
        let p = bases[*j];
        if c.is_one() {
            acc += p;
            continue;
        }
        let neg = -*c;
        if neg.is_one() {
            acc -= p;
            continue;
        }
        let (pos, neg) = (c.into_bigint(), neg.into_bigint());
        if pos.num_bits() <= 64 {
            acc += p.mul_bigint(pos.as_ref());
        } else if neg.num_bits() <= 64 {
            acc -= p.mul_bigint(neg.as_ref());
        } else {
            acc += mul(p.into_group(), c);
        }
    }
    acc
}

/// The keys a shape has before any phase-2 contribution (`delta = 1`), with the queries that
/// never change. Deterministic: anyone can recompute it from the accumulator and the shape.
#[derive(Clone, Debug)]
pub struct Initial {
    /// What contributions update.
    pub state: Phase2State,
    /// `u_k(tau) G1`, every variable.
    pub a_query: Vec<G1Affine>,
    /// `v_k(tau) G1`.
    pub b_g1_query: Vec<G1Affine>,
    /// `v_k(tau) G2`.
    pub b_g2_query: Vec<G2Affine>,
    /// `IC_k` (gamma = 1), public variables.
    pub ic: Vec<G1Affine>,
    /// `alpha G1`.
    pub alpha_g1: G1Affine,
    /// `beta G1`.
    pub beta_g1: G1Affine,
    /// `beta G2`.
    pub beta_g2: G2Affine,
}

/// Derives the initial keys of `shape` from the accumulator (whose power must cover it).
pub fn initial(acc: &Accumulator, shape: Shape) -> Result<Initial, CircuitError> {
    let m = Matrices::of(shape)?;
    initial_from(acc, &m)
}

pub(crate) fn initial_from(acc: &Accumulator, m: &Matrices) -> Result<Initial, CircuitError> {
    let sz = Sizes::of(m)?;
    let n = sz.n;
    sz.fits(acc)?;
    let domain = GeneralEvaluationDomain::<Fr>::new(n)
        .ok_or_else(|| ceremony_err("no FFT domain of that size"))?;
    let lt = lagrange::<G1Projective>(&acc.tau_g1[..n], &domain, super::mul_g1);
    let la = lagrange::<G1Projective>(&acc.alpha_tau_g1[..n], &domain, super::mul_g1);
    let lb = lagrange::<G1Projective>(&acc.beta_tau_g1[..n], &domain, super::mul_g1);
    let lt2 = lagrange::<G2Projective>(&acc.tau_g2[..n], &domain, super::mul_g2);
    // Columns of A, B, C: (row, coefficient) per variable, with the libsnark reduction's input
    // rows (variable k < instance has u_k = L_{constraints + k}).
    let vars = sz.instance + sz.witness;
    let mut cols: Vec<[Vec<(usize, Fr)>; 3]> = (0..vars).map(|_| Default::default()).collect();
    for (mi, mat) in m.abc.iter().enumerate() {
        for (j, row) in mat.iter().enumerate().take(sz.constraints) {
            for (c, k) in row {
                cols[*k][mi].push((j, *c));
            }
        }
    }
    for (k, col) in cols.iter_mut().enumerate().take(sz.instance) {
        col[0].push((sz.constraints + k, Fr::one()));
    }
    let per_var: Vec<(G1Projective, G1Projective, G2Projective, G1Projective)> = cols
        .par_iter()
        .map(|[ca, cb, cc]| {
            let a = combine(ca, &lt, super::mul_g1);
            let b1 = combine(cb, &lt, super::mul_g1);
            let b2 = combine(cb, &lt2, super::mul_g2);
            let abc = combine(ca, &lb, super::mul_g1)
                + combine(cb, &la, super::mul_g1)
                + combine(cc, &lt, super::mul_g1);
            (a, b1, b2, abc)
        })
        .collect();
    let a: Vec<G1Projective> = per_var.iter().map(|v| v.0).collect();
    let b1: Vec<G1Projective> = per_var.iter().map(|v| v.1).collect();
    let b2: Vec<G2Projective> = per_var.iter().map(|v| v.2).collect();
    let abc: Vec<G1Projective> = per_var.iter().map(|v| v.3).collect();
    let abc = G1Projective::normalize_batch(&abc);
    let h: Vec<G1Projective> = (0..n - 1)
        .map(|i| acc.tau_g1[n + i].into_group() - acc.tau_g1[i])
        .collect();
    Ok(Initial {
        state: Phase2State {
            delta_g1: G1Affine::generator(),
            delta_g2: G2Affine::generator(),
            h: G1Projective::normalize_batch(&h),
            l: abc[sz.instance..].to_vec(),
        },
        a_query: G1Projective::normalize_batch(&a),
        b_g1_query: G1Projective::normalize_batch(&b1),
        b_g2_query: G2Projective::normalize_batch(&b2),
        ic: abc[..sz.instance].to_vec(),
        alpha_g1: acc.alpha_tau_g1[0],
        beta_g1: acc.beta_tau_g1[0],
        beta_g2: acc.beta_g2,
    })
}

impl Initial {
    /// The proving key once `state` is the final state of the shape's chain.
    pub fn proving_key(&self, state: &Phase2State) -> ProvingKey<Bls12_381> {
        ProvingKey {
            vk: VerifyingKey {
                alpha_g1: self.alpha_g1,
                beta_g2: self.beta_g2,
                gamma_g2: G2Affine::generator(),
                delta_g2: state.delta_g2,
                gamma_abc_g1: self.ic.clone(),
            },
            beta_g1: self.beta_g1,
            delta_g1: state.delta_g1,
            a_query: self.a_query.clone(),
            b_g1_query: self.b_g1_query.clone(),
            b_g2_query: self.b_g2_query.clone(),
            h_query: state.h.clone(),
            l_query: state.l.clone(),
        }
    }
}

impl Phase2State {
    /// Raw points: `delta_g1, delta_g2, h, l`.
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        put_g1(out, &self.delta_g1);
        put_g2(out, &self.delta_g2);
        self.h.iter().for_each(|p| put_g1(out, p));
        self.l.iter().for_each(|p| put_g1(out, p));
    }

    pub(crate) fn read(r: &mut Reader<'_>, sz: &Sizes) -> Result<Self, CircuitError> {
        Ok(Self {
            delta_g1: r.g1()?,
            delta_g2: r.g2()?,
            h: r.g1s(sz.n - 1)?,
            l: r.g1s(sz.witness)?,
        })
    }

    /// Multiplies delta by `d` and divides H and L by it.
    fn update(&mut self, d: &Fr) -> Result<(), CircuitError> {
        let inv = Zeroizing::new(
            d.inverse()
                .ok_or_else(|| ceremony_err("a zero delta update"))?,
        );
        self.delta_g1 = (self.delta_g1 * d).into_affine();
        self.delta_g2 = (self.delta_g2 * d).into_affine();
        let s = Zeroizing::new(vec![*inv; self.h.len().max(self.l.len())]);
        scale_g1(&mut self.h, &s);
        scale_g1(&mut self.l, &s);
        Ok(())
    }
}

/// One contribution to every shape: a fresh secret `d` per shape. Secrets are zeroised when
/// this returns.
pub fn contribute<R: RngCore + CryptoRng>(
    states: &mut [(Shape, Phase2State)],
    prev: &Digest,
    contributor: Contributor,
    rng: &mut R,
) -> Result<Phase2Record, CircuitError> {
    contributor.check()?;
    let mut updates = Vec::with_capacity(states.len());
    for (shape, st) in states.iter_mut() {
        let d = Zeroizing::new(nonzero(rng));
        st.update(&d)?;
        updates.push(ShapeUpdate {
            delta_g1: st.delta_g1,
            delta_g2: st.delta_g2,
            pok: Pok::new(&d, prev, &tag(shape), rng)?,
        });
    }
    let mut rec = Phase2Record {
        contributor,
        updates,
        hash: [0; 32],
    };
    rec.hash = record_digest(prev, &rec);
    Ok(rec)
}

/// Checks the chain of phase-2 records over `shapes` from `start`: each proof of knowledge,
/// each delta updated by its proved secret and changed, G1 and G2 agreeing, each hash. Returns
/// the final digest and each shape's final `(delta G1, delta G2)`.
pub fn verify_chain(
    shapes: &[Shape],
    start: &Digest,
    records: &[Phase2Record],
) -> Result<(Digest, Vec<(G1Affine, G2Affine)>), CircuitError> {
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let mut deltas = vec![(g1, g2); shapes.len()];
    let mut hash = *start;
    for (i, r) in records.iter().enumerate() {
        let who = format!("phase 2 contribution {} ({})", i + 1, r.contributor.name);
        r.contributor.check()?;
        if r.updates.len() != shapes.len() {
            return Err(ceremony_err(format!(
                "{who}: {} updates for {} shapes",
                r.updates.len(),
                shapes.len()
            )));
        }
        for ((shape, u), d) in shapes.iter().zip(&r.updates).zip(deltas.iter_mut()) {
            let base = u.pok.verify(&hash, &tag(shape)).ok_or_else(|| {
                ceremony_err(format!(
                    "{who}: the proof of knowledge for shape {shape} does not hold for the chain it extends"
                ))
            })?;
            if u.delta_g1.is_zero() || u.delta_g1 == d.0 {
                return Err(ceremony_err(format!(
                    "{who}: delta of shape {shape} is not changed"
                )));
            }
            if !same_ratio((d.0, u.delta_g1), base) {
                return Err(ceremony_err(format!(
                    "{who}: delta of shape {shape} is not updated by the secret it proves knowledge of"
                )));
            }
            if !same_ratio((g1, u.delta_g1), (g2, u.delta_g2)) {
                return Err(ceremony_err(format!(
                    "{who}: delta G2 of shape {shape} does not match delta G1"
                )));
            }
            *d = (u.delta_g1, u.delta_g2);
        }
        let h = record_digest(&hash, r);
        if h != r.hash {
            return Err(ceremony_err(format!(
                "{who}: its hash is not the digest of the chain through it"
            )));
        }
        hash = h;
    }
    Ok((hash, deltas))
}

/// JSON form of a phase-2 record.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase2RecordJson {
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Per shape, in the ceremony's shape order.
    pub updates: Vec<ShapeUpdateJson>,
    /// The contribution hash.
    pub hash: String,
}

/// JSON form of a shape's update.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeUpdateJson {
    /// Shape.
    pub shape: String,
    /// `delta G1`.
    pub delta_g1: String,
    /// `delta G2`.
    pub delta_g2: String,
    /// `[g1_s, g1_s_x, g2_s_x]`.
    pub pok: [String; 3],
}

impl Phase2Record {
    /// To JSON form.
    pub fn to_json(&self, shapes: &[Shape]) -> Phase2RecordJson {
        Phase2RecordJson {
            name: self.contributor.name.clone(),
            role: self.contributor.role.clone(),
            updates: shapes
                .iter()
                .zip(&self.updates)
                .map(|(s, u)| ShapeUpdateJson {
                    shape: s.to_string(),
                    delta_g1: super::g1_to_hex(&u.delta_g1),
                    delta_g2: super::g2_to_hex(&u.delta_g2),
                    pok: super::pok_json(&u.pok),
                })
                .collect(),
            hash: hex::encode(self.hash),
        }
    }

    /// From JSON form; the shapes must be the ceremony's, in order.
    pub fn from_json(j: &Phase2RecordJson, shapes: &[Shape]) -> Result<Self, CircuitError> {
        let w = "phase 2 record";
        if j.updates.len() != shapes.len()
            || j.updates
                .iter()
                .zip(shapes)
                .any(|(u, s)| u.shape != s.to_string())
        {
            return Err(ceremony_err(format!(
                "{w} of {}: its shapes are not the ceremony's",
                j.name
            )));
        }
        Ok(Self {
            contributor: Contributor {
                name: j.name.clone(),
                role: j.role.clone(),
            },
            updates: j
                .updates
                .iter()
                .map(|u| {
                    Ok(ShapeUpdate {
                        delta_g1: super::g1_from_hex(&u.delta_g1, w)?,
                        delta_g2: super::g2_from_hex(&u.delta_g2, w)?,
                        pok: super::pok_from_json(&u.pok, w)?,
                    })
                })
                .collect::<Result<_, CircuitError>>()?,
            hash: super::phase1::digest_from_hex(&j.hash, w)?,
        })
    }
}
