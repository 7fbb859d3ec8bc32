//! Aggregated proofs (V4.f, aggregation.md) in a bundle whose keys come from a ceremony made
//! for aggregation: the aggregates verify and stand for the stations' proofs; every way to
//! make or change one wrongly fails V4.f, and the stations' own proofs (V4.d) then name any bad
//! one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::ceremony::{copy, made};
use crate::fixture::{self, failed_steps, set, Copy};
use bundle::{CloseOfPoll, ContestAggregates, ContestShard, ElectionKind, StationResult};
use prover::prove::shape_aggregate;
use prover::setup::KeyDir;
use verifier::{verify_bundle, Options, Report};

fn checked(r: &Report, step: &str) -> u64 {
    r.steps
        .iter()
        .find(|s| s.step == step)
        .map_or(0, |s| s.checked)
}

fn shard(c: &Copy) -> (String, ContestShard) {
    let (cid, path) = c.contested();
    (cid, serde_json::from_value(c.read(&path)).unwrap())
}

fn aggregates_path(cid: &str) -> String {
    format!("aggregates/{cid}.json")
}

/// The key folder's aggregation key and the shape's key digest.
fn key() -> (circuits::aggregate::AggregationKey, Vec<u8>) {
    let kd = KeyDir::open(&made().keys).unwrap();
    let digest = hex::decode(&kd.setup.shapes[0].vk_sha256).unwrap();
    (
        kd.aggregation_key().unwrap().expect("aggregation key"),
        digest,
    )
}

fn election_id(c: &Copy) -> String {
    c.read("election.json")["body"]["definition"]["election_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Replaces the contest's one aggregate by one made by `make` from the shard's rows, and
/// re-signs the index (an insider holding the authority key).
fn replace_aggregate(
    c: &Copy,
    make: impl FnOnce(&str, &str, Vec<(&CloseOfPoll, &StationResult)>) -> bundle::ShapeAggregate,
) {
    let (cid, shard) = shard(c);
    let rows: Vec<(&CloseOfPoll, &StationResult)> = shard
        .close_of_poll
        .iter()
        .map(|s| &s.body)
        .zip(&shard.stations)
        .collect();
    let eid = election_id(c);
    let agg = make(&eid, &cid, rows);
    let file = ContestAggregates {
        contest_id: cid.clone(),
        aggregates: vec![agg],
    };
    c.write(&aggregates_path(&cid), &serde_json::to_value(file).unwrap());
    c.reindex();
}

/// Verifies the copy and requires V4.f, and only V4.f, to fail.
fn expect_v4f(c: &Copy, what: &str) -> Report {
    let r = c.verify();
    assert_eq!(
        failed_steps(&r),
        set(&["V4.f"]),
        "{what}: {:#?}",
        r.findings
    );
    r
}

fn shape_of(rows: &[(&CloseOfPoll, &StationResult)]) -> String {
    rows[0].1.shape.clone()
}

#[test]
fn aggregates_verify_and_stand_for_the_stations_proofs() {
    let m = made();
    let c = copy();
    let (cid, shard) = shard(&c);
    assert!(
        m.bundle.join(aggregates_path(&cid)).exists(),
        "the bundle carries the contest's aggregate"
    );
    let r = verify_bundle(&m.bundle, &Options::default());
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert_eq!(checked(&r, "V4.f"), 1, "one aggregate, verified");
    assert_eq!(checked(&r, "V4.d"), 0, "no station's proof checked alone");
    assert_eq!(r.proofs_verified, shard.stations.len() as u64);
    // Asked for, or in a scoped run, the stations' proofs are checked as well.
    for opts in [
        Options {
            per_station: true,
            ..Options::default()
        },
        Options {
            contests: vec![cid.clone()],
            ..Options::default()
        },
    ] {
        let r = verify_bundle(&m.bundle, &opts);
        assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
        assert_eq!(checked(&r, "V4.f"), 1);
        assert_eq!(checked(&r, "V4.d"), shard.stations.len() as u64);
        assert_eq!(r.proofs_verified, shard.stations.len() as u64);
    }
    // Split runs (the page's workers): the merged report is the whole run's.
    let mut whole = verifier::verify_bundle(
        &m.bundle,
        &Options {
            share: Some((0, 2)),
            ..Options::default()
        },
    );
    let other = verifier::verify_bundle(
        &m.bundle,
        &Options {
            share: Some((1, 2)),
            ..Options::default()
        },
    );
    whole.absorb_shares(2, &[other.share_part((1, 2))]);
    assert_eq!(whole.exit_code(), 0, "{:#?}", whole.findings);
    assert_eq!(whole.proofs_verified, shard.stations.len() as u64);
}

#[test]
fn v4f_an_aggregate_over_a_bad_proof_fails_and_the_stations_are_named() {
    let c = copy();
    let (cid, path) = c.contested();
    // Two stations' proofs exchanged (each valid, for the other's inputs), then aggregated as
    // the prover would.
    let mut names = Vec::new();
    c.edit(&path, |v| {
        let rows = v["stations"].as_array_mut().unwrap();
        let p0 = rows[0]["proof"].clone();
        rows[0]["proof"] = rows[1]["proof"].clone();
        rows[1]["proof"] = p0;
        names = vec![
            rows[0]["station_id"].as_str().unwrap().to_string(),
            rows[1]["station_id"].as_str().unwrap().to_string(),
        ];
    });
    let (key, digest) = key();
    replace_aggregate(&c, |eid, cid, rows| {
        shape_aggregate(eid, cid, &shape_of(&rows), &rows, &key, &digest).unwrap()
    });
    let r = c.verify();
    assert_eq!(
        failed_steps(&r),
        set(&["V4.d", "V4.f"]),
        "{:#?}",
        r.findings
    );
    let bad: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.step == "V4.d")
        .filter_map(|f| f.station.as_deref())
        .collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(names.iter().all(|n| bad.contains(&n.as_str())), "{bad:?}");
    assert!(r.findings.iter().any(|f| f.step == "V4.f"
        && f.rule.contains("does not verify")
        && f.file.as_deref().is_some_and(|p| p.contains(&cid))));
}

#[test]
fn v4f_an_aggregate_for_another_contest_order_or_count_fails() {
    let (key, digest) = key();
    type Make = fn(
        &str,
        &str,
        Vec<(&CloseOfPoll, &StationResult)>,
        &circuits::aggregate::AggregationKey,
        &[u8],
    ) -> bundle::ShapeAggregate;
    let cases: [(&str, Make); 4] = [
        ("made for another contest", |eid, _, rows, k, d| {
            shape_aggregate(eid, "AC999", &shape_of(&rows), &rows, k, d).unwrap()
        }),
        ("made for another election", |_, cid, rows, k, d| {
            shape_aggregate("another-election", cid, &shape_of(&rows), &rows, k, d).unwrap()
        }),
        (
            "the stations in another order",
            |eid, cid, mut rows, k, d| {
                rows.reverse();
                shape_aggregate(eid, cid, &shape_of(&rows), &rows, k, d).unwrap()
            },
        ),
        ("a station left out", |eid, cid, rows, k, d| {
            let mut a = shape_aggregate(eid, cid, &shape_of(&rows), &rows[1..], k, d).unwrap();
            a.stations += 1;
            a
        }),
    ];
    for (what, make) in cases {
        let c = copy();
        replace_aggregate(&c, |eid, cid, rows| make(eid, cid, rows, &key, &digest));
        let r = expect_v4f(&c, what);
        // The stations' own proofs were checked instead, and hold.
        assert_eq!(
            checked(&r, "V4.d"),
            shard(&c).1.stations.len() as u64,
            "{what}"
        );
    }
    // A count that is not the shard's, and a shape no station is proved in.
    let c = copy();
    let (cid, _) = c.contested();
    c.edit(&aggregates_path(&cid), |v| {
        v["aggregates"][0]["stations"] = 2.into();
    });
    c.reindex();
    expect_v4f(&c, "");
    let c = copy();
    c.edit(&aggregates_path(&cid), |v| {
        let mut other = v["aggregates"][0].clone();
        other["shape"] = "64x4".into();
        v["aggregates"].as_array_mut().unwrap().push(other);
    });
    c.reindex();
    expect_v4f(&c, "");
    // No aggregate at all for the shape its stations are proved in.
    let c = copy();
    c.edit(&aggregates_path(&cid), |v| {
        v["aggregates"] = serde_json::json!([]);
    });
    c.reindex();
    expect_v4f(&c, "");
}

#[test]
fn v4f_a_proof_swapped_after_aggregation_fails() {
    use ark_groth16::Groth16;
    let c = copy();
    let (_, path) = c.contested();
    // Another valid proof of the same statement (Groth16 proofs re-randomise): V4.d holds for
    // every station, but the aggregate was made over the proofs as first published.
    let vk = circuits::vk_from_bytes(
        circuits::Shape::parse(&shard(&c).1.stations[0].shape).unwrap(),
        &std::fs::read(
            c.path.join(
                c.read("election.json")["body"]["shapes"][0]["path"]
                    .as_str()
                    .unwrap(),
            ),
        )
        .unwrap(),
    )
    .unwrap();
    c.edit(&path, |v| {
        let p = circuits::proof_from_hex(v["stations"][0]["proof"].as_str().unwrap()).unwrap();
        let q = Groth16::<circuits::Bls12_381>::rerandomize_proof(
            &vk.pvk.vk,
            &p,
            &mut rand::rngs::OsRng,
        );
        v["stations"][0]["proof"] = circuits::proof_to_hex(&q).unwrap().into();
    });
    c.reindex();
    let r = expect_v4f(&c, "a proof re-randomised");
    assert_eq!(r.proofs_verified, shard(&c).1.stations.len() as u64);
}

#[test]
fn v4f_an_aggregate_under_a_key_the_ceremony_did_not_make_fails() {
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    // An aggregation key whose secrets the maker knows.
    let mut rng = rand::rngs::OsRng;
    let (a, b) = (circuits::Fr::rand(&mut rng), circuits::Fr::rand(&mut rng));
    let pows = |s: circuits::Fr, n: usize| {
        let mut v = Vec::with_capacity(n);
        let mut x = circuits::Fr::from(1u64);
        for _ in 0..n {
            v.push(x);
            x *= s;
        }
        v
    };
    let g1 = ark_bls12_381::G1Projective::generator();
    let g2 = ark_bls12_381::G2Projective::generator();
    let own = circuits::aggregate::AggregationKey::from_powers(
        pows(a, 16).iter().map(|x| (g1 * x).into_affine()).collect(),
        pows(a, 8).iter().map(|x| (g2 * x).into_affine()).collect(),
        pows(b, 16).iter().map(|x| (g1 * x).into_affine()).collect(),
        pows(b, 8).iter().map(|x| (g2 * x).into_affine()).collect(),
    )
    .unwrap();
    let (_, digest) = key();
    let c = copy();
    replace_aggregate(&c, |eid, cid, rows| {
        shape_aggregate(eid, cid, &shape_of(&rows), &rows, &own, &digest).unwrap()
    });
    expect_v4f(&c, "");
    // The transcript's aggregation powers changed: the chain fails (V2.h), and the aggregate
    // is not checked under a key the ceremony does not establish (every proof alone instead).
    let c = copy();
    c.edit("ceremony/transcript.json", |t| {
        let last = t["phase1"].as_array_mut().unwrap().last_mut().unwrap();
        let a = last["aggregation"]["a_g1"].clone();
        last["aggregation"]["a_g1"] = last["aggregation"]["b_g1"].clone();
        last["aggregation"]["b_g1"] = a;
    });
    crate::ceremony::rebind(&c);
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V2.h"]), "{:#?}", r.findings);
    assert_eq!(checked(&r, "V4.d"), shard(&c).1.stations.len() as u64);
    // Aggregates in a bundle whose keys come from no ceremony made for aggregation.
    let single = fixture::copy(ElectionKind::Assembly);
    let (cid, _) = single.contested();
    let file = made().bundle.join(aggregates_path(&shard(&c).0));
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    v["contest_id"] = cid.clone().into();
    std::fs::create_dir_all(single.path.join("aggregates")).unwrap();
    single.write(&aggregates_path(&cid), &v);
    single.reindex();
    let r = expect_v4f(&single, "aggregates without a ceremony");
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V4.f" && f.rule.contains("no key ceremony")));
}

#[test]
fn v4f_malformed_aggregates_fail() {
    let c0 = copy();
    let (cid, _) = c0.contested();
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 5] = [
        ("not hex", |v| v["aggregates"][0]["proof"] = "zz".into()),
        ("truncated", |v| {
            let p = v["aggregates"][0]["proof"].as_str().unwrap().to_string();
            v["aggregates"][0]["proof"] = p[..p.len() - 2].to_string().into();
        }),
        ("a byte changed", |v| {
            let mut p = v["aggregates"][0]["proof"].as_str().unwrap().to_string();
            let i = p.len() / 2;
            let ch = if &p[i..=i] == "0" { "1" } else { "0" };
            p.replace_range(i..=i, ch);
            v["aggregates"][0]["proof"] = p.into();
        }),
        ("another contest named", |v| {
            v["contest_id"] = "AC999".into()
        }),
        ("a field the format does not define", |v| {
            v["note"] = "made later".into();
        }),
    ];
    for (what, edit) in edits {
        let c = copy();
        c.edit(&aggregates_path(&cid), edit);
        c.reindex();
        expect_v4f(&c, what);
    }
    // A salt in it is secret material wherever it is (V1.c).
    let c = copy();
    c.edit(&aggregates_path(&cid), |v| v["salt"] = "00".into());
    c.reindex();
    assert!(failed_steps(&c.verify()).contains("V1.c"));
}

#[test]
fn sharded_proving_then_assemble_writes_the_aggregates_too() {
    use prover::shard::{assemble, prove_shard, AssembleOptions, Shard, ShardOptions};
    let m = made();
    let kd = KeyDir::open(&m.keys).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    for index in 0..2 {
        prove_shard(&ShardOptions {
            input: &m.input,
            keys: &kd,
            work: &work,
            shard: Shard { index, count: 2 },
            on_progress: None,
        })
        .unwrap();
    }
    let out = dir.path().join("bundle");
    let summary = assemble(&AssembleOptions {
        input: &m.input,
        keys: &kd,
        work: &work,
        out: &out,
        force: false,
    })
    .unwrap();
    assert!(summary.aggregates >= 1);
    let r = verify_bundle(&out, &Options::default());
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert_eq!(checked(&r, "V4.f"), summary.aggregates as u64);
    assert_eq!(checked(&r, "V4.d"), 0);
}
