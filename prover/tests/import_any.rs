//! The four constituencies of shared/data/real/gujarat-ls2014 (28 sheets, 13 column orders,
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

use prover::import::{import, ImportOptions};
use std::path::{Path, PathBuf};

fn data(pc: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/real/gujarat-ls2014")
        .join(pc)
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
            seed: 1,
            election_id: format!("ls2014-{}", e.pc),
            contest_id: "PC".into(),
            contest_name: e.pc.into(),
            poll_date: "2014-04-30".into(),
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
        seed: 1,
        election_id: "ls2014-surat".into(),
        contest_id: "PC24".into(),
        contest_name: "24 Surat".into(),
        poll_date: "2014-04-30".into(),
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
