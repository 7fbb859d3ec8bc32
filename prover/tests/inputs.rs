//! Bad inputs stop the prover with an error naming the file, the station and the rule, and
//! leave nothing that looks like a bundle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bundle::ElectionKind;
use circuits::Shape;
use prover::prove::{prove, ProveOptions};
use prover::seal::seal;
use prover::setup::{setup, KeyDir};
use prover::simulate::{simulate, SimOptions};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn keys() -> &'static (tempfile::TempDir, PathBuf) {
    static K: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    K.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("keys");
        let shapes = [Shape::new(64, 4).unwrap(), Shape::new(64, 8).unwrap()];
        setup(&shapes, "test", &p, &mut rand::rngs::OsRng).unwrap();
        (d, p)
    })
}

fn key_dir() -> KeyDir {
    KeyDir::open(&keys().1).unwrap()
}

fn fresh(kind: ElectionKind) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("input");
    let opts = SimOptions {
        kind,
        seed: 5,
        areas: 1,
        stations: 3,
        candidates: 3,
        electors: 60,
        ..SimOptions::default()
    };
    simulate(&opts, &input).unwrap();
    (d, input)
}

fn first_file(dir: &Path) -> PathBuf {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.remove(0)
}

fn edit(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn seal_err(input: &Path) -> String {
    seal(input, &key_dir(), &mut rand::rngs::OsRng)
        .expect_err("must refuse")
        .to_string()
}

#[test]
fn log_count_differs_from_form17c() {
    let (_d, input) = fresh(ElectionKind::Assembly);
    let log = first_file(&input.join("SECRET_logs"));
    edit(&log, |v| {
        v["contests"][0]["units"][0]["votes"]
            .as_array_mut()
            .unwrap()
            .pop();
    });
    let e = seal_err(&input);
    assert!(
        e.contains(&log.display().to_string())
            && e.contains("station AC001-PS001")
            && e.contains("I1"),
        "{e}"
    );
    assert!(
        !input.join("close_of_poll").exists(),
        "nothing is sealed when an input is bad"
    );
}

#[test]
fn vote_for_a_choice_that_does_not_exist() {
    let (_d, input) = fresh(ElectionKind::Assembly);
    let log = first_file(&input.join("SECRET_logs"));
    edit(&log, |v| {
        v["contests"][0]["units"][0]["votes"][0][1] = json!(99)
    });
    let e = seal_err(&input);
    assert!(
        e.contains("does not exist") && e.contains("station AC001-PS001"),
        "{e}"
    );
    // The vote itself (its choice, its time) is not echoed beyond its position.
    assert!(!e.contains("99"));
}

#[test]
fn vote_after_close() {
    let (_d, input) = fresh(ElectionKind::Assembly);
    let log = first_file(&input.join("SECRET_logs"));
    let form = first_file(&input.join("form17c"));
    let closed: Value = serde_json::from_slice(&std::fs::read(&form).unwrap()).unwrap();
    let closed_at = closed["poll"]["closed_at"].as_u64().unwrap();
    edit(&log, |v| {
        let votes = v["contests"][0]["units"][0]["votes"]
            .as_array_mut()
            .unwrap();
        let last = votes.len() - 1;
        votes[last][0] = json!(closed_at + 1);
    });
    let e = seal_err(&input);
    assert!(e.contains("after close of poll"), "{e}");
}

#[test]
fn unknown_station() {
    let (_d, input) = fresh(ElectionKind::Assembly);
    let form = first_file(&input.join("form17c"));
    let extra = input.join("form17c").join("ZZ.json");
    std::fs::copy(&form, &extra).unwrap();
    edit(&extra, |v| v["station_id"] = json!("AC009-PS999"));
    let e = seal_err(&input);
    assert!(
        e.contains("unknown station") && e.contains("ZZ.json") && e.contains("AC009-PS999"),
        "{e}"
    );
}

#[test]
fn duplicate_station() {
    let (_d, input) = fresh(ElectionKind::Assembly);
    let form = first_file(&input.join("form17c"));
    std::fs::copy(&form, input.join("form17c").join("copy.json")).unwrap();
    let e = seal_err(&input);
    assert!(
        e.contains("duplicate station") && e.contains("copy.json"),
        "{e}"
    );
}

#[test]
fn form17c_that_does_not_add_up() {
    let (_d, input) = fresh(ElectionKind::Assembly);
    let form = first_file(&input.join("form17c"));
    edit(&form, |v| {
        let t = v["contests"][0]["total_recorded"].as_u64().unwrap();
        v["contests"][0]["total_recorded"] = json!(t + 1);
    });
    let e = seal_err(&input);
    assert!(
        e.contains("I2") && e.contains(&form.display().to_string()),
        "{e}"
    );
}

#[test]
fn log_changed_after_close_of_poll_is_refused_and_nothing_is_written() {
    let (d, input) = fresh(ElectionKind::Assembly);
    let kd = key_dir();
    seal(&input, &kd, &mut rand::rngs::OsRng).unwrap();
    // Swap two votes of different choices: same counts, different sealed log.
    let log = first_file(&input.join("SECRET_logs"));
    edit(&log, |v| {
        let votes = v["contests"][0]["units"][0]["votes"]
            .as_array_mut()
            .unwrap();
        let j = (1..votes.len())
            .find(|&j| votes[j][1] != votes[0][1])
            .unwrap();
        let (c0, cj) = (votes[0][1].clone(), votes[j][1].clone());
        votes[0][1] = cj;
        votes[j][1] = c0;
    });
    let out = d.path().join("bundle");
    let e = prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &out,
        force: false,
        on_progress: None,
    })
    .expect_err("must refuse")
    .to_string();
    assert!(
        e.contains("does not open the commitment signed at close of poll"),
        "{e}"
    );
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        leftovers
            .iter()
            .all(|n| !n.to_string_lossy().contains("partial")),
        "{leftovers:?}"
    );
}

#[test]
fn existing_bundle_is_not_overwritten_without_force() {
    let (d, input) = fresh(ElectionKind::Assembly);
    let kd = key_dir();
    seal(&input, &kd, &mut rand::rngs::OsRng).unwrap();
    let out = d.path().join("bundle");
    std::fs::create_dir_all(&out).unwrap();
    assert!(prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &out,
        force: false,
        on_progress: None
    })
    .is_err());
    prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &out,
        force: true,
        on_progress: None,
    })
    .unwrap();
    assert!(out.join("bundle.json").exists());
}

#[test]
fn tie_without_a_lot_record_is_refused() {
    let (d, input) = fresh(ElectionKind::Assembly);
    let kd = key_dir();
    seal(&input, &kd, &mut rand::rngs::OsRng).unwrap();
    // Totals of K01 and K02 from the logs (minus test votes), then a postal row that ties them
    // above everyone else.
    let mut totals = [0i64; 8];
    for entry in std::fs::read_dir(input.join("SECRET_logs")).unwrap() {
        let v: Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        for u in v["contests"][0]["units"].as_array().unwrap() {
            for vote in u["votes"].as_array().unwrap() {
                totals[vote[1].as_u64().unwrap() as usize] += 1;
            }
        }
    }
    for entry in std::fs::read_dir(input.join("form17c")).unwrap() {
        let v: Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        for t in v["contests"][0]["test_votes"].as_array().unwrap() {
            totals[t["choice"].as_u64().unwrap() as usize] -= t["count"].as_i64().unwrap();
        }
    }
    let postal = input.join("postal").join("AC001.json");
    let n = serde_json::from_slice::<Value>(&std::fs::read(&postal).unwrap()).unwrap()["counts"]
        .as_array()
        .unwrap()
        .len();
    let top = totals.iter().take(n - 1).copied().max().unwrap() + 1000;
    edit(&postal, |v| {
        let mut counts = vec![0i64; n];
        counts[0] = top - totals[0];
        counts[1] = top - totals[1];
        v["counts"] = json!(counts);
    });
    let _ = std::fs::remove_dir_all(input.join("lots"));
    let out = d.path().join("bundle");
    let e = prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &out,
        force: false,
        on_progress: None,
    })
    .expect_err("must refuse")
    .to_string();
    assert!(e.contains("I6") && e.contains("lot"), "{e}");
    // With a lot record naming the tied candidates, the bundle is written and records it.
    std::fs::create_dir_all(input.join("lots")).unwrap();
    std::fs::write(
        input.join("lots").join("AC001.json"),
        serde_json::to_vec(&json!({"contest_id": "AC001", "tied": ["K01", "K02"], "chosen": ["K02"], "record": "drawn before agents"})).unwrap(),
    )
    .unwrap();
    prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &out,
        force: false,
        on_progress: None,
    })
    .unwrap();
    let shard: Value =
        serde_json::from_slice(&std::fs::read(out.join("contests/AC001.json")).unwrap()).unwrap();
    assert_eq!(shard["result"]["body"]["winners"], json!(["K02"]));
}

#[test]
fn simulation_is_reproducible_from_its_seed() {
    let (_a, x) = fresh(ElectionKind::Panchayat);
    let (_b, y) = fresh(ElectionKind::Panchayat);
    for rel in [
        "election.json",
        "SECRET_logs/GP01-PS001.json",
        "form17c/GP01-PS002.json",
        "SECRET_keys/authority.json",
    ] {
        assert_eq!(
            std::fs::read(x.join(rel)).unwrap(),
            std::fs::read(y.join(rel)).unwrap(),
            "{rel}"
        );
    }
}

#[test]
fn a_station_at_the_largest_vote_shape_proves_in_the_worker_pool() {
    // 2,048-vote circuits need more than a default thread stack to synthesise.
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("input");
    let opts = SimOptions {
        kind: ElectionKind::Assembly,
        seed: 9,
        areas: 1,
        stations: 1,
        candidates: 2,
        electors: 1900,
        turnout: 0.9,
        ..SimOptions::default()
    };
    simulate(&opts, &input).unwrap();
    let keys = d.path().join("keys");
    let kd = setup(
        &[Shape::new(2048, 4).unwrap()],
        "test",
        &keys,
        &mut rand::rngs::OsRng,
    )
    .unwrap();
    seal(&input, &kd, &mut rand::rngs::OsRng).unwrap();
    let out = d.path().join("bundle");
    prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &out,
        force: false,
        on_progress: None,
    })
    .unwrap();
    let shard: Value =
        serde_json::from_slice(&std::fs::read(out.join("contests/AC001.json")).unwrap()).unwrap();
    assert_eq!(shard["stations"][0]["shape"], json!("2048x4"));
}

#[test]
fn a_grouped_contest_is_refused_before_anything_is_sealed() {
    let (_d, input) = fresh(ElectionKind::Assembly);
    let def = input.join("election.json");
    edit(&def, |v| {
        v["contests"][0]["totaliser"] = json!({"min_stations": 2, "groups": []});
    });
    let e = seal_err(&input);
    assert!(
        e.contains("election.json") && e.contains("D9") && e.contains("totaliser"),
        "{e}"
    );
    assert!(!input.join("SECRET_salts").exists(), "nothing sealed");
}

/// A municipal election with totaliser groups of at least 2 (one ward of 4 stations).
fn grouped() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("input");
    let opts = SimOptions {
        kind: ElectionKind::Municipal,
        seed: 6,
        areas: 1,
        stations: 4,
        candidates: 3,
        electors: 60,
        totaliser: Some(2),
        ..SimOptions::default()
    };
    simulate(&opts, &input).unwrap();
    (d, input)
}

#[test]
fn a_grouped_contest_without_committed_and_group_keys_is_refused_at_seal() {
    let (_d, input) = grouped();
    let e = seal_err(&input);
    assert!(e.contains("committed station circuit"), "{e}");
    assert!(!input.join("close_of_poll").exists());
}

#[test]
fn a_totaliser_declaration_breaking_d9_is_refused() {
    let (_d, input) = grouped();
    // The first group loses a station: it is then in no group, and the group is below k.
    edit(&input.join("election.json"), |v| {
        let c = v["contests"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|c| c.get("totaliser").is_some_and(|t| !t.is_null()))
            .unwrap();
        c["totaliser"]["groups"][0]["stations"]
            .as_array_mut()
            .unwrap()
            .pop();
    });
    let e = seal_err(&input);
    assert!(e.contains("D9") && e.contains("is in no group"), "{e}");
}

#[test]
fn import_declares_totaliser_groups_or_refuses_a_k_out_of_bounds() {
    let data =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/real/gujarat-ls2014/pc04-mahesana");
    let d = tempfile::tempdir().unwrap();
    let run = |k: &str, out: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_prover"))
            .args(["import", "--raw"])
            .arg(data.join("raw"))
            .arg("--electors")
            .arg(data.join("electors.csv"))
            .args([
                "--segments",
                "21",
                "--election-id",
                "ls2014-mahesana",
                "--contest-id",
                "PC04",
                "--contest-name",
                "4 Mahesana",
                "--poll-date",
                "2014-04-30",
                "--totaliser",
                k,
                "--out",
            ])
            .arg(out)
            .output()
            .unwrap()
    };
    let out = d.path().join("in");
    let ok = run("14", &out);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let def: bundle::ElectionDefinition =
        serde_json::from_slice(&std::fs::read(out.join("election.json")).unwrap()).unwrap();
    let c = &def.contests[0];
    let t = c.totaliser.as_ref().expect("groups declared");
    assert_eq!(t.min_stations, 14);
    let stations: Vec<&bundle::Station> = def.stations.iter().collect();
    assert!(bundle::totaliser::check_groups(t, &stations).is_empty());
    assert!(t.groups.len() >= 2);
    // A k outside the rule's bounds: refused, by name, and the inputs left booth-wise.
    let out = d.path().join("in2");
    let bad = run("33", &out);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--totaliser 33") && err.contains("k must be") && err.contains("booth-wise"),
        "{err}"
    );
    let def: bundle::ElectionDefinition =
        serde_json::from_slice(&std::fs::read(out.join("election.json")).unwrap()).unwrap();
    assert!(def.contests[0].totaliser.is_none());
}
