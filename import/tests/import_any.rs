//! The four constituencies of data/real/gujarat-ls2014 (28 sheets, 13 column orders,
//! nine wordings of the station column, NOTA headed or not, included in "valid" or not, names
//! merged or spelled differently from sheet to sheet) import with no hand edit, and each
//! reconciles with its declared result: every candidate's stations add up to less than the
//! declared total, the difference being postal ballots.
//!
//! The pinned station counts and sums were computed once by the importer; for Chhota Udaipur
//! they equal a separate, naive reading of the sheets (candidates in the four columns after the
//! station number, NOTA where a heading names it), and in all four the declared totals exceed
//! them by small positive amounts, as postal ballots do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use importer::{import, ImportOptions};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn data(pc: &str) -> PathBuf {
    importer::testdata::real(&format!("gujarat-ls2014/{pc}")).unwrap_or_else(|e| panic!("{e}"))
}

struct Expect {
    pc: &'static str,
    segments: [usize; 7],
    sums: &'static [u64],
}

const EXPECT: [Expect; 4] = [
    Expect {
        pc: "pc04-mahesana",
        segments: [215, 216, 246, 268, 230, 216, 229],
        sums: &[
            9662, 576928, 367948, 4811, 1069, 1326, 1241, 1031, 3657, 1619, 1780, 2423, 5974, 6130,
            11546,
        ],
    },
    Expect {
        pc: "pc17-kheda",
        segments: [299, 229, 229, 230, 248, 227, 290],
        sums: &[
            565356, 333089, 5753, 1018, 3715, 933, 935, 1841, 801, 836, 950, 1440, 2719, 3493,
            7441, 20276,
        ],
    },
    Expect {
        pc: "pc21-chhota-udaipur",
        segments: [295, 286, 293, 358, 241, 218, 288],
        sums: &[425511, 604843, 22961, 12460, 28767],
    },
    Expect {
        pc: "pc24-surat",
        segments: [328, 209, 162, 188, 163, 242, 208],
        sums: &[6336, 717429, 184904, 2639, 18824, 1177, 1604, 2694, 10900],
    },
];

#[test]
fn every_shared_constituency_imports_and_reconciles() {
    for e in &EXPECT {
        let d = tempfile::tempdir().unwrap();
        let o = ImportOptions {
            raw_dir: data(e.pc).join("raw"),
            electors: Some(data(e.pc).join("electors.csv")),
            declared: Some(data(e.pc).join("declared.csv")),
            segments: vec![],
            strict: false,
            allow: vec![],
            seed: 1,
            election_id: format!("ls2014-{}", e.pc),
            contest_id: "PC".into(),
            contest_name: e.pc.into(),
            poll_date: "2014-04-30".into(),
            vvpat: None,
        };
        let r = import(&o, &d.path().join("in")).unwrap_or_else(|err| panic!("{}: {err}", e.pc));
        let per: Vec<usize> = r.segments.iter().map(|s| s.stations).collect();
        assert_eq!(per, e.segments, "{}: stations per segment", e.pc);
        let sums: Vec<u64> = r.reconciliation.iter().map(|x| x.booth_sum).collect();
        assert_eq!(sums, e.sums, "{}: per-candidate sums", e.pc);
        for x in &r.reconciliation {
            assert!(
                x.difference >= 0 && x.difference * 20 <= x.declared as i64 + 4000,
                "{}: {} stations {} declared {}",
                e.pc,
                x.name,
                x.booth_sum,
                x.declared
            );
        }
        // Every segment says which layout the reader recognised.
        assert!(r.segments.iter().all(|s| !s.layout.is_empty()));
        // What --strict would refuse: nothing in Mahesana and Chhota Udaipur; in Kheda, station
        // 224 of AC057 ("- 470"); in Surat, two duplicated numbers and an unreadable row.
        let votes: BTreeSet<&str> = r
            .anomalies
            .iter()
            .filter(|a| a.severity() == "votes")
            .map(|a| a.class)
            .collect();
        let want: &[&str] = match e.pc {
            "pc17-kheda" => &[
                "missing_ps_no",
                "station_in_booth_list_without_row",
                "unreadable_row",
            ],
            "pc24-surat" => &["duplicate_ps_no", "unreadable_row"],
            _ => &[],
        };
        assert_eq!(votes, want.iter().copied().collect(), "{}", e.pc);
    }
}

#[test]
fn auxiliary_stations_keep_their_own_ids() {
    let d = tempfile::tempdir().unwrap();
    let e = &EXPECT[3];
    let o = ImportOptions {
        raw_dir: data(e.pc).join("raw"),
        electors: None,
        declared: Some(data(e.pc).join("declared.csv")),
        segments: vec![155],
        strict: false,
        allow: vec![],
        seed: 1,
        election_id: "ls2014-surat".into(),
        contest_id: "PC24".into(),
        contest_name: "24 Surat".into(),
        poll_date: "2014-04-30".into(),
        vvpat: None,
    };
    import(&o, &d.path().join("in")).unwrap();
    for aux in ["208A", "209A", "293A", "298A", "300A", "302A"] {
        assert!(
            d.path()
                .join(format!("in/form17c/AC155-PS{aux}.json"))
                .exists(),
            "{aux}"
        );
    }
}

#[test]
fn unlabelled_total_and_postal_rows_and_negative_summary_figures() {
    let d = tempfile::tempdir().unwrap();
    let e = &EXPECT[3];
    let o = ImportOptions {
        raw_dir: data(e.pc).join("raw"),
        electors: None,
        declared: Some(data(e.pc).join("declared.csv")),
        segments: vec![155, 167],
        strict: false,
        allow: vec![],
        seed: 1,
        election_id: "ls2014-surat".into(),
        contest_id: "PC24".into(),
        contest_name: "24 Surat".into(),
        poll_date: "2014-04-30".into(),
        vvpat: None,
    };
    let r = import(&o, &d.path().join("in")).unwrap();
    let at = |class: &str| -> Vec<(u32, Option<u64>)> {
        r.anomalies
            .iter()
            .filter(|a| a.class == class)
            .map(|a| (a.segment, a.line))
            .collect()
    };
    // Each sheet ends with its total, a postal row of zeros and the total again, unlabelled.
    assert_eq!(
        at("unlabelled_total_row"),
        vec![
            (155, Some(333)),
            (155, Some(335)),
            (167, Some(211)),
            (167, Some(213))
        ]
    );
    assert_eq!(
        at("unlabelled_postal_row"),
        vec![(155, Some(334)), (167, Some(212))]
    );
    assert!(at("row_without_station_number").is_empty());
    // Six rows of AC167 print a negative rejected figure; their totals add up with it.
    let mut neg = at("negative_figure");
    neg.sort();
    assert_eq!(
        neg,
        [8, 42, 47, 49, 169, 170].map(|l| (167, Some(l))).to_vec()
    );
    assert!(!at("total_column_mismatch").iter().any(|(s, _)| *s == 167));
    let seg = r.segments.iter().find(|s| s.segment == 167).unwrap();
    assert_eq!(seg.printed_total.as_ref(), Some(&seg.booth_sums));
    assert_eq!(seg.printed_postal, Some(vec![0; 9]));
    assert!(!r.vvpat && seg.test_votes.is_none());
}

const VVPAT_SHEET: &str = "Sl. No. of Polling Station,Votes in favour of,,,NOTA,Total valid votes,Rejected votes,No. of Test Votes (VVPAT),Total,Tendered\n,Asha Ben,Ravi Kumar,Mira Devi,,,,,,\n1,10,20,5,1,36,0,0,36,0\n2,7,3,9,2,21,0,2,23,0\n3,4,-1,6,0,9,0,0,9,0\n4,1,1,1,0,3,0,0,3,1\n";

fn vvpat_import(
    sheet: &str,
    vvpat: Option<bool>,
) -> (tempfile::TempDir, Result<importer::ImportReport, String>) {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::write(raw.join("AC007.csv"), sheet).unwrap();
    let o = ImportOptions {
        raw_dir: raw,
        electors: None,
        declared: None,
        segments: vec![],
        strict: false,
        allow: vec![],
        seed: 1,
        election_id: "sec-2026-test".into(),
        contest_id: "PC09".into(),
        contest_name: "9 Test".into(),
        poll_date: "2026-02-01".into(),
        vvpat,
    };
    let r = import(&o, &d.path().join("in")).map_err(|e| e.to_string());
    (d, r)
}

fn contest(d: &tempfile::TempDir) -> serde_json::Value {
    let def: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("in/election.json")).unwrap()).unwrap();
    def["contests"][0].clone()
}

#[test]
fn a_test_votes_column_makes_a_vvpat_contest_and_each_test_vote_is_reported() {
    let (d, r) = vvpat_import(VVPAT_SHEET, None);
    let r = r.unwrap();
    assert!(r.vvpat, "{}", r.vvpat_basis);
    assert!(r.vvpat_basis.contains("AC007.csv"), "{}", r.vvpat_basis);
    assert_eq!(r.segments[0].test_votes, Some(2));
    let c = contest(&d);
    assert_eq!(c["vvpat"], true);
    assert_eq!(c["audit"]["statutory_per_segment"], 5);
    assert!(c["audit"]["risk_limit_bp"].is_null());
    let form: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.path().join("in/form17c/AC007-PS0001.json")).unwrap(),
    )
    .unwrap();
    assert!(form["contests"][0]["units"][0]["vvpat"].is_string());
    // Station 2's 2 test votes cannot be given to a candidate: reported, the importer chose.
    let tv: Vec<_> = r
        .anomalies
        .iter()
        .filter(|a| a.class == "test_votes_unattributed")
        .collect();
    assert_eq!(tv.len(), 1);
    assert_eq!(
        (tv[0].station.as_deref(), tv[0].line, tv[0].choice),
        (Some("2"), Some(4), true)
    );
    // Its total counts the test votes in: no mismatch. Station 3 prints -1 for a candidate: not
    // imported, and said so.
    assert!(!r
        .anomalies
        .iter()
        .any(|a| a.class == "total_column_mismatch"));
    let neg: Vec<_> = r
        .anomalies
        .iter()
        .filter(|a| a.class == "negative_figure")
        .collect();
    assert_eq!(neg.len(), 1);
    assert_eq!((neg[0].line, neg[0].choice), (Some(5), true));
    assert_eq!(r.stations, 3);
    assert!(
        r.segments[0]
            .layout
            .iter()
            .any(|l| l.contains("test votes")),
        "{:?}",
        r.segments[0].layout
    );
}

#[test]
fn vvpat_stated_or_refused_overrides_the_sheets() {
    let (d, r) = vvpat_import(VVPAT_SHEET, Some(false));
    let r = r.unwrap();
    assert!(!r.vvpat && r.vvpat_basis.contains("--vvpat no"));
    assert_eq!(contest(&d)["vvpat"], false);
    assert!(contest(&d)["audit"].is_null());
    // A sheet without a test-votes column: no VVPAT unless stated.
    let plain = VVPAT_SHEET.replace("No. of Test Votes (VVPAT)", "");
    let plain: String = plain
        .lines()
        .map(|l| {
            let mut c: Vec<&str> = l.split(',').collect();
            c.remove(7);
            c.join(",") + "\n"
        })
        .collect();
    let (_d, r) = vvpat_import(&plain, None);
    let r = r.unwrap();
    assert!(!r.vvpat && r.vvpat_basis.contains("--vvpat yes"));
    let (d, r) = vvpat_import(&plain, Some(true));
    assert!(r.unwrap().vvpat);
    assert_eq!(contest(&d)["audit"]["statutory_per_segment"], 5);
}

fn import_bytes(bytes: &[u8]) -> Result<importer::ImportReport, String> {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::write(raw.join("AC012.csv"), bytes).unwrap();
    let o = ImportOptions {
        raw_dir: raw,
        electors: None,
        declared: None,
        segments: vec![],
        strict: false,
        allow: vec![],
        seed: 1,
        election_id: "sec-2026-test".into(),
        contest_id: "PC03".into(),
        contest_name: "3 Test".into(),
        poll_date: "2026-02-01".into(),
        vvpat: None,
    };
    import(&o, &d.path().join("in")).map_err(|e| e.to_string())
}

/// A bilingual Hindi sheet saved as UTF-16 "text" (tab-separated), figures in Devanagari digits,
/// a candidate named Kuldeep (कुलदीप, which starts like "कुल", total).
#[test]
fn hindi_headings_devanagari_digits_utf16_and_tabs() {
    let text = "मतदान केन्द्र क्रमांक\tनिम्नलिखित अभ्यर्थियों के पक्ष में डाले गए विधिमान्य मत\t\t\tउपरोक्त में से कोई नहीं\tकुल विधिमान्य मत\tअस्वीकृत मत\tकुल\tनिविदत्त मत\n\tकुलदीप सिंह\tराम प्रसाद\tसीता देवी\t\t\t\t\t\n१\t१२\t३४\t५\t२\t५३\t०\t५३\t०\n२\t७\t८\t९\t१\t२५\t१\t२६\t२\n३\t१०\t०\t४\t०\t१४\t०\t१४\t०\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let r = import_bytes(&bytes).unwrap();
    assert_eq!(r.stations, 3);
    assert_eq!(r.candidates[0], "कुलदीप सिंह");
    let seg = &r.segments[0];
    assert_eq!(seg.booth_sums, vec![29, 42, 18, 3]);
    assert_eq!(seg.valid_includes_nota, Some(true));
    let layout = seg.layout.join("; ");
    for said in ["UTF-16LE", "tabs", "Devanagari", "NOTA headed"] {
        assert!(layout.contains(said), "{said}: {layout}");
    }
    // Station 2 prints 1 rejected vote: reported as for any sheet.
    assert!(r
        .anomalies
        .iter()
        .any(|a| a.class == "rejected_at_station" && a.station.as_deref() == Some("2")));
    assert!(!r
        .anomalies
        .iter()
        .any(|a| a.class.ends_with("_mismatch") || a.class == "unreadable_row"));
}

/// Gujarati headings and digits, separated by semicolons, with a labelled total row.
#[test]
fn gujarati_headings_and_digits_with_semicolons() {
    let text = "મતદાન મથક નં.;ઉમેદવારોની તરફેણમાં પડેલા માન્ય મતો;;નોટા;કુલ માન્ય મતો;અસ્વીકૃત મતો;કુલ મતો;ટેન્ડર મતો\n;પટેલ રમેશભાઈ;શાહ કિરણબેન;;;;;\n૧;૧૦૦;૨૦૦;૫;૩૦૦;૦;૩૦૫;૦\n૨;૫૦;૬૦;૧;૧૧૦;૦;૧૧૧;૦\nકુલ;૧૫૦;૨૬૦;૬;૪૧૦;૦;૪૧૬;૦\n";
    let r = import_bytes(text.as_bytes()).unwrap();
    assert_eq!(r.stations, 2);
    let seg = &r.segments[0];
    assert_eq!(seg.booth_sums, vec![150, 260, 6]);
    // Valid excludes NOTA here; the total row adds up, so nothing is reported against it.
    assert_eq!(seg.valid_includes_nota, Some(false));
    assert!(
        r.anomalies.is_empty() || r.anomalies.iter().all(|a| a.class == "no_electors"),
        "{:?}",
        r.anomalies
    );
    let layout = seg.layout.join("; ");
    assert!(
        layout.contains("Gujarati") && layout.contains("semicolons"),
        "{layout}"
    );
}

/// A Windows "CSV" export: Windows-1252 bytes (a non-breaking space 0xA0 in a heading) and a
/// figure grouped with a comma ("1,024") in a station row.
#[test]
fn windows_1252_export_and_grouped_figures() {
    let text = "Serial No. of Polling Station,Votes polled for,,Total\u{a0}of valid votes,Rejected,NOTA,Total,Tendered\n,Caf\u{e9} Ram,Shyam,,,,,\n1,\"1,024\",20,1044,0,5,1049,0\n2,1,2,3,0,1,4,0\n";
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let r = import_bytes(&bytes).unwrap();
    assert_eq!(r.stations, 2);
    assert_eq!(r.segments[0].booth_sums, vec![1025, 22, 6]);
    assert_eq!(r.candidates[0], "Café Ram");
    assert!(r.segments[0].layout.join("; ").contains("Windows-1252"));
    assert!(r.shapes.contains(&"2048x4".to_string()), "{:?}", r.shapes);
}

/// Two sheets of one constituency and its declared result, small and made up: a candidate
/// spelled differently on the second sheet, a row whose valid and total figures agree with no
/// convention, a declared total below the stations' sum, and a candidate the declared result
/// does not list.
#[test]
fn spelling_column_mismatches_and_declared_result_anomalies() {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    let head = |b: &str| {
        format!("Polling Station No.,Votes in favour of,,,Total valid votes,Rejected,NOTA,Total,Tendered\n,Asha Patel,{b},Zorawar Khan,,,,,\n")
    };
    std::fs::write(
        raw.join("AC001.csv"),
        head("Ravi Kumar") + "1,10,20,5,35,0,1,36,0\n2,7,3,9,99,0,2,98,0\n",
    )
    .unwrap();
    std::fs::write(
        raw.join("AC002.csv"),
        head("Kumar Ravi") + "1,4,4,4,12,0,1,13,0\n",
    )
    .unwrap();
    let declared = d.path().join("declared.csv");
    std::fs::write(
        &declared,
        "Candidate,Party,Votes\nAsha Patel,ABC,25\nRavi Kumar,DEF,30\nMohanlal Desai,GHI,18\nNone of the Above,,4\n",
    )
    .unwrap();
    let o = ImportOptions {
        raw_dir: raw,
        electors: None,
        declared: Some(declared),
        segments: vec![],
        strict: false,
        allow: vec![],
        seed: 1,
        election_id: "sec-2026-test".into(),
        contest_id: "PC05".into(),
        contest_name: "5 Test".into(),
        poll_date: "2026-02-01".into(),
        vvpat: None,
    };
    // Zorawar Khan, on the sheets, is not in this declared result (Mohanlal Desai is too unlike
    // him to be matched): refused with both lists, never matched by position.
    let e = import(&o, &d.path().join("in0"))
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("Zorawar Khan")
            && e.contains("Mohanlal Desai")
            && e.contains("matches no candidate"),
        "{e}"
    );
    std::fs::write(
        o.declared.as_ref().unwrap(),
        "Candidate,Party,Votes\nAsha Patel,ABC,25\nRavi Kumar,DEF,30\nZorawar Khan,GHI,18\nNone of the Above,,4\n",
    )
    .unwrap();
    let r = import(&o, &d.path().join("in")).unwrap();
    let of = |class: &str| -> Vec<(u32, Option<String>, String)> {
        r.anomalies
            .iter()
            .filter(|a| a.class == class)
            .map(|a| (a.segment, a.station.clone(), a.detail.clone()))
            .collect()
    };
    let spelling = of("candidate_spelling");
    assert_eq!(spelling.len(), 1, "{spelling:?}");
    assert!(spelling[0].0 == 2 && spelling[0].2.contains("Kumar Ravi"));
    let valid = of("valid_column_mismatch");
    let total = of("total_column_mismatch");
    assert_eq!((valid.len(), total.len()), (1, 1), "{valid:?} {total:?}");
    assert_eq!((valid[0].0, valid[0].1.as_deref()), (1, Some("2")));
    assert_eq!((total[0].0, total[0].1.as_deref()), (1, Some("2")));
    // Asha: stations 21, declared 25 (4 postal). Ravi: stations 27 against 30. Zorawar: 18.
    let exceeds = of("booth_sum_exceeds_declared");
    assert!(exceeds.is_empty(), "{exceeds:?}");
    // The same sheets against a declared result below the stations' sum for Ravi Kumar.
    std::fs::write(
        o.declared.as_ref().unwrap(),
        "Candidate,Party,Votes\nAsha Patel,ABC,25\nRavi Kumar,DEF,20\nZorawar Khan,GHI,18\nNone of the Above,,4\n",
    )
    .unwrap();
    let r = import(&o, &d.path().join("in2")).unwrap();
    let exceeds: Vec<&str> = r
        .anomalies
        .iter()
        .filter(|a| a.class == "booth_sum_exceeds_declared")
        .map(|a| a.detail.as_str())
        .collect();
    assert_eq!(exceeds.len(), 1);
    assert!(
        exceeds[0].contains("Ravi Kumar") && exceeds[0].contains("27"),
        "{exceeds:?}"
    );
    let ravi = r
        .reconciliation
        .iter()
        .find(|x| x.name == "Ravi Kumar")
        .unwrap();
    assert_eq!(
        (ravi.booth_sum, ravi.declared, ravi.difference),
        (27, 20, -7)
    );
}

/// A declared result that is empty, a header alone, NOTA alone, or lists a candidate twice is
/// refused naming the file and the rule: no panic, no import. One that lists fewer candidates
/// than the sheets print is refused with both lists, never read by position.
#[test]
fn a_declared_result_that_cannot_be_the_contests_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::write(
        raw.join("AC001.csv"),
        "Polling Station No.,Asha Patel,Ravi Kumar,Zorawar Khan,NOTA,Total\n1,10,20,5,1,36\n2,7,3,9,2,21\n3,4,4,4,1,13\n",
    )
    .unwrap();
    let declared = d.path().join("declared.csv");
    let o = ImportOptions {
        declared: Some(declared.clone()),
        ..ImportOptions::new(raw, "sec-2026-test", "PC05", "5 Test", "2026-02-01")
    };
    for (text, says) in [
        ("", "empty"),
        ("Candidate,Party,Votes\n", "0 candidate(s)"),
        (
            "Candidate,Party,Votes\nNone of the Above,,4\n",
            "0 candidate(s)",
        ),
        ("Name,Votes\nAsha Patel,25\n", "not Candidate,Party,Votes"),
        (
            "Candidate,Party,Votes\nAsha Patel,ABC,25\nAsha Patel,ABC,25\nNOTA,,4\n",
            "listed twice",
        ),
        (
            "Candidate,Party,Votes\nAsha Patel,ABC,25\nRavi Kumar,DEF,x\nNOTA,,4\n",
            "not a number",
        ),
        // Zorawar Khan left out: his column lies between the two declared candidates and NOTA.
        (
            "Candidate,Party,Votes\nAsha Patel,ABC,25\nRavi Kumar,DEF,30\nNone of the Above,,4\n",
            "more candidates than the declared result",
        ),
    ] {
        std::fs::write(&declared, text).unwrap();
        let e = import(&o, &d.path().join("in"))
            .expect_err(says)
            .to_string();
        assert!(e.contains(says) && e.contains("declared"), "{says}: {e}");
        if says.starts_with("more") {
            assert!(
                e.contains("Zorawar Khan") && e.contains("Ravi Kumar"),
                "{e}"
            );
        }
    }
}

/// Rows of column numbers in any printed form (marks over unnumbered columns, brackets, repeated
/// on every page) never become stations; auxiliary stations in every written form are stations
/// of their own.
#[test]
fn column_number_rows_and_auxiliary_stations_in_every_form() {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    let head = "Polling Station No.,Asha Patel,Ravi Kumar,Zorawar Khan,NOTA,Total,Tendered\n";
    let text = format!(
        "{head}1,2,3,4,5,6,*\n1,10,20,5,1,36,0\n2,7,3,9,2,21,0\n(1),(2),(3),(4),(5),(6),(7)\n\
         158,4,4,4,1,13,0\n158-A,1,2,3,0,6,0\n158 B,2,2,2,0,6,0\n158(C),3,1,1,1,6,0\n159a,5,5,5,0,15,0\n\
         1*,2*,3*,4*,5*,6*,**\n160-ક,1,1,1,1,4,0\n161 अ,2,0,0,0,2,0\n"
    );
    std::fs::write(raw.join("AC001.csv"), text).unwrap();
    let o = ImportOptions::new(raw, "sec-2026-test", "PC05", "5 Test", "2026-02-01");
    let r = import(&o, &d.path().join("in")).unwrap();
    let mut ids: Vec<String> = std::fs::read_dir(d.path().join("in/form17c"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "AC001-PS0001.json",
            "AC001-PS0002.json",
            "AC001-PS0158.json",
            "AC001-PS158A.json",
            "AC001-PS158B.json",
            "AC001-PS158C.json",
            "AC001-PS159A.json",
            "AC001-PS160-x0a95.json",
            "AC001-PS161-x0905.json",
        ]
    );
    // Not a finding either (numbers 3 to 157 are missing, by design of this sheet): the
    // column-number rows are skipped as such.
    assert!(
        r.anomalies.iter().all(|a| a.class == "missing_ps_no"),
        "{:#?}",
        r.anomalies
    );
}

/// Mahesana's sheets and booth list with the declared result at `declared`.
fn mahesana_opts(raw: PathBuf, declared: PathBuf) -> ImportOptions {
    ImportOptions {
        electors: Some(data(EXPECT[0].pc).join("electors.csv")),
        declared: Some(declared),
        ..ImportOptions::new(raw, "ls2014-mahesana", "PC04", "4 Mahesana", "2014-04-30")
    }
}

/// Mahesana's seven sheets, booth list and declared result copied into a folder of their own,
/// with `edit` applied to one sheet's text; imported with `strict` and `allow`.
fn mahesana_with(
    sheet: &str,
    edit: impl Fn(&str) -> String,
    strict: bool,
    allow: &[&str],
) -> (tempfile::TempDir, Result<importer::ImportReport, String>) {
    let e = &EXPECT[0];
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    for f in std::fs::read_dir(data(e.pc).join("raw")).unwrap() {
        let p = f.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&p).unwrap();
        let text = if name == sheet { edit(&text) } else { text };
        std::fs::write(raw.join(&name), text).unwrap();
    }
    let o = ImportOptions {
        strict,
        allow: allow.iter().map(|s| (*s).to_string()).collect(),
        ..mahesana_opts(raw, data(e.pc).join("declared.csv"))
    };
    let r = import(&o, &d.path().join("in")).map_err(|e| e.to_string());
    (d, r)
}

fn classes(r: &importer::ImportReport, class: &str) -> Vec<String> {
    r.anomalies
        .iter()
        .filter(|a| a.class == class)
        .map(|a| a.detail.clone())
        .collect()
}

/// A sheet cut inside a figure, inside a row or inside a quoted cell is refused, naming the
/// file and the line; one cut at a row's end loses its last 190 stations, which the booth list
/// names, and their votes are never taken as postal ballots.
#[test]
fn a_sheet_cut_short_is_refused_or_its_lost_stations_are_named() {
    let cut_at = |text: &str, line: usize, extra: usize| -> String {
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        text[..start + extra].to_string()
    };
    // Inside a figure ("1,0,229" -> "1,0,22"), inside a row (after a comma).
    for (extra, what) in [(6, "inside a figure"), (4, "inside a row")] {
        let (_, r) = mahesana_with("AC021.csv", |t| cut_at(t, 24, extra), false, &[]);
        let e = r.expect_err(what);
        assert!(
            e.contains("AC021.csv") && e.contains("no line break"),
            "{what}: {e}"
        );
    }
    // A quote opened on line 100 and never closed.
    let (_, r) = mahesana_with(
        "AC021.csv",
        |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            lines[99].insert(0, '"');
            lines.join("\n") + "\n"
        },
        false,
        &[],
    );
    let e = r.expect_err("an open quote");
    assert!(e.contains("AC021.csv") && e.contains("line 100"), "{e}");
    // At a row's end: 25 stations kept of 215.
    let (d, r) = mahesana_with("AC021.csv", |t| cut_at(t, 27, 0), false, &[]);
    let r = r.expect("imports, with findings");
    let lost = classes(&r, "station_in_booth_list_without_row");
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert!(
        lost[0].contains("190 station(s)") && lost[0].contains("26-215"),
        "{lost:?}"
    );
    let postal = classes(&r, "postal_remainder_implausible");
    assert!(!postal.is_empty(), "no postal finding");
    assert!(
        postal.iter().all(|p| p.contains("rows dropped")),
        "{postal:?}"
    );
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("in/postal/PC04.json")).unwrap(),
    )
    .unwrap();
    assert!(
        written["counts"].as_array().unwrap().iter().all(|c| c == 0),
        "a remainder beyond the bound became a postal row: {written}"
    );
    // --strict refuses it, naming the classes; allowing them after reading them imports.
    let (_, r) = mahesana_with("AC021.csv", |t| cut_at(t, 27, 0), true, &[]);
    let e = r.expect_err("strict");
    assert!(
        e.contains("station_in_booth_list_without_row")
            && e.contains("postal_remainder_implausible"),
        "{e}"
    );
    let (_, r) = mahesana_with(
        "AC021.csv",
        |t| cut_at(t, 27, 0),
        true,
        &[
            "station_in_booth_list_without_row",
            "postal_remainder_implausible",
        ],
    );
    r.expect("allowed after reading");
}

/// Mahesana whole passes --strict: its findings are notes (spellings, stations missing from the
/// booth list), none that could change a vote figure.
#[test]
fn a_real_constituency_with_cosmetic_findings_only_passes_strict() {
    let (_, r) = mahesana_with("none", str::to_string, true, &[]);
    let r = r.expect("strict import of Mahesana");
    assert!(r.anomalies.iter().all(|a| a.severity() == "note"));
    let (_, r) = mahesana_with("none", str::to_string, true, &["candidate_spelling"]);
    assert!(r.expect_err("not a refused class").contains("--allow"));
}

/// Rows whose station cell is blank but which hold figures are kept as findings with their votes,
/// named by line, never silently left out: each is a finding of severity `votes`.
#[test]
fn rows_with_a_blank_station_cell_are_named_with_their_votes() {
    let blank = |t: &str| -> String {
        t.lines()
            .enumerate()
            .map(|(i, l)| {
                if (40..57).contains(&i) {
                    let (_, rest) = l.split_once(',').unwrap();
                    format!(",{rest}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect()
    };
    let (_, r) = mahesana_with("AC022.csv", blank, false, &[]);
    let r = r.expect("imports, with findings");
    let rows: Vec<&importer::Anomaly> = r
        .anomalies
        .iter()
        .filter(|a| a.class == "row_without_station_number")
        .collect();
    assert_eq!(rows.len(), 17, "{:#?}", r.anomalies);
    assert!(rows
        .iter()
        .all(|a| a.segment == 22 && a.line.is_some() && a.severity() == "votes"));
    let (_, r) = mahesana_with("AC022.csv", blank, true, &[]);
    assert!(r
        .expect_err("strict")
        .contains("row_without_station_number"));
}

/// A declared result that publishes each candidate's postal votes (a `Postal` column) is the
/// postal row's source: taken as published, and the stations must make up the rest exactly.
#[test]
fn a_published_postal_column_is_the_postal_row() {
    let e = &EXPECT[0];
    let (_, r) = mahesana_with("none", str::to_string, false, &[]);
    let r = r.unwrap();
    let text = std::fs::read_to_string(data(e.pc).join("declared.csv")).unwrap();
    let with_postal = |bump: &str| -> String {
        let mut out = String::from("Candidate,Party,Votes,Postal\n");
        for line in text.lines().skip(1) {
            let name = line.split(',').next().unwrap();
            let diff = r
                .reconciliation
                .iter()
                .find(|x| {
                    importer::normalise_name(&x.name) == importer::normalise_name(name)
                        || (x.candidate_id == "NOTA" && name.to_lowercase().contains("none of"))
                })
                .map(|x| x.difference)
                .unwrap_or_else(|| panic!("{name}"));
            let p = if name == bump { diff + 5 } else { diff };
            out.push_str(&format!("{line},{p}\n"));
        }
        out
    };
    let run = |declared: String| {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("declared.csv");
        std::fs::write(&path, declared).unwrap();
        let o = mahesana_opts(data(e.pc).join("raw"), path);
        let r = import(&o, &d.path().join("in")).unwrap();
        let postal: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.path().join("in/postal/PC04.json")).unwrap(),
        )
        .unwrap();
        (r, postal)
    };
    let (good, postal) = run(with_postal(""));
    assert!(classes(&good, "postal_column_mismatch").is_empty());
    let want: Vec<i64> = r.reconciliation.iter().map(|x| x.difference).collect();
    let got: Vec<i64> = postal["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_i64().unwrap())
        .collect();
    assert_eq!(got, want);
    // One candidate's published postal figure 5 votes off the sheets.
    let who = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let (bad, _) = run(with_postal(&who));
    let m = classes(&bad, "postal_column_mismatch");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].contains("a difference of 5"), "{m:?}");
}

/// Mahesana's declared result with one candidate left out (its third row): refused with both
/// lists, never a neighbour's column under their name.
#[test]
fn a_real_declared_result_missing_a_candidate_is_refused() {
    let e = &EXPECT[0];
    let text = std::fs::read_to_string(data(e.pc).join("declared.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let left_out = lines[3].split(',').next().unwrap().to_string();
    let cut: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let d = tempfile::tempdir().unwrap();
    let declared = d.path().join("declared.csv");
    std::fs::write(&declared, cut).unwrap();
    let o = mahesana_opts(data(e.pc).join("raw"), declared);
    let err = import(&o, &d.path().join("in"))
        .expect_err("a candidate left out")
        .to_string();
    assert!(err.contains("declared result lists"), "{err}");
    assert_eq!(
        err.matches("AC021.csv").count(),
        1,
        "the file named once: {err}"
    );
    assert!(!err.contains(&format!("\"{left_out}\"")), "{err}");
}
