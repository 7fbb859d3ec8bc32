//! No input stops the importer with a panic, and no vote of a sheet is lost unnamed: each of the
//! 35 shared sheets, and Mahesana's AC021 with its declared result, truncated, with lines shuffled or deleted, emptied, or with bytes replaced, is either
//! refused with an error naming the file, or imported; and when it is imported with no finding
//! of severity `votes` for its segment, every vote of its station rows (read by a naive reader
//! of this one simple layout: station number in the first cell, the candidates in the next
//! fourteen, NOTA in the eighteenth) is on an imported station.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use importer::{import, ImportOptions};
use proptest::prelude::*;

const CANDIDATES: usize = 14;
const NOTA_COL: usize = 17;

fn sheet() -> String {
    let raw = importer::testdata::real("gujarat-ls2014/pc04-mahesana")
        .unwrap_or_else(|e| panic!("{e}"))
        .join("raw/AC021.csv");
    std::fs::read_to_string(raw).unwrap()
}

/// The candidates' and NOTA's votes of every row whose first cell is a plain number, per column.
fn naive(text: &str) -> Vec<u64> {
    let mut sums = vec![0u64; CANDIDATES + 1];
    for line in text.lines() {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() <= NOTA_COL
            || !cells[0].bytes().all(|b| b.is_ascii_digit())
            || cells[0].is_empty()
        {
            continue;
        }
        let cols = (1..=CANDIDATES).chain(std::iter::once(NOTA_COL));
        for (s, c) in sums.iter_mut().zip(cols) {
            *s += cells[c].trim().parse::<u64>().unwrap_or(0);
        }
    }
    sums
}

#[derive(Debug, Clone)]
enum Edit {
    Truncate(usize),
    Swap(usize, usize),
    Delete(usize),
    Replace(usize, u8),
    Empty,
}

fn edit(text: &str, e: &Edit) -> Vec<u8> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match e {
        Edit::Truncate(at) => text.as_bytes()[..at % text.len()].to_vec(),
        Edit::Swap(a, b) => {
            let mut l = lines.clone();
            let n = l.len();
            l.swap(a % n, b % n);
            l.concat().into_bytes()
        }
        Edit::Delete(a) => {
            let mut l = lines.clone();
            let n = l.len();
            l.remove(a % n);
            l.concat().into_bytes()
        }
        Edit::Replace(at, b) => {
            let mut bytes = text.as_bytes().to_vec();
            let n = bytes.len();
            bytes[at % n] = *b;
            bytes
        }
        Edit::Empty => Vec::new(),
    }
}

fn edits() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        any::<usize>().prop_map(Edit::Delete),
        (
            any::<usize>(),
            prop::sample::select(b"0123456789,\"\n\r-A .*\xff".to_vec())
        )
            .prop_map(|(a, b)| Edit::Replace(a, b)),
        Just(Edit::Empty),
    ]
}

#[test]
fn the_naive_reader_agrees_with_the_importer_on_the_sheet_as_published() {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::write(raw.join("AC021.csv"), sheet()).unwrap();
    let r = import(&opts(raw, None), &d.path().join("in")).unwrap();
    assert_eq!(r.segments[0].booth_sums, naive(&sheet()));
}

fn opts(raw: std::path::PathBuf, declared: Option<std::path::PathBuf>) -> ImportOptions {
    ImportOptions {
        declared,
        segments: vec![21],
        ..ImportOptions::new(raw, "ls2014-mahesana", "PC04", "4 Mahesana", "2014-04-30")
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The declared result, edited the same ways: refused naming it, or read.
    #[test]
    fn a_damaged_declared_result_is_refused_by_name_never_a_panic(e in edits()) {
        let dir = importer::testdata::real("gujarat-ls2014/pc04-mahesana").unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(dir.join("declared.csv")).unwrap();
        let d = tempfile::tempdir().unwrap();
        let raw = d.path().join("raw");
        std::fs::create_dir_all(&raw).unwrap();
        std::fs::write(raw.join("AC021.csv"), sheet()).unwrap();
        let declared = d.path().join("declared.csv");
        std::fs::write(&declared, edit(&text, &e)).unwrap();
        if let Err(err) = import(&opts(raw, Some(declared)), &d.path().join("in")) {
            let err = err.to_string();
            prop_assert!(err.contains("declared") || err.contains("AC021.csv"), "{e:?}: {err}");
        }
    }

    #[test]
    fn no_panic_and_no_vote_lost_unnamed(e in edits()) {
        let text = sheet();
        let bytes = edit(&text, &e);
        let d = tempfile::tempdir().unwrap();
        let raw = d.path().join("raw");
        std::fs::create_dir_all(&raw).unwrap();
        std::fs::write(raw.join("AC021.csv"), &bytes).unwrap();
        match import(&opts(raw, None), &d.path().join("in")) {
            Err(err) => prop_assert!(err.to_string().contains("AC021.csv"), "{e:?}: {err}"),
            Ok(r) => {
                let flagged = r.anomalies.iter().any(|a| a.severity() == "votes");
                let seg = r.segments.iter().find(|s| s.segment == 21).expect("segment 21");
                if !flagged {
                    let text = String::from_utf8_lossy(&bytes);
                    prop_assert_eq!(&seg.booth_sums, &naive(&text), "{:?}: votes lost unnamed", e);
                }
            }
        }
    }
}

/// Every shared sheet (the 35 segments of data/real), one per case.
fn every_sheet() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "gujarat-ls2014/pc04-mahesana",
        "gujarat-ls2014/pc17-kheda",
        "gujarat-ls2014/pc21-chhota-udaipur",
        "gujarat-ls2014/pc24-surat",
        "gujarat-ls2014-kachchh",
    ] {
        let raw = importer::testdata::real(dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .join("raw");
        for f in std::fs::read_dir(raw).unwrap() {
            let p = f.unwrap().path();
            if p.file_name().unwrap().to_string_lossy().starts_with("AC") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Any shared sheet, damaged any of the ways above: refused naming it, or imported; never a
    /// panic (vote conservation is checked above on the sheet whose layout the naive reader
    /// knows).
    #[test]
    fn any_shared_sheet_damaged_is_refused_by_name_or_imported(
        i in 0usize..35,
        e in edits(),
    ) {
        let sheets = every_sheet();
        prop_assert_eq!(sheets.len(), 35);
        let path = &sheets[i];
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let d = tempfile::tempdir().unwrap();
        let raw = d.path().join("raw");
        std::fs::create_dir_all(&raw).unwrap();
        std::fs::write(raw.join(&name), edit(&text, &e)).unwrap();
        let segment: u32 = name[2..5].parse().unwrap();
        let mut o = opts(raw, None);
        o.segments = vec![segment];
        if let Err(err) = import(&o, &d.path().join("in")) {
            prop_assert!(err.to_string().contains(&name), "{name} {e:?}: {err}");
        }
    }
}
