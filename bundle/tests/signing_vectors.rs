//! spec/vectors/signing.json (computed independently by spec/vectors/signing_vectors.py): the
//! exact bytes a statement's signature covers (protocol.md §5), the signature a fixed key makes
//! over them, and the bodies no implementation may sign.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bundle::{signed_message, KeyPair, Role, Signed};
use serde_json::{json, Value};

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/signing.json"
    ))
    .expect("spec/vectors/signing.json");
    serde_json::from_str(&text).unwrap()
}

fn kind(v: &Value) -> &'static str {
    // `Signed::verify` takes the kinds the spec defines.
    match v["kind"].as_str().unwrap() {
        "contest-result" => "contest-result",
        "close-of-poll" => "close-of-poll",
        other => panic!("kind {other} not in the vectors' list"),
    }
}

#[test]
fn canonical_bytes_and_signatures_match_the_vectors() {
    let v = vectors();
    assert_eq!(v["domain"], bundle::SIGNING_DOMAIN);
    for case in v["valid"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let role: Role = serde_json::from_value(case["role"].clone()).unwrap();
        let signer = case["signer"].as_str().unwrap();
        let msg = signed_message(kind(case), signer, role, &case["body"]).unwrap();
        assert_eq!(
            hex::encode(&msg),
            case["message_hex"].as_str().unwrap(),
            "{name}"
        );
        // The same key signs the same bytes (Ed25519 is deterministic).
        let key = KeyPair::from_secret_json(
            &json!({ "id": signer, "role": role, "secret_key": case["secret_key"] }).to_string(),
        )
        .unwrap();
        assert_eq!(key.public_hex(), case["public_key"].as_str().unwrap());
        let signed = key.sign(kind(case), case["body"].clone()).unwrap();
        assert_eq!(
            signed.signature,
            case["signature"].as_str().unwrap(),
            "{name}"
        );
        // The file as another implementation would write it verifies as read.
        let file = json!({
            "body": case["body"],
            "signer": signer,
            "role": role,
            "public_key": case["public_key"],
            "signature": case["signature"],
        });
        let read: Signed<Value> = serde_json::from_value(file.clone()).unwrap_or_else(|e| {
            // Reading goes through the raw body; a Value source is re-serialised first.
            panic!("{name}: {e}")
        });
        read.verify(kind(case)).unwrap();
        // Another signer id, another role, or a null member dropped: the signature fails.
        let mut other = read.clone();
        other.signer = "RO-AC002".into();
        assert!(
            other.verify(kind(case)).is_err(),
            "{name}: signer is signed"
        );
        let mut other = read.clone();
        other.role = Role::Authority;
        assert!(other.verify(kind(case)).is_err(), "{name}: role is signed");
    }
}

#[test]
fn a_member_dropped_or_added_invalidates_the_signature_as_published() {
    let v = vectors();
    let case = &v["valid"][0];
    let text = |body: &Value| {
        json!({
            "body": body,
            "signer": case["signer"],
            "role": case["role"],
            "public_key": case["public_key"],
            "signature": case["signature"],
        })
        .to_string()
    };
    let read = |t: &str| serde_json::from_str::<Signed<Value>>(t).unwrap();
    assert!(read(&text(&case["body"])).verify("contest-result").is_ok());
    let mut dropped = case["body"].clone();
    dropped.as_object_mut().unwrap().remove("declared");
    assert!(read(&text(&dropped)).verify("contest-result").is_err());
    let mut added = case["body"].clone();
    added["extra"] = Value::Null;
    assert!(read(&text(&added)).verify("contest-result").is_err());
    // Whitespace and member order in the file do not matter: the canonical form is signed.
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&text(&case["body"])).unwrap())
            .unwrap();
    assert!(read(&pretty).verify("contest-result").is_ok());
}

#[test]
fn numbers_outside_exact_integers_are_refused() {
    let v = vectors();
    for case in v["refused"].as_array().unwrap() {
        let why = case["why"].as_str().unwrap();
        assert!(
            signed_message(
                "contest-result",
                "RO-1",
                Role::ReturningOfficer,
                &case["body"]
            )
            .is_err(),
            "{why}"
        );
    }
}

/// Hex is lower-case (spec/encodings.md §1): the same key or signature in upper case is refused,
/// so a statement has one published form.
#[test]
fn upper_case_hex_is_refused() {
    let v = vectors();
    let case = &v["valid"][0];
    let file = |public_key: String, signature: String| {
        json!({
            "body": case["body"],
            "signer": case["signer"],
            "role": case["role"],
            "public_key": public_key,
            "signature": signature,
        })
        .to_string()
    };
    let pk = case["public_key"].as_str().unwrap().to_string();
    let sig = case["signature"].as_str().unwrap().to_string();
    let verify = |text: String| {
        serde_json::from_str::<Signed<Value>>(&text)
            .unwrap()
            .verify(kind(case))
    };
    assert!(verify(file(pk.clone(), sig.clone())).is_ok());
    assert!(verify(file(pk.to_uppercase(), sig.clone())).is_err());
    assert!(verify(file(pk, sig.to_uppercase())).is_err());
    assert!(bundle::signing::public_key_from_hex(
        &case["public_key"].as_str().unwrap().to_uppercase()
    )
    .is_err());
}
