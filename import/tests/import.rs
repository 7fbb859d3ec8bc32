//! The importer on the real Kachchh 2014 sheets (data/real/): every anomaly class of the
//! data's README is found at its exact rows, the reconciliation with the declared result comes
//! out as postal votes, strict mode refuses; and small hand-made sheets for each row kind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use importer::{import, ImportOptions, ImportReport};
use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    importer::testdata::real("gujarat-ls2014-kachchh").unwrap_or_else(|e| panic!("{e}"))
}

fn opts(raw: PathBuf, segments: Vec<u32>, strict: bool) -> ImportOptions {
    ImportOptions {
        raw_dir: raw,
        electors: Some(data().join("kachchh_pc01_booths.csv")),
        declared: Some(data().join("raw/101 Gujarat - Kachchh.csv")),
        segments,
        strict,
        allow: vec![],
        seed: 1,
        election_id: "ls2014-gujarat-pc01".into(),
        contest_id: "PC01".into(),
        contest_name: "1 Kachchh (SC)".into(),
        poll_date: "2014-04-30".into(),
        vvpat: None,
    }
}

fn real() -> (tempfile::TempDir, ImportReport) {
    let d = tempfile::tempdir().unwrap();
    let r = import(
        &opts(data().join("raw"), vec![], false),
        &d.path().join("in"),
    )
    .unwrap();
    (d, r)
}

fn rows(r: &ImportReport, class: &str) -> Vec<(u32, Option<String>, Option<u64>)> {
    r.anomalies
        .iter()
        .filter(|a| a.class == class)
        .map(|a| (a.segment, a.station.clone(), a.line))
        .collect()
}

#[test]
fn real_sheets_every_anomaly_class_at_its_rows() {
    let (_d, r) = real();
    assert_eq!(r.stations, 1834);
    let seg = |n: u32| r.segments.iter().find(|s| s.segment == n).unwrap().stations;
    assert_eq!(
        [seg(1), seg(2), seg(3), seg(4), seg(5), seg(6), seg(65)],
        [329, 259, 253, 234, 258, 250, 251]
    );
    assert_eq!(r.by_class.get("unlabelled_subtotal_row"), Some(&19));
    assert!(r
        .anomalies
        .iter()
        .filter(|a| a.class == "unlabelled_subtotal_row")
        .all(|a| a.segment == 2));
    assert_eq!(
        rows(&r, "votes_exceed_electors"),
        vec![
            (1, Some("112".into()), Some(134)),
            (1, Some("249".into()), Some(296)),
            (1, Some("47".into()), Some(57)),
            (1, Some("82".into()), Some(99)),
            (5, Some("20".into()), Some(24)),
        ]
    );
    let dups: Vec<_> = rows(&r, "duplicate_ps_no")
        .into_iter()
        .map(|(s, p, _)| (s, p.unwrap()))
        .collect();
    assert_eq!(
        dups,
        vec![
            (1, "232".into()),
            (3, "164".into()),
            (4, "135".into()),
            (6, "232".into())
        ]
    );
    assert_eq!(
        rows(&r, "page_subtotal_mismatch"),
        vec![(6, None, Some(130))]
    );
    assert_eq!(
        rows(&r, "all_zero_row"),
        vec![(6, Some("57".into()), Some(68))]
    );
    // Numbers truly absent (not taken by a subtotal row).
    let absent: Vec<_> = r
        .anomalies
        .iter()
        .filter(|a| a.class == "missing_ps_no" && !a.detail.contains("subtotal"))
        .map(|a| (a.segment, a.station.clone().unwrap()))
        .collect();
    assert_eq!(
        absent,
        vec![(1, "234".into()), (6, "106".into()), (6, "234".into())]
    );
    assert!(
        rows(&r, "no_electors").contains(&(2, Some("229".into()), Some(231))),
        "the stray row of Mandvi"
    );
    assert_eq!(rows(&r, "ps_no_printed_unreliable").len(), 1);
    // The valid-votes column excludes NOTA in every segment of this sheet.
    assert!(r
        .segments
        .iter()
        .all(|s| s.valid_includes_nota == Some(false)));
}

#[test]
fn real_sheets_reconcile_with_the_declared_result_as_postal_votes() {
    let (d, r) = real();
    let diffs: Vec<i64> = r.reconciliation.iter().map(|x| x.difference).collect();
    assert_eq!(diffs, vec![114, 2610, 1410, 123, 82, 114]);
    let booth: u64 = r.reconciliation.iter().map(|x| x.booth_sum).sum();
    assert_eq!(booth, 941_787);
    let postal: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("in/postal/PC01.json")).unwrap())
            .unwrap();
    assert_eq!(
        postal["counts"],
        serde_json::json!([114, 2610, 1410, 123, 82, 114])
    );
    // No vote figure is changed: every imported station's log holds its sheet counts.
    let total: u64 = std::fs::read_dir(d.path().join("in/form17c"))
        .unwrap()
        .map(|e| {
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
            v["contests"][0]["total_recorded"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(total, booth);
}

#[test]
fn strict_mode_refuses_when_the_importer_must_choose() {
    let d = tempfile::tempdir().unwrap();
    let e = import(
        &opts(data().join("raw"), vec![2], true),
        &d.path().join("in"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("--strict") && e.contains("AC002.csv"), "{e}");
    assert!(
        !d.path().join("in/election.json").exists(),
        "nothing but the report is written"
    );
    assert!(d.path().join("in/import-report.txt").exists());
}

fn sheet(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

const HEAD: &str = "Serial No.,No. of Valid votes cast in favour of,,Total of valid votes,No.of rejected votes,NOTA,Total,No of tendered votes\n,Asha,Ravi,,,,,\n1,2,3,4,5,6,7,8\n";

#[test]
fn row_kinds_of_a_hand_made_sheet() {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    let body = "1,10,20,30,0,5,35,0\n2,1,2,3,0,1,4,1\nTotal,11,22,33,0,6,39,1\n3,5,5,10,0,Nil,10,0\n4,1,1,2,0,1,3,0\n5,6,6,12,0,1,13,0\n3,0,0,0,0,0,0,0\n7,abc,1,1,0,0,1,0\n,1,1,2,0,0,2,0\n13 01-FOOTER,,,,,,,\nTotal No. of votes recorded at polling stations,17,28,45,0,7,52,1\nNo. of votes recorded on postal ballot papers,1,2,3,0,0,3,0\nTotal Votes Polled,18,30,48,0,7,55,1\n";
    // CRLF line ends, as some sheets have.
    sheet(
        &raw,
        "AC009.csv",
        &format!("{HEAD}{body}").replace('\n', "\r\n"),
    );
    let mut o = opts(raw, vec![], false);
    o.electors = None;
    o.declared = None;
    let r = import(&o, &d.path().join("in")).unwrap();
    let classes: Vec<(&str, Option<u64>)> = r.anomalies.iter().map(|a| (a.class, a.line)).collect();
    // Row 5 (line 9) equals rows 3 and 4: an unlabelled subtotal. The second "3" is a
    // duplicate and all zero; row 7 is unreadable; one row has no number.
    assert!(
        classes.contains(&("unlabelled_subtotal_row", Some(9))),
        "{classes:?}"
    );
    assert!(
        classes.contains(&("duplicate_ps_no", Some(10))),
        "{classes:?}"
    );
    assert!(classes.contains(&("all_zero_row", Some(10))), "{classes:?}");
    assert!(
        classes.contains(&("nil_read_as_zero", Some(7))),
        "{classes:?}"
    );
    assert!(
        classes.contains(&("unreadable_row", Some(11))),
        "{classes:?}"
    );
    assert!(
        classes.contains(&("row_without_station_number", Some(12))),
        "{classes:?}"
    );
    // Imported: 1, 2, 3, 4, 3-2; the labelled Total row matches rows 1-2, and the sheet's total
    // row matches the imported stations.
    assert_eq!(r.stations, 5);
    let s = &r.segments[0];
    assert_eq!(s.booth_sums, vec![17, 28, 7]);
    assert_eq!(s.printed_postal, Some(vec![1, 2, 0]));
    assert_eq!(s.valid_includes_nota, Some(false));
    assert!(!r
        .anomalies
        .iter()
        .any(|a| a.class == "page_subtotal_mismatch" || a.class == "segment_total_mismatch"));
}
