//! Every verification step fed a minimal tampered bundle that fails exactly that step (or, where
//! one edit necessarily breaks two rules, those rules), and the untouched bundles passing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use bundle::{kinds, ElectionKind, KeyPair, Role};
use fixture::{copy, failed_steps, set, Copy};
use rand::SeedableRng;
use serde_json::{json, Value};

const A: ElectionKind = ElectionKind::Assembly;
const M: ElectionKind = ElectionKind::Municipal;
const P: ElectionKind = ElectionKind::Panchayat;

fn ro_key(c: &Copy, contest: &str) -> KeyPair {
    let m = c.read("election.json");
    let ro = m["body"]["definition"]["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["contest_id"] == contest)
        .unwrap()["returning_officer"]
        .as_str()
        .unwrap()
        .to_string();
    c.key(&format!("ro/{ro}.json"))
}

/// Recomputes a shard's totals from its rows and postal row, and re-signs the result.
fn retotal(c: &Copy, contest: &str, shard: &mut Value) {
    let n = shard["result"]["body"]["totals"].as_array().unwrap().len();
    let mut totals = shard["result"]["body"]["postal"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect::<Vec<_>>();
    for row in shard["stations"].as_array().unwrap() {
        for j in 0..n {
            totals[j] += row["counts"][j].as_u64().unwrap();
        }
    }
    shard["result"]["body"]["totals"] = json!(totals);
    c.resign(
        &mut shard["result"],
        kinds::CONTEST_RESULT,
        &ro_key(c, contest),
    );
}

fn expect_exactly(c: &Copy, steps: &[&'static str]) {
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(steps), "findings: {:#?}", r.findings);
    assert_eq!(r.exit_code(), 1);
}

/// Changes the first hex digit of a signature.
fn flip_first(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    chars[0] = if chars[0] == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

fn station_at(shard: &Value, i: usize) -> String {
    shard["stations"][i]["station_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn untouched_bundles_of_all_three_kinds_pass() {
    for kind in [A, M, P] {
        let c = copy(kind);
        let r = c.verify();
        assert_eq!(failed_steps(&r), set(&[]), "{kind:?}: {:#?}", r.findings);
        assert_eq!(r.exit_code(), 0);
        assert!(r.proofs_verified > 0);
        // Every step ran at least once on the municipal bundle (it has every feature but posts,
        // the VVPAT audit, whose steps run in tests/audit.rs, a key ceremony, whose step
        // V2.h runs in tests/ceremony.rs, and with it aggregates, whose step V4.f runs in
        // tests/aggregates.rs, a witnessed log, whose steps V8.b-V8.e run in tests/log.rs
        // (V8.a runs here and notes that the times are the signers' claims), and totaliser
        // groups, whose steps V9.b-V9.d run in tests/totaliser.rs; V9.a runs here).
        if kind == M {
            for t in &r.steps {
                assert!(
                    t.checked > 0
                        || ["V1.f", "V5.f", "V2.h", "V4.f"].contains(&t.step)
                        || t.step.starts_with("V7.")
                        || (t.step.starts_with("V8.") && t.step != "V8.a")
                        || (t.step.starts_with("V9.") && t.step != "V9.a"),
                    "step {} never ran",
                    t.step
                );
            }
        }
    }
}

#[test]
fn v1a_missing_index_is_an_error() {
    let c = copy(A);
    std::fs::remove_file(c.path.join("bundle.json")).unwrap();
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V1.a"]));
    assert_eq!(r.exit_code(), 2);
}

#[test]
fn v1a_bundle_of_another_spec_version_is_named_before_anything_else() {
    for other in [json!("0.1"), json!("2.0"), json!(1)] {
        let c = copy(A);
        c.edit("bundle.json", |v| v["body"]["spec_version"] = other.clone());
        let r = c.verify();
        assert_eq!(failed_steps(&r), set(&["V1.a"]), "{:#?}", r.findings);
        assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
        let rule = &r.findings[0].rule;
        let shown = other
            .as_str()
            .map(str::to_string)
            .unwrap_or(other.to_string());
        assert!(
            rule.contains(&format!("spec version {shown}"))
                && rule.contains(&format!("spec version {}", bundle::SPEC_VERSION)),
            "{rule}"
        );
        assert_eq!(r.exit_code(), 2);
    }
}

#[test]
fn v1a_index_of_another_election() {
    let c = copy(A);
    let a = c.authority();
    c.edit("bundle.json", |v| {
        v["body"]["election_id"] = json!("another-election");
        c.resign(v, kinds::BUNDLE_INDEX, &a);
    });
    expect_exactly(&c, &["V1.a"]);
}

#[test]
fn v1b_file_changed_after_signing() {
    let c = copy(A);
    let (_, shard) = c.contested();
    let mut bytes = std::fs::read(c.path.join(&shard)).unwrap();
    bytes.push(b'\n');
    std::fs::write(c.path.join(&shard), bytes).unwrap();
    expect_exactly(&c, &["V1.b"]);
}

#[test]
fn v1b_and_v5e_missing_shard_is_an_error() {
    let c = copy(A);
    let (_, shard) = c.contested();
    std::fs::remove_file(c.path.join(&shard)).unwrap();
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V1.b", "V5.e"]));
    assert_eq!(r.exit_code(), 2);
}

#[test]
fn v1c_secret_log_in_bundle_even_when_listed() {
    let c = copy(A);
    let station = c.a_sealed_log();
    std::fs::create_dir_all(c.path.join("SECRET_logs")).unwrap();
    std::fs::copy(
        &station,
        c.path
            .join("SECRET_logs")
            .join(station.file_name().unwrap()),
    )
    .unwrap();
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V1.c"));
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule.contains("secret material")));
}

#[test]
fn v1c_unlisted_file() {
    let c = copy(A);
    std::fs::write(c.path.join("notes.txt"), b"hello").unwrap();
    expect_exactly(&c, &["V1.c"]);
}

#[test]
fn v1d_root_altered() {
    let c = copy(A);
    let a = c.authority();
    c.edit("bundle.json", |v| {
        v["body"]["root"] = json!("00".repeat(32));
        c.resign(v, kinds::BUNDLE_INDEX, &a);
    });
    expect_exactly(&c, &["V1.d"]);
}

#[test]
fn v1e_index_signature_altered() {
    let c = copy(A);
    c.edit("bundle.json", |v| {
        let s = v["signature"].as_str().unwrap().to_string();
        let flipped = flip_first(&s);
        v["signature"] = json!(flipped);
    });
    expect_exactly(&c, &["V1.e"]);
}

#[test]
fn v1f_unpinned_key_is_a_notice_and_wrong_pin_fails() {
    let c = copy(A);
    let r = c.verify();
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V1.f" && f.severity == verifier::Severity::Notice));
    let other = KeyPair::generate("x", Role::Authority, &mut rand::rngs::OsRng).public_hex();
    let r = verifier::verify_bundle(
        &c.path,
        &verifier::Options {
            pinned_keys: vec![other],
            progress: None,
            ..Default::default()
        },
    );
    assert_eq!(failed_steps(&r), set(&["V1.f"]));
    let right = c.authority().public_hex();
    let r = verifier::verify_bundle(
        &c.path,
        &verifier::Options {
            pinned_keys: vec![right],
            progress: None,
            ..Default::default()
        },
    );
    assert_eq!(r.exit_code(), 0);
    assert!(r.authority_key_pinned);
}

#[test]
fn v2g_a_manifest_other_than_the_pinned_one_fails() {
    // The digest `prover manifest` printed before the poll is the bundle's manifest.
    let e = fixture::election(A);
    let out = tempfile::tempdir().unwrap();
    let published =
        prover::prove::publish_manifest(&e.input, &fixture::key_dir(e), out.path()).unwrap();
    let bytes = std::fs::read(e.bundle.join("election.json")).unwrap();
    assert_eq!(published.digest, bundle::digest::sha256_hex(&bytes));
    for (rel, b) in &published.files {
        assert_eq!(&std::fs::read(e.bundle.join(rel)).unwrap(), b, "{rel}");
    }
    let pinned = |c: &Copy| {
        verifier::verify_bundle(
            &c.path,
            &verifier::Options {
                pinned_manifests: vec![published.digest.to_uppercase()],
                ..Default::default()
            },
        )
    };
    let c = copy(A);
    let r = pinned(&c);
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert!(r.manifest_pinned && r.to_text().contains("pinned by you: stations"));
    // Unpinned: a notice saying what the reader risks.
    let r = c.verify();
    assert!(!r.manifest_pinned);
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V2.g" && f.severity == verifier::Severity::Notice));
    // The authority re-signs the manifest after the poll with a station dropped from a
    // contest's list: the pin names it (other steps see the shard still holding it).
    let (cid, shard) = c.contested();
    let sid = c.read(&shard)["stations"][0]["station_id"]
        .as_str()
        .unwrap()
        .to_string();
    c.edit_station_list(&cid, |v| {
        v["stations"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["station_id"] != sid.as_str());
    });
    c.reindex();
    let r = pinned(&c);
    assert!(failed_steps(&r).contains("V2.g"), "{:#?}", r.findings);
    // The smallest change: the election's name, re-signed. Only the pin catches it.
    let c = copy(A);
    c.edit("election.json", |v| {
        v["body"]["definition"]["name"] = json!("Renamed after the poll");
        c.resign(v, kinds::MANIFEST, &c.authority());
    });
    c.reindex();
    assert!(failed_steps(&c.verify()).is_empty());
    let r = pinned(&c);
    assert_eq!(failed_steps(&r), set(&["V2.g"]), "{:#?}", r.findings);
}

#[test]
fn v3f_a_remark_that_carries_pasted_data_fails_and_is_not_shown() {
    let salt = "5a".repeat(32);
    for remark in [
        format!("log follows {}", "1,0,2,".repeat(100)),
        format!("salt {} {} {}", &salt[..22], &salt[22..44], &salt[44..]),
        "hidden \u{202E}text".to_string(),
        "word ".repeat(101),
    ] {
        let c = copy(A);
        let (_, path) = c.contested();
        c.edit(&path, |v| {
            let st = &mut v["close_of_poll"][0];
            let sid = st["body"]["station_id"].as_str().unwrap().to_string();
            st["body"]["poll"]["remarks"] = json!(remark);
            c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
        });
        c.reindex();
        let r = c.verify();
        assert_eq!(
            failed_steps(&r),
            set(&["V3.f"]),
            "{remark}: {:#?}",
            r.findings
        );
        let text = r.to_text();
        assert!(
            !text.contains(&salt[..22]) && !text.contains("1,0,2,1,0,2"),
            "{text}"
        );
    }
}

#[test]
fn v2a_manifest_signature_altered() {
    let c = copy(A);
    c.edit("election.json", |v| {
        let s = v["signature"].as_str().unwrap().to_string();
        let flipped = flip_first(&s);
        v["signature"] = json!(flipped);
    });
    c.reindex();
    expect_exactly(&c, &["V2.a"]);
}

#[test]
fn manifest_re_signed_by_another_authority_is_caught_by_the_index_and_the_pin() {
    let c = copy(A);
    let real = c.authority().public_hex();
    let rogue = KeyPair::generate("authority", Role::Authority, &mut rand::rngs::OsRng);
    c.edit("election.json", |v| c.resign(v, kinds::MANIFEST, &rogue));
    c.reindex();
    let r = c.verify();
    // The index and the RO certificates still carry the real authority's signatures.
    assert!(
        failed_steps(&r).is_superset(&set(&["V1.e", "V2.c"])),
        "{:#?}",
        r.findings
    );
    assert!(!failed_steps(&r).contains("V1.f"));
    let r = verifier::verify_bundle(
        &c.path,
        &verifier::Options {
            pinned_keys: vec![real],
            progress: None,
            ..Default::default()
        },
    );
    assert!(failed_steps(&r).contains("V1.f"));
}

#[test]
fn v2b_nota_not_last() {
    let c = copy(A);
    let a = c.authority();
    c.edit("election.json", |v| {
        let cands = v["body"]["definition"]["contests"][0]["candidates"]
            .as_array_mut()
            .unwrap();
        let nota = cands.pop().unwrap();
        cands.insert(0, nota);
        c.resign(v, kinds::MANIFEST, &a);
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V2.b"), "{:#?}", r.findings);
}

#[test]
fn v2b_an_officer_id_that_is_not_a_safe_id() {
    // Officer ids name the prover's key files; this one, a hostile path, would lead out of its
    // folder.
    let c = copy(A);
    let (_, path) = c.contested();
    let sid = c.read(&path)["stations"][0]["station_id"]
        .as_str()
        .unwrap()
        .to_string();
    c.edit_station(&sid, |st| st["presiding_officer"] = json!("../PO")); // a hostile path
    c.reindex();
    let r = c.verify();
    assert!(
        r.findings.iter().any(|f| f.step == "V2.b"
            && f.station.as_deref() == Some(sid.as_str())
            && f.rule.contains("safe id")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v2c_ro_certificate_not_from_the_authority() {
    let c = copy(A);
    let a = c.authority();
    let rogue = KeyPair::generate("authority", Role::Authority, &mut rand::rngs::OsRng);
    c.edit("election.json", |v| {
        c.resign(&mut v["body"]["ro_certificates"][0], kinds::RO_CERT, &rogue);
        c.resign(v, kinds::MANIFEST, &a);
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V2.c"), "{:#?}", r.findings);
}

/// The contest's shard with its roster replaced by one PO certificate per station, each signed
/// by the contest's RO (the earlier form, which the verifier still reads). Returns the shard's
/// path.
fn with_certificates(c: &Copy) -> String {
    let (cid, shard) = c.contested();
    let ro = ro_key(c, &cid);
    c.edit(&shard, |v| {
        let roster = v.as_object_mut().unwrap().remove("po_roster").unwrap();
        let election = roster["body"]["election_id"].clone();
        let certs: Vec<Value> = roster["body"]["officers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let body: bundle::PoCertificate = serde_json::from_value(json!({
                    "election_id": election,
                    "po_id": e["po_id"],
                    "station_id": e["station_id"],
                    "public_key": e["public_key"],
                }))
                .unwrap();
                serde_json::to_value(ro.sign(kinds::PO_CERT, body).unwrap()).unwrap()
            })
            .collect();
        v["po_certificates"] = Value::Array(certs);
    });
    c.reindex();
    shard
}

#[test]
fn v2d_a_shard_with_po_certificates_instead_of_a_roster_verifies() {
    let c = copy(A);
    with_certificates(&c);
    let r = c.verify();
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
}

#[test]
fn v2d_po_roster_not_signed_by_the_contests_ro() {
    // Signed by a key no one certified, by the certified RO of another contest, or by the right
    // RO for another contest or under another kind.
    let rogue = KeyPair::generate("RO-x", Role::ReturningOfficer, &mut rand::rngs::OsRng);
    type Edit<'a> = &'a dyn Fn(&Copy, &str, &mut Value);
    let cases: [(&str, Edit); 4] = [
        ("a rogue key", &|c, _, v| {
            c.resign(&mut v["po_roster"], kinds::PO_ROSTER, &rogue)
        }),
        ("another contest's RO", &|c, cid, v| {
            let m = c.read("election.json");
            let other = m["body"]["definition"]["contests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["contest_id"].as_str().unwrap().to_string())
                .find(|x| x != cid && ro_key(c, x).public_hex() != ro_key(c, cid).public_hex())
                .unwrap();
            c.resign(&mut v["po_roster"], kinds::PO_ROSTER, &ro_key(c, &other));
        }),
        ("the right RO, another contest's id", &|c, cid, v| {
            v["po_roster"]["body"]["contest_id"] = json!(format!("{cid}-X"));
            c.resign(&mut v["po_roster"], kinds::PO_ROSTER, &ro_key(c, cid));
        }),
        ("the right RO, another election's id", &|c, cid, v| {
            v["po_roster"]["body"]["election_id"] = json!("another-election");
            c.resign(&mut v["po_roster"], kinds::PO_ROSTER, &ro_key(c, cid));
        }),
    ];
    for (what, edit) in cases {
        let c = copy(A);
        let (cid, shard) = c.contested();
        c.edit(&shard, |v| edit(&c, &cid, v));
        c.reindex();
        let r = c.verify();
        assert_eq!(
            failed_steps(&r),
            set(&["V2.d", "V3.a"]),
            "{what}: {:#?}",
            r.findings
        );
        assert!(
            r.findings
                .iter()
                .any(|f| f.step == "V2.d" && f.station.is_none() && f.rule.contains("roster")),
            "{what}: the roster itself is named: {:#?}",
            r.findings
        );
    }
    // Signed under another kind: the signature does not hold as a roster's.
    let c = copy(A);
    let (cid, shard) = c.contested();
    let ro = ro_key(&c, &cid);
    c.edit(&shard, |v| {
        let body: bundle::PoRoster =
            serde_json::from_value(v["po_roster"]["body"].clone()).unwrap();
        v["po_roster"] = serde_json::to_value(ro.sign(kinds::PO_CERT, body).unwrap()).unwrap();
    });
    c.reindex();
    assert_eq!(failed_steps(&c.verify()), set(&["V2.d", "V3.a"]));
}

#[test]
fn v2d_po_roster_entry_missing_wrong_doubled_or_out_of_order() {
    // Each edit re-signed by the contest's own RO: an insider with the RO's key.
    let edit_roster = |c: &Copy, f: &dyn Fn(&mut Vec<Value>)| -> String {
        let (cid, shard) = c.contested();
        let ro = ro_key(c, &cid);
        let mut station = String::new();
        c.edit(&shard, |v| {
            let officers = v["po_roster"]["body"]["officers"].as_array_mut().unwrap();
            station = officers[0]["station_id"].as_str().unwrap().to_string();
            f(officers);
            c.resign(&mut v["po_roster"], kinds::PO_ROSTER, &ro);
        });
        c.reindex();
        station
    };
    let at = |r: &verifier::Report, step: &str, station: &str| {
        r.findings
            .iter()
            .any(|f| f.step == step && f.station.as_deref() == Some(station))
    };
    // Missing: the station has no certified PO, so its statement has no certified signer.
    let c = copy(A);
    let sid = edit_roster(&c, &|o| {
        o.remove(0);
    });
    let r = c.verify();
    assert_eq!(
        failed_steps(&r),
        set(&["V2.d", "V3.a"]),
        "{:#?}",
        r.findings
    );
    assert!(
        at(&r, "V2.d", &sid) && at(&r, "V3.a", &sid),
        "{:#?}",
        r.findings
    );
    // Another key for the station's PO: its close of poll is not signed by the certified key.
    let c = copy(A);
    let other = KeyPair::generate("PO-x", Role::PresidingOfficer, &mut rand::rngs::OsRng);
    let sid = edit_roster(&c, &|o| o[0]["public_key"] = other.public_hex().into());
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V3.a"]), "{:#?}", r.findings);
    assert!(at(&r, "V3.a", &sid), "{:#?}", r.findings);
    // Another PO named for the station.
    let c = copy(A);
    let sid = edit_roster(&c, &|o| o[0]["po_id"] = json!("PO-someone-else"));
    let r = c.verify();
    assert!(at(&r, "V2.d", &sid), "{:#?}", r.findings);
    // The station listed twice.
    let c = copy(A);
    let sid = edit_roster(&c, &|o| {
        let first = o[0].clone();
        o.insert(1, first);
    });
    let r = c.verify();
    assert!(at(&r, "V2.d", &sid), "{:#?}", r.findings);
    // Out of station-id order.
    let c = copy(A);
    edit_roster(&c, &|o| o.swap(0, 1));
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V4.a"]), "{:#?}", r.findings);
    // A station of no contest of this shard's.
    let c = copy(A);
    let sid = edit_roster(&c, &|o| {
        let mut e = o[0].clone();
        e["station_id"] = json!("ZZ-not-a-station");
        o.push(e);
    });
    let r = c.verify();
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V4.a" && f.station.as_deref() == Some("ZZ-not-a-station")),
        "{sid}: {:#?}",
        r.findings
    );
}

#[test]
fn v2d_a_shard_with_both_a_roster_and_certificates_fails() {
    let c = copy(A);
    let shard = with_certificates(&c);
    let original = copy(A);
    let roster = original.read(&shard)["po_roster"].clone();
    c.edit(&shard, |v| v["po_roster"] = roster);
    c.reindex();
    let r = c.verify();
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V2.d" && f.rule.contains("both")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v2d_po_certificate_not_from_an_ro() {
    let c = copy(A);
    let shard = with_certificates(&c);
    let rogue = KeyPair::generate("RO-x", Role::ReturningOfficer, &mut rand::rngs::OsRng);
    c.edit(&shard, |v| {
        c.resign(&mut v["po_certificates"][0], kinds::PO_CERT, &rogue);
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V2.d"), "{:#?}", r.findings);
    assert!(
        failed_steps(&r).contains("V3.a"),
        "the station's statement has no certified signer"
    );
}

#[test]
fn v2d_po_certificate_missing_or_for_another_po() {
    let c = copy(A);
    let shard = with_certificates(&c);
    c.edit(&shard, |v| {
        if let Some(list) = v["po_certificates"].as_array_mut() {
            list.remove(0);
        }
    });
    c.reindex();
    let r = c.verify();
    assert_eq!(
        failed_steps(&r),
        set(&["V2.d", "V3.a"]),
        "{:#?}",
        r.findings
    );

    // A certificate, validly signed by the right RO, for a key that is not the station's PO's.
    let c = copy(A);
    let shard = with_certificates(&c);
    let v = c.read(&shard);
    let station = v["po_certificates"][0]["body"]["station_id"]
        .as_str()
        .expect("station")
        .to_string();
    let ro_id = v["po_certificates"][0]["signer"]
        .as_str()
        .expect("ro")
        .to_string();
    let ro = c.key(&format!("ro/{ro_id}.json"));
    let other = KeyPair::generate("PO-x", Role::PresidingOfficer, &mut rand::rngs::OsRng);
    c.edit(&shard, |v| {
        v["po_certificates"][0]["body"]["public_key"] = other.public_hex().into();
        c.resign(&mut v["po_certificates"][0], kinds::PO_CERT, &ro);
    });
    c.reindex();
    let r = c.verify();
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V3.a" && f.station.as_deref() == Some(station.as_str())),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v2f_station_list_changed_without_the_manifest() {
    let c = copy(A);
    let (cid, _) = c.contested();
    c.edit(&format!("stations/{cid}.json"), |v| {
        let e = v["stations"][0]["electors"].as_u64().unwrap();
        v["stations"][0]["electors"] = json!(e + 1);
    });
    c.reindex();
    let r = c.verify();
    // The list is not trusted, so its stations are unknown to the shard's checks too (V4.a,
    // V5.b fail with it).
    assert!(failed_steps(&r).contains("V2.f"), "{:#?}", r.findings);
    assert!(!failed_steps(&r).iter().any(|s| s.starts_with("V1")));
}

#[test]
fn v2f_station_dropped_from_its_list_by_the_authority() {
    let c = copy(A);
    let (cid, _) = c.contested();
    let mut gone = String::new();
    c.edit_station_list(&cid, |v| {
        let st = v["stations"].as_array_mut().unwrap().remove(0);
        gone = st["station_id"].as_str().unwrap().to_string();
    });
    c.reindex();
    let r = c.verify();
    // The station is in no list that was read, so it is unknown: its shard row has no station.
    assert!(failed_steps(&r).contains("V4.a"), "{:#?}", r.findings);
    assert!(r
        .findings
        .iter()
        .any(|f| f.station.as_deref() == Some(gone.as_str())));
}

#[test]
fn v2f_station_in_a_list_of_a_contest_it_does_not_poll() {
    let c = copy(M);
    // A ward-1 station added to a ward-2 seat's list, as is (it polls only ward 1).
    let w1 = c.read("stations/W01-A.json")["stations"][0].clone();
    let sid = w1["station_id"].as_str().unwrap().to_string();
    c.edit_station_list("W02-A", |v| {
        v["stations"].as_array_mut().unwrap().push(w1.clone());
    });
    c.reindex();
    let r = c.verify();
    assert!(r.findings.iter().any(|f| f.step == "V2.f"
        && f.station.as_deref() == Some(sid.as_str())
        && f.rule.contains("does not poll")));
}

#[test]
fn v2f_station_listed_differently_in_two_lists() {
    let c = copy(M);
    // Ward 1's stations poll three seats; one list gives a station another name.
    c.edit_station_list("W01-B", |v| {
        v["stations"][0]["name"] = json!("elsewhere");
    });
    c.reindex();
    let r = c.verify();
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V2.f" && f.rule.contains("listed differently")),
        "{:#?}",
        r.findings
    );
    // Nothing else depends on a station's name: the fixture fails V2.f alone.
    expect_exactly(&c, &["V2.f"]);
}

#[test]
fn v2f_station_polled_but_missing_from_one_list() {
    let c = copy(M);
    let mut gone = String::new();
    c.edit_station_list("W01-C", |v| {
        let st = v["stations"].as_array_mut().unwrap().remove(0);
        gone = st["station_id"].as_str().unwrap().to_string();
    });
    c.reindex();
    let r = c.verify();
    assert!(
        r.findings.iter().any(|f| f.step == "V2.f"
            && f.station.as_deref() == Some(gone.as_str())
            && f.rule.contains("not in its station list")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v2f_stations_inline_in_the_manifest_or_a_list_missing() {
    let c = copy(A);
    let (cid, _) = c.contested();
    let st = c.read(&format!("stations/{cid}.json"))["stations"][0].clone();
    let a = c.authority();
    c.edit("election.json", |v| {
        v["body"]["definition"]["stations"] = json!([st]);
        c.resign(v, kinds::MANIFEST, &a);
    });
    c.reindex();
    assert!(failed_steps(&c.verify()).contains("V2.f"));

    let c = copy(A);
    c.edit("election.json", |v| {
        v["body"]["station_lists"].as_array_mut().unwrap().pop();
        c.resign(v, kinds::MANIFEST, &a);
    });
    c.reindex();
    assert!(failed_steps(&c.verify()).contains("V2.f"));
}

/// The assembly sample with its first key's digest changed in a manifest the authority
/// re-signs, re-indexed as an insider would.
fn key_digest_changed() -> Copy {
    let c = copy(A);
    let a = c.authority();
    c.edit("election.json", |v| {
        v["body"]["shapes"][0]["vk_sha256"] = json!("ab".repeat(32));
        c.resign(v, kinds::MANIFEST, &a);
    });
    c.reindex();
    c
}

#[test]
fn v2e_verifying_key_digest_changed() {
    let r = key_digest_changed().verify();
    assert!(failed_steps(&r).contains("V2.e"));
    assert!(
        failed_steps(&r).contains("V4.d"),
        "no proof may pass without a trusted key"
    );
}

#[test]
fn v2e_a_key_not_at_keys_shape_vk_or_given_twice_fails() {
    // The key moved to another name inside keys/ (listed, bound, digest right).
    let c = copy(A);
    let a = c.authority();
    let m = c.read("election.json");
    let path = m["body"]["shapes"][0]["path"].as_str().unwrap().to_string();
    std::fs::rename(c.path.join(&path), c.path.join("keys/station.vk")).unwrap();
    c.edit("election.json", |v| {
        v["body"]["shapes"][0]["path"] = json!("keys/station.vk");
        c.resign(v, kinds::MANIFEST, &a);
    });
    assert_v2e(&c, &format!("is not at {path}"));
    // One shape listed twice.
    let c = copy(A);
    c.edit("election.json", |v| {
        let first = v["body"]["shapes"][0].clone();
        v["body"]["shapes"].as_array_mut().unwrap().push(first);
        c.resign(v, kinds::MANIFEST, &a);
    });
    assert_v2e(&c, "has two keys");
}

#[test]
fn v2e_v4b_a_key_relabelled_as_a_totaliser_circuits_or_a_booth_wise_row_in_one_fails() {
    // The manifest's first key relabelled as the committed-count circuit of its size (file
    // moved to match): it has the public-count circuit's inputs, not that circuit's.
    let c = copy(A);
    let a = c.authority();
    let m = c.read("election.json");
    let shape = m["body"]["shapes"][0]["shape"]
        .as_str()
        .unwrap()
        .to_string();
    let path = m["body"]["shapes"][0]["path"].as_str().unwrap().to_string();
    let moved = format!("keys/{shape}c.vk");
    std::fs::rename(c.path.join(&path), c.path.join(&moved)).unwrap();
    c.edit("election.json", |v| {
        v["body"]["shapes"][0]["shape"] = json!(format!("{shape}c"));
        v["body"]["shapes"][0]["path"] = json!(moved);
        c.resign(v, kinds::MANIFEST, &a);
    });
    assert_v2e(&c, &format!("verifying key of shape {shape}c"));
    // A booth-wise contest's station row that names the committed-count or a group circuit.
    for relabel in [|s: &str| format!("{s}c"), |_: &str| "g16x8".to_string()] {
        let c = copy(A);
        let (_, path) = c.contested();
        c.edit(&path, |v| {
            let sealed = v["stations"][0]["shape"].as_str().unwrap().to_string();
            v["stations"][0]["shape"] = json!(relabel(&sealed));
        });
        c.reindex();
        let r = c.verify();
        assert!(failed_steps(&r).contains("V4.b"), "{:#?}", r.findings);
    }
}

/// Re-indexes `c` as an insider would and asserts a V2.e finding whose rule says `says`.
fn assert_v2e(c: &Copy, says: &str) {
    c.reindex();
    let r = c.verify();
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V2.e" && f.rule.contains(says)),
        "{says}: {:#?}",
        r.findings
    );
}

#[test]
fn v1c_a_sealed_log_as_a_verifying_key_fails() {
    // An insider puts a station's sealed log where a key belongs and binds it in the manifest.
    let c = copy(A);
    let a = c.authority();
    let log = c.a_sealed_log();
    let bytes = std::fs::read(log).unwrap();
    let m = c.read("election.json");
    let vk = m["body"]["shapes"][0]["path"].as_str().unwrap().to_string();
    std::fs::write(c.path.join(&vk), &bytes).unwrap();
    c.edit("election.json", |v| {
        v["body"]["shapes"][0]["vk_sha256"] = json!(bundle::digest::sha256_hex(&bytes));
        c.resign(v, kinds::MANIFEST, &a);
    });
    c.reindex();
    let r = c.verify();
    assert_eq!(r.exit_code(), 1);
    let f = r
        .findings
        .iter()
        .find(|f| f.step == "V1.c")
        .expect("a V1.c failure");
    assert!(
        f.rule.contains("secret material") && f.rule.contains("sealed EVM log"),
        "{}",
        f.rule
    );
    assert!(
        !failed_steps(&r).contains("V2.e"),
        "the key is reported under V1.c, not V2.e"
    );
}

#[test]
fn v2e_single_party_setup_is_stated() {
    let r = copy(A).verify();
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V2.e" && f.rule.contains("could forge")));
}

#[test]
fn v3a_close_of_poll_signed_by_uncertified_key() {
    let c = copy(A);
    let (_, path) = c.contested();
    let rogue = KeyPair::generate("PO-x", Role::PresidingOfficer, &mut rand::rngs::OsRng);
    c.edit(&path, |v| {
        c.resign(&mut v["close_of_poll"][0], kinds::CLOSE_OF_POLL, &rogue)
    });
    c.reindex();
    expect_exactly(&c, &["V3.a"]);
}

#[test]
fn v3a_close_of_poll_signature_altered() {
    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let s = v["close_of_poll"][1]["signature"]
            .as_str()
            .unwrap()
            .to_string();
        let flipped = flip_first(&s);
        v["close_of_poll"][1]["signature"] = json!(flipped);
    });
    c.reindex();
    expect_exactly(&c, &["V3.a"]);
}

#[test]
fn v3b_signed_after_counting_began() {
    let c = copy(A);
    let (_, path) = c.contested();
    let m = c.read("election.json");
    let counting = m["body"]["definition"]["counting_starts_at"]
        .as_u64()
        .unwrap();
    c.edit(&path, |v| {
        let sid = v["close_of_poll"][0]["body"]["station_id"]
            .as_str()
            .unwrap()
            .to_string();
        v["close_of_poll"][0]["body"]["signed_at"] = json!(counting + 60);
        c.resign(
            &mut v["close_of_poll"][0],
            kinds::CLOSE_OF_POLL,
            &c.po_key(&sid),
        );
    });
    c.reindex();
    expect_exactly(&c, &["V3.b"]);
}

#[test]
fn v3c_form17c_arithmetic_without_and_with_a_recorded_discrepancy() {
    let c = copy(A);
    let (_, path) = c.contested();
    let edit = |remark: Option<&str>| {
        c.edit(&path, |v| {
            let st = &mut v["close_of_poll"][0];
            let sid = st["body"]["station_id"].as_str().unwrap().to_string();
            st["body"]["poll"]["refused_49o"] =
                json!(st["body"]["poll"]["refused_49o"].as_u64().unwrap() + 1);
            if let Some(r) = remark {
                st["body"]["poll"]["remarks"] = json!(r);
            }
            c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
        });
        c.reindex();
    };
    edit(None);
    expect_exactly(&c, &["V3.c"]);
    let c2 = copy(A);
    let c = c2;
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        st["body"]["poll"]["refused_49o"] =
            json!(st["body"]["poll"]["refused_49o"].as_u64().unwrap() + 1);
        st["body"]["poll"]["remarks"] =
            json!("one elector counted twice in 17A, recorded by the PO");
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
    });
    c.reindex();
    let r = c.verify();
    assert_eq!(
        r.exit_code(),
        0,
        "a recorded discrepancy is a notice: {:#?}",
        r.findings
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V3.c" && f.rule.contains("the PO recorded")));
}

#[test]
fn v3d_control_unit_totals_do_not_add_up() {
    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        let t = st["body"]["contest"]["units"][0]["total"].as_u64().unwrap();
        st["body"]["contest"]["units"][0]["total"] = json!(t + 1);
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
    });
    c.reindex();
    expect_exactly(&c, &["V3.d"]);
}

#[test]
fn v3e_test_vote_for_a_choice_that_does_not_exist() {
    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        st["body"]["contest"]["test_votes"] = json!([{"choice": 40, "count": 0}]);
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
    });
    c.reindex();
    expect_exactly(&c, &["V3.e"]);
}

#[test]
fn v4a_station_missing_and_station_twice() {
    let c = copy(A);
    let (cid, path) = c.contested();
    c.edit(&path, |v| {
        v["stations"].as_array_mut().unwrap().remove(0);
        v["close_of_poll"].as_array_mut().unwrap().remove(0);
        retotal(&c, &cid, v);
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V4.a"), "{:#?}", r.findings);

    let c = copy(A);
    c.edit(&path, |v| {
        let row = v["stations"][0].clone();
        v["stations"].as_array_mut().unwrap().push(row);
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V4.a"));
}

#[test]
fn v4b_shape_not_sealed() {
    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| v["stations"][0]["shape"] = json!("64x8"));
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V4.b"), "{:#?}", r.findings);
}

#[test]
fn v4c_vote_in_a_slot_with_no_candidate() {
    let c = copy(A);
    let (_, path) = c.contested();
    // Shapes have 4 or 8 slots; pad the row to 8 slots with a vote in the last one.
    c.edit(&path, |v| {
        let row = &mut v["stations"][0];
        let mut m: Vec<u64> = row["machine_counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let j = m.iter().position(|&x| x > 0).unwrap();
        m[j] -= 1;
        let last = m.len() - 1;
        m[last] += 1;
        row["machine_counts"] = json!(m);
    });
    c.reindex();
    let r = c.verify();
    let f = failed_steps(&r);
    assert!(f.contains("V4.d"), "{:#?}", r.findings);
}

#[test]
fn v4d_count_changed_with_everything_else_re_signed() {
    let c = copy(A);
    let (cid, path) = c.contested();
    c.edit(&path, |v| {
        let row = &mut v["stations"][0];
        for key in ["machine_counts", "counts"] {
            let a = row[key][0].as_u64().unwrap();
            let b = row[key][1].as_u64().unwrap();
            if a > 0 {
                row[key][0] = json!(a - 1);
                row[key][1] = json!(b + 1);
            } else {
                row[key][0] = json!(a + 1);
                row[key][1] = json!(b - 1);
            }
        }
        retotal(&c, &cid, v);
    });
    c.reindex();
    let r = c.verify();
    // Moving one vote may also change the declared winner; the proof fails either way.
    assert!(failed_steps(&r).contains("V4.d"));
    assert!(
        failed_steps(&r).is_subset(&set(&["V4.d", "V5.c"])),
        "{:#?}",
        r.findings
    );
}

/// A dishonest prover whose log has a vote after the close the PO signed can only prove it under a
/// later close; the verifier takes the close from the signed statement, and the proof fails. Here
/// the signed close is moved one second earlier (re-signed by the PO's key): the proof, made for
/// the original close, no longer verifies.
#[test]
fn v4d_proof_made_for_another_close_of_poll() {
    let c = copy(A);
    let (_, path) = c.contested();
    let mut station = String::new();
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        station = st["body"]["station_id"].as_str().unwrap().to_string();
        let t = st["body"]["poll"]["closed_at"].as_u64().unwrap();
        st["body"]["poll"]["closed_at"] = json!(t - 1);
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&station));
    });
    c.reindex();
    let r = c.verify();
    let v4d: Vec<_> = r.findings.iter().filter(|f| f.step == "V4.d").collect();
    assert!(
        v4d.iter()
            .any(|f| f.station.as_deref() == Some(station.as_str())),
        "{:#?}",
        r.findings
    );
    // A station polled in several contests also signs its close once per contest (V6.c).
    assert!(
        failed_steps(&r).is_subset(&set(&["V4.d", "V6.c"])),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v4d_two_stations_proofs_swapped() {
    let c = copy(A);
    let (_, path) = c.contested();
    let mut stations = Vec::new();
    c.edit(&path, |v| {
        let p0 = v["stations"][0]["proof"].clone();
        let p1 = v["stations"][1]["proof"].clone();
        v["stations"][0]["proof"] = p1;
        v["stations"][1]["proof"] = p0;
        stations = vec![station_at(v, 0), station_at(v, 1)];
    });
    c.reindex();
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V4.d"]));
    let named: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.step == "V4.d")
        .filter_map(|f| f.station.clone())
        .collect();
    assert_eq!(named, stations);
}

#[test]
fn v4d_proof_replayed_at_another_station() {
    // The whole proved statement of station 0 (commitment, counts, total, proof) is copied to
    // station 1, with its 17C re-signed by station 1's PO: only the station binding differs.
    let c = copy(A);
    let (cid, path) = c.contested();
    let mut victim = String::new();
    c.edit(&path, |v| {
        let sid1 = station_at(v, 1);
        victim = sid1.clone();
        let src = v["close_of_poll"][0]["body"].clone();
        let dst = &mut v["close_of_poll"][1];
        for k in ["voters_17a", "refused_49o", "not_allowed_49m"] {
            dst["body"]["poll"][k] = src["poll"][k].clone();
        }
        for k in ["log_commitment", "shape"] {
            dst["body"][k] = src[k].clone();
        }
        dst["body"]["contest"]["total_recorded"] = src["contest"]["total_recorded"].clone();
        dst["body"]["contest"]["test_votes"] = src["contest"]["test_votes"].clone();
        let units = dst["body"]["contest"]["units"].as_array_mut().unwrap();
        units.truncate(1);
        units[0]["total"] = src["contest"]["total_recorded"].clone();
        c.resign(dst, kinds::CLOSE_OF_POLL, &c.po_key(&sid1));
        let mut row = v["stations"][0].clone();
        row["station_id"] = json!(sid1);
        v["stations"][1] = row;
        retotal(&c, &cid, v);
    });
    c.reindex();
    let r = c.verify();
    let f = failed_steps(&r);
    assert!(f.contains("V4.d"), "{:#?}", r.findings);
    assert!(
        f.is_subset(&set(&["V4.d", "V3.c", "V5.c"])),
        "{:#?}",
        r.findings
    );
    assert!(r
        .findings
        .iter()
        .any(|x| x.step == "V4.d" && x.station.as_deref() == Some(victim.as_str())));
}

#[test]
fn v4d_malformed_proof() {
    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| v["stations"][0]["proof"] = json!("zz"));
    c.reindex();
    expect_exactly(&c, &["V4.d"]);
}

/// The first row's proof with `f` applied to its decoded points (A, B, C).
fn edit_first_proof(
    c: &Copy,
    f: impl Fn(&mut ark_groth16::Proof<ark_bls12_381::Bls12_381>),
) -> String {
    use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
    let (_, path) = c.contested();
    let mut sid = String::new();
    c.edit(&path, |v| {
        let bytes = hex::decode(v["stations"][0]["proof"].as_str().unwrap()).unwrap();
        let mut p = ark_groth16::Proof::<ark_bls12_381::Bls12_381>::deserialize_with_mode(
            bytes.as_slice(),
            Compress::No,
            Validate::Yes,
        )
        .unwrap();
        f(&mut p);
        let mut out = Vec::new();
        p.serialize_uncompressed(&mut out).unwrap();
        v["stations"][0]["proof"] = json!(hex::encode(out));
        sid = station_at(v, 0);
    });
    c.reindex();
    sid
}

/// A point of E(Fq) of order dividing G1's cofactor (not the identity).
fn g1_cofactor_part() -> ark_bls12_381::G1Affine {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{PrimeField, UniformRand};
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    loop {
        let x = ark_bls12_381::Fq::rand(&mut rng);
        if let Some(p) = ark_bls12_381::G1Affine::get_point_from_x_unchecked(x, true) {
            let t = p.mul_bigint(ark_bls12_381::Fr::MODULUS).into_affine();
            if !t.is_zero() {
                return t;
            }
        }
    }
}

/// protocol.md §4.8: a proof's A and C are not checked to lie in G1, because a part outside G1
/// changes no pairing with G2; such a proof of the true statement still verifies (no step
/// fails), and the same change to a false one does not make it verify.
#[test]
fn v4d_a_and_c_with_parts_outside_g1_change_nothing() {
    use ark_ec::{AffineRepr, CurveGroup};
    let t = g1_cofactor_part();
    let c = copy(A);
    edit_first_proof(&c, |p| {
        p.a = (p.a + t).into_affine();
        p.c = (p.c + t).into_affine();
    });
    let r = c.verify();
    assert!(failed_steps(&r).is_empty(), "{:#?}", r.findings);
    assert_eq!(r.exit_code(), 0);
    // The same part added to a proof of other counts (A and C of station 0 moved by a
    // multiple of the generator: no longer a proof of anything the signed statements say).
    let c = copy(A);
    let sid = edit_first_proof(&c, |p| {
        let g = ark_bls12_381::G1Affine::generator();
        p.a = (p.a + t + g).into_affine();
        p.c = (p.c + t).into_affine();
    });
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V4.d"]), "{:#?}", r.findings);
    assert!(r
        .findings
        .iter()
        .any(|f| f.station.as_deref() == Some(&sid)));
}

/// B outside G2 is on the curve, so it decodes; the batch's preparation of B refuses it
/// (protocol.md §4.8) and the station is named.
#[test]
fn v4d_b_outside_g2_fails() {
    use ark_ff::UniformRand;
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let b = loop {
        let x = ark_bls12_381::Fq2::rand(&mut rng);
        if let Some(p) = ark_bls12_381::G2Affine::get_point_from_x_unchecked(x, true) {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
    };
    let c = copy(A);
    let sid = edit_first_proof(&c, |p| p.b = b);
    expect_exactly(&c, &["V4.d"]);
    let r = c.verify();
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V4.d" && f.station.as_deref() == Some(&sid)));
}

#[test]
fn v4c_v4d_form17c_total_changed() {
    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        st["body"]["poll"]["voters_17a"] =
            json!(st["body"]["poll"]["voters_17a"].as_u64().unwrap() + 1);
        st["body"]["contest"]["total_recorded"] =
            json!(st["body"]["contest"]["total_recorded"].as_u64().unwrap() + 1);
        st["body"]["contest"]["units"][0]["total"] =
            json!(st["body"]["contest"]["units"][0]["total"].as_u64().unwrap() + 1);
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
    });
    c.reindex();
    let r = c.verify();
    let f = failed_steps(&r);
    assert!(
        f.is_superset(&set(&["V4.c", "V4.d"])) && f.is_subset(&set(&["V4.c", "V4.d", "V3.c"])),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v4e_published_row_differs_from_proved_counts() {
    let c = copy(A);
    let (cid, path) = c.contested();
    c.edit(&path, |v| {
        let row = &mut v["stations"][0];
        let a = row["counts"][0].as_u64().unwrap();
        row["counts"][0] = json!(a + 5);
        retotal(&c, &cid, v);
    });
    c.reindex();
    let r = c.verify();
    let f = failed_steps(&r);
    assert!(
        f.contains("V4.e") && f.is_subset(&set(&["V4.e", "V5.b", "V5.c"])),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v5a_result_signed_by_another_ro() {
    let c = copy(A);
    let (_, path) = c.contested();
    let rogue = KeyPair::generate("RO-AC001", Role::ReturningOfficer, &mut rand::rngs::OsRng);
    c.edit(&path, |v| {
        c.resign(&mut v["result"], kinds::CONTEST_RESULT, &rogue)
    });
    c.reindex();
    expect_exactly(&c, &["V5.a"]);
}

#[test]
fn v5b_total_does_not_match_rows() {
    let c = copy(A);
    let (cid, path) = c.contested();
    c.edit(&path, |v| {
        // Add to NOTA, which can never change the winner.
        let last = v["result"]["body"]["totals"].as_array().unwrap().len() - 1;
        let t = v["result"]["body"]["totals"][last].as_u64().unwrap();
        v["result"]["body"]["totals"][last] = json!(t + 3);
        c.resign(&mut v["result"], kinds::CONTEST_RESULT, &ro_key(&c, &cid));
    });
    c.reindex();
    expect_exactly(&c, &["V5.b"]);
}

#[test]
fn v5c_winner_changed() {
    let c = copy(A);
    let (cid, path) = c.contested();
    c.edit(&path, |v| {
        let w = v["result"]["body"]["winners"][0]
            .as_str()
            .unwrap()
            .to_string();
        let other = if w == "K01" { "K02" } else { "K01" };
        v["result"]["body"]["winners"] = json!([other]);
        c.resign(&mut v["result"], kinds::CONTEST_RESULT, &ro_key(&c, &cid));
    });
    c.reindex();
    expect_exactly(&c, &["V5.c"]);
}

#[test]
fn v5c_nota_declared_winner() {
    let c = copy(A);
    let (cid, path) = c.contested();
    c.edit(&path, |v| {
        v["result"]["body"]["winners"] = json!(["NOTA"]);
        c.resign(&mut v["result"], kinds::CONTEST_RESULT, &ro_key(&c, &cid));
    });
    c.reindex();
    expect_exactly(&c, &["V5.c"]);
}

#[test]
fn v5d_uncontested_contest_with_a_row() {
    let c = copy(M);
    let m = c.read("election.json");
    let un = m["body"]["definition"]["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["uncontested"] == Value::Bool(true))
        .unwrap()["contest_id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("contests/{un}.json");
    c.edit(&path, |v| {
        v["result"]["body"]["stations_counted"] = json!(1);
        c.resign(&mut v["result"], kinds::CONTEST_RESULT, &ro_key(&c, &un));
    });
    c.reindex();
    expect_exactly(&c, &["V5.d"]);
}

#[test]
fn v5e_shard_of_unknown_contest() {
    let c = copy(A);
    let (_, path) = c.contested();
    std::fs::copy(c.path.join(&path), c.path.join("contests/AC999.json")).unwrap();
    c.reindex();
    // Listed by an insider: also a file the bundle format does not define.
    expect_exactly(&c, &["V1.c", "V5.e"]);
}

#[test]
fn v6a_control_unit_reused_at_two_stations() {
    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let cu = v["close_of_poll"][0]["body"]["contest"]["units"][0]["cu"].clone();
        let st = &mut v["close_of_poll"][1];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        st["body"]["contest"]["units"][0]["cu"] = cu;
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
    });
    c.reindex();
    expect_exactly(&c, &["V6.a"]);
}

#[test]
fn v6b_ward_seats_with_unequal_totals() {
    let c = copy(M);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        // A 49MA entry makes this seat's net total one lower than the ward's other seats.
        let j = v["stations"][0]["machine_counts"]
            .as_array()
            .unwrap()
            .iter()
            .position(|x| x.as_u64().unwrap() > 0)
            .unwrap();
        let st = &mut v["close_of_poll"][0];
        st["body"]["contest"]["test_votes"] = json!([{"choice": j, "count": 1}]);
        st["body"]["poll"]["refused_49o"] = st["body"]["poll"]["refused_49o"].clone();
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V6.b"), "{:#?}", r.findings);
}

#[test]
fn v6c_posts_on_one_device_set_disagree() {
    let c = copy(P);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        st["body"]["poll"]["seals"] = json!(["SEAL-OTHER"]);
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
    });
    c.reindex();
    expect_exactly(&c, &["V6.c"]);
}

#[test]
fn unknown_field_in_a_statement_is_refused() {
    // A stray field cannot ride along inside a known file (a secret one is V1.c's: below).
    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| v["stations"][0]["note"] = json!("00"));
    c.reindex();
    let r = c.verify();
    assert_eq!(r.exit_code(), 2);
    assert!(failed_steps(&r).contains("V5.e"));
}

#[test]
fn every_step_id_in_findings_is_a_spec_step() {
    let c = copy(A);
    std::fs::write(c.path.join("x"), b"").unwrap();
    let r = c.verify();
    assert!(r.findings.iter().all(|f| verifier::steps::is_step(f.step)));
}

#[cfg(unix)]
#[test]
fn v1c_symbolic_link_in_bundle() {
    let c = copy(A);
    std::os::unix::fs::symlink("/etc/hostname", c.path.join("link")).unwrap();
    expect_exactly(&c, &["V1.c"]);
}

#[test]
fn v5f_totals_reconcile_with_a_declared_result() {
    let c = copy(A);
    let (cid, path) = c.contested();
    let declare = |c: &Copy, f: &dyn Fn(&mut Vec<u64>)| {
        c.edit(&path, |v| {
            let mut totals: Vec<u64> = v["result"]["body"]["totals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            f(&mut totals);
            v["result"]["body"]["declared"] =
                json!({"contest_id": cid, "source": "test", "totals": totals});
            c.resign(&mut v["result"], kinds::CONTEST_RESULT, &ro_key(c, &cid));
        });
        c.reindex();
    };
    declare(&c, &|_| {});
    let r = c.verify();
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    let line = r.contests.iter().find(|l| l.contest_id == cid).unwrap();
    assert!(!line.reconciliation.is_empty());
    assert!(line
        .reconciliation
        .iter()
        .all(|x| x.declared_minus_stations == i128::from(x.postal)));

    // A declared total that the proved total does not reach.
    let c = copy(A);
    declare(&c, &|t| t[0] += 7);
    expect_exactly(&c, &["V5.f"]);

    // A declared total below what the stations alone give.
    let c = copy(A);
    declare(&c, &|t| t[1] = 0);
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V5.f"]));
    assert!(r.findings.iter().any(|f| f
        .rule
        .contains("more than the 0 the declared result gives")
        && r.contests
            .iter()
            .any(|c| f.rule.contains(&format!("({})", c.candidates[1].name)))));
}

#[test]
fn numbers_at_the_edge_of_u64_are_failures_not_panics() {
    // A signed statement holds integers up to 2^53 - 1 (I-JSON); the unsigned rows, up to
    // u64::MAX. Sums of either must be failures, not wrap-arounds.
    let c = copy(M);
    let (cid, path) = c.contested();
    let max = json!(u64::MAX);
    let big = json!(bundle::MAX_SAFE_INTEGER);
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        for k in ["voters_17a", "refused_49o", "not_allowed_49m", "electors"] {
            st["body"]["poll"][k] = big.clone();
        }
        st["body"]["contest"]["units"][0]["total"] = big.clone();
        st["body"]["contest"]["test_votes"] =
            json!([{"choice": 0, "count": big}, {"choice": 0, "count": big}]);
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
        for key in ["machine_counts", "counts", "test_votes"] {
            v["stations"][0][key][0] = max.clone();
            v["stations"][0][key][1] = max.clone();
        }
        v["result"]["body"]["totals"][0] = big.clone();
        v["result"]["body"]["postal"]["counts"][0] = big.clone();
        let n = v["result"]["body"]["totals"].as_array().unwrap().len();
        v["result"]["body"]["declared"] =
            json!({"contest_id": cid, "source": "x", "totals": vec![bundle::MAX_SAFE_INTEGER; n]});
        c.resign(&mut v["result"], kinds::CONTEST_RESULT, &ro_key(&c, &cid));
    });
    let a = c.authority();
    let sid = c.read(&path)["stations"][0]["station_id"]
        .as_str()
        .unwrap()
        .to_string();
    c.edit_station(&sid, |st| st["electors"] = max.clone());
    c.edit("election.json", |v| {
        v["body"]["definition"]["contests"][0]["seats"] = json!(0);
        c.resign(v, kinds::MANIFEST, &a);
    });
    c.reindex();
    let r = c.verify();
    assert_eq!(r.exit_code(), 1);
    let f = failed_steps(&r);
    for step in ["V2.b", "V3.c", "V3.d", "V3.e", "V4.c", "V4.e", "V5.c"] {
        assert!(f.contains(step), "{step} missing: {f:?}");
    }
}

fn scoped(c: &Copy, contests: &[&str], stations: &[&str]) -> verifier::Report {
    verifier::verify_bundle(
        &c.path,
        &verifier::Options {
            contests: contests.iter().map(|s| s.to_string()).collect(),
            stations: stations.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
    )
}

#[test]
fn scoped_run_reads_only_its_contest_and_still_catches_tampering_there() {
    let c = copy(M);
    let (cid, path) = c.contested();
    // Another contest's shard and station list are gone: the full run errors, the scoped run
    // does not read them.
    let other = "contests/W02-A.json";
    assert_ne!(other, path);
    std::fs::remove_file(c.path.join(other)).unwrap();
    std::fs::remove_file(c.path.join("stations/W02-A.json")).unwrap();
    assert_eq!(c.verify().exit_code(), 2);
    let r = scoped(&c, &[&cid], &[]);
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert_eq!(r.scope, Some(vec![cid.clone()]));
    assert_eq!(r.contests.len(), 1);
    assert!(r.proofs_verified > 0);
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V1.c" && f.rule.contains("scoped run")));

    // Inside the scope, a changed byte is still caught against the signed index.
    let mut bytes = std::fs::read(c.path.join(&path)).unwrap();
    bytes.push(b' ');
    std::fs::write(c.path.join(&path), bytes).unwrap();
    assert_eq!(failed_steps(&scoped(&c, &[&cid], &[])), set(&["V1.b"]));
}

#[test]
fn scoped_run_by_station_and_unknown_ids() {
    let c = copy(M);
    let r = scoped(&c, &[], &["W01-PS001"]);
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    // Ward 1 polls three seats at each station.
    assert_eq!(r.scope.as_ref().map(Vec::len), Some(3));
    assert_eq!(r.proofs_verified, 3 * 3);
    assert_eq!(scoped(&c, &["NO-SUCH"], &[]).exit_code(), 2);
    assert_eq!(scoped(&c, &[], &["NO-SUCH"]).exit_code(), 2);
}

// Fault cases of DOMAIN.md not covered by a step test above (the table in spec/verification.md
// maps every invariant to its tests).

#[test]
fn domain_mock_poll_residue_is_a_form17c_failure() {
    // 50 mock-poll votes left in the control unit: the machine total exceeds the voters.
    let c = copy(A);
    let (cid, path) = c.contested();
    c.edit(&path, |v| {
        let st = &mut v["close_of_poll"][0];
        let sid = st["body"]["station_id"].as_str().unwrap().to_string();
        let body = &mut st["body"]["contest"];
        body["total_recorded"] = json!(body["total_recorded"].as_u64().unwrap() + 50);
        body["units"][0]["total"] = json!(body["units"][0]["total"].as_u64().unwrap() + 50);
        c.resign(st, kinds::CLOSE_OF_POLL, &c.po_key(&sid));
        let row = &mut v["stations"][0];
        row["machine_counts"][0] = json!(row["machine_counts"][0].as_u64().unwrap() + 50);
        row["counts"][0] = json!(row["counts"][0].as_u64().unwrap() + 50);
        retotal(&c, &cid, v);
    });
    c.reindex();
    let r = c.verify();
    let f = failed_steps(&r);
    assert!(f.contains("V3.c"), "{:#?}", r.findings);
    assert!(
        f.contains("V4.d"),
        "the proof does not cover the residue: {:#?}",
        r.findings
    );
}

#[test]
fn domain_tendered_votes_counted_in_a_row() {
    let c = copy(A);
    let (cid, path) = c.contested();
    c.edit(&path, |v| {
        let tendered = v["close_of_poll"][0]["body"]["poll"]["tendered"]
            .as_u64()
            .unwrap()
            .max(1);
        let row = &mut v["stations"][0];
        row["counts"][0] = json!(row["counts"][0].as_u64().unwrap() + tendered);
        retotal(&c, &cid, v);
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V4.e"), "{:#?}", r.findings);
}

#[test]
fn domain_test_votes_deducted_from_the_wrong_candidate() {
    let c = copy(A);
    let (cid, path) = c.contested();
    let shard = c.read(&path);
    let i = shard["close_of_poll"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| {
            !s["body"]["contest"]["test_votes"]
                .as_array()
                .unwrap()
                .is_empty()
        });
    let Some(i) = i else {
        return; // the fixture has no 49MA votes in this contest
    };
    c.edit(&path, |v| {
        let row = &mut v["stations"][i];
        let tv: Vec<u64> = serde_json::from_value(row["test_votes"].clone()).unwrap();
        let from = tv.iter().position(|&t| t > 0).unwrap();
        let to = (from + 1) % tv.len();
        // Deduct from `to` instead of `from`, as a careless count would.
        let mut moved = tv.clone();
        moved[to] += moved[from];
        moved[from] = 0;
        let mc: Vec<u64> = serde_json::from_value(row["machine_counts"].clone()).unwrap();
        let counts: Vec<u64> = (0..tv.len())
            .map(|j| mc[j].saturating_sub(moved[j]))
            .collect();
        row["test_votes"] = json!(moved);
        row["counts"] = json!(counts);
        retotal(&c, &cid, v);
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V4.e"), "{:#?}", r.findings);
}

#[test]
fn v1c_a_salt_as_a_row_field_fails() {
    let c = copy(A);
    let (_, path) = c.contested();
    let salt = "5a1t".repeat(16);
    c.edit(&path, |v| v["stations"][0]["salt"] = json!(salt));
    c.reindex();
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V1.c"]), "{:#?}", r.findings);
    assert_eq!(r.exit_code(), 1);
    let f = r.findings.iter().find(|f| f.step == "V1.c").unwrap();
    assert!(
        f.rule.contains("a \"salt\" field at stations[0]"),
        "{}",
        f.rule
    );
    assert!(!r.to_text().contains(&salt), "the salt is not shown");
}

/// verification.md, "Dependent failures": the follow-on findings of a refused key (V4.b and V4.d
/// for its rows) and of a row that fails V4.e (none: the sum is not compared), and nothing else.
#[test]
fn dependent_failures_are_the_specs_table() {
    expect_exactly(&key_digest_changed(), &["V2.e", "V4.b", "V4.d"]);

    let c = copy(A);
    let (_, path) = c.contested();
    c.edit(&path, |v| {
        let row = &mut v["stations"][0];
        let a = row["counts"][0].as_u64().unwrap();
        row["counts"][0] = json!(a + 5);
    });
    c.reindex();
    expect_exactly(&c, &["V4.e"]);
}
