//! Malformed files in a bundle: invalid UTF-8, negative or out-of-range numbers, truncated or
//! empty files, deep nesting, duplicate keys, a file too large to read, absurd counts. Each
//! gets a clear finding and a non-zero exit; none panics, none passes, none exhausts memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use bundle::ElectionKind;
use fixture::{copy, failed_steps};

const A: ElectionKind = ElectionKind::Assembly;

/// Writes `bytes` over `rel` in a copy (re-indexed when `reindex`) and returns the report.
fn with(rel: &str, bytes: &[u8], reindex: bool) -> verifier::Report {
    let c = copy(A);
    std::fs::write(c.path.join(rel), bytes).unwrap();
    if reindex {
        c.reindex();
    }
    c.verify()
}

fn rejected(r: &verifier::Report, step_prefix: &str, what: &str) {
    assert_ne!(r.exit_code(), 0, "{what}: passed");
    assert!(
        failed_steps(r).iter().any(|s| s.starts_with(step_prefix)),
        "{what}: not reported under {step_prefix}: {:#?}",
        r.findings
    );
}

fn shard() -> String {
    copy(A).contested().1
}

#[test]
fn broken_json_in_every_document_is_an_error() {
    let s = shard();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("invalid UTF-8", vec![b'{', 0xff, 0xfe, b'}']),
        ("truncated", br#"{"contest_id": "AC0"#.to_vec()),
        ("deeply nested", "[".repeat(100_000).into_bytes()),
        ("not an object", b"42".to_vec()),
    ];
    for (what, bytes) in &cases {
        for (rel, step) in [
            (s.as_str(), "V5.e"),
            ("election.json", "V2.a"),
            ("bundle.json", "V1.a"),
        ] {
            let r = with(rel, bytes, rel != "bundle.json");
            rejected(&r, step, &format!("{what} {rel}"));
            assert!(
                r.findings
                    .iter()
                    .any(|f| f.rule.contains("not a valid document") || f.rule.contains("cannot")),
                "{what} {rel}"
            );
        }
    }
}

#[test]
fn negative_out_of_range_and_fractional_numbers_are_refused() {
    let s = shard();
    for (what, value) in [
        ("negative", "-1"),
        ("2^64", "18446744073709551616"),
        ("fraction", "1.5"),
        ("exponent", "1e3"),
    ] {
        let c = copy(A);
        let text = std::fs::read_to_string(c.path.join(&s)).unwrap();
        // The first station's first machine count, written as the hostile number.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let first = v["stations"][0]["machine_counts"][0].as_u64().unwrap();
        let needle = format!("\"machine_counts\": [\n        {first},");
        assert!(text.contains(&needle), "layout of the pretty JSON changed");
        let out = text.replacen(
            &needle,
            &format!("\"machine_counts\": [\n        {value},"),
            1,
        );
        std::fs::write(c.path.join(&s), out).unwrap();
        c.reindex();
        rejected(&c.verify(), "V5.e", what);
    }
}

#[test]
fn duplicate_keys_are_refused() {
    let s = shard();
    let c = copy(A);
    let text = std::fs::read_to_string(c.path.join(&s)).unwrap();
    let dup = text.replacen(
        "\"contest_id\":",
        "\"contest_id\": \"AC999\", \"contest_id\":",
        1,
    );
    std::fs::write(c.path.join(&s), dup).unwrap();
    c.reindex();
    let r = c.verify();
    rejected(&r, "V5.e", "duplicate key");
    assert!(
        r.findings.iter().any(|f| f.rule.contains("duplicate")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn a_file_too_large_is_refused_before_it_is_read() {
    // A sparse file just over the limit: no memory or disk is used for it.
    let c = copy(A);
    let s = c.contested().1;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(c.path.join(&s))
        .unwrap();
    f.set_len(verifier::check::MAX_DOCUMENT + 1).unwrap();
    drop(f);
    let r = c.verify();
    rejected(&r, "V5.e", "oversized shard");
    assert!(
        r.findings.iter().any(|f| f.rule.contains("larger than")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn absurd_counts_and_lengths_are_failures_not_overflows() {
    // A result claiming billions of stations, and an index entry claiming an exabyte.
    let c = copy(A);
    let (cid, s) = c.contested();
    let ro = c.key(&format!("ro/RO-{cid}.json"));
    c.edit(&s, |v| {
        v["result"]["body"]["stations_counted"] = 4_000_000_000u64.into();
        v["result"]["body"]["totals"][0] = bundle::MAX_SAFE_INTEGER.into();
        c.resign(&mut v["result"], bundle::kinds::CONTEST_RESULT, &ro);
    });
    c.reindex();
    rejected(&c.verify(), "V5.b", "billions of stations");

    // A number beyond I-JSON's range has no canonical form: no key can sign it, and a
    // statement carrying one under an old signature is refused.
    let c = copy(A);
    let (cid, s) = c.contested();
    let ro = c.key(&format!("ro/RO-{cid}.json"));
    let body: bundle::ContestResult =
        serde_json::from_value(c.read(&s)["result"]["body"].clone()).unwrap();
    let mut big = serde_json::to_value(&body).unwrap();
    big["totals"][0] = u64::MAX.into();
    let big: bundle::ContestResult = serde_json::from_value(big).unwrap();
    assert!(ro.sign(bundle::kinds::CONTEST_RESULT, big).is_err());
    c.edit(&s, |v| v["result"]["body"]["totals"][0] = u64::MAX.into());
    c.reindex();
    rejected(&c.verify(), "V5", "a number beyond 2^53 - 1");

    let c = copy(A);
    c.edit("bundle.json", |v| {
        v["body"]["files"][0]["bytes"] = (u64::MAX / 2).into();
    });
    rejected(&c.verify(), "V1", "exabyte file");
}

#[test]
fn small_order_and_malformed_signature_keys_are_refused() {
    let c = copy(A);
    let s = c.contested().1;
    // The identity point and a non-canonical encoding of it as a PO's key, and a short key.
    for key in [
        "01".to_string() + &"00".repeat(31),
        "ec".to_string() + &"ff".repeat(30) + "7f",
        "00".repeat(16),
    ] {
        let c2 = copy(A);
        c2.edit(&s, |v| {
            v["close_of_poll"][0]["public_key"] = key.clone().into()
        });
        c2.reindex();
        rejected(&c2.verify(), "V3.a", &format!("key {key}"));
    }
    drop(c);
}

#[test]
fn the_cli_exits_non_zero_on_malformed_input() {
    let c = copy(A);
    std::fs::write(c.path.join("election.json"), [0xffu8, 0x00]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_verifier"))
        .arg("check")
        .arg(&c.path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("election.json"));
}
