//! spec/vectors/transcripts.json, computed from the spec alone by an independent Python
//! implementation of Keccak-f[1600], STROBE-128 and merlin (spec/encodings.md §5): merlin's
//! challenge bytes, the audit seed, the statutory samples, the PPEB draws (spec/audit.md §3-4)
//! and the Groth16 batch coefficients (spec/protocol.md §6.1) agree bit for bit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use transcripts::{labels, Transcript, TranscriptProtocol};

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/transcripts.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn b32(v: &Value) -> [u8; 32] {
    bytes(v).try_into().unwrap()
}

#[test]
fn merlin_challenges_match() {
    let v = vectors();
    // The first vector is merlin's own documented example; the second wraps the STROBE block.
    let mut t = Transcript::new(b"test protocol");
    t.append_message(b"some label", b"some data");
    let mut out = [0u8; 32];
    t.challenge_bytes(b"challenge", &mut out);
    assert_eq!(
        hex::encode(out),
        v["merlin"][0]["challenge_hex"].as_str().unwrap()
    );

    let mut t = Transcript::new(labels::PROTOCOL);
    t.append_message(b"long", &[99u8; 1024]);
    t.append_u64(b"n", u64::MAX);
    let mut out = [0u8; 200];
    t.challenge_bytes(b"challenge", &mut out);
    assert_eq!(
        hex::encode(out),
        v["merlin"][1]["challenge_hex"].as_str().unwrap()
    );
}

#[test]
fn audit_draws_match() {
    let v = vectors();
    let s = &v["audit_seed"];
    let shares: Vec<(String, [u8; 32])> = s["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["party_id"].as_str().unwrap().to_string(),
                b32(&x["share_hex"]),
            )
        })
        .collect();
    let seed = audit::seed::audit_seed(
        s["election"].as_str().unwrap(),
        s["contest"].as_str().unwrap(),
        &b32(&s["results_root_hex"]),
        &shares,
    );
    assert_eq!(hex::encode(seed), s["seed_hex"].as_str().unwrap());

    for case in v["statutory"].as_array().unwrap() {
        let population: Vec<String> = serde_json::from_value(case["population"].clone()).unwrap();
        let k = case["k"].as_u64().unwrap() as usize;
        let sample =
            audit::sample::statutory(&seed, case["segment"].as_str().unwrap(), &population, k);
        let expected: Vec<String> = serde_json::from_value(case["sample"].clone()).unwrap();
        assert_eq!(sample, expected, "k = {k}");
    }

    let p = &v["ppeb"];
    let weights: Vec<u128> = p["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().parse().unwrap())
        .collect();
    let expected: Vec<usize> = serde_json::from_value(p["draws"].clone()).unwrap();
    let draws = audit::sample::ppeb(
        &seed,
        p["contest"].as_str().unwrap(),
        &weights,
        expected.len(),
    );
    assert_eq!(draws, expected);
    // A zero weight is never drawn.
    assert!(!draws.contains(&1));
}

#[test]
fn groth16_batch_coefficients_match() {
    let v = vectors();
    let b = &v["groth16_batch"];
    let proofs = b["proofs"].as_array().unwrap();
    let mut t = Transcript::new(labels::PROTOCOL);
    t.groth16_batch_domain_sep(&bytes(&b["vk_sha256_hex"]), proofs.len() as u64);
    for p in proofs {
        t.append_proof(&bytes(&p["proof_hex"]), &bytes(&p["inputs_hex"]));
    }
    t.append_local_entropy(&b32(&b["entropy_hex"]));
    for c in b["coefficients"].as_array().unwrap() {
        let r = t.challenge_u128(b"coefficient").max(1);
        assert_eq!(r.to_string(), c.as_str().unwrap());
    }
}
