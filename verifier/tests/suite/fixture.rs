//! Builds small simulated elections once per test binary (tiny shapes), and tampers with
//! copies of their bundles the way an insider holding the signing keys could.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bundle::digest::{bundle_root, sha256_hex};
use bundle::{kinds, BundleIndex, ElectionKind, FileEntry, KeyPair, Signed};
use circuits::Shape;
use prover::prove::{prove, ProveOptions};
use prover::seal::seal;
use prover::setup::{setup, KeyDir};
use prover::simulate::{simulate, SimOptions};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use verifier::{verify_bundle, Options, Report, Severity};

pub struct Election {
    _dir: tempfile::TempDir,
    pub input: PathBuf,
    pub bundle: PathBuf,
    pub keys: PathBuf,
}

fn build(kind: ElectionKind, seed: u64) -> Election {
    let opts = SimOptions {
        kind,
        seed,
        areas: 2,
        stations: 3,
        candidates: 3,
        electors: 60,
        ..SimOptions::default()
    };
    build_with(
        &opts,
        &[Shape::new(64, 4).unwrap(), Shape::new(64, 8).unwrap()],
    )
}

/// A municipal election with totaliser groups of at least 2 stations in every polled contest
/// (protocol.md §7): 2 wards of 4 stations, so 2 groups of 2 per contest.
pub fn grouped() -> &'static Election {
    static G: OnceLock<Election> = OnceLock::new();
    G.get_or_init(|| {
        let opts = SimOptions {
            kind: ElectionKind::Municipal,
            seed: 13,
            areas: 2,
            stations: 4,
            candidates: 3,
            electors: 60,
            totaliser: Some(2),
            ..SimOptions::default()
        };
        let shapes = ["64x4c", "g2x4", "g4x4"].map(|s| Shape::parse(s).unwrap());
        build_with(&opts, &shapes)
    })
}

/// A private copy of the grouped fixture's bundle.
pub fn copy_grouped() -> Copy {
    let e = grouped();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle");
    copy_dir(&e.bundle, &path);
    Copy::new(dir, path, e.input.clone())
}

fn build_with(opts: &SimOptions, shapes: &[Shape]) -> Election {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    let keys = dir.path().join("keys");
    let bundle = dir.path().join("bundle");
    simulate(opts, &input).unwrap();
    let mut rng = rand::rngs::OsRng;
    let kd = setup(shapes, "test", &keys, &mut rng).unwrap();
    seal(&input, &kd, &mut rng).unwrap();
    prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &bundle,
        force: false,
        on_progress: None,
    })
    .unwrap();
    Election {
        _dir: dir,
        input,
        bundle,
        keys,
    }
}

pub fn election(kind: ElectionKind) -> &'static Election {
    static A: OnceLock<Election> = OnceLock::new();
    static M: OnceLock<Election> = OnceLock::new();
    static P: OnceLock<Election> = OnceLock::new();
    match kind {
        ElectionKind::Municipal => M.get_or_init(|| build(kind, 11)),
        ElectionKind::Panchayat => P.get_or_init(|| build(kind, 12)),
        _ => A.get_or_init(|| build(ElectionKind::Assembly, 10)),
    }
}

pub fn key_dir(e: &Election) -> KeyDir {
    KeyDir::open(&e.keys).unwrap()
}

/// A private copy of a fixture's bundle to tamper with.
pub struct Copy {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub input: PathBuf,
}

pub fn copy(kind: ElectionKind) -> Copy {
    let e = election(kind);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle");
    copy_dir(&e.bundle, &path);
    Copy {
        _dir: dir,
        path,
        input: e.input.clone(),
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Copy {
    /// A copy at `path` (inside `dir`, kept alive with it) of a bundle built from `input`.
    pub fn new(dir: tempfile::TempDir, path: PathBuf, input: PathBuf) -> Self {
        Self {
            _dir: dir,
            path,
            input,
        }
    }

    pub fn read(&self, rel: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.path.join(rel)).unwrap()).unwrap()
    }

    pub fn write(&self, rel: &str, v: &Value) {
        std::fs::write(self.path.join(rel), serde_json::to_vec_pretty(v).unwrap()).unwrap();
    }

    pub fn edit(&self, rel: &str, f: impl FnOnce(&mut Value)) {
        let mut v = self.read(rel);
        f(&mut v);
        self.write(rel, &v);
    }

    pub fn key(&self, rel: &str) -> KeyPair {
        let text = std::fs::read_to_string(self.input.join("SECRET_keys").join(rel)).unwrap();
        KeyPair::from_secret_json(&text).unwrap()
    }

    /// Re-signs a signed statement held at `v` (object with body/signature) with `key`. The
    /// body goes through its typed struct so the signed bytes are the canonical ones.
    pub fn resign(&self, v: &mut Value, kind: &'static str, key: &KeyPair) {
        fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(
            body: Value,
            kind: &'static str,
            key: &KeyPair,
        ) -> Value {
            let body: T = serde_json::from_value(body).unwrap();
            serde_json::to_value(key.sign(kind, body).unwrap()).unwrap()
        }
        let body = v["body"].clone();
        *v = match kind {
            kinds::BUNDLE_INDEX => typed::<BundleIndex>(body, kind, key),
            kinds::MANIFEST => typed::<bundle::ElectionManifest>(body, kind, key),
            kinds::RO_CERT => typed::<bundle::RoCertificate>(body, kind, key),
            kinds::PO_CERT => typed::<bundle::PoCertificate>(body, kind, key),
            kinds::PO_ROSTER => typed::<bundle::PoRoster>(body, kind, key),
            kinds::CLOSE_OF_POLL => typed::<bundle::CloseOfPoll>(body, kind, key),
            kinds::CONTEST_RESULT => typed::<bundle::ContestResult>(body, kind, key),
            other => panic!("unknown kind {other}"),
        };
    }

    /// Edits `station`'s entry in every station list that holds it, then binds the lists'
    /// new digests into the manifest and re-signs it: an insider with the authority key.
    pub fn edit_station(&self, station: &str, f: impl Fn(&mut Value)) {
        let mut m = self.read("election.json");
        let refs = m["body"]["station_lists"].as_array_mut().unwrap();
        for r in refs.iter_mut() {
            let rel = r["path"].as_str().unwrap().to_string();
            let mut list = self.read(&rel);
            let mut touched = false;
            for st in list["stations"].as_array_mut().unwrap() {
                if st["station_id"] == station {
                    f(st);
                    touched = true;
                }
            }
            if touched {
                self.write(&rel, &list);
                self.rebind(r, &rel);
            }
        }
        self.resign(&mut m, kinds::MANIFEST, &self.authority());
        self.write("election.json", &m);
    }

    /// Edits one contest's station list, then binds its new digest and length into the
    /// manifest and re-signs it.
    pub fn edit_station_list(&self, contest: &str, f: impl FnOnce(&mut Value)) {
        let rel = format!("stations/{contest}.json");
        self.edit(&rel, f);
        let mut m = self.read("election.json");
        for r in m["body"]["station_lists"].as_array_mut().unwrap() {
            if r["contest_id"] == contest {
                self.rebind(r, &rel);
            }
        }
        self.resign(&mut m, kinds::MANIFEST, &self.authority());
        self.write("election.json", &m);
    }

    fn rebind(&self, r: &mut Value, rel: &str) {
        let bytes = std::fs::read(self.path.join(rel)).unwrap();
        let list: Value = serde_json::from_slice(&bytes).unwrap();
        r["sha256"] = Value::from(sha256_hex(&bytes));
        r["stations"] = Value::from(list["stations"].as_array().unwrap().len() as u64);
    }

    pub fn po_key(&self, station: &str) -> KeyPair {
        self.key(&format!("po/PO-{station}.json"))
    }

    /// A station's sealed EVM log as the prover keeps it (secret), to plant in a bundle.
    pub fn a_sealed_log(&self) -> PathBuf {
        std::fs::read_dir(self.input.join("SECRET_logs"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    }

    pub fn authority(&self) -> KeyPair {
        self.key("authority.json")
    }

    /// Recomputes every listed digest and the root, and re-signs the index: what an insider
    /// holding the authority key would do to hide an edit from V1.
    pub fn reindex(&self) {
        let mut files = Vec::new();
        let mut stack = vec![self.path.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(&self.path)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    if rel != "bundle.json" {
                        let bytes = std::fs::read(&p).unwrap();
                        files.push(FileEntry {
                            path: rel,
                            sha256: sha256_hex(&bytes),
                            bytes: bytes.len() as u64,
                        });
                    }
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let old: Signed<BundleIndex> = serde_json::from_value(self.read("bundle.json")).unwrap();
        let root = bundle_root(files.iter().map(|e| (e.path.as_str(), e.sha256.as_str())));
        let index = BundleIndex {
            files,
            root,
            ..old.body
        };
        let signed = self.authority().sign(kinds::BUNDLE_INDEX, index).unwrap();
        self.write("bundle.json", &serde_json::to_value(signed).unwrap());
    }

    pub fn verify(&self) -> Report {
        verify_bundle(&self.path, &Options::default())
    }

    /// First contested contest id and its shard path.
    pub fn contested(&self) -> (String, String) {
        let m = self.read("election.json");
        let c = m["body"]["definition"]["contests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["uncontested"] == Value::Bool(false))
            .unwrap();
        let id = c["contest_id"].as_str().unwrap().to_string();
        let path = format!("contests/{id}.json");
        (id, path)
    }
}

/// The steps with a failure or error.
pub fn failed_steps(r: &Report) -> BTreeSet<&'static str> {
    r.findings
        .iter()
        .filter(|f| f.severity != Severity::Notice)
        .map(|f| f.step)
        .collect()
}

pub fn set(steps: &[&'static str]) -> BTreeSet<&'static str> {
    steps.iter().copied().collect()
}

/// The contest of the audited fixture.
pub const AUDITED_CONTEST: &str = "AC001";

pub struct Audited {
    _dir: tempfile::TempDir,
    pub input: PathBuf,
    pub bundle: PathBuf,
    pub planted: String,
}

/// One contest of 24 stations; the RO and an observer seed the draw; a risk limit of 10%,
/// escalated round by round until met (or a full count); 4 votes moved on paper at the first
/// station drawn.
pub fn audited() -> &'static Audited {
    static A: OnceLock<Audited> = OnceLock::new();
    A.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("input");
        let bundle = dir.path().join("bundle");
        let opts = SimOptions {
            kind: ElectionKind::Assembly,
            seed: 21,
            areas: 1,
            stations: 24,
            candidates: 3,
            electors: 60,
            risk_limit_bp: Some(1000),
            ..SimOptions::default()
        };
        simulate(&opts, &input).unwrap();
        let mut rng = rand::rngs::OsRng;
        let kd = setup(
            &[Shape::new(64, 4).unwrap()],
            "test",
            &dir.path().join("keys"),
            &mut rng,
        )
        .unwrap();
        seal(&input, &kd, &mut rng).unwrap();
        let parties = [
            ("RO-AC001", prover::audit::Party::ReturningOfficer),
            ("OBS-1", prover::audit::Party::Observer),
        ];
        for (id, party) in parties {
            prover::audit::commit(&input, AUDITED_CONTEST, id, party, None).unwrap();
        }
        prove(&ProveOptions {
            input: &input,
            keys: &kd,
            out: &bundle,
            force: false,
            on_progress: None,
        })
        .unwrap();
        for (id, party) in parties {
            prover::audit::reveal(&input, &bundle, AUDITED_CONTEST, id, party, None).unwrap();
        }
        let mut plan = prover::audit::draw(&input, &bundle, AUDITED_CONTEST, None).unwrap();
        let first = |p: &prover::audit::DrawPlan| {
            p.risk_limited
                .as_ref()
                .and_then(|r| r.rounds.iter().flatten().next().cloned())
                .unwrap_or_else(|| p.statutory[0].clone())
        };
        let planted = first(&plan);
        let mut all = plan.risk_limited.as_ref().unwrap().rounds[0].is_empty();
        for _ in 0..6 {
            prover::audit::simulate_slips(
                &input,
                &bundle,
                AUDITED_CONTEST,
                &[],
                all,
                Some((&planted, 4)),
            )
            .unwrap();
            let a =
                prover::audit::record(&input, &bundle, AUDITED_CONTEST, &[], all, None).unwrap();
            if a.confirmed {
                break;
            }
            let n = a.initial_sample.unwrap_or(10).max(5);
            plan = prover::audit::draw(&input, &bundle, AUDITED_CONTEST, Some(n)).unwrap();
            all = plan
                .risk_limited
                .as_ref()
                .unwrap()
                .rounds
                .iter()
                .map(Vec::len)
                .sum::<usize>()
                > 200;
        }
        Audited {
            _dir: dir,
            input,
            bundle,
            planted,
        }
    })
}
