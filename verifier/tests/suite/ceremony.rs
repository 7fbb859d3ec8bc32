//! The multi-party key ceremony end to end (V2.h): init, contributions passed along as files,
//! phase 2, verify, finalize, seal, prove, verify the bundle; then every way an insider holding
//! the authority key could fake the ceremony, each failing V2.h.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use bundle::digest::sha256_hex;
use bundle::{kinds, ElectionKind};
use circuits::ceremony::phase1::{self, Accumulator};
use circuits::ceremony::{phase2, Contributor, Pok, Transcript};
use circuits::Shape;
use fixture::{copy_dir, failed_steps, set, Copy};
use prover::ceremony as pc;
use prover::prove::{prove, ProveOptions};
use prover::seal::seal;
use prover::simulate::{simulate, SimOptions};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use verifier::{verify_bundle, Options, Report, Severity};

pub(crate) struct Made {
    _dir: tempfile::TempDir,
    pub(crate) input: PathBuf,
    pub(crate) keys: PathBuf,
    pub(crate) bundle: PathBuf,
    /// The final state file and each contribution hash.
    state: PathBuf,
    hashes: Vec<String>,
    /// The public keys of the two contributors who signed (Party A in phase 1, the observer in
    /// phase 2), by contribution index.
    signers: Vec<(usize, String)>,
}

fn who(name: &str, role: &str) -> Contributor {
    Contributor {
        name: name.into(),
        role: role.into(),
    }
}

fn shape() -> Shape {
    Shape::new(16, 4).unwrap()
}

/// A ceremony of four contributors (the SEC and a party in phase 1, another party and an
/// observer in phase 2; the party in phase 1 and the observer sign their contributions with
/// keys of their own) for the 16x4 shape (the smallest of four choices that the stations' votes
/// fit: every test here shares it, so it is kept small), and an election proved with its keys.
pub(crate) fn made() -> &'static Made {
    static M: OnceLock<Made> = OnceLock::new();
    M.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        // Made for aggregated proofs: each contest's proofs are aggregated (up to 8 a contest).
        pc::init(&[shape()], None, Some(3), &p("s0")).unwrap();
        let mut hashes = Vec::new();
        let steps = [
            ("s0", "s1", who("SEC Gujarat", "State Election Commission")),
            ("s1", "s2", who("Party A", "candidate's agent")),
        ];
        for (i, o, w) in steps {
            hashes.push(pc::contribute(&p(i), &p(o), w, b"").unwrap().1);
        }
        let party_a = pc::keygen(&p("party-a.key")).unwrap();
        let (sig_a, _) = pc::sign_last(&p("s2"), &p("party-a.key")).unwrap();
        pc::begin_phase2(&p("s2"), &p("s3")).unwrap();
        let steps = [
            ("s3", "s4", who("Party B", "candidate's agent")),
            ("s4", "s5", who("A. Observer", "election observer")),
        ];
        for (i, o, w) in steps {
            hashes.push(pc::contribute(&p(i), &p(o), w, b"typed").unwrap().1);
        }
        let observer = pc::keygen(&p("observer.key")).unwrap();
        let (sig_o, _) = pc::sign_last(&p("s5"), &p("observer.key")).unwrap();
        let (_, report) = pc::verify(&p("s5")).unwrap();
        assert_eq!(report.contributions.len(), 4);
        let keys = p("keys");
        pc::finalize(&p("s5"), &keys, &[sig_o, sig_a]).unwrap();
        let input = p("input");
        simulate(
            &SimOptions {
                kind: ElectionKind::Assembly,
                seed: 31,
                areas: 1,
                stations: 3,
                candidates: 3,
                electors: 14,
                ..SimOptions::default()
            },
            &input,
        )
        .unwrap();
        let kd = prover::setup::KeyDir::open(&keys).unwrap();
        seal(&input, &kd, &mut rand::rngs::OsRng).unwrap();
        let bundle = p("bundle");
        prove(&ProveOptions {
            input: &input,
            keys: &kd,
            out: &bundle,
            force: false,
            on_progress: None,
        })
        .unwrap();
        Made {
            state: p("s5"),
            _dir: dir,
            input,
            keys,
            bundle,
            hashes,
            signers: vec![(1, party_a), (3, observer)],
        }
    })
}

pub(crate) fn copy() -> Copy {
    let m = made();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle");
    copy_dir(&m.bundle, &path);
    Copy::new(dir, path, m.input.clone())
}

fn verify(p: &Path) -> Report {
    verify_bundle(p, &Options::default())
}

/// Binds the ceremony files' current digests into the manifest, re-signs it and the index:
/// an insider holding the authority key.
pub(crate) fn rebind(c: &Copy) {
    c.edit("election.json", |v| {
        for r in v["body"]["setup"]["ceremony"].as_array_mut().unwrap() {
            let bytes = std::fs::read(c.path.join(r["path"].as_str().unwrap())).unwrap();
            r["sha256"] = sha256_hex(&bytes).into();
        }
        for k in v["body"]["shapes"].as_array_mut().unwrap() {
            let bytes = std::fs::read(c.path.join(k["path"].as_str().unwrap())).unwrap();
            k["vk_sha256"] = sha256_hex(&bytes).into();
        }
        c.resign(v, kinds::MANIFEST, &c.authority());
    });
    c.reindex();
}

fn transcript(c: &Copy) -> Transcript {
    serde_json::from_value(c.read("ceremony/transcript.json")).unwrap()
}

fn write_transcript(c: &Copy, t: &Transcript) {
    c.write(
        "ceremony/transcript.json",
        &serde_json::to_value(t).unwrap(),
    );
    rebind(c);
}

fn expect_v2h(c: &Copy, why: &str) {
    let r = verify(&c.path);
    assert_eq!(failed_steps(&r), set(&["V2.h"]), "{why}: {:#?}", r.findings);
    let f = r.findings.iter().find(|f| f.step == "V2.h").unwrap();
    eprintln!("{why}: {}", f.rule);
    assert!(r.ceremony.is_none());
}

#[test]
fn a_ceremony_bundle_passes_and_names_its_contributors() {
    let m = made();
    let r = verify(&m.bundle);
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    let c = r.ceremony.as_ref().expect("ceremony report");
    assert_eq!(c.contributions.len(), 4);
    assert_eq!(c.contributors(), 4);
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V2.h" && f.rule.contains("at least one of these 4 contributors")));
    assert!(
        !r.findings
            .iter()
            .any(|f| f.rule.contains("single-party") || f.rule.contains("could forge")),
        "no single-party notice"
    );
    let text = r.to_text();
    assert!(
        text.contains("multi-party ceremony") && text.contains("SEC Gujarat"),
        "{text}"
    );
    // Every contributor finds its hash; a made-up hash is not found.
    for h in &m.hashes {
        assert_eq!(verifier::ceremony::find(c, &h[..16]).len(), 1);
    }
    assert!(verifier::ceremony::find(c, &"ab".repeat(32)).is_empty());
    // Two contributions are signed by their contributors' keys, two are not, and the report
    // says which.
    let keys: Vec<Option<String>> = c.contributions.iter().map(|l| l.key.clone()).collect();
    let mut want = vec![None; 4];
    for (i, k) in &m.signers {
        want[*i] = Some(k.clone());
    }
    assert_eq!(keys, want);
    let fp = circuits::ceremony::signatures::fingerprint(&m.signers[0].1);
    assert!(
        text.contains(&format!("Party A (candidate's agent), key {fp}")),
        "{text}"
    );
    assert!(r.findings.iter().any(|f| f.step == "V2.h"
        && f.rule
            .contains("unsigned, so their names are the coordinator's word")
        && f.rule.contains("SEC Gujarat")));
    // The whole chain so far verifies from the state file too (which holds no signature).
    let mut unsigned = c.clone();
    unsigned.contributions.iter_mut().for_each(|l| l.key = None);
    assert_eq!(pc::verify(&m.state).unwrap().1, unsigned);
}

#[test]
fn v2h_a_signature_over_another_state_or_that_does_not_verify_fails() {
    for (what, edit) in [
        ("over another contribution", 0usize),
        ("over a state that is no contribution", 1),
        ("by a key that did not make it", 2),
    ] {
        let c = copy();
        let m = made();
        c.edit("ceremony/signatures.json", |v| {
            let other_key = v["signatures"][1]["public_key"].clone();
            let s = &mut v["signatures"][0];
            match edit {
                0 => s["hash"] = json!(m.hashes[0]),
                1 => s["hash"] = json!("ab".repeat(32)),
                _ => s["public_key"] = other_key,
            }
        });
        rebind(&c);
        let r = verify(&c.path);
        assert_eq!(
            failed_steps(&r),
            set(&["V2.h"]),
            "{what}: {:#?}",
            r.findings
        );
        let f = r.findings.iter().find(|f| f.step == "V2.h").unwrap();
        assert!(f.rule.contains("signatures.json"), "{what}: {}", f.rule);
    }
}

#[test]
fn a_contributor_asks_whether_its_key_signed_its_contribution() {
    // The coordinator re-signs Party A's contribution with a key of its own (valid, so the
    // bundle verifies): only Party A, asking with its published key, can tell.
    let m = made();
    let (_, party_a) = &m.signers[0];
    let run = |bundle: &Path, key: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_verifier"))
            .arg("ceremony")
            .arg(bundle)
            .args(["--contribution", &m.hashes[1][..16], "--key", key])
            .output()
            .unwrap()
    };
    let out = run(&m.bundle, party_a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("signed by your key"));

    let c = copy();
    let dir = tempfile::tempdir().unwrap();
    let forged = dir.path().join("coordinator.key");
    pc::keygen(&forged).unwrap();
    let state = dir.path().join("s2");
    // The state after Party A's contribution, as the coordinator kept it.
    std::fs::copy(m.state.parent().unwrap().join("s2"), &state).unwrap();
    let (sig, _) = pc::sign_last(&state, &forged).unwrap();
    let forged_sig: Value = serde_json::from_slice(&std::fs::read(sig).unwrap()).unwrap();
    c.edit("ceremony/signatures.json", |v| {
        v["signatures"][0] = forged_sig["signatures"][0].clone();
    });
    rebind(&c);
    assert_eq!(
        verify(&c.path).exit_code(),
        0,
        "a valid signature by some key"
    );
    let out = run(&c.path, party_a);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("NOT by your key"), "{stdout}");
}

#[test]
fn a_ceremony_without_signatures_verifies_with_a_notice() {
    let c = copy();
    std::fs::remove_file(c.path.join("ceremony/signatures.json")).unwrap();
    c.edit("election.json", |v| {
        v["body"]["setup"]["ceremony"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["path"] != "ceremony/signatures.json");
        c.resign(v, kinds::MANIFEST, &c.authority());
    });
    c.reindex();
    let r = verify(&c.path);
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert!(r.findings.iter().any(|f| f.step == "V2.h"
        && f.rule
            .contains("no contribution is signed by its contributor")));
    assert!(r.to_text().contains("unsigned"));
}

#[test]
fn the_contribute_command_refuses_a_state_that_does_not_verify() {
    let m = made();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad");
    let mut bytes = std::fs::read(&m.state).unwrap();
    let n = bytes.len();
    bytes[n - 40] ^= 1; // a coordinate of the last L element
    std::fs::write(&bad, &bytes).unwrap();
    let out = dir.path().join("next");
    let e = pc::contribute(&bad, &out, who("X", "observer"), b"")
        .unwrap_err()
        .to_string();
    assert!(e.contains("do not contribute"), "{e}");
    assert!(!out.exists(), "nothing written");
    // Truncated: refused before the points are read.
    std::fs::write(&bad, &std::fs::read(&m.state).unwrap()[..n - 1]).unwrap();
    let e = pc::verify(&bad).unwrap_err().to_string();
    assert!(e.contains("truncated or extended"), "{e}");
}

#[test]
fn v2h_a_proof_of_knowledge_that_does_not_hold_fails() {
    // Wrong: another point in place of one of the proof's.
    let c = copy();
    let mut t = transcript(&c);
    t.phase1[1].pok[0][1] = t.phase1[1].pok[0][0].clone();
    write_transcript(&c, &t);
    expect_v2h(&c, "phase-1 proof of knowledge wrong");
    // Made for another state: a valid proof, over another chain digest.
    let c = copy();
    let mut t = transcript(&c);
    let x = circuits::Fr::from(5u64);
    let pok = Pok::new(
        &x,
        &[7u8; 32],
        &phase2::tag(&shape()),
        &mut rand::rngs::OsRng,
    )
    .unwrap();
    t.phase2.as_mut().unwrap()[0].updates[0].pok = [
        circuits::ceremony::g1_to_hex(&pok.g1_s),
        circuits::ceremony::g1_to_hex(&pok.g1_s_x),
        circuits::ceremony::g2_to_hex(&pok.g2_s_x),
    ];
    write_transcript(&c, &t);
    expect_v2h(&c, "proof of knowledge made for another state");
}

#[test]
fn v2h_a_contribution_that_does_not_change_delta_fails() {
    // An extra last contribution with d = 1: a valid proof of knowledge of 1, delta unchanged,
    // every hash consistent.
    let c = copy();
    let mut t = transcript(&c);
    let shapes = [shape()];
    let recs: Vec<phase2::Phase2Record> = t
        .phase2
        .as_ref()
        .unwrap()
        .iter()
        .map(|j| phase2::Phase2Record::from_json(j, &shapes).unwrap())
        .collect();
    let last = recs.last().unwrap().clone();
    let one = circuits::Fr::from(1u64);
    let mut rec = phase2::Phase2Record {
        contributor: who("Lazy", "observer"),
        updates: vec![phase2::ShapeUpdate {
            delta_g1: last.updates[0].delta_g1,
            delta_g2: last.updates[0].delta_g2,
            pok: Pok::new(
                &one,
                &last.hash,
                &phase2::tag(&shape()),
                &mut rand::rngs::OsRng,
            )
            .unwrap(),
        }],
        hash: [0; 32],
    };
    rec.hash = phase2::record_digest(&last.hash, &rec);
    t.phase2.as_mut().unwrap().push(rec.to_json(&shapes));
    write_transcript(&c, &t);
    expect_v2h(&c, "delta not changed");
}

#[test]
fn v2h_a_skipped_or_reordered_contribution_fails() {
    let c = copy();
    let mut t = transcript(&c);
    t.phase1.remove(0);
    write_transcript(&c, &t);
    expect_v2h(&c, "phase-1 contribution skipped");
    let c = copy();
    let mut t = transcript(&c);
    t.phase2.as_mut().unwrap().swap(0, 1);
    write_transcript(&c, &t);
    expect_v2h(&c, "phase-2 contributions reordered");
}

/// Edits one point of a shape's phase-2 file (past the magic and the two delta points).
fn edit_state(c: &Copy, index: usize, f: impl FnOnce(&mut [u8], usize)) {
    let rel = format!("ceremony/{}.bin", shape());
    let mut b = std::fs::read(c.path.join(&rel)).unwrap();
    let at = 12 + 96 + 192 + index * 96;
    f(&mut b, at);
    std::fs::write(c.path.join(&rel), &b).unwrap();
    rebind(c);
}

/// The setup digest a full run prints in its V2.h notice.
fn printed_setup(r: &Report) -> String {
    let f = r
        .findings
        .iter()
        .find(|f| f.step == "V2.h" && f.rule.contains("setup sha256"))
        .expect("the setup digest is printed");
    let at = f.rule.find("setup sha256 ").unwrap() + "setup sha256 ".len();
    f.rule[at..at + 64].to_string()
}

fn verify_checked(p: &Path, setups: &[String]) -> Report {
    verify_bundle(
        p,
        &Options {
            checked_setups: setups.to_vec(),
            ..Options::default()
        },
    )
}

#[test]
fn a_setup_checked_before_is_not_checked_again() {
    let m = made();
    let full = verify(&m.bundle);
    assert_eq!(full.exit_code(), 0, "{:#?}", full.findings);
    let setup = printed_setup(&full);
    let manifest: bundle::Signed<bundle::ElectionManifest> =
        serde_json::from_slice(&std::fs::read(m.bundle.join("election.json")).unwrap()).unwrap();
    assert_eq!(
        bundle::digest::setup_digest(&manifest.body).as_deref(),
        Some(setup.as_str())
    );
    // Pinned (in either case): the same verdict and contributors, and the report says the
    // ceremony was not checked again.
    for pin in [setup.clone(), setup.to_uppercase()] {
        let r = verify_checked(&m.bundle, &[pin]);
        assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
        assert_eq!(r.ceremony, full.ceremony);
        assert!(r
            .findings
            .iter()
            .any(|f| f.step == "V2.h" && f.rule.contains("checked before and pinned")));
        assert!(r
            .findings
            .iter()
            .any(|f| f.step == "V2.h" && f.rule.contains("at least one of these 4 contributors")));
    }
    // Another digest pinned: the ceremony is checked as usual.
    let r = verify_checked(&m.bundle, &["ab".repeat(32)]);
    assert_eq!(r.exit_code(), 0);
    assert!(!r
        .findings
        .iter()
        .any(|f| f.rule.contains("checked before and pinned")));
}

#[test]
fn v2h_a_pinned_setup_does_not_cover_a_changed_ceremony() {
    // The setup a reader checked, then an insider's bundle with one state point changed and
    // the manifest re-bound: its setup digest is not the pinned one, so V2.h checks it, and
    // fails.
    let m = made();
    let setup = printed_setup(&verify(&m.bundle));
    let c = copy();
    edit_state(&c, 0, |b, at| {
        let next: Vec<u8> = b[at + 96..at + 192].to_vec();
        b[at..at + 96].copy_from_slice(&next);
    });
    let r = verify_checked(&c.path, std::slice::from_ref(&setup));
    assert_eq!(failed_steps(&r), set(&["V2.h"]), "{:#?}", r.findings);
    // The same with a changed key (the verifying key's digest is part of the setup).
    let c = copy();
    let vk = format!("keys/{}.vk", shape());
    let mut b = std::fs::read(c.path.join(&vk)).unwrap();
    let other = std::fs::read(m.keys.join(format!("{}.vk", shape()))).unwrap();
    assert_eq!(b, other);
    b.push(0);
    std::fs::write(c.path.join(&vk), &b).unwrap();
    rebind(&c);
    let r = verify_checked(&c.path, std::slice::from_ref(&setup));
    assert!(!r
        .findings
        .iter()
        .any(|f| f.rule.contains("checked before and pinned")));
    assert_eq!(r.exit_code(), 1, "{:#?}", r.findings);
    // A state file changed and the index re-signed over it, the manifest (and so the setup
    // digest) left as pinned: the pin does not cover a file the index gives another digest.
    let c = copy();
    let rel = format!("ceremony/{}.bin", shape());
    let mut b = std::fs::read(c.path.join(&rel)).unwrap();
    let at = 12 + 96 + 192;
    let next: Vec<u8> = b[at + 96..at + 192].to_vec();
    b[at..at + 96].copy_from_slice(&next);
    std::fs::write(c.path.join(&rel), &b).unwrap();
    c.reindex();
    let r = verify_checked(&c.path, &[setup]);
    assert!(!r
        .findings
        .iter()
        .any(|f| f.rule.contains("checked before and pinned")));
    assert_eq!(failed_steps(&r), set(&["V2.h"]), "{:#?}", r.findings);
}

#[test]
fn v2h_h_or_l_not_scaled_by_the_contributions_fails() {
    // H_0 replaced by H_1; then the last L element replaced by the first.
    let c = copy();
    edit_state(&c, 0, |b, at| {
        let next: Vec<u8> = b[at + 96..at + 192].to_vec();
        b[at..at + 96].copy_from_slice(&next);
    });
    expect_v2h(&c, "H changed");
    let c = copy();
    let rel = format!("ceremony/{}.bin", shape());
    let len = std::fs::metadata(c.path.join(&rel)).unwrap().len() as usize;
    let last = (len - 12 - 96 - 192) / 96 - 1;
    edit_state(&c, last, |b, at| {
        let h0: Vec<u8> = b[12 + 96 + 192..12 + 96 + 192 + 96].to_vec();
        b[at..at + 96].copy_from_slice(&h0);
    });
    expect_v2h(&c, "L changed");
}

#[test]
fn v2h_keys_that_are_not_the_ceremonys_end_fail() {
    // The authority proves with keys of its own single-party setup and attaches the real
    // ceremony: every proof verifies under its keys, V2.h does not.
    let m = made();
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("own");
    prover::setup::setup(&[shape()], "authority", &own, &mut rand::rngs::OsRng).unwrap();
    copy_dir(&m.keys.join("ceremony"), &own.join("ceremony"));
    let mut setup: Value =
        serde_json::from_slice(&std::fs::read(own.join("setup.json")).unwrap()).unwrap();
    setup["kind"] = "multi-party".into();
    setup["performed_by"] = "multi-party ceremony: 4 contributions by 4 contributors".into();
    std::fs::write(own.join("setup.json"), serde_json::to_vec(&setup).unwrap()).unwrap();
    let input = dir.path().join("input");
    copy_dir(&m.input, &input);
    let kd = prover::setup::KeyDir::open(&own).unwrap();
    seal(&input, &kd, &mut rand::rngs::OsRng).unwrap();
    let bundle = dir.path().join("bundle");
    prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &bundle,
        force: false,
        on_progress: None,
    })
    .unwrap();
    let r = verify(&bundle);
    assert_eq!(failed_steps(&r), set(&["V2.h"]), "{:#?}", r.findings);
    // A key whose input commitments, alpha or gamma were edited (its proofs then fail too).
    type Vk = ark_groth16::VerifyingKey<circuits::Bls12_381>;
    let edits: [fn(&mut Vk); 3] = [
        |k| k.gamma_abc_g1.swap(1, 2),
        |k| k.alpha_g1 = k.gamma_abc_g1[0],
        |k| k.gamma_g2 = k.delta_g2,
    ];
    for edit in edits {
        let c = copy();
        let rel = format!("keys/{}.vk", shape());
        let bytes = std::fs::read(c.path.join(&rel)).unwrap();
        let mut vk = circuits::keys::vk_from_bytes(shape(), &bytes)
            .unwrap()
            .pvk
            .vk;
        edit(&mut vk);
        std::fs::write(c.path.join(&rel), circuits::keys::vk_to_bytes(&vk).unwrap()).unwrap();
        rebind(&c);
        let r = verify(&c.path);
        assert!(failed_steps(&r).contains("V2.h"), "{:#?}", r.findings);
    }
}

#[test]
fn v2h_a_transcript_for_another_shape_or_phase_1_fails() {
    // Another shape: the phase-2 chain starts from the shapes' own matrices.
    let c = copy();
    let mut t = transcript(&c);
    for r in t.phase2.as_mut().unwrap() {
        r.updates[0].shape = "16x8".into();
    }
    t.shapes = vec!["16x8".into()];
    std::fs::rename(
        c.path.join(format!("ceremony/{}.bin", shape())),
        c.path.join("ceremony/16x8.bin"),
    )
    .unwrap();
    c.edit("election.json", |v| {
        for r in v["body"]["setup"]["ceremony"].as_array_mut().unwrap() {
            if r["path"] == format!("ceremony/{}.bin", shape()) {
                r["path"] = "ceremony/16x8.bin".into();
            }
        }
    });
    write_transcript(&c, &t);
    let r = verify(&c.path);
    assert!(failed_steps(&r).contains("V2.h"), "{:#?}", r.findings);
    // Phase 2 on another phase 1: another chain and accumulator of the same power.
    let c = copy();
    let mut t = transcript(&c);
    let power = t.power;
    let mut acc = Accumulator::initial(power);
    let mut agg = t
        .aggregation
        .map(circuits::ceremony::aggregation::AggregationPowers::initial);
    let rec = phase1::contribute(
        &mut acc,
        agg.as_mut(),
        &phase1::initial_digest(power, t.aggregation),
        who("Someone", "elsewhere"),
        &mut rand::rngs::OsRng,
    )
    .unwrap();
    t.phase1 = vec![rec.to_json()];
    let mut bin = Vec::new();
    bin.extend_from_slice(b"VE-PHASE1-1\n");
    bin.extend_from_slice(&power.to_le_bytes());
    acc.to_bytes(&mut bin);
    std::fs::write(c.path.join("ceremony/phase1.bin"), &bin).unwrap();
    write_transcript(&c, &t);
    expect_v2h(&c, "phase 2 on another phase 1");
}

#[test]
fn v2h_truncated_or_oversized_files_are_refused_before_reading() {
    for (what, edit) in [("truncated", -1i64), ("extended", 96)] {
        let c = copy();
        let p = c.path.join("ceremony/phase1.bin");
        let mut b = std::fs::read(&p).unwrap();
        if edit < 0 {
            b.pop();
        } else {
            b.extend(std::iter::repeat_n(0u8, edit as usize));
        }
        std::fs::write(&p, &b).unwrap();
        rebind(&c);
        expect_v2h(&c, what);
        let r = verify(&c.path);
        assert!(r
            .findings
            .iter()
            .any(|f| f.step == "V2.h" && f.rule.contains("not read")));
    }
}

#[test]
fn single_party_bundles_still_verify_with_the_notice() {
    let r = fixture::copy(ElectionKind::Assembly).verify();
    assert!(failed_steps(&r).is_empty());
    assert!(r.ceremony.is_none());
    assert!(r.findings.iter().any(|f| f.step == "V2.e"
        && f.severity == Severity::Notice
        && f.rule.contains("could forge")));
}
