//! Real data end to end inside CI's budget: one whole assembly segment of Kachchh 2014
//! (segment 4, Anjar: 234 stations) imported from the published sheet, sealed, proved, bundled
//! and verified. The whole constituency runs with `scripts/kachchh.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use circuits::Shape;
use importer::{import, ImportOptions};
use prover::prove::{prove, ProveOptions};
use prover::seal::seal;
use prover::setup::setup;
use verifier::{verify_bundle, Options};

#[test]
#[ignore = "heavy (234 stations proved, about 6 minutes): scripts/test-all.sh runs it"]
fn one_real_segment_is_proved_and_verified() {
    let data = importer::testdata::real("gujarat-ls2014-kachchh").unwrap_or_else(|e| panic!("{e}"));
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("input");
    let opts = ImportOptions {
        raw_dir: data.join("raw"),
        electors: Some(data.join("kachchh_pc01_booths.csv")),
        declared: Some(data.join("raw/101 Gujarat - Kachchh.csv")),
        segments: vec![4],
        strict: false,
        allow: vec![],
        seed: 2014,
        election_id: "ls2014-gujarat-pc01-ac004".into(),
        contest_id: "PC01".into(),
        contest_name: "1 Kachchh (SC), segment 4 Anjar".into(),
        poll_date: "2014-04-30".into(),
        vvpat: None,
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

/// A sheet printing test votes (Rule 49MA) comes from a VVPAT poll: the imported contest carries
/// the paper trail and the statutory audit rule, is proved and verified, and the verifier says
/// that no audit is recorded yet (V7.a notice) instead of "no paper trail".
#[test]
fn an_imported_vvpat_constituency_is_verified_with_its_audit_outstanding() {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::write(
        raw.join("AC007.csv"),
        "Sl. No. of Polling Station,Votes in favour of,,,NOTA,Total valid votes,Rejected votes,No. of Test Votes (VVPAT),Total,Tendered\n,Asha Ben,Ravi Kumar,Mira Devi,,,,,,\n1,10,20,5,1,36,0,0,36,0\n2,7,3,9,2,21,0,2,23,0\n",
    )
    .unwrap();
    let input = d.path().join("input");
    let report = import(
        &ImportOptions {
            raw_dir: raw,
            electors: None,
            declared: None,
            segments: vec![],
            strict: false,
            allow: vec![],
            seed: 7,
            election_id: "sec-2026-vvpat".into(),
            contest_id: "PC09".into(),
            contest_name: "9 Test".into(),
            poll_date: "2026-02-01".into(),
            vvpat: None,
        },
        &input,
    )
    .unwrap();
    assert!(report.vvpat);
    let mut rng = rand::rngs::OsRng;
    let kd = setup(
        &[Shape::new(512, 4).unwrap()],
        "test",
        &d.path().join("keys"),
        &mut rng,
    )
    .unwrap();
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
    let key = std::fs::read_to_string(input.join("authority.pub")).unwrap();
    let r = verify_bundle(
        &bundle,
        &Options {
            pinned_keys: vec![key.trim().to_string()],
            ..Default::default()
        },
    );
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V7.a" && f.rule.contains("no VVPAT audit is recorded")),
        "{:#?}",
        r.findings
    );
}
