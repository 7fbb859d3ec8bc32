//! Proving one station and verifying station proofs, at the realistic shape (1,500 votes,
//! 16 choices, in the 2048x16 key) and a small one. Seeded RNGs; sizes sweep in `verify`.
#![allow(clippy::expect_used)] // a bench harness: a setup failure should stop the run

use ark_ec::pairing::Pairing;
use circuits::{keys, station_binding, Bls12_381, Kind, Shape, StationCircuit};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use ve_benches::{log, CLOSE};

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    for (shape, votes) in [
        (
            Shape {
                votes: 2048,
                choices: 16,
                kind: Kind::Public,
            },
            1500usize,
        ),
        (
            Shape {
                votes: 256,
                choices: 8,
                kind: Kind::Public,
            },
            200,
        ),
    ] {
        let pk = keys::setup(shape, &mut rng).expect("setup");
        let vk = keys::vk_from_bytes(shape, &keys::vk_to_bytes(pk.verifying_key()).expect("vk"))
            .expect("vk");
        let mut g = c.benchmark_group(format!("station {votes} votes in {shape}"));
        g.sample_size(10);
        g.bench_function("prove", |b| {
            b.iter(|| {
                let (circ, _) = StationCircuit::new(
                    shape,
                    station_binding("E", "S", "C"),
                    CLOSE,
                    log(&mut rng, votes, shape.choices - 1),
                )
                .expect("fits");
                pk.prove(circ, &mut rng).expect("prove")
            })
        });
        // 64 distinct stations, each with its own proof.
        let proofs: Vec<_> = (0..64)
            .into_par_iter()
            .map(|i| {
                let mut rng = ChaCha20Rng::seed_from_u64(i);
                let (circ, public) = StationCircuit::new(
                    shape,
                    station_binding("E", &format!("S{i}"), "C"),
                    CLOSE,
                    log(&mut rng, votes, shape.choices - 1),
                )
                .expect("fits");
                (public, pk.prove(circ, &mut rng).expect("prove"))
            })
            .collect();
        g.bench_function("verify one", |b| {
            b.iter(|| vk.verify(&proofs[0].0, &proofs[0].1).expect("valid"))
        });
        // Batch verification on one thread (the verifier's path), per proof.
        let items: Vec<_> = proofs
            .iter()
            .map(|(p, pr)| (p.clone(), pr.clone()))
            .collect();
        let digest = [0u8; 32];
        g.throughput(Throughput::Elements(items.len() as u64));
        g.bench_function("verify batch of 64, one thread", |b| {
            b.iter(|| assert!(vk.verify_batch(&digest, &items, &[1u8; 32]).is_empty()))
        });
        // The floor of a batch-verified proof with arkworks: one G2 preparation and one Miller
        // loop pair (the final exponentiation is shared by the batch).
        g.throughput(Throughput::Elements(1));
        let (a, bpt) = (proofs[0].1.a, proofs[0].1.b);
        g.bench_function("floor: one G2 preparation + one Miller loop", |b| {
            b.iter(|| {
                let prepared: <Bls12_381 as Pairing>::G2Prepared = bpt.into();
                Bls12_381::multi_miller_loop([a], [prepared])
            })
        });
        // What the verifier pays per station besides the pairing: decoding a proof (two G1 and
        // one G2 uncompressed points with curve checks, and the canonical check; B's subgroup
        // test is made in the batch, protocol.md §4.8).
        let hexes: Vec<String> = proofs
            .iter()
            .map(|(_, pr)| keys::proof_to_hex(pr).expect("hex"))
            .collect();
        g.bench_function("decode proof (uncompressed, on the curves)", |b| {
            b.iter(|| keys::proof_from_hex(&hexes[0]).expect("decodes"))
        });
        for n in [16usize, 64] {
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(BenchmarkId::new("verify parallel", n), &n, |b, &n| {
                b.iter(|| {
                    proofs[..n]
                        .par_iter()
                        .for_each(|(p, pr)| vk.verify(p, pr).expect("valid"))
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
