//! Properties of the samples and the arithmetic, over random inputs.
#![allow(clippy::unwrap_used)]

use audit::{sample, stats, Batch};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

proptest! {
    #[test]
    fn statutory_sample_is_a_subset_without_repeats(n in 0usize..60, k in 0usize..12, s in any::<[u8; 32]>()) {
        let pop: Vec<String> = (0..n).map(|i| format!("S{i:03}")).collect();
        let got = sample::statutory(&s, "AC1", &pop, k);
        prop_assert_eq!(got.len(), k.min(n));
        let set: BTreeSet<&String> = got.iter().collect();
        prop_assert_eq!(set.len(), got.len());
        prop_assert!(got.iter().all(|g| pop.contains(g)));
        prop_assert_eq!(&got, &sample::statutory(&s, "AC1", &pop, k));
    }

    #[test]
    fn a_larger_statutory_sample_contains_the_smaller(n in 0usize..80, k in 0usize..20, s in any::<[u8; 32]>()) {
        // Per segment and over a whole contest: asking for one more per segment never drops
        // a station, so the size cannot be re-chosen to leave a station out.
        let pop: Vec<String> = (0..n).map(|i| format!("S{i:03}")).collect();
        let small = sample::statutory(&s, "AC1", &pop, k);
        let large = sample::statutory(&s, "AC1", &pop, k + 1);
        prop_assert_eq!(&large[..small.len()], &small[..]);
        let segs: Vec<String> = (0..n).map(|i| format!("AC{}", i % 3)).collect();
        let rows = vec![0u64; 2];
        let batches: Vec<Batch<'_>> = pop.iter().zip(&segs).map(|(p, g)| Batch { station_id: p, segment_id: g, counts: &rows }).collect();
        let small: BTreeSet<String> = audit::statutory_sample(&s, &batches, k as u32).into_iter().collect();
        let large: BTreeSet<String> = audit::statutory_sample(&s, &batches, k as u32 + 1).into_iter().collect();
        prop_assert!(small.is_subset(&large));
    }

    #[test]
    fn ppeb_draws_only_weighted_stations(w in proptest::collection::vec(0u128..5, 1..30), s in any::<[u8; 32]>()) {
        let draws = sample::ppeb(&s, "C", &w, 50);
        if w.iter().all(|&x| x == 0) {
            prop_assert!(draws.is_empty());
        } else {
            prop_assert_eq!(draws.len(), 50);
            prop_assert!(draws.iter().all(|&i| i < w.len() && w[i] > 0));
        }
    }

    #[test]
    fn final_totals_move_by_the_slip_differences(
        rows in proptest::collection::vec(proptest::collection::vec(0u64..200, 3), 1..10),
        pick in any::<proptest::sample::Index>(),
        delta in proptest::collection::vec(-20i64..20, 3),
    ) {
        let totals: Vec<u64> = (0..3).map(|j| rows.iter().map(|r| r[j]).sum::<u64>() + 7).collect();
        let ids: Vec<String> = (0..rows.len()).map(|i| format!("S{i}")).collect();
        let batches: Vec<Batch<'_>> = rows.iter().zip(&ids).map(|(r, id)| Batch { station_id: id, segment_id: "A", counts: r }).collect();
        // Slips equal to the rows change nothing.
        let same: BTreeMap<&str, &[u64]> = batches.iter().map(|b| (b.station_id, b.counts)).collect();
        prop_assert_eq!(audit::final_totals(&totals, &batches, &same), Some(totals.clone()));
        // One station's slips differ: the totals move by exactly that difference.
        let i = pick.index(rows.len());
        let slip: Vec<u64> = rows[i].iter().zip(&delta).map(|(&v, &d)| (v as i64 + d).max(0) as u64).collect();
        let one: BTreeMap<&str, &[u64]> = [(ids[i].as_str(), slip.as_slice())].into_iter().collect();
        let got = audit::final_totals(&totals, &batches, &one).unwrap();
        for j in 0..3 {
            prop_assert_eq!(got[j] as i64 - totals[j] as i64, slip[j] as i64 - rows[i][j] as i64);
        }
    }

    #[test]
    fn clean_draws_only_lower_the_risk(u in 1.01f64..500.0, n in 0usize..200) {
        let p = stats::km_p_value(u, &vec![0.0; n]);
        let q = stats::km_p_value(u, &vec![0.0; n + 1]);
        prop_assert!(q < p || p == 0.0);
        // A positive taint raises it; a negative one lowers it.
        prop_assert!(stats::km_p_value(u, &[0.1]) > stats::km_p_value(u, &[0.0]));
        prop_assert!(stats::km_p_value(u, &[-0.1]) < stats::km_p_value(u, &[0.0]));
    }

    #[test]
    fn detection_grows_with_tampered_stations(n in 5u64..300, k in 1u64..10, m in 1u64..40) {
        let m = m.min(n);
        let d1 = stats::min_detection(&[(n, k)], m);
        let d2 = stats::min_detection(&[(n, k)], (m + 1).min(n));
        prop_assert!((0.0..=1.0).contains(&d1));
        prop_assert!(d2 + 1e-12 >= d1);
    }
}
