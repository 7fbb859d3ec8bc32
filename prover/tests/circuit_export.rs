//! `prover circuit export`: the file it writes is the pinned export of its shape, the line it
//! prints is the shape's line of spec/vectors/circuit-shapes.json, and a shape outside the
//! rules is refused with exit 1, naming it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sha2::{Digest, Sha256};
use std::process::Command;

#[test]
fn export_writes_the_pinned_file_and_prints_its_line() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("64x4.r1cs");
    let run = Command::new(env!("CARGO_BIN_EXE_prover"))
        .args(["circuit", "export", "--shape", "64x4", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let line = String::from_utf8(run.stdout).unwrap();
    let pins = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/circuit-shapes.json"
    ))
    .unwrap();
    assert!(
        pins.lines()
            .any(|l| l.trim().trim_end_matches(',') == line.trim()),
        "{line}"
    );
    let bytes = std::fs::read(&out).unwrap();
    let sha = hex::encode(Sha256::digest(&bytes));
    assert!(line.contains(&sha) && line.contains(&format!("\"r1cs_bytes\": {}", bytes.len())));

    let bad = Command::new(env!("CARGO_BIN_EXE_prover"))
        .args(["circuit", "export", "--shape", "100x7"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("100x7"));
}

/// The totaliser's circuits export as their pinned lines of spec/vectors/totaliser-shapes.json,
/// and `setup` makes an election's keys for them beside the station circuit's.
#[test]
fn totaliser_circuits_export_and_make_election_keys() {
    let pins = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/totaliser-shapes.json"
    ))
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_prover"))
        .args(["circuit", "export", "--shape", "g16x8"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let line = String::from_utf8(run.stdout).unwrap();
    assert!(
        pins.lines()
            .any(|l| l.trim().trim_end_matches(',') == line.trim()),
        "{line}"
    );
    let d = tempfile::tempdir().unwrap();
    let keys = d.path().join("keys");
    let ok = Command::new(env!("CARGO_BIN_EXE_prover"))
        .args(["setup", "--shapes", "64x4,64x4c,g2x4", "--out"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let out = String::from_utf8_lossy(&ok.stdout);
    for shape in ["64x4 ", "64x4c ", "g2x4 "] {
        assert!(out.contains(shape), "{out}");
    }
}
