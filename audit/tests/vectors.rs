//! The statistics against independently computed values (spec/vectors/audit_vectors.py:
//! scipy, exhaustive search, exact rationals) and against the published Kaplan-Markov example
//! of Lindeman (2010), whose overall P-value is 0.098616.

#![allow(clippy::expect_used)] // test helpers: a missing vector file should stop the run
use audit::stats::{self, Pair};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/audit-statistics.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("vectors")).expect("json")
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

fn u(v: &Value) -> u64 {
    v.as_u64().expect("integer")
}

#[test]
fn hypergeometric_miss_matches_scipy() {
    for c in vectors()["hypergeometric_miss"].as_array().expect("list") {
        let got = stats::ln_miss(u(&c["n"]), u(&c["m"]), u(&c["k"])).exp();
        let want = c["miss"].as_f64().expect("f64");
        assert!(
            close(got, want, 1e-9) || (got == 0.0 && want < 1e-300),
            "{c}: {got}"
        );
    }
}

#[test]
fn least_detection_matches_exhaustive_search() {
    for c in vectors()["min_detection"].as_array().expect("list") {
        let segs: Vec<(u64, u64)> = c["segments"]
            .as_array()
            .expect("segments")
            .iter()
            .map(|s| (u(&s[0]), u(&s[1])))
            .collect();
        let got = stats::min_detection(&segs, u(&c["m"]));
        let want = c["detection"].as_f64().expect("f64");
        assert!(close(got, want, 1e-9), "{c}: {got}");
    }
}

#[test]
fn fewest_stations_matches_exhaustive_search() {
    for c in vectors()["min_stations"].as_array().expect("list") {
        let rows: Vec<Vec<u64>> = serde_json::from_value(c["rows"].clone()).expect("rows");
        let w: u64 = rows.iter().map(|r| r[0]).sum();
        let l: u64 = rows.iter().map(|r| r[1]).sum();
        let pairs = [Pair {
            winner: 0,
            loser: 1,
            margin: u128::from(w - l),
        }];
        let refs: Vec<&[u64]> = rows.iter().map(Vec::as_slice).collect();
        assert_eq!(
            stats::min_stations_to_change(&refs, &pairs),
            c["fewest"].as_u64(),
            "{c}"
        );
    }
}

/// Lindeman (2010), CD3: error bounds and overstatements quoted in the paper, and the product of
/// the Kaplan-Markov factors over the 42 drawn batches (some drawn twice).
#[test]
fn kaplan_markov_reproduces_the_published_example() {
    // The contest's totals from the vector (the paper's, page 2), not from this file.
    let v = vectors();
    let cd3 = &v["km"][0];
    let total = |who: &str| u128::from(cd3["totals"][who].as_u64().expect("a total"));
    assert_eq!(cd3["winner"], "Lungren");
    let pairs: Vec<Pair> = ["Durston", "Tuma", "Padilla"]
        .iter()
        .enumerate()
        .map(|(i, l)| Pair {
            winner: 0,
            loser: i + 1,
            margin: total("Lungren") - total(l),
        })
        .collect();
    // Page 3: u_p of two batches (ballots cast given: paper ballots may be blank).
    let up = stats::error_bound_cast(139, &[48, 83, 0, 0], &pairs[..1]);
    assert!(close(up, 0.005958860940812468, 1e-12), "{up}");
    let up = stats::error_bound_cast(382, &[158, 172, 14, 15], &pairs);
    assert!(close(up, 0.021085200252105654, 1e-12), "{up}");
    // Pages 4 and 6: e_p against the Lungren-Durston margin (the paper's e_Durston column).
    let ep = stats::overstatement(&[158, 172, 14, 15], &[158, 182, 14, 15], &pairs[..1]);
    assert!(close(ep, 0.000572967398155045, 1e-9), "{ep}");
    let ep = stats::overstatement(&[440, 392, 30, 16], &[442, 393, 30, 16], &pairs[..1]);
    assert!(close(ep, -5.72967398155045e-05, 1e-9), "{ep}");

    let u_total = 20.47011975018621; // over all 774 batches, from the paper
    let csv = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/kaplan-markov-cd3.csv"
    ))
    .expect("csv");
    let mut taints = Vec::new();
    for line in csv.lines().skip(1) {
        let f: Vec<u64> = line
            .split(',')
            .skip(1)
            .map(|x| x.parse().expect("int"))
            .collect();
        let (ballots, rep, times, aud) = (f[0], &f[1..5], f[5], &f[6..10]);
        let t = stats::overstatement(rep, aud, &pairs)
            / stats::error_bound_cast(u128::from(ballots), rep, &pairs);
        for _ in 0..times {
            taints.push(t);
        }
    }
    let p = stats::km_p_value(u_total, &taints);
    let want = v["km"][0]["p_value"].as_f64().expect("f64");
    assert!(close(p, want, 1e-9), "{p} vs {want}");
    assert!((p - 0.098616).abs() < 5e-7, "the paper's 0.098616, got {p}");
    for c in v["km"].as_array().expect("list").iter().skip(1) {
        let n = stats::km_sample_size(
            c["u_total"].as_f64().expect("u"),
            c["alpha"].as_f64().expect("a"),
        );
        assert_eq!(n, c["sample_size"].as_u64(), "{c}");
    }
}

#[test]
fn bravo_asn_matches_the_closed_form() {
    for c in vectors()["bravo_asn"].as_array().expect("list") {
        let got = stats::bravo_asn(
            u(&c["v_w"]),
            u(&c["v_l"]),
            u(&c["ballots"]),
            c["alpha"].as_f64().expect("a"),
        )
        .expect("a winner");
        assert!(
            close(got, c["asn"].as_f64().expect("f64"), 1e-9),
            "{c}: {got}"
        );
    }
}

#[test]
fn edge_cases() {
    // A margin of one vote: every station could flip it; U is huge and the sample is the
    // whole population many times over.
    let pairs = [Pair {
        winner: 0,
        loser: 1,
        margin: 1,
    }];
    let rows = [[300u64, 299, 1], [280, 280, 0]];
    let u_total: f64 = rows.iter().map(|r| stats::error_bound(r, &pairs)).sum();
    assert!(u_total > 1000.0);
    assert!(stats::km_sample_size(u_total, 0.05).expect("n") > 2000);
    assert_eq!(
        stats::min_stations_to_change(&[&rows[0], &rows[1]], &pairs),
        Some(1)
    );
    // A tie: infinite bound, no sample size, p-value infinite.
    let tie = [Pair {
        winner: 0,
        loser: 1,
        margin: 0,
    }];
    assert_eq!(stats::error_bound(&rows[0], &tie), f64::INFINITY);
    assert_eq!(stats::weight(&rows[0], &tie), u128::MAX);
    // Zero discrepancies: the p-value falls as (1 - 1/U)^n and meets alpha at the sample size.
    let n = stats::km_sample_size(20.0, 0.05).expect("n") as usize;
    assert!(stats::km_p_value(20.0, &vec![0.0; n]) <= 0.05);
    assert!(stats::km_p_value(20.0, &vec![0.0; n - 1]) > 0.05);
    // An overstatement as large as the margin at one station: taint 1 or more, no confirmation.
    let pairs = [Pair {
        winner: 0,
        loser: 1,
        margin: 10,
    }];
    let e = stats::overstatement(&[60, 50, 0], &[50, 60, 0], &pairs);
    assert!(close(e, 2.0, 1e-12));
    let t = e / stats::error_bound(&[60, 50, 0], &pairs);
    assert!(stats::km_p_value(2.0, &[t]).is_finite() || t >= 1.0);
    // One candidate plus NOTA: no loser, so no pair; nothing can change the outcome.
    assert_eq!(stats::error_bound(&[10, 3], &[]), 0.0);
    assert_eq!(stats::min_stations_to_change(&[&[10, 3]], &[]), None);
    assert_eq!(stats::km_p_value(0.0, &[]), 0.0);
}
