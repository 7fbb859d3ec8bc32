//! SnarkPack aggregation at a contest's size (spec aggregation.md): proves N distinct stations
//! in the 64x4 key (real proofs, each of its own log and station binding), aggregates them,
//! and times the aggregate's decoding and verification against batch-verifying the N proofs,
//! on one core.
//!   RAYON_NUM_THREADS=1 cargo run --release -p ve-benches --example aggregate [N]
//! The aggregation key comes from two random secrets here (in a bundle it would come from two
//! phase-1 ceremonies); its cost does not depend on where the secrets came from.
#![allow(clippy::expect_used)] // a bench harness: a setup failure should stop the run

use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use circuits::aggregate::{
    aggregate, batch_coefficient, prepare_aggregate, verify_aggregate, verify_prepared,
    AggregateProof, AggregationKey,
};
use circuits::{keys, station_binding, PublicInputs, Shape, StationCircuit};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use std::time::Instant;
use ve_benches::{log, CLOSE};

fn powers(s: Fr, n: usize) -> (Vec<G1Affine>, Vec<G2Affine>) {
    let mut e = Vec::with_capacity(2 * n);
    let mut p = Fr::from(1u64);
    for _ in 0..2 * n {
        e.push(p);
        p *= s;
    }
    let g1: Vec<G1Projective> = e
        .par_iter()
        .map(|x| G1Projective::generator() * x)
        .collect();
    let g2: Vec<G2Projective> = e[..n]
        .par_iter()
        .map(|x| G2Projective::generator() * x)
        .collect();
    (
        G1Projective::normalize_batch(&g1),
        G2Projective::normalize_batch(&g2),
    )
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(2048, |s| s.parse().expect("N is a number"));
    let mut rng = ChaCha20Rng::seed_from_u64(2048);
    let shape = Shape::new(64, 4).expect("shape");
    let pk = keys::setup(shape, &mut rng).expect("setup");
    let vk_bytes = keys::vk_to_bytes(pk.verifying_key()).expect("vk");
    let pvk = keys::vk_from_bytes(shape, &vk_bytes).expect("vk");
    let digest = [1u8; 32];

    let t = Instant::now();
    let seeds: Vec<u64> = (0..n as u64).collect();
    let items: Vec<(PublicInputs, keys::StationProof)> = seeds
        .par_iter()
        .map(|&i| {
            let mut rng = ChaCha20Rng::seed_from_u64(i);
            let votes = 20 + (i as usize % 40);
            let binding = station_binding("E", &format!("PS{i:05}"), "PC01");
            let (circ, public) =
                StationCircuit::new(shape, binding, CLOSE, log(&mut rng, votes, 3)).expect("fits");
            (public, pk.prove(circ, &mut rng).expect("proves"))
        })
        .collect();
    eprintln!("{n} proofs made in {:.1} s", t.elapsed().as_secs_f64());

    let (g_a, h_a) = powers(Fr::rand(&mut rng), n);
    let (g_b, h_b) = powers(Fr::rand(&mut rng), n);
    let key = AggregationKey::from_powers(g_a, h_a, g_b, h_b).expect("key");
    let avk = key.verifying_key();

    let t = Instant::now();
    let agg = aggregate(&key, b"PC01", &digest, &items).expect("aggregates");
    let prove_s = t.elapsed().as_secs_f64();
    let bytes = agg.to_bytes();
    let inputs: Vec<Vec<Fr>> = items.iter().map(|(x, _)| x.to_field_elements()).collect();

    let runs = 3;
    let mut decode = Vec::new();
    let mut verify = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let back = AggregateProof::from_bytes(&bytes).expect("decodes");
        decode.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        verify_aggregate(&avk, &pvk, b"PC01", &digest, &inputs, &back).expect("verifies");
        verify.push(t.elapsed().as_secs_f64());
    }
    // Several aggregates checked together (aggregation.md §4.1), as the verifier does per core:
    // this aggregate prepared K times, each with its own coefficient (the cost does not depend
    // on whether the K aggregates differ).
    let mut together = Vec::new();
    for k in [4usize, 8, 16, 64] {
        let set: Vec<_> = (0..k)
            .map(|_| {
                let s = batch_coefficient(&mut rand::rngs::OsRng);
                prepare_aggregate(&avk, &pvk, b"PC01", &digest, &inputs, &agg, &s)
                    .expect("prepares")
            })
            .collect();
        let t = Instant::now();
        assert!(verify_prepared(&set));
        together.push((k, t.elapsed().as_secs_f64()));
    }
    let t = Instant::now();
    let bad = pvk.verify_batch(&digest, &items, &[5u8; 32]);
    assert!(bad.is_empty());
    let batch_s = t.elapsed().as_secs_f64();
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (d, v) = (med(&mut decode), med(&mut verify));
    println!(
        "| aggregate of {n} proofs (64x4 key), threads: {} | figure |",
        rayon::current_num_threads()
    );
    println!("|---|---|");
    println!("| aggregating (prover) | {prove_s:.1} s |");
    println!(
        "| aggregate size | {} bytes ({:.1} KiB) |",
        bytes.len(),
        bytes.len() as f64 / 1024.0
    );
    println!(
        "| decoding it (every point and GT element checked) | {:.1} ms |",
        d * 1e3
    );
    println!("| verifying it | {:.1} ms |", v * 1e3);
    println!(
        "| decoding + verifying, per proof | {:.3} ms |",
        (d + v) * 1e3 / n as f64
    );
    for (k, secs) in &together {
        println!(
            "| {k} such aggregates checked together (their sum; preparing each not counted) | {:.0} ms ({:.1} ms an aggregate) |",
            secs * 1e3,
            secs * 1e3 / *k as f64
        );
    }
    println!(
        "| batch-verifying the {n} proofs themselves | {:.0} ms ({:.3} ms per proof) |",
        batch_s * 1e3,
        batch_s * 1e3 / n as f64
    );
}
