//! The `verifier` binary: exit codes 0/1/2/64, the text report and the JSON report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use bundle::ElectionKind;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn pass_with_pinned_key_prints_every_step() {
    let c = fixture::copy(ElectionKind::Municipal);
    let key = c.authority().public_hex();
    let (code, out, _) = run(&["check", c.path.to_str().unwrap(), "--root-key", &key]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS: every check holds"));
    assert!(out.contains("(pinned by you)"));
    for step in verifier::steps::STEPS {
        assert!(out.contains(step.id), "report lacks {}", step.id);
    }
    assert!(
        out.contains("could forge"),
        "the single-party setup is stated"
    );
}

#[test]
fn failure_exits_1_and_names_the_station() {
    let c = fixture::copy(ElectionKind::Assembly);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let p0 = v["stations"][0]["proof"].clone();
        v["stations"][0]["proof"] = v["stations"][1]["proof"].clone();
        v["stations"][1]["proof"] = p0;
    });
    c.reindex();
    let (code, out, _) = run(&["check", c.path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  V4.d") && out.contains("station AC001-PS001"),
        "{out}"
    );
}

#[test]
fn missing_evidence_exits_2_and_json_is_machine_readable() {
    let c = fixture::copy(ElectionKind::Assembly);
    std::fs::remove_file(c.path.join("election.json")).unwrap();
    let (code, out, _) = run(&["check", "--json", c.path.to_str().unwrap()]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = v[0]["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["step"] == "V2.a" && f["severity"] == "error"));
}

#[test]
fn usage_errors_exit_64() {
    assert_eq!(run(&[]).0, 64);
    assert_eq!(run(&["check"]).0, 64);
    assert_eq!(run(&["frobnicate"]).0, 64);
    assert_eq!(
        run(&["check", "x", "--root-key", "not-a-key-or-file"]).0,
        64
    );
    assert_eq!(
        run(&["check", "x", "--checked-setup", "not-a-digest-or-file"]).0,
        64
    );
    assert_eq!(run(&["--help"]).0, 0);
}

#[test]
fn the_court_report_is_written_for_one_bundle_and_refused_for_two() {
    let c = fixture::copy(ElectionKind::Municipal);
    let key = c.authority().public_hex();
    let d = tempfile::tempdir().unwrap();
    let page = d.path().join("report.html");
    let (code, out, _) = run(&[
        "check",
        c.path.to_str().unwrap(),
        "--root-key",
        &key,
        "--html",
        page.to_str().unwrap(),
        "--signatory",
        "A. Observer, observer",
    ]);
    assert_eq!(code, 0, "{out}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("PASS: every check holds") && html.contains("A. Observer, observer"));
    let p = c.path.to_str().unwrap();
    let (code, _, err) = run(&["check", p, p, "--html", page.to_str().unwrap()]);
    assert_eq!(code, 64, "{err}");
}

#[test]
fn a_folder_that_is_not_a_bundle_is_an_error_not_a_panic() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&["check", d.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn open_exits_0_for_the_sealed_log_and_1_for_another_one() {
    let e = fixture::election(ElectionKind::Assembly);
    let c = fixture::copy(ElectionKind::Assembly);
    let (cid, shard) = c.contested();
    let v = c.read(&shard);
    let sid = v["stations"][0]["station_id"].as_str().unwrap().to_string();
    let other = v["stations"][1]["station_id"].as_str().unwrap().to_string();
    let bundle = e.bundle.to_str().unwrap();
    let salts = e.input.join(format!("SECRET_salts/{sid}.json"));
    let log = e.input.join(format!("SECRET_logs/{sid}.json"));
    let args = |log: &std::path::Path| {
        vec![
            "open".to_string(),
            bundle.to_string(),
            "--contest".into(),
            cid.clone(),
            "--station".into(),
            sid.clone(),
            "--log".into(),
            log.display().to_string(),
            "--salts".into(),
            salts.display().to_string(),
        ]
    };
    let a = args(&log);
    let (code, out, _) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("COURT OPENING") && out.contains("every check holds"));
    // Another station's log, relabelled: it does not open this station's commitment.
    let mut l: serde_json::Value = serde_json::from_slice(
        &std::fs::read(e.input.join(format!("SECRET_logs/{other}.json"))).unwrap(),
    )
    .unwrap();
    l["station_id"] = sid.clone().into();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.json");
    std::fs::write(&p, serde_json::to_vec(&l).unwrap()).unwrap();
    let a = args(&p);
    let (code, out, _) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("does NOT match its commitment"));
}
