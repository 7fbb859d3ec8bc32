//! B's subgroup check inside its Miller-loop preparation (`circuits::g2`, protocol.md §4.8):
//! the same line coefficients as arkworks for every point of G2, and the same verdict as
//! arkworks' own membership test for points outside it, small orders included (their walk meets
//! the exceptional cases of the formulas).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_bls12_381::{g2, Config, Fq2, Fr, G2Affine, G2Projective};
use ark_ec::bls12::G2Prepared;
use ark_ec::CurveConfig;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use ark_ff::{PrimeField, UniformRand};
use circuits::g2::{div_exact, prepare_in_g2};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn random_curve_point(rng: &mut ChaCha20Rng) -> G2Affine {
    loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(Fq2::rand(rng), true) {
            assert!(p.is_on_curve());
            return p;
        }
    }
}

#[test]
fn members_of_g2_are_prepared_exactly_as_arkworks_prepares_them() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for _ in 0..16 {
        let b = G2Projective::rand(&mut rng).into_affine();
        let mine = prepare_in_g2(&b).expect("a point of G2 is accepted");
        assert_eq!(mine, G2Prepared::<Config>::from(b));
    }
    let g = G2Affine::generator();
    assert_eq!(prepare_in_g2(&g).unwrap(), G2Prepared::<Config>::from(g));
    assert_eq!(
        prepare_in_g2(&(-g)).unwrap(),
        G2Prepared::<Config>::from(-g)
    );
    assert!(prepare_in_g2(&G2Affine::zero()).is_none());
}

#[test]
fn points_outside_g2_are_refused_as_arkworks_refuses_them() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    // Random points of the twist: almost all have a part outside G2.
    for _ in 0..32 {
        let p = random_curve_point(&mut rng);
        assert_eq!(
            prepare_in_g2(&p).is_some(),
            p.is_in_correct_subgroup_assuming_on_curve()
        );
    }
    // Points of small order d (d divides the cofactor), alone and added to a point of G2: the
    // walk over |x| meets T = O or T = B for some of them.
    let cofactor = <g2::Config as CurveConfig>::COFACTOR;
    let mut found = 0;
    for d in [13u64, 23, 2713, 11953, 262069] {
        let Some(h_over_d) = div_exact(cofactor, d) else {
            continue;
        };
        for _ in 0..4 {
            let p = random_curve_point(&mut rng);
            let q = (p.mul_bigint(&h_over_d) * Fr::from(1u64)).into_affine();
            let q = q.mul_bigint(Fr::MODULUS).into_affine();
            if q.is_zero() {
                continue;
            }
            assert!(q.mul_bigint([d]).is_zero(), "order {d}");
            found += 1;
            assert!(prepare_in_g2(&q).is_none(), "a point of order {d}");
            let mixed = (G2Projective::rand(&mut rng) + q).into_affine();
            assert!(!mixed.is_in_correct_subgroup_assuming_on_curve());
            assert!(prepare_in_g2(&mixed).is_none(), "G2 plus order {d}");
        }
    }
    assert!(found >= 8, "small-order points found: {found}");
}

/// The batch coefficients `lo + lambda hi` (protocol.md §6.1) rest on `phi(P) = [lambda]P` on
/// G1 for arkworks' endomorphism and eigenvalue, and `sum r_i C_i` on it for the `C_i`.
#[test]
fn the_g1_endomorphism_multiplies_by_lambda() {
    use ark_bls12_381::{g1, G1Projective};
    use ark_ec::scalar_mul::glv::GLVConfig;
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for _ in 0..4 {
        let p = G1Projective::rand(&mut rng).into_affine();
        let phi = <g1::Config as GLVConfig>::endomorphism_affine(&p);
        assert_eq!(phi, (p * <g1::Config as GLVConfig>::LAMBDA).into_affine());
    }
}
