//! A bundle read from memory (as the web page reads a chosen folder or a zip) gives the report
//! of the same bundle read from disk, and a run split in shares (the page's workers) gives,
//! once merged, the report of one run: on a passing bundle and on a tampered one, wherever the
//! tampered station falls. A share that is missing, doubled or read another bundle is an error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use bundle::ElectionKind;
use fixture::{copy, election, failed_steps};
use serde_json::Value;
use verifier::report::SharePart;
use verifier::{verify_source, Folder, Memory, Options, Report, Severity, Source};

fn json(r: &Report) -> Value {
    let mut v = serde_json::to_value(r).unwrap();
    v["bundle"] = Value::Null;
    v
}

/// Runs `n` shares of a run over `src` and merges them into share 0's report.
fn split(src: &dyn Source, n: u32) -> Report {
    let run = |k| {
        verify_source(
            src,
            &Options {
                share: Some((k, n)),
                ..Options::default()
            },
        )
    };
    let mut first = run(0);
    let parts: Vec<SharePart> = (1..n)
        .map(|k| {
            let part = run(k).share_part((k, n));
            // Parts travel between workers as JSON.
            serde_json::from_str(&serde_json::to_string(&part).unwrap()).unwrap()
        })
        .collect();
    first.absorb_shares(n, &parts);
    first
}

#[test]
fn memory_reads_as_the_folder_does() {
    let e = election(ElectionKind::Municipal);
    let disk = verify_source(&Folder(e.bundle.clone()), &Options::default());
    let mem = Memory::from_folder(&e.bundle).unwrap();
    let from_memory = verify_source(&mem, &Options::default());
    assert_eq!(disk.exit_code(), 0);
    assert_eq!(json(&disk), json(&from_memory));
}

#[test]
fn memory_finds_what_does_not_belong_in_a_bundle() {
    let e = election(ElectionKind::Assembly);
    let mut mem = Memory::from_folder(&e.bundle).unwrap();
    mem.insert("SECRET_salts/s1.json", b"{}".to_vec()).unwrap();
    mem.insert("contests/extra.json", b"{}".to_vec()).unwrap();
    let r = verify_source(&mem, &Options::default());
    assert_eq!(r.exit_code(), 1);
    let v1c: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.step == "V1.c" && f.severity == Severity::Failure)
        .map(|f| f.file.clone().unwrap_or_default())
        .collect();
    assert_eq!(v1c, vec!["SECRET_salts", "contests/extra.json"]);
    assert!(failed_steps(&r).contains("V5.e"));
}

#[test]
fn shares_merged_give_the_report_of_one_run() {
    let e = election(ElectionKind::Assembly);
    let whole = verify_source(&Folder(e.bundle.clone()), &Options::default());
    assert!(whole.proofs_verified >= 6);
    for n in [1, 2, 3, 7] {
        let merged = split(&Folder(e.bundle.clone()), n);
        assert_eq!(json(&merged), json(&whole), "{n} shares");
    }
}

#[test]
fn a_bad_proof_is_found_whichever_share_holds_it() {
    // Stations 0, 1, 2 fall in shares 0, 1, 2 of three.
    for station in 0..3 {
        let c = copy(ElectionKind::Assembly);
        let (_, shard) = c.contested();
        c.edit(&shard, |v| {
            let rows = v["stations"].as_array_mut().unwrap();
            let other = rows[(station + 1) % rows.len()]["proof"].clone();
            rows[station]["proof"] = other;
        });
        c.reindex();
        let whole = c.verify();
        assert_eq!(failed_steps(&whole), fixture::set(&["V4.d"]));
        let merged = split(&Folder(c.path.clone()), 3);
        assert_eq!(json(&merged), json(&whole), "station {station}");
        assert_eq!(merged.exit_code(), 1);
    }
}

/// The signatures are split between shares like the proofs: a close-of-poll statement's
/// signature broken at a station of any share gives, merged, the report of one run. The PO
/// roster's one signature is every share's.
#[test]
fn a_bad_signature_is_found_whichever_share_holds_it() {
    let c = copy(ElectionKind::Assembly);
    let (_, shard) = c.contested();
    c.edit(&shard, |v| {
        let sig = v["po_roster"]["signature"].as_str().unwrap().to_string();
        let flipped = if sig.starts_with('0') { "1" } else { "0" };
        v["po_roster"]["signature"] = Value::String(format!("{flipped}{}", &sig[1..]));
    });
    c.reindex();
    let whole = c.verify();
    assert_eq!(failed_steps(&whole), fixture::set(&["V2.d", "V3.a"]));
    for n in [2, 3] {
        let merged = split(&Folder(c.path.clone()), n);
        assert_eq!(json(&merged), json(&whole), "the roster, {n} shares");
    }
    for (list, steps) in [("close_of_poll", &["V3.a"][..])] {
        for station in 0..3 {
            let c = copy(ElectionKind::Assembly);
            let (_, shard) = c.contested();
            c.edit(&shard, |v| {
                let sig = v[list][station]["signature"].as_str().unwrap().to_string();
                let flipped = if sig.starts_with('0') { "1" } else { "0" };
                v[list][station]["signature"] = Value::String(format!("{flipped}{}", &sig[1..]));
            });
            c.reindex();
            let whole = c.verify();
            let failed = failed_steps(&whole);
            assert!(
                steps.iter().all(|s| failed.contains(*s)),
                "{list} {station}: {failed:?}"
            );
            for n in [2, 3] {
                let merged = split(&Folder(c.path.clone()), n);
                assert_eq!(
                    json(&merged),
                    json(&whole),
                    "{list}, station {station}, {n} shares"
                );
            }
            // The work is split: a share that does not hold the station does not check its
            // signature, and the one that holds it does.
            let alone = |k| {
                let r = verify_source(
                    &Folder(c.path.clone()),
                    &Options {
                        share: Some((k, 3)),
                        ..Options::default()
                    },
                );
                failed_steps(&r).contains("V3.a")
            };
            assert_eq!(
                (0..3).map(alone).collect::<Vec<_>>(),
                (0..3).map(|k| k == station as u32).collect::<Vec<_>>(),
                "{list} {station}"
            );
        }
    }
}

#[test]
fn a_missing_doubled_or_foreign_share_is_an_error() {
    let e = election(ElectionKind::Assembly);
    let other = election(ElectionKind::Municipal);
    let opts = |k| Options {
        share: Some((k, 3)),
        ..Options::default()
    };
    let src = Folder(e.bundle.clone());
    let part = |k| verify_source(&src, &opts(k)).share_part((k, 3));
    let whole = verify_source(&src, &Options::default());

    // Share 2 missing: fewer proofs, and an error naming it.
    let mut r = verify_source(&src, &opts(0));
    r.absorb_shares(3, &[part(1)]);
    assert_eq!(r.exit_code(), 2);
    assert!(r.proofs_verified < whole.proofs_verified);
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule.contains("[2] did not report")));

    // Share 1 twice.
    let mut r = verify_source(&src, &opts(0));
    r.absorb_shares(3, &[part(1), part(1), part(2)]);
    assert_eq!(r.exit_code(), 2);

    // A share of another bundle.
    let foreign = verify_source(&Folder(other.bundle.clone()), &opts(2)).share_part((2, 3));
    let mut r = verify_source(&src, &opts(0));
    r.absorb_shares(3, &[part(1), foreign]);
    assert_eq!(r.exit_code(), 2);
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule.contains("read a different bundle")));
}

/// A grouped bundle (totaliser groups) split in shares gives the report of one run, passing and
/// with a group whose total is not its stations' sum (V9.c, which share 0 alone verifies).
#[test]
fn shares_of_a_grouped_bundle_give_the_report_of_one_run() {
    let e = fixture::grouped();
    let whole = verify_source(&Folder(e.bundle.clone()), &Options::default());
    assert_eq!(whole.exit_code(), 0, "{:#?}", whole.findings);
    for n in [2, 3] {
        assert_eq!(
            json(&split(&Folder(e.bundle.clone()), n)),
            json(&whole),
            "{n} shares"
        );
    }
    let c = fixture::copy_grouped();
    let (_, path) = c.contested();
    c.edit(&path, |s| {
        // A different but well-formed proof: the second group's.
        s["groups"][0]["proof"] = s["groups"][1]["proof"].clone();
    });
    c.reindex();
    let whole = verify_source(&Folder(c.path.clone()), &Options::default());
    assert!(
        failed_steps(&whole).contains("V9.c"),
        "{:#?}",
        whole.findings
    );
    for n in [2, 3] {
        assert_eq!(
            json(&split(&Folder(c.path.clone()), n)),
            json(&whole),
            "{n} shares"
        );
    }
}
