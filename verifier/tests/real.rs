//! Real data end to end inside CI's budget: one whole assembly segment of Kachchh 2014
//! (segment 4, Anjar: 234 stations) imported from the published sheet, sealed, proved, bundled
//! and verified. The whole constituency runs with `scripts/kachchh.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use circuits::Shape;
use prover::import::{import, ImportOptions};
use prover::prove::{prove, ProveOptions};
use prover::seal::seal;
use prover::setup::setup;
use std::path::Path;
use verifier::{verify_bundle, Options};

#[test]
fn one_real_segment_is_proved_and_verified() {
    let data =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/real/gujarat-ls2014-kachchh");
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("input");
    let opts = ImportOptions {
        raw_dir: data.join("raw"),
        electors: Some(data.join("kachchh_pc01_booths.csv")),
        declared: Some(data.join("raw/101 Gujarat - Kachchh.csv")),
        segments: vec![4],
        strict: false,
        seed: 2014,
        election_id: "ls2014-gujarat-pc01-ac004".into(),
        contest_id: "PC01".into(),
        contest_name: "1 Kachchh (SC), segment 4 Anjar".into(),
        poll_date: "2014-04-30".into(),
    };
    let report = import(&opts, &input).unwrap();
    assert_eq!(report.stations, 234);
    let keys = d.path().join("keys");
    let shapes = [
        Shape::new(512, 8).unwrap(),
        Shape::new(1024, 8).unwrap(),
        Shape::new(2048, 8).unwrap(),
    ];
    let mut rng = rand::rngs::OsRng;
    let kd = setup(&shapes, "test", &keys, &mut rng).unwrap();
    seal(&input, &kd, &mut rng).unwrap();
    let bundle = d.path().join("bundle");
    prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &bundle,
        force: false,
        on_progress: None,
    })
    .unwrap();
    let key = std::fs::read_to_string(input.join("authority.pub"))
        .unwrap()
        .trim()
        .to_string();
    let r = verify_bundle(
        &bundle,
        &Options {
            pinned_keys: vec![key],
            progress: None,
            ..Default::default()
        },
    );
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert_eq!(r.proofs_verified, 234);
    // The verifier's totals are the sum of the imported stations (no postal row for a part).
    let line = &r.contests[0];
    let booth: u64 = report.segments[0].booth_sums.iter().sum();
    assert_eq!(line.total_votes, u128::from(booth));
    assert_eq!(
        report.segments[0].booth_sums.iter().sum::<u64>(),
        report.segments[0]
            .printed_total
            .as_ref()
            .map(|t| t.iter().sum())
            .unwrap_or(booth)
    );
}
