//! B's subgroup check made inside its Miller-loop preparation (spec `protocol.md` §4.8).
//!
//! A Groth16 verifier must know that a proof's B lies in G2, the prime-order subgroup of the
//! twist E'(Fq2): the pairing is bilinear only there. The membership test arkworks uses (Scott,
//! "A note on group membership tests for G1, G2 and GT on BLS pairing-friendly curves", eprint
//! 2021/1130, §4) is `psi(B) = [x]B`, with `psi` the untwist-Frobenius-twist endomorphism and
//! `x = -0xd201000000010000` the curve's parameter. Computing `[x]B` costs 63 doublings and 5
//! additions in G2; but preparing B for the Miller loop ([`G2Prepared`]) walks exactly the bits
//! of `|x|` from B, doubling and adding a running point T, and ends with `T = [|x|]B`. This
//! module runs the same walk, keeps the line coefficients arkworks keeps (the result is equal to
//! `G2Prepared::from(B)`, checked by test), and compares the final T with `-psi(B)`: the test
//! then costs one Frobenius and two multiplications in Fq2.
//!
//! The walk uses the homogeneous projective formulas of arkworks' preparation (Costello, Lange,
//! Naehrig, eprint 2009/615; Aranha et al., eprint 2013/722). For a B in G2 no step meets an
//! exceptional case (T never equals O or ±B before the end, since the prefixes of `|x|` and
//! their neighbours are below r). For a B outside G2 an exceptional step can happen; the
//! formulas then give either the true result (T = -B plus B gives O, with Z = 0) or the
//! all-zero triple, which stays all-zero; both have Z = 0 and are refused, so the comparison
//! is made only on a true `[|x|]B`. The test's soundness is then Scott's.

use ark_bls12_381::{g2, Config, Fq, Fq2, G2Affine};
use ark_ec::bls12::{Bls12Config, G2Prepared};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, BigInteger, BitIteratorBE, Field, One, PrimeField, Zero};
use std::sync::OnceLock;

type Coeff = (Fq2, Fq2, Fq2);

/// `psi(x, y) = (conj(x) * PSI_X, conj(y) * PSI_Y)` with `PSI_X = (u + 1)^-((p - 1) / 3)` and
/// `PSI_Y = (u + 1)^-((p - 1) / 2)`, computed once from their definitions.
fn psi_coefficients() -> &'static (Fq2, Fq2) {
    static PSI: OnceLock<(Fq2, Fq2)> = OnceLock::new();
    PSI.get_or_init(|| {
        let mut p_minus_1 = Fq::MODULUS;
        p_minus_1.sub_with_borrow(&1u64.into());
        let u_plus_1 = Fq2::new(Fq::one(), Fq::one());
        let pow = |d: u64| {
            // 2 and 3 divide p - 1; u + 1 is not zero, so its power is invertible.
            let e = div_exact(p_minus_1.as_ref(), d).unwrap_or_default();
            u_plus_1.pow(e).inverse().unwrap_or_default()
        };
        (pow(3), pow(2))
    })
}

/// Little-endian limbs divided by a small `d`, when `d` divides them (`None` otherwise).
pub fn div_exact(limbs: &[u64], d: u64) -> Option<Vec<u64>> {
    let mut out = vec![0u64; limbs.len()];
    let mut rem: u128 = 0;
    for i in (0..limbs.len()).rev() {
        let cur = (rem << 64) | u128::from(limbs[i]);
        out[i] = (cur / u128::from(d)) as u64;
        rem = cur % u128::from(d);
    }
    (rem == 0).then_some(out)
}

/// `psi(B)` in affine coordinates.
fn psi(x: Fq2, y: Fq2) -> (Fq2, Fq2) {
    let (cx, cy) = psi_coefficients();
    let mut x = x;
    let mut y = y;
    x.frobenius_map_in_place(1);
    y.frobenius_map_in_place(1);
    (x * cx, y * cy)
}

/// T in homogeneous projective coordinates: the affine point is `(X/Z, Y/Z)`.
struct Hom {
    x: Fq2,
    y: Fq2,
    z: Fq2,
}

impl Hom {
    /// T <- 2T and the tangent line's coefficients (M-type twist).
    fn double(&mut self, two_inv: &Fq) -> Coeff {
        let mut a = self.x * self.y;
        a.mul_assign_by_fp(two_inv);
        let b = self.y.square();
        let c = self.z.square();
        let e = g2::Config::COEFF_B * (c.double() + c);
        let f = e.double() + e;
        let mut g = b + f;
        g.mul_assign_by_fp(two_inv);
        let h = (self.y + self.z).square() - (b + c);
        let i = e - b;
        let j = self.x.square();
        let e_square = e.square();
        self.x = a * (b - f);
        self.y = g.square() - (e_square.double() + e_square);
        self.z = b * h;
        (i, j.double() + j, -h)
    }

    /// T <- T + Q and the chord's coefficients (M-type twist).
    fn add(&mut self, qx: &Fq2, qy: &Fq2) -> Coeff {
        let theta = self.y - (*qy * self.z);
        let lambda = self.x - (*qx * self.z);
        let c = theta.square();
        let d = lambda.square();
        let e = lambda * d;
        let f = self.z * c;
        let g = self.x * d;
        let h = e + f - g.double();
        self.x = lambda * h;
        self.y = theta * (g - h) - (e * self.y);
        self.z *= e;
        let j = theta * qx - (lambda * qy);
        (j, -theta, lambda)
    }
}

/// B prepared for the Miller loop if it is in G2, `None` if it is not (or is the identity).
/// `b` must be on the curve (the proof decoder checks it).
pub fn prepare_in_g2(b: &G2Affine) -> Option<G2Prepared<Config>> {
    let (qx, qy) = b.xy()?;
    static TWO_INV: OnceLock<Option<Fq>> = OnceLock::new();
    let two_inv = (*TWO_INV.get_or_init(|| Fq::from(2u64).inverse()))?;
    let mut t = Hom {
        x: qx,
        y: qy,
        z: Fq2::one(),
    };
    let mut ell_coeffs = Vec::with_capacity(70);
    for bit in BitIteratorBE::new(Config::X).skip(1) {
        ell_coeffs.push(t.double(&two_inv));
        if bit {
            ell_coeffs.push(t.add(&qx, &qy));
        }
    }
    // T = [|x|]B; x < 0, so the test psi(B) = [x]B reads T = -psi(B).
    let (px, py) = psi(qx, qy);
    let in_g2 = !t.z.is_zero() && t.x == px * t.z && t.y == -(py * t.z);
    in_g2.then_some(G2Prepared {
        ell_coeffs,
        infinity: false,
    })
}
