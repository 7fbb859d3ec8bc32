//! The pairing floor of one batch-verified station, timed in a plain loop so that a bench
//! script can take it right beside a run of the verifier (the machine's speed drifts between
//! runs of minutes): one G2 preparation and one single-pair Miller loop, on one core.
//!   cargo run --release -p ve-benches --example floor [ITERATIONS]
//! Prints milliseconds per floor operation (the median of five timed loops).
#![allow(clippy::expect_used)] // a bench harness: a setup failure should stop the run

use ark_bls12_381::{Bls12_381, G1Projective, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{CurveGroup, PrimeGroup};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .map_or(400, |s| s.parse().expect("ITERATIONS is a number"));
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let a = (G1Projective::generator()
        * ark_bls12_381::Fr::from(rand_core::RngCore::next_u64(&mut rng)))
    .into_affine();
    let b = (G2Projective::generator()
        * ark_bls12_381::Fr::from(rand_core::RngCore::next_u64(&mut rng)))
    .into_affine();
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iterations {
                let prepared: <Bls12_381 as Pairing>::G2Prepared = black_box(b).into();
                let _ = black_box(Bls12_381::multi_miller_loop([black_box(a)], [prepared]));
            }
            t.elapsed().as_secs_f64() * 1e3 / f64::from(iterations)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("{:.4}", times[2]);
}
