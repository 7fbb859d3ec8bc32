//! Every random-linear-combination check of a ceremony as one pairing-product equation
//! (spec `ceremony.md` §4.3).
//!
//! Each check is an equation `prod_k e(A_k, B_k) = 1` whose G1 sides are random linear
//! combinations of the accumulator's and the states' points. The checks use independent random
//! scalars and none has a constant term, so their product is the identity for every choice of
//! the scalars only if each is (Schwartz-Zippel over all of them at once). The terms that pair
//! with the G2 generator are summed scalar by scalar over the accumulator's points, so the
//! accumulator is multiplied once for all of them, and the whole ceremony costs one
//! multi-pairing. Every weight is an independent 128-bit scalar: a false equation holds for at
//! most a fraction 2/2^128 of them.

use super::phase1::{Accumulator, ChainEnd};
use super::phase2::{Phase2State, Sizes};
use super::{ceremony_err, in_subgroup, msm, small};
use crate::error::CircuitError;
use crate::r1cs::Matrices;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use ark_groth16::VerifyingKey;
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use rand::{CryptoRng, RngCore};

fn smalls<R: RngCore + CryptoRng>(n: usize, rng: &mut R) -> Vec<Fr> {
    (0..n).map(|_| small(rng)).collect()
}

/// The equation being built: `e(S, G2) * prod e(g1_k, g2_k) = 1`, with
/// `S = extra + sum p_i tau^i + sum at_i alpha tau^i + sum bt_i beta tau^i - sum hi_j tau^(n+j)`.
pub(crate) struct Equation<'a> {
    acc: &'a Accumulator,
    /// Scalars of `tau^i G1`, `i < n`.
    p: Vec<Fr>,
    /// Scalars subtracted from `tau^(n+j) G1`, `j < n - 1` (the H terms of the largest shapes:
    /// 128-bit weights, kept apart so that their multiplication stays short).
    hi: Vec<Fr>,
    /// Scalars of `alpha tau^i G1`.
    at: Vec<Fr>,
    /// Scalars of `beta tau^i G1`.
    bt: Vec<Fr>,
    /// Points on the generator's side already combined.
    extra: G1Projective,
    /// The other pairs.
    pairs: Vec<(G1Affine, G2Affine)>,
    /// Every combined point was in its prime-order subgroup.
    subgroups: bool,
}

impl<'a> Equation<'a> {
    pub(crate) fn new(acc: &'a Accumulator) -> Self {
        let n = acc.n();
        Self {
            acc,
            p: vec![Fr::zero(); n],
            hi: vec![Fr::zero(); n - 1],
            at: vec![Fr::zero(); n],
            bt: vec![Fr::zero(); n],
            extra: G1Projective::zero(),
            pairs: Vec::new(),
            subgroups: true,
        }
    }

    fn pair(&mut self, g1: G1Projective, g2: G2Affine) {
        let g1 = g1.into_affine();
        self.subgroups &= in_subgroup(&g1);
        self.pairs.push((g1, g2));
    }

    /// The accumulator is powers of one tau (`tau` = the discrete logarithm of `tau G2`):
    /// - `tau G1` powers, each the one before times tau: with independent 128-bit weights
    ///   `b_i`, `e(sum b_i P_i, tau G2) = e(sum b_i P_(i+1), G2)`;
    /// - `tau^i G2`, `alpha tau^i G1`, `beta tau^i G1` against `tau^i G1`, `i < n`, with
    ///   independent 128-bit weights `a_i, u, v`:
    ///   `e(sum a_i (P_i + u A_i + v B_i), G2) = e(G1 + u A_0 + v B_0, sum a_i Q_i)`;
    /// - `beta G2` against `beta G1`: `e(z B_0, G2) = e(z G1, beta G2)`.
    pub(crate) fn add_accumulator<R: RngCore + CryptoRng>(&mut self, rng: &mut R) {
        let acc = self.acc;
        let n = acc.n();
        let g1 = G1Affine::generator();
        // tau G1: P_(i+1) = tau P_i.
        let m = acc.tau_g1.len();
        let b = smalls(m - 1, rng);
        let w = msm::<G1Projective>(&acc.tau_g1[..m - 1], &b);
        self.pair(w, acc.tau_g2[1]);
        for (i, bi) in b.iter().enumerate() {
            match i + 1 < n {
                true => self.p[i + 1] -= bi,
                false => self.hi[i + 1 - n] += bi,
            }
        }
        // G2 powers, alpha and beta sequences against the G1 powers.
        let a = smalls(n, rng);
        let (u, v) = (small(rng), small(rng));
        let q = msm::<G2Projective>(&acc.tau_g2, &a).into_affine();
        self.subgroups &= in_subgroup(&q);
        for (i, ai) in a.iter().enumerate() {
            self.p[i] += ai;
            self.at[i] += u * ai;
            self.bt[i] += v * ai;
        }
        let left = -(g1.into_group() + acc.alpha_tau_g1[0] * u + acc.beta_tau_g1[0] * v);
        self.pair(left, q);
        // beta in G2.
        let zb = small(rng);
        self.bt[0] += zb;
        self.pair(-(g1 * zb), acc.beta_g2);
    }

    /// A shape's state (and, when given, its verifying key) against the accumulator and the
    /// shape's matrices: `e(sum r_i H_i + sum s_k L_k, delta) e(w sum t_k IC_k, G2) = e(R, G2)`,
    /// where `R` is the same combination of the initial keys, written over the accumulator's
    /// powers through inverse FFTs of the matrices' columns (no group FFT); `H_i` is
    /// `(tau^(n+i) - tau^i) / delta`. `r`, `s`, `t`, `w` are independent 128-bit weights.
    /// Also checks the lengths, and the key's alpha, beta, gamma and input count.
    pub(crate) fn add_state<R: RngCore + CryptoRng>(
        &mut self,
        m: &Matrices,
        state: &Phase2State,
        vk: Option<&VerifyingKey<Bls12_381>>,
        rng: &mut R,
    ) -> Result<(), CircuitError> {
        let acc = self.acc;
        let sz = Sizes::of(m)?;
        let n = sz.n;
        sz.fits(acc)?;
        if state.h.len() != n - 1 || state.l.len() != sz.witness {
            return Err(ceremony_err("the state's queries have the wrong length"));
        }
        if let Some(vk) = vk {
            check_key(acc, state, vk, &sz)?;
        }
        let r = smalls(n - 1, rng);
        let s = smalls(sz.witness, rng);
        let (t, w) = match vk {
            Some(_) => (smalls(sz.instance, rng), small(rng)),
            None => (vec![Fr::zero(); sz.instance], Fr::zero()),
        };
        // Weight of each variable: w t_k for the public ones, s_k for the private ones.
        let wt: Vec<Fr> = t.iter().map(|x| *x * w).collect();
        let z: Vec<Fr> = wt.iter().copied().chain(s.iter().copied()).collect();
        // Row combinations of each matrix, over the whole domain.
        let mut rows = [
            vec![Fr::zero(); n],
            vec![Fr::zero(); n],
            vec![Fr::zero(); n],
        ];
        for (mat, out) in m.abc.iter().zip(rows.iter_mut()) {
            for (j, row) in mat.iter().enumerate().take(sz.constraints) {
                out[j] = row.iter().map(|(c, k)| *c * z[*k]).sum();
            }
        }
        for k in 0..sz.instance {
            rows[0][sz.constraints + k] += z[k];
        }
        let domain = GeneralEvaluationDomain::<Fr>::new(n)
            .ok_or_else(|| ceremony_err("no FFT domain of that size"))?;
        let [ra, rb, rc] = rows;
        let cb = domain.ifft(&ra); // A rows pair with beta
        let ca = domain.ifft(&rb); // B rows pair with alpha
        let ct = domain.ifft(&rc); // C rows pair with tau
        let big = self.p.len();
        for i in 0..n {
            self.p[i] -= ct[i];
            self.at[i] -= ca[i];
            self.bt[i] -= cb[i];
        }
        // H_i = (tau^(n+i) - tau^i) / delta.
        for (i, ri) in r.iter().enumerate() {
            self.p[i] += ri;
            match n + i < big {
                true => self.p[n + i] -= ri,
                false => self.hi[n + i - big] += ri,
            }
        }
        let ld = msm::<G1Projective>(&state.h, &r) + msm::<G1Projective>(&state.l, &s);
        self.pair(ld, state.delta_g2);
        if let Some(vk) = vk {
            self.extra += msm::<G1Projective>(&vk.gamma_abc_g1, &wt);
        }
        Ok(())
    }

    /// Whether the equation holds (and every combined point was in its subgroup).
    pub(crate) fn holds(self) -> bool {
        let acc = self.acc;
        let n = self.p.len();
        let s = self.extra
            + msm::<G1Projective>(&acc.tau_g1[..n], &self.p)
            + msm::<G1Projective>(&acc.alpha_tau_g1, &self.at)
            + msm::<G1Projective>(&acc.beta_tau_g1, &self.bt)
            - msm::<G1Projective>(&acc.tau_g1[n..], &self.hi);
        let s = s.into_affine();
        if !self.subgroups || !in_subgroup(&s) {
            return false;
        }
        let (mut g1s, mut g2s): (Vec<G1Affine>, Vec<G2Affine>) = self.pairs.into_iter().unzip();
        g1s.push(s);
        g2s.push(G2Affine::generator());
        Bls12_381::multi_pairing(g1s, g2s).is_zero()
    }
}

/// The key's alpha and beta are phase 1's, gamma the generator, delta the state's, and it has
/// the shape's number of input commitments.
fn check_key(
    acc: &Accumulator,
    state: &Phase2State,
    vk: &VerifyingKey<Bls12_381>,
    sz: &Sizes,
) -> Result<(), CircuitError> {
    if vk.alpha_g1 != acc.alpha_tau_g1[0] || vk.beta_g2 != acc.beta_g2 {
        return Err(ceremony_err(
            "the verifying key's alpha or beta is not phase 1's",
        ));
    }
    if vk.gamma_g2 != G2Affine::generator() {
        return Err(ceremony_err(
            "the verifying key's gamma is not the generator",
        ));
    }
    if vk.delta_g2 != state.delta_g2 {
        return Err(ceremony_err(
            "the verifying key's delta is not the end of the ceremony's chain",
        ));
    }
    if vk.gamma_abc_g1.len() != sz.instance {
        return Err(ceremony_err(
            "the verifying key has the wrong number of input commitments",
        ));
    }
    Ok(())
}

/// The accumulator's first points are the chain's end, and its zeroth powers the generators.
pub(crate) fn check_ends(acc: &Accumulator, last: &ChainEnd) -> Result<(), CircuitError> {
    let n = acc.n();
    let lengths = acc.tau_g1.len() == 2 * n - 1
        && acc.tau_g2.len() == n
        && acc.alpha_tau_g1.len() == n
        && acc.beta_tau_g1.len() == n;
    if !lengths {
        return Err(ceremony_err(
            "phase 1: the accumulator has the wrong length",
        ));
    }
    if acc.tau_g1[0] != G1Affine::generator() || acc.tau_g2[0] != G2Affine::generator() {
        return Err(ceremony_err(
            "phase 1: the accumulator's zeroth powers are not the generators",
        ));
    }
    let ends = n > 1
        && acc.tau_g1[1] == last.tau_g1
        && acc.tau_g2[1] == last.tau_g2
        && acc.alpha_tau_g1[0] == last.alpha_g1
        && acc.beta_tau_g1[0] == last.beta_g1
        && acc.beta_g2 == last.beta_g2;
    if !ends {
        return Err(ceremony_err(
            "phase 1: the accumulator is not the one the last contribution made (its first points differ)",
        ));
    }
    Ok(())
}

/// Why an accumulator fails its random linear combination.
pub(crate) const ACC_FAILS: &str = "phase 1: the accumulator is not powers of one tau (tau G1, tau G2, alpha tau G1, beta tau G1 and beta G2 checked together by random linear combination)";

impl Accumulator {
    /// The accumulator is powers of one tau, its first elements are the chain's `last` points,
    /// `tau^0` is the generator, and `beta` agrees in G1 and G2 (random linear combinations,
    /// one pairing equation).
    pub fn check<R: RngCore + CryptoRng>(
        &self,
        last: &ChainEnd,
        rng: &mut R,
    ) -> Result<(), CircuitError> {
        check_ends(self, last)?;
        let mut eq = Equation::new(self);
        eq.add_accumulator(rng);
        if !eq.holds() {
            return Err(ceremony_err(ACC_FAILS));
        }
        Ok(())
    }
}
