//! Where one station's proof spends its time, stage by stage, on one core: witness generation,
//! the QAP witness map (FFTs) and each multi-scalar multiplication, at the bench's two shapes.
//!   RAYON_NUM_THREADS=1 cargo run --release -p ve-benches --example breakdown
#![allow(clippy::expect_used)] // a bench harness: a setup failure should stop the run

use circuits::{keys, station_binding, Shape, StationCircuit};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use ve_benches::{log, CLOSE};

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    for (votes, choices, n) in [(2048, 16, 1500usize), (256, 8, 200)] {
        let shape = Shape::new(votes, choices).expect("shape");
        let pk = keys::setup(shape, &mut rng).expect("setup");
        let runs = 5;
        let mut all = Vec::new();
        for _ in 0..runs {
            let (circ, _) = StationCircuit::new(
                shape,
                station_binding("E", "S", "C"),
                CLOSE,
                log(&mut rng, n, choices - 1),
            )
            .expect("fits");
            all.push(pk.breakdown(circ).expect("breakdown"));
        }
        let first = &all[0];
        println!(
            "{n} votes in {shape}: {} constraints, {} variables (median of {runs}, ms)",
            first.constraints, first.variables
        );
        let median = |f: &dyn Fn(&keys::ProofBreakdown) -> std::time::Duration| {
            let mut v: Vec<f64> = all.iter().map(|b| f(b).as_secs_f64() * 1e3).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let rows: [(&str, f64); 7] = [
            ("witness generation", median(&|b| b.witness)),
            ("witness map (7 FFTs)", median(&|b| b.witness_map)),
            ("MSM H query (G1)", median(&|b| b.msm_h)),
            ("MSM L query (G1)", median(&|b| b.msm_l)),
            ("MSM A query (G1)", median(&|b| b.msm_a)),
            ("MSM B query (G1)", median(&|b| b.msm_b_g1)),
            ("MSM B query (G2)", median(&|b| b.msm_b_g2)),
        ];
        let total: f64 = rows.iter().map(|r| r.1).sum();
        for (what, ms) in rows {
            println!("  {what:<24} {ms:>8.1}  {:>5.1}%", 100.0 * ms / total);
        }
        println!("  {:<24} {total:>8.1}", "sum");
    }
}
