//! spec/vectors/log.json (computed independently by spec/vectors/log_vectors.py, from RFC 6962's
//! recursive definitions and the c2sp formats, Ed25519 by the `cryptography` package): this
//! crate's roots, proofs, paths, entry bundles, key strings, signed checkpoint and cosignature
//! are the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tlog::tiles::{encode_bundle, entries_path, tile_path};
use tlog::tree::{verify_consistency, verify_inclusion};
use tlog::{Checkpoint, Hash, NoteKey, PublicKey, SignedHead, Tree};

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/vectors/log.json");
    serde_json::from_slice(&std::fs::read(path).expect("spec/vectors/log.json")).unwrap()
}

fn hash(v: &Value) -> Hash {
    Hash(
        hex::decode(v.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
    )
}

#[test]
fn the_tree_proofs_paths_and_bundles_are_the_vectors() {
    let v = vectors();
    let entries: Vec<Vec<u8>> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().as_bytes().to_vec())
        .collect();
    let mut tree = Tree::new();
    for e in &entries {
        tree.push(e);
    }
    for (n, r) in v["roots"].as_array().unwrap().iter().enumerate() {
        assert_eq!(tree.root(n as u64).unwrap(), hash(r), "root of {n}");
    }
    for (i, l) in v["leaf_hashes"].as_array().unwrap().iter().enumerate() {
        assert_eq!(tree.leaf(i as u64).unwrap(), hash(l));
    }
    for p in v["inclusion"].as_array().unwrap() {
        let (m, n) = (p["index"].as_u64().unwrap(), p["size"].as_u64().unwrap());
        let want: Vec<Hash> = p["proof"].as_array().unwrap().iter().map(hash).collect();
        assert_eq!(tree.inclusion(m, n).unwrap(), want, "inclusion {m} in {n}");
        assert!(verify_inclusion(
            &want,
            n,
            tree.root(n).unwrap(),
            m,
            tree.leaf(m).unwrap()
        ));
    }
    for p in v["consistency"].as_array().unwrap() {
        let (m, n) = (p["old"].as_u64().unwrap(), p["new"].as_u64().unwrap());
        let want: Vec<Hash> = p["proof"].as_array().unwrap().iter().map(hash).collect();
        assert_eq!(
            tree.consistency(m, n).unwrap(),
            want,
            "consistency {m} -> {n}"
        );
        assert!(verify_consistency(
            &want,
            m,
            tree.root(m).unwrap(),
            n,
            tree.root(n).unwrap()
        ));
    }
    let paths = &v["paths"];
    assert_eq!(tile_path(0, 1_234_067, 256), paths["tile_0_1234067_256"]);
    assert_eq!(tile_path(1, 5, 7), paths["tile_1_5_7"]);
    assert_eq!(entries_path(1000, 256), paths["entries_1000_256"]);
    assert_eq!(entries_path(0, 3), paths["entries_0_3"]);
    let bundle = encode_bundle(entries[..3].iter().map(Vec::as_slice)).unwrap();
    assert_eq!(hex::encode(bundle), v["entry_bundle_hex"]);
}

#[test]
fn the_keys_checkpoint_and_cosignature_are_the_vectors() {
    let v = vectors();
    let log = NoteKey::parse_secret(v["log_key"]["skey"].as_str().unwrap()).unwrap();
    let w = NoteKey::parse_secret(v["witness_key"]["skey"].as_str().unwrap()).unwrap();
    assert_eq!(log.public().to_vkey(), v["log_key"]["vkey"]);
    assert_eq!(w.public().to_vkey(), v["witness_key"]["vkey"]);
    assert_eq!(
        &PublicKey::parse(v["witness_key"]["vkey"].as_str().unwrap()).unwrap(),
        w.public()
    );
    let roots = v["roots"].as_array().unwrap();
    let cp = Checkpoint::new("log.vector.example/e", 7, hash(&roots[7]), "").unwrap();
    let note = log.sign_checkpoint(&cp).unwrap();
    assert_eq!(
        String::from_utf8(note.clone()).unwrap(),
        v["checkpoint_note"]
    );
    let t = v["cosignature_time"].as_u64().unwrap();
    let head = SignedHead::parse("cp", &note).unwrap();
    let line = w.cosign(head.text(), t).unwrap();
    assert_eq!(
        String::from_utf8(line.clone()).unwrap(),
        v["cosignature_line"]
    );
    let head = head.with_lines(&line).unwrap();
    assert!(head.signed_by_log(log.public()));
    assert_eq!(
        head.cosignatures(std::slice::from_ref(w.public()))[0]
            .clone()
            .map(|c| c.map(|c| c.time)),
        Some(Ok(t))
    );
}
