//! What totaliser groups cost (spec protocol.md §7): proving a station with committed counts
//! against the public-count circuit of the same shape, proving a group, verifying each, and
//! the sizes, on one core.
//!   RAYON_NUM_THREADS=1 cargo run --release -p ve-benches --example totaliser [RUNS]
//! Prints one line per circuit: constraints, median proving time over RUNS proofs (default 3),
//! median lone verification time, and the bytes a station or group adds to a bundle.
#![allow(clippy::expect_used)] // a bench harness: a setup failure should stop the run

use circuits::totaliser::{group_binding, CommittedStationCircuit, CountOpening, GroupCircuit};
use circuits::{keys, station_binding, Salt, Shape, StationCircuit};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use ve_benches::{log, CLOSE};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64() * 1e3)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(3, |s| s.parse().expect("RUNS is a number"));
    let mut rng = ChaCha20Rng::seed_from_u64(29);
    println!("circuit | constraints | prove (ms, median of {runs}) | verify (ms) | public inputs");
    for (votes, choices, n) in [(256usize, 8usize, 200usize), (2048, 16, 1500)] {
        let public = Shape::new(votes, choices).expect("shape");
        let committed = Shape::committed(votes, choices).expect("shape");
        for shape in [public, committed] {
            let pk = keys::setup(shape, &mut rng).expect("setup");
            let vk =
                keys::vk_from_bytes(shape, &keys::vk_to_bytes(pk.verifying_key()).expect("vk"))
                    .expect("vk");
            let (mut proves, mut verifies) = (Vec::new(), Vec::new());
            for i in 0..runs {
                let w = log(&mut rng, n, choices - 1);
                let b = station_binding("E", &format!("S{i}"), "C");
                let (proof, inputs) = if shape == public {
                    let (c, p) = StationCircuit::new(shape, b, CLOSE, w).expect("fits");
                    let (proof, ms) = time(|| pk.prove(c, &mut rng).expect("prove"));
                    proves.push(ms);
                    (proof, p.to_field_elements())
                } else {
                    let (c, p, _) =
                        CommittedStationCircuit::new(shape, b, CLOSE, w, Salt::random(&mut rng))
                            .expect("fits");
                    let (proof, ms) = time(|| pk.prove(c, &mut rng).expect("prove"));
                    proves.push(ms);
                    (proof, p.to_field_elements())
                };
                let (ok, ms) = time(|| vk.verify_inputs(&inputs, &proof));
                ok.expect("verifies");
                verifies.push(ms);
            }
            println!(
                "{shape} ({n} votes) | {} | {:.0} | {:.2} | {}",
                pk_constraints(shape),
                median(proves),
                median(verifies),
                shape.num_public_inputs()
            );
        }
    }
    for (slots, choices) in [(16usize, 8usize), (32, 8), (32, 16)] {
        let shape = Shape::group(slots, choices).expect("shape");
        let pk = keys::setup(shape, &mut rng).expect("setup");
        let vk = keys::vk_from_bytes(shape, &keys::vk_to_bytes(pk.verifying_key()).expect("vk"))
            .expect("vk");
        let (mut proves, mut verifies) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            // A full group of stations of 200 votes each.
            let openings: Vec<CountOpening> = (0..slots)
                .map(|_| {
                    let w = log(&mut rng, 200, choices - 1);
                    CountOpening {
                        counts: w.vartime_counts(&Shape::new(256, choices).expect("shape")),
                        salt: Salt::random(&mut rng),
                    }
                })
                .collect();
            let (c, p) =
                GroupCircuit::new(shape, group_binding("E", "C", "G"), openings).expect("fits");
            let (proof, ms) = time(|| pk.prove(c, &mut rng).expect("prove"));
            proves.push(ms);
            let (ok, ms) = time(|| vk.verify_inputs(&p.to_field_elements(), &proof));
            ok.expect("verifies");
            verifies.push(ms);
        }
        println!(
            "{shape} (full) | {} | {:.0} | {:.2} | {}",
            pk_constraints(shape),
            median(proves),
            median(verifies),
            shape.num_public_inputs()
        );
    }
}

/// Constraints of `shape`'s circuit, from its `.r1cs` export's summary.
fn pk_constraints(shape: Shape) -> usize {
    circuits::r1cs::R1cs::of(shape)
        .map(|r| r.summary(shape).constraints)
        .unwrap_or(0)
}
