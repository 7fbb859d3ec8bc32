//! Counting day across machines: shards prove slices into a work folder, a killed shard is run
//! again and loses nothing, `assemble` refuses anything but exactly the election's verified rows,
//! and the bundle it writes verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use bundle::ElectionKind;
use fixture::copy_dir;
use prover::setup::KeyDir;
use prover::shard::{assemble, prove_shard, row_path, AssembleOptions, Shard, ShardOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use verifier::{verify_bundle, Options};

/// The assembly fixture: 6 stations (two constituencies of 3), one contest each, sealed, with
/// its keys (its own bundle is not used here).
fn sealed() -> &'static fixture::Election {
    fixture::election(ElectionKind::Assembly)
}

/// Reads, changes and writes back a JSON file.
fn edit(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn kd() -> KeyDir {
    KeyDir::open(&sealed().keys).unwrap()
}

fn shard(input: &Path, work: &Path, index: usize, count: usize) -> prover::shard::ShardSummary {
    prove_shard(&ShardOptions {
        input,
        keys: &kd(),
        work,
        shard: Shard { index, count },
        on_progress: None,
    })
    .unwrap()
}

fn assemble_into(work: &Path, out: &Path) -> Result<prover::prove::ProveSummary, String> {
    assemble(&AssembleOptions {
        input: &sealed().input,
        keys: &kd(),
        work,
        out,
        force: true,
    })
    .map_err(|e| e.to_string())
}

/// Every row file of a work folder, sorted.
fn rows(work: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for c in std::fs::read_dir(work).unwrap() {
        let c = c.unwrap().path();
        for f in std::fs::read_dir(&c).unwrap() {
            let f = f.unwrap().path();
            if !f.file_name().unwrap().to_string_lossy().starts_with('.') {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

/// Three shards, one of them "killed" (a row gone, a half-written temporary left behind, a row
/// from another station planted in its place) and run again: it proves exactly what is
/// missing or wrong, keeps the rest, and the assembled bundle verifies.
#[test]
fn shards_killed_and_rerun_then_assembled_make_a_bundle_that_verifies() {
    let s = sealed();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let mut proved = 0;
    for k in 0..3 {
        let sum = shard(&s.input, &work, k, 3);
        assert_eq!(sum.kept, 0);
        assert_eq!(sum.proved, sum.rows);
        proved += sum.proved;
    }
    let all = rows(&work);
    assert_eq!(all.len(), proved);

    // Kill shard 1 midway: one of its rows never written, a temporary file half written.
    let def: Value =
        serde_json::from_slice(&std::fs::read(s.input.join("election.json")).unwrap()).unwrap();
    let stations = def["stations"].as_array().unwrap();
    let sid = |i: usize| stations[i]["station_id"].as_str().unwrap().to_string();
    let cid = |i: usize| stations[i]["contests"][0].as_str().unwrap().to_string();
    let lost = row_path(&work, &cid(1), &sid(1)); // station 1 is shard 1's
    std::fs::remove_file(&lost).unwrap();
    std::fs::write(lost.with_file_name(".half.json.99.tmp"), b"{\"format\":").unwrap();
    // And station 4's row (shard 1 too) replaced by station 0's proof: it must not be trusted.
    let planted = row_path(&work, &cid(4), &sid(4));
    let mut v: Value = serde_json::from_slice(&std::fs::read(&planted).unwrap()).unwrap();
    let other: Value =
        serde_json::from_slice(&std::fs::read(row_path(&work, &cid(0), &sid(0))).unwrap()).unwrap();
    v["row"]["proof"] = other["row"]["proof"].clone();
    std::fs::write(&planted, serde_json::to_vec_pretty(&v).unwrap()).unwrap();

    let err = assemble_into(&work, &dir.path().join("early")).unwrap_err();
    assert!(
        err.contains("not proved yet") && err.contains(&sid(1)),
        "{err}"
    );
    assert!(!dir.path().join("early").exists());

    let again = shard(&s.input, &work, 1, 3);
    assert_eq!(again.proved, 2, "{again:?}");
    assert_eq!(again.replaced.len(), 1, "{again:?}");
    assert!(again.replaced[0].contains(&sid(4)), "{again:?}");
    assert_eq!(again.kept, again.rows - 2);
    // A rerun of a finished shard proves nothing.
    let idle = shard(&s.input, &work, 0, 3);
    assert_eq!((idle.proved, idle.kept), (0, idle.rows));

    let out = dir.path().join("bundle");
    let summary = assemble_into(&work, &out).unwrap();
    assert_eq!(summary.rows, proved);
    let report = verify_bundle(&out, &Options::default());
    assert_eq!(
        report.failures() + report.errors(),
        0,
        "{:#?}",
        report.findings
    );
}

/// A worker needs the definition, the public statements, the keys, and the logs and salts of
/// its own stations: no signing key, no other station's secret.
#[test]
fn a_worker_holds_only_its_own_stations_secrets_and_no_signing_key() {
    let s = sealed();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    copy_dir(&s.input, &input);
    std::fs::remove_dir_all(input.join("SECRET_keys")).unwrap();
    let def: Value =
        serde_json::from_slice(&std::fs::read(input.join("election.json")).unwrap()).unwrap();
    for (i, st) in def["stations"].as_array().unwrap().iter().enumerate() {
        if i % 2 != 1 {
            let id = st["station_id"].as_str().unwrap();
            std::fs::remove_file(input.join("SECRET_logs").join(format!("{id}.json"))).unwrap();
            std::fs::remove_file(input.join("SECRET_salts").join(format!("{id}.json"))).unwrap();
        }
    }
    let work = dir.path().join("work");
    let sum = shard(&input, &work, 1, 2);
    assert_eq!(sum.stations, 3);
    assert_eq!(sum.proved, sum.rows);
    // The other half cannot be proved here: its logs are elsewhere.
    let err = prove_shard(&ShardOptions {
        input: &input,
        keys: &kd(),
        work: &work,
        shard: Shard { index: 0, count: 2 },
        on_progress: None,
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("SECRET_logs"), "{err}");
}

/// `assemble` takes exactly the election's rows: a stray row, a row filed under another
/// station, counts changed after proving, each refused with the file and the reason.
#[test]
fn assemble_refuses_strays_misfiled_rows_and_changed_counts() {
    let s = sealed();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    shard(&s.input, &work, 0, 1);
    let all = rows(&work);
    let out = dir.path().join("bundle");

    let fresh = |name: &str| {
        let w = dir.path().join(name);
        copy_dir(&work, &w);
        w
    };
    // A row of a station that does not exist.
    let w = fresh("stray");
    let first = rows(&w).remove(0);
    std::fs::copy(&first, first.with_file_name("S-999.json")).unwrap();
    let err = assemble_into(&w, &out).unwrap_err();
    assert!(
        err.contains("S-999") && err.contains("not a station"),
        "{err}"
    );
    // A folder that is not a contest.
    let w = fresh("folder");
    std::fs::create_dir_all(w.join("another-election")).unwrap();
    let err = assemble_into(&w, &out).unwrap_err();
    assert!(err.contains("not a contest"), "{err}");
    // One station's row filed as another's.
    let w = fresh("misfiled");
    let r = rows(&w);
    let same_contest: Vec<&PathBuf> = r.iter().filter(|p| p.parent() == r[0].parent()).collect();
    std::fs::copy(same_contest[0], same_contest[1]).unwrap();
    let err = assemble_into(&w, &out).unwrap_err();
    assert!(err.contains("not the row of station"), "{err}");
    // Published counts moved between candidates (the proof still verifies).
    let w = fresh("counts");
    edit(&rows(&w).remove(0), |v| {
        let c = v["row"]["counts"].as_array_mut().unwrap();
        let moved = c[0].as_u64().unwrap();
        c[0] = 0.into();
        c[1] = (c[1].as_u64().unwrap() + moved).into();
    });
    let err = assemble_into(&w, &out).unwrap_err();
    assert!(err.contains("do not follow"), "{err}");
    // Machine counts changed: the proof fails.
    let w = fresh("machine");
    edit(&rows(&w).remove(0), |v| {
        let m = v["row"]["machine_counts"].as_array_mut().unwrap();
        let a = m[0].as_u64().unwrap();
        m[0] = m[1].clone();
        m[1] = a.into();
        if m[0] == m[1] {
            m[0] = (a + 1).into();
            m[2] = m[2].as_u64().unwrap().saturating_sub(1).into();
        }
    });
    let err = assemble_into(&w, &out).unwrap_err();
    assert!(
        err.contains("does not verify") || err.contains("do not match"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(all.len(), rows(&work).len());
}

#[test]
fn shard_numbers_are_checked() {
    assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
    for bad in ["4/4", "0/0", "-1/3", "a/3", "1/x", ""] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
    let s = Shard { index: 1, count: 3 };
    let mine: Vec<usize> = (0..9).filter(|i| s.takes(*i)).collect();
    assert_eq!(mine, vec![1, 4, 7]);
}

/// A grouped election (totaliser groups) proved in two shards and assembled: the committed rows
/// are checked as they are read, the groups are proved at assembly, and the bundle verifies; a
/// committed row whose commitment is changed in the work folder is refused by name.
#[test]
fn a_grouped_election_is_proved_in_shards_and_assembled() {
    let e = fixture::grouped();
    let keys = KeyDir::open(&e.keys).unwrap();
    let d = tempfile::tempdir().unwrap();
    let work = d.path().join("work");
    for index in 0..2 {
        prove_shard(&ShardOptions {
            input: &e.input,
            keys: &keys,
            work: &work,
            shard: Shard { index, count: 2 },
            on_progress: None,
        })
        .unwrap();
    }
    let out = d.path().join("bundle");
    let assemble_grouped = || {
        assemble(&AssembleOptions {
            input: &e.input,
            keys: &keys,
            work: &work,
            out: &out,
            force: true,
        })
        .map_err(|err| err.to_string())
    };
    assemble_grouped().unwrap();
    let r = verify_bundle(&out, &Options::default());
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert!(r.contests.iter().any(|c| !c.groups.is_empty()));
    // A row's count commitment replaced by another station's: its proof no longer holds.
    let files = rows(&work);
    let other: Value = serde_json::from_slice(&std::fs::read(&files[1]).unwrap()).unwrap();
    edit(&files[0], |v| {
        v["row"]["count_commitment"] = other["row"]["count_commitment"].clone();
    });
    let err = assemble_grouped().unwrap_err();
    assert!(err.contains("the proof does not verify"), "{err}");
}
