//! V8, the witnessed log: a small audited election logged as it happened, cosigned by three
//! witnesses whose clocks follow its timeline; then each way an insider at the SEC could bend
//! the timeline or show two audiences two bundles, each caught by its step.
#![allow(clippy::unwrap_used)] // fixture helpers outside #[test]

use crate::fixture::{copy_dir, failed_steps, set};
use bundle::log::LogEntry;
use bundle::{kinds, ElectionKind, KeyPair, Signed};
use circuits::Shape;
use prover::log::{election_entries, replay, Timed};
use prover::prove::{prove, ProveOptions};
use prover::seal::seal;
use prover::setup::setup;
use prover::simulate::{simulate, SimOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tlog::note::KeyKind;
use tlog::reader::DirFetch;
use tlog::witness::Witness;
use tlog::writer::LogWriter;
use tlog::{NoteKey, PublicKey};
use verifier::check::v8_log::LogInput;
use verifier::{verify_bundle, Options, Report, Severity};

const CONTEST: &str = "AC001";

pub struct Logged {
    _dir: tempfile::TempDir,
    pub input: PathBuf,
    pub bundle: PathBuf,
    pub log: PathBuf,
    pub keys: PathBuf,
    /// The witnesses' secret keys (a drill: the test holds them all).
    pub witness_keys: Vec<String>,
    pub entries: Vec<Timed>,
    pub counting: u64,
}

/// One contest of 6 stations, seeded by the RO and an observer, audited; its log replayed with
/// three witnesses, rounds of 2 stations.
pub fn logged() -> &'static Logged {
    static L: OnceLock<Logged> = OnceLock::new();
    L.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("input");
        let bundle = dir.path().join("bundle");
        let log = dir.path().join("log");
        let keys = dir.path().join("keys");
        simulate(
            &SimOptions {
                kind: ElectionKind::Assembly,
                seed: 31,
                areas: 1,
                stations: 6,
                candidates: 3,
                electors: 60,
                risk_limit_bp: None,
                ..SimOptions::default()
            },
            &input,
        )
        .unwrap();
        prover::log::init(
            &input,
            &log,
            "log.test.example/sim-31",
            prover::log::CLOSE_WITHIN,
        )
        .unwrap();
        let mut rng = rand::rngs::OsRng;
        let kd = setup(&[Shape::new(64, 4).unwrap()], "test", &keys, &mut rng).unwrap();
        seal(&input, &kd, &mut rng).unwrap();
        let parties = [
            ("RO-AC001", prover::audit::Party::ReturningOfficer),
            ("OBS-1", prover::audit::Party::Observer),
        ];
        for (id, party) in parties {
            prover::audit::commit(&input, CONTEST, id, party, None).unwrap();
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
            prover::audit::reveal(&input, &bundle, CONTEST, id, party, None).unwrap();
        }
        prover::audit::draw(&input, &bundle, CONTEST, None).unwrap();
        prover::audit::simulate_slips(&input, &bundle, CONTEST, &[], false, None).unwrap();
        prover::audit::record(&input, &bundle, CONTEST, &[], false, None).unwrap();
        let entries = election_entries(&bundle, &input, 2).unwrap();
        let witness_keys: Vec<String> = (0..3)
            .map(|i| {
                NoteKey::generate(&format!("witness-{i}.test"), KeyKind::Witness, &mut rng)
                    .unwrap()
                    .to_secret_string()
                    .to_string()
            })
            .collect();
        let def = prover::seal::read_definition(&input).unwrap();
        let l = Logged {
            _dir: dir,
            input,
            bundle,
            log: log.clone(),
            keys,
            witness_keys,
            entries,
            counting: def.counting_starts_at,
        };
        let ws = l.witnesses(&l._dir.path().join("wstate"));
        let mut w = prover::log::open(&l.input, &log).unwrap();
        replay(&mut w, &l.entries, &ws, 120).unwrap();
        l
    })
}

impl Logged {
    /// The witnesses, with their state in `state` (one folder each).
    pub fn witnesses(&self, state: &Path) -> Vec<Witness> {
        let log_key = self.log_key();
        self.witness_keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                Witness::open(
                    NoteKey::parse_secret(k).unwrap(),
                    vec![log_key.clone()],
                    &state.join(format!("w{i}")),
                )
                .unwrap()
            })
            .collect()
    }

    pub fn pins(&self) -> Vec<PublicKey> {
        self.witness_keys
            .iter()
            .map(|k| NoteKey::parse_secret(k).unwrap().public().clone())
            .collect()
    }

    pub fn log_key(&self) -> PublicKey {
        NoteKey::read(&self.input.join("SECRET_keys/log.key"))
            .unwrap()
            .public()
            .clone()
    }

    pub fn key(&self, rel: &str) -> KeyPair {
        let text = std::fs::read_to_string(self.input.join("SECRET_keys").join(rel)).unwrap();
        KeyPair::from_secret_json(&text).unwrap()
    }

    /// A new log, in `dir`, of `entries` replayed with `n` of the witnesses (fresh state).
    pub fn log_of(&self, dir: &Path, entries: &[Timed], n: usize) -> PathBuf {
        let log = dir.join("log");
        let key = NoteKey::read(&self.input.join("SECRET_keys/log.key")).unwrap();
        let mut w = LogWriter::init(&log, key).unwrap();
        let ws = self.witnesses(&dir.join("wstate"));
        replay(&mut w, entries, &ws[..n], 120).unwrap();
        log
    }
}

/// The fixture's bundle checked against a new log of its entries as `edit` leaves them,
/// replayed with the three witnesses.
fn relogged(edit: impl FnOnce(&mut Vec<Timed>)) -> Report {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    let mut entries = l.entries.clone();
    edit(&mut entries);
    let log = l.log_of(dir.path(), &entries, 3);
    check(&l.bundle, &log, 3, vec![])
}

/// The position of the first entry of `kind`.
fn first(entries: &[Timed], kind: &str) -> usize {
    entries.iter().position(|t| t.entry.kind == kind).unwrap()
}

/// Moves entry `k` to time `at`, keeping the list in time order.
fn move_to(entries: &mut Vec<Timed>, k: usize, at: u64) {
    let mut e = entries.remove(k);
    e.at = at;
    let pos = entries
        .iter()
        .position(|t| t.at > at)
        .unwrap_or(entries.len());
    entries.insert(pos, e);
}

/// Checks `bundle` against `log` with the fixture's three witnesses pinned.
fn check(bundle: &Path, log: &Path, quorum: usize, heads: Vec<(String, Vec<u8>)>) -> Report {
    check_with(bundle, log, logged().pins(), quorum, heads)
}

fn check_with(
    bundle: &Path,
    log: &Path,
    witnesses: Vec<PublicKey>,
    quorum: usize,
    heads: Vec<(String, Vec<u8>)>,
) -> Report {
    let fetch = DirFetch::new(log).unwrap();
    verify_bundle(
        bundle,
        &Options {
            log: Some(LogInput {
                fetch: &fetch,
                witnesses,
                quorum,
                heads,
            }),
            ..Options::default()
        },
    )
}

fn rules(r: &Report, step: &str) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.step == step && f.severity != Severity::Notice)
        .map(|f| f.rule.clone())
        .collect()
}

#[test]
fn an_election_logged_as_it_happened_holds_witnessed_by_3_of_3() {
    let l = logged();
    let r = check(&l.bundle, &l.log, 3, vec![]);
    assert_eq!(failed_steps(&r), set(&[]), "{}", r.to_text());
    let line = r.log.as_ref().unwrap();
    assert_eq!(
        (line.cosigned(), line.witnesses.len(), line.quorum),
        (3, 3, 3)
    );
    assert!(r.to_text().contains("witnessed by 3 of 3 pinned witnesses"));
    for s in ["V8.a", "V8.b", "V8.c", "V8.d", "V8.e"] {
        assert!(
            r.steps.iter().any(|t| t.step == s && t.checked > 0),
            "{s} checked nothing"
        );
    }
    // Rounds of 2 over 6 stations.
    assert_eq!(line.rounds, 3);
    // The court report names the log, the quorum and every witness with its time.
    let html = verifier::html::court_report(
        &r,
        &verifier::html::CourtMeta {
            signatories: vec![],
            generated: "2026-12-01 00:00 UTC".into(),
        },
    );
    assert!(html.contains("witnessed by 3 of 3 pinned witnesses (quorum 3)"));
    for w in &line.witnesses {
        assert!(html.contains(&w.name) && html.contains(&w.fingerprint));
    }
    // Without a log: a notice, not a pass in silence.
    let r = verify_bundle(&l.bundle, &Options::default());
    assert!(r.findings.iter().any(|f| f.step == "V8.a"
        && f.severity == Severity::Notice
        && f.rule.contains("signers' claims")));
}

#[test]
fn v8c_a_statement_missing_from_the_log_fails() {
    let r = relogged(|entries| {
        let k = first(entries, kinds::CLOSE_OF_POLL);
        entries.remove(k);
    });
    assert_eq!(failed_steps(&r), set(&["V8.c"]), "{}", r.to_text());
    assert!(rules(&r, "V8.c")[0].contains("not in the log"));
}

#[test]
fn v8a_an_entry_whose_statement_is_not_the_one_it_names_fails() {
    let r = relogged(|entries| {
        let k = first(entries, kinds::CLOSE_OF_POLL);
        // The entry names the bundle's statement, but carries one with a later close.
        let st = entries[k].entry.statement.as_mut().unwrap();
        let c = st["body"]["poll"]["closed_at"].as_u64().unwrap();
        st["body"]["poll"]["closed_at"] = (c + 3600).into();
    });
    assert!(failed_steps(&r).contains("V8.a"), "{}", r.to_text());
    assert!(rules(&r, "V8.a")
        .iter()
        .any(|m| m.contains("not the one its sha256 names")));
}

#[test]
fn v8d_a_logged_statement_missing_from_the_bundle_fails() {
    // The log holds a close of poll for a station the bundle does not have.
    let r = relogged(|entries| {
        let k = first(entries, kinds::CLOSE_OF_POLL);
        let mut extra = entries[k].clone();
        extra.entry.subject = format!("{CONTEST}/AC001-PS099");
        entries.insert(k + 1, extra);
    });
    assert_eq!(failed_steps(&r), set(&["V8.d"]), "{}", r.to_text());
    assert!(rules(&r, "V8.d")[0].contains("that the bundle does not"));
}

#[test]
fn v8d_an_honest_partys_commitment_deleted_from_the_bundle_is_seen_in_the_log() {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("bundle");
    copy_dir(&l.bundle, &b);
    let c = crate::fixture::Copy::new(dir, b.clone(), l.input.clone());
    c.edit(&format!("audit/commitments/{CONTEST}.json"), |v| {
        v.as_array_mut()
            .unwrap()
            .retain(|x| x["body"]["party_id"] != "OBS-1");
    });
    c.reindex();
    let r = check(&b, &l.log, 3, vec![]);
    let failed = failed_steps(&r);
    assert!(failed.contains("V8.d"), "{}", r.to_text());
    assert!(rules(&r, "V8.d")
        .iter()
        .any(|m| m.contains("audit-seed-commitment") && m.contains("OBS-1")));
}

#[test]
fn v8e_a_close_of_poll_first_witnessed_after_counting_began_fails_naming_the_witnesses() {
    let l = logged();
    let r = relogged(|entries| {
        let k = first(entries, kinds::CLOSE_OF_POLL);
        move_to(entries, k, l.counting + 60);
    });
    assert_eq!(failed_steps(&r), set(&["V8.e"]), "{}", r.to_text());
    let m = &rules(&r, "V8.e")[0];
    assert!(
        m.contains("after counting began") && m.contains("witness-0.test at"),
        "{m}"
    );
}

#[test]
fn v8e_a_close_of_poll_witnessed_beyond_the_manifests_bound_fails_even_before_counting() {
    let l = logged();
    let r = relogged(|entries| {
        let k = first(entries, kinds::CLOSE_OF_POLL);
        let closed = entries[k].entry.statement.as_ref().unwrap()["body"]["signed_at"]
            .as_u64()
            .unwrap();
        // 13 hours after close (the bound is 12), before counting began.
        let at = closed + 13 * 3600;
        assert!(
            at + 120 < l.counting,
            "the simulated counting day begins after the bound"
        );
        move_to(entries, k, at);
    });
    assert_eq!(failed_steps(&r), set(&["V8.e"]), "{}", r.to_text());
    assert!(rules(&r, "V8.e")[0].contains("more than the manifest's 43200 s after the close"));
}

#[test]
fn v8e_a_seed_commitment_first_logged_after_the_result_fails() {
    let r = relogged(|entries| {
        let k = first(entries, audit::model::kinds::SEED_COMMITMENT);
        let mut late = entries.remove(k);
        let result = first(entries, kinds::CONTEST_RESULT);
        late.at = entries[result].at;
        entries.insert(result + 1, late);
    });
    assert_eq!(failed_steps(&r), set(&["V8.e"]), "{}", r.to_text());
    assert!(rules(&r, "V8.e")[0].contains("after the contest result"));
}

#[test]
fn v8e_a_seed_commitment_appended_with_the_result_in_one_head_fails() {
    // The commitment is put before the result in the log's order, but both are first witnessed
    // in the same head: nothing shows the commitment was made before the result was known.
    let r = relogged(|entries| {
        let k = first(entries, audit::model::kinds::SEED_COMMITMENT);
        let mut c = entries.remove(k);
        let result = first(entries, kinds::CONTEST_RESULT);
        c.at = entries[result].at;
        entries.insert(result, c);
    });
    assert_eq!(failed_steps(&r), set(&["V8.e"]), "{}", r.to_text());
    assert!(rules(&r, "V8.e")[0]
        .contains("no head cosigned by 3 holds the commitment without the result"));
}

#[test]
fn v8d_a_result_logged_twice_with_different_totals_fails() {
    let l = logged();
    let r = relogged(|entries| {
        let k = first(entries, kinds::CONTEST_RESULT);
        let mut s: Signed<bundle::ContestResult> = entries[k].entry.statement().unwrap();
        s.body.totals[0] += 10;
        let ro = l.key("ro/RO-AC001.json");
        let again = ro.sign(kinds::CONTEST_RESULT, s.body).unwrap();
        let mut second = entries[k].clone();
        second.entry = LogEntry::of(
            kinds::CONTEST_RESULT,
            &entries[k].entry.election_id,
            CONTEST,
            &again,
        )
        .unwrap();
        entries.insert(k + 1, second);
    });
    assert_eq!(failed_steps(&r), set(&["V8.d"]), "{}", r.to_text());
    assert!(rules(&r, "V8.d")[0].contains("2 different contest-result statements"));
}

#[test]
fn v8b_a_head_cosigned_by_fewer_than_the_quorum_or_by_an_unpinned_key_fails() {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    let log = l.log_of(dir.path(), &l.entries, 2);
    let r = check(&l.bundle, &log, 3, vec![]);
    assert_eq!(failed_steps(&r), set(&["V8.b", "V8.e"]), "{}", r.to_text());
    assert!(rules(&r, "V8.b")[0].contains("cosigned by 2 of the 3 pinned witnesses"));
    // Quorum 2 of the same: holds.
    let r = check(&l.bundle, &log, 2, vec![]);
    assert_eq!(failed_steps(&r), set(&[]), "{}", r.to_text());
    // A stranger pinned in place of a real witness: its absence counts, the real one's
    // cosignature is not counted (and is named as unpinned).
    let mut pins = l.pins();
    pins[0] = NoteKey::generate("witness-0.test", KeyKind::Witness, &mut rand::rngs::OsRng)
        .unwrap()
        .public()
        .clone();
    let r = check_with(&l.bundle, &l.log, pins, 3, vec![]);
    assert!(failed_steps(&r).contains("V8.b"), "{}", r.to_text());
}

#[test]
fn v8b_a_fork_shown_to_another_audience_is_proved_with_both_notes() {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    // Two copies of the log, each extended by the log key with a different entry: one head
    // shown to observers, the other to a court.
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    copy_dir(&l.log, &a);
    copy_dir(&l.log, &b);
    let ws_dir = dir.path().join("ws");
    copy_dir(&l._dir.path().join("wstate"), &ws_dir);
    let ws = l.witnesses(&ws_dir);
    let last = l.entries.last().unwrap().clone();
    let first = l.entries[0].clone();
    let mut wa = prover::log::open(&l.input, &a).unwrap();
    wa.append(&first.entry.to_bytes().unwrap()).unwrap();
    let ha = {
        let mut refs: Vec<&mut dyn tlog::writer::Cosigner> = Vec::new();
        wa.publish(&mut refs).unwrap().head.bytes
    };
    let mut wb = prover::log::open(&l.input, &b).unwrap();
    // A close of poll logged again, byte for byte (harmless on its own: the same statement).
    wb.append(&l.entries[1].entry.to_bytes().unwrap()).unwrap();
    let hb = {
        let mut locals: Vec<tlog::writer::LocalWitness> = ws
            .iter()
            .map(|witness| tlog::writer::LocalWitness {
                witness,
                now: last.at + 600,
            })
            .collect();
        let mut refs: Vec<&mut dyn tlog::writer::Cosigner> = locals
            .iter_mut()
            .map(|x| x as &mut dyn tlog::writer::Cosigner)
            .collect();
        // The witnesses cosign `b`'s head; `a`'s, never shown to them, is shown to a court.
        wb.publish(&mut refs).unwrap().head.bytes
    };
    assert_eq!(
        tlog::SignedHead::parse("a", &ha).unwrap().checkpoint.size(),
        tlog::SignedHead::parse("b", &hb).unwrap().checkpoint.size()
    );
    let r = check(
        &l.bundle,
        &b,
        3,
        vec![("head-shown-to-the-court".into(), ha)],
    );
    assert_eq!(failed_steps(&r), set(&["V8.b"]), "{}", r.to_text());
    let m = rules(&r, "V8.b").join("\n");
    assert!(
        m.contains("proof of a fork") && m.contains("head-shown-to-the-court"),
        "{m}"
    );
    assert_eq!(
        m.matches("log.test.example/sim-31\n").count(),
        2,
        "both notes printed: {m}"
    );
}

#[test]
fn v8a_damaged_oversized_or_missing_logs_are_refused() {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    copy_dir(&l.log, &log);
    // A garbage checkpoint: failure.
    std::fs::write(log.join("checkpoint"), b"garbage").unwrap();
    let r = check(&l.bundle, &log, 3, vec![]);
    assert_eq!(failed_steps(&r), set(&["V8.a"]), "{}", r.to_text());
    copy_dir(&l.log, &log);
    // An oversized entry bundle: refused unread.
    let size: u64 = std::fs::read_to_string(log.join("checkpoint"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let p = log.join(format!("tile/entries/000.p/{size}"));
    std::fs::write(&p, vec![0u8; 20 * 1024 * 1024]).unwrap();
    let r = check(&l.bundle, &log, 3, vec![]);
    assert!(
        rules(&r, "V8.a")[0].contains("refused unread"),
        "{}",
        r.to_text()
    );
    // A missing tile: error (exit 2), not a failure.
    std::fs::remove_file(&p).unwrap();
    let r = check(&l.bundle, &log, 3, vec![]);
    assert_eq!(r.exit_code(), 2, "{}", r.to_text());
}

/// The insider attack of the threat model: after counting began, an SEC insider holding the PO
/// keys writes new EVM logs that fit another count, seals them (new commitments, signed as the
/// POs with the old close times), proves, publishes and logs the new statements. Every check
/// of V1-V7 holds; the log shows the statements were first witnessed after counting began, and
/// that others were made at close of poll.
#[test]
fn the_insider_who_re_seals_after_counting_began_is_caught_by_the_witnesses_times() {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    copy_dir(&l.input, &input);
    let log = dir.path().join("log");
    copy_dir(&l.log, &log);
    let ws_dir = dir.path().join("ws");
    copy_dir(&l._dir.path().join("wstate"), &ws_dir);
    // New logs: one station's sealed log changed (every vote for the first choice moved to the
    // second), then every station sealed again with the old close times.
    let first_log = std::fs::read_dir(input.join("SECRET_logs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut evm: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&first_log).unwrap()).unwrap();
    let mut moved = 0;
    for unit in evm["contests"][0]["units"].as_array_mut().unwrap() {
        for v in unit["votes"].as_array_mut().unwrap() {
            if v[1] == 0 {
                v[1] = 1.into();
                moved += 1;
            }
        }
    }
    assert!(moved > 0);
    std::fs::write(&first_log, serde_json::to_vec(&evm).unwrap()).unwrap();
    let kd = prover::setup::KeyDir::open(&l.keys).unwrap();
    let mut rng = rand::rngs::OsRng;
    std::fs::remove_dir_all(input.join("close_of_poll")).unwrap();
    std::fs::remove_dir_all(input.join("SECRET_salts")).unwrap();
    seal(&input, &kd, &mut rng).unwrap();
    let bundle = dir.path().join("bundle");
    prove(&ProveOptions {
        input: &input,
        keys: &kd,
        out: &bundle,
        force: true,
        on_progress: None,
    })
    .unwrap();
    let totals = |b: &Path| {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(b.join("contests/AC001.json")).unwrap()).unwrap();
        v["result"]["body"]["totals"].clone()
    };
    assert_ne!(totals(&bundle), totals(&l.bundle), "the count was changed");
    // Without the log, the new bundle passes V1-V6 (its audit is not yet made).
    let r = verify_bundle(&bundle, &Options::default());
    let before: Vec<&str> = failed_steps(&r)
        .into_iter()
        .filter(|s| !s.starts_with("V7"))
        .collect();
    assert!(before.is_empty(), "{}", r.to_text());
    // Logged as it is made: after counting began.
    let mut entries = election_entries(&bundle, &input, 2).unwrap();
    for t in &mut entries {
        t.at = t.at.max(l.counting + 3600);
    }
    let ws = l.witnesses(&ws_dir);
    let mut w = prover::log::open(&input, &log).unwrap();
    replay(&mut w, &entries, &ws, 120).unwrap();
    let r = check(&bundle, &log, 3, vec![]);
    let failed = failed_steps(&r);
    assert!(
        failed.contains("V8.d") && failed.contains("V8.e"),
        "{}",
        r.to_text()
    );
    let late = rules(&r, "V8.e");
    assert!(
        late.iter()
            .any(|m| m.contains("after counting began") && m.contains("witness-2.test at")),
        "{late:?}"
    );
    // Unlogged, the new bundle's statements are simply not in the log.
    let r = check(&bundle, &l.log, 3, vec![]);
    assert!(failed_steps(&r).contains("V8.c"), "{}", r.to_text());
}

/// A split view: the authority re-issues a contest's result and index after publication and
/// shows the new bundle to one audience, the old to another. Both are checked against the one
/// log: the old bundle is seen as older, and two results for one contest are reported.
#[test]
fn a_split_view_of_two_bundles_fails_for_both_audiences() {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    let b2 = dir.path().join("bundle");
    copy_dir(&l.bundle, &b2);
    let c = crate::fixture::Copy::new(tempfile::tempdir().unwrap(), b2.clone(), l.input.clone());
    let (_, shard) = c.contested();
    c.edit(&shard, |v| {
        v["result"]["body"]["signed_at"] =
            (v["result"]["body"]["signed_at"].as_u64().unwrap() + 1).into();
        let ro = c.key("ro/RO-AC001.json");
        c.resign(&mut v["result"], kinds::CONTEST_RESULT, &ro);
    });
    c.reindex();
    // The second bundle unlogged: its result and index are not in the log.
    let r = check(&b2, &l.log, 3, vec![]);
    assert!(failed_steps(&r).contains("V8.c"), "{}", r.to_text());
    // Logged too: both bundles fail against the log.
    let log = dir.path().join("log");
    copy_dir(&l.log, &log);
    let ws_dir = dir.path().join("ws");
    copy_dir(&l._dir.path().join("wstate"), &ws_dir);
    let ws = l.witnesses(&ws_dir);
    let entries = election_entries(&b2, &l.input, 2).unwrap();
    let last = l.entries.last().unwrap().at + 3600;
    let fresh: Vec<Timed> = entries
        .into_iter()
        .map(|t| Timed {
            at: last,
            entry: t.entry,
        })
        .collect();
    let mut w = prover::log::open(&l.input, &log).unwrap();
    replay(&mut w, &fresh, &ws, 120).unwrap();
    let r1 = check(&l.bundle, &log, 3, vec![]);
    let r2 = check(&b2, &log, 3, vec![]);
    assert!(
        rules(&r1, "V8.d")
            .iter()
            .any(|m| m.contains("not the latest")),
        "{}",
        r1.to_text()
    );
    assert!(rules(&r1, "V8.d")
        .iter()
        .any(|m| m.contains("different contest-result")));
    assert!(
        rules(&r2, "V8.d")
            .iter()
            .any(|m| m.contains("different contest-result")),
        "{}",
        r2.to_text()
    );
}

/// Serves `dir` over HTTP on localhost (GET, static files) until the returned guard is
/// dropped; returns the base URL.
struct Served {
    url: String,
    server: std::sync::Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(dir: &Path) -> Served {
    let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let url = match server.server_addr() {
        tiny_http::ListenAddr::IP(a) => format!("http://{a}"),
        #[allow(unreachable_patterns)]
        _ => unreachable!(),
    };
    let (s, root) = (server.clone(), dir.to_path_buf());
    let thread = std::thread::spawn(move || {
        for req in s.incoming_requests() {
            let rel = req.url().trim_start_matches('/').to_string();
            let resp = match std::fs::read(root.join(&rel)) {
                Ok(d) if !rel.contains("..") => tiny_http::Response::from_data(d),
                _ => tiny_http::Response::from_data(b"no".to_vec()).with_status_code(404),
            };
            let _ = req.respond(resp);
        }
    });
    Served {
        url,
        server,
        thread: Some(thread),
    }
}

#[test]
fn a_log_served_over_http_is_checked_and_followed_like_a_folder() {
    let l = logged();
    let s = serve(&l.log);
    let fetch = verifier::follow::log_source(&s.url).unwrap();
    let r = verify_bundle(
        &l.bundle,
        &Options {
            log: Some(LogInput {
                fetch: fetch.as_ref(),
                witnesses: l.pins(),
                quorum: 3,
                heads: vec![],
            }),
            ..Options::default()
        },
    );
    assert_eq!(failed_steps(&r), set(&[]), "{}", r.to_text());
    assert_eq!(r.log.as_ref().unwrap().place, s.url);
    // The command line, over HTTP: check, follow, diff.
    let dir = tempfile::tempdir().unwrap();
    let pins = dir.path().join("witnesses.txt");
    let text: Vec<String> = l.pins().iter().map(PublicKey::to_vkey).collect();
    std::fs::write(&pins, text.join("\n")).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_verifier"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let bundle = l.bundle.to_str().unwrap();
    let p = pins.to_str().unwrap();
    let (code, out, _) = run(&["check", bundle, "--log", &s.url, "--witness", p]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("witnessed by 3 of 3 pinned witnesses"),
        "{out}"
    );
    let manifest = l.bundle.join("election.json");
    let m = manifest.to_str().unwrap();
    let (code, out, err) = run(&["follow", &s.url, "--manifest", m, "--witness", p, "--once"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("AC001 round 3") && out.contains("totals = the rounds + postal"),
        "{out}"
    );
    let a = l.log.join("checkpoints/2");
    let (code, out, err) = run(&[
        "diff",
        a.to_str().unwrap(),
        l.log.join("checkpoint").to_str().unwrap(),
        "--log",
        &s.url,
        "--manifest",
        m,
        "--witness",
        p,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("extends A") && out.contains("round 1"),
        "{out}"
    );
    drop(s);
    // The server gone: a clear error, exit 2.
    let (code, _, err) = run(&[
        "check",
        bundle,
        "--log",
        "http://127.0.0.1:9",
        "--witness",
        p,
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = run(&[
        "follow",
        "http://127.0.0.1:9",
        "--manifest",
        m,
        "--witness",
        p,
        "--once",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("cannot be reached"), "{err}");
    // Usage: a log without witnesses, a quorum larger than the witnesses pinned.
    let log = l.log.to_str().unwrap();
    assert_eq!(run(&["check", bundle, "--log", log]).0, 64);
    assert_eq!(
        run(&[
            "check",
            bundle,
            "--log",
            log,
            "--witness",
            p,
            "--quorum",
            "4"
        ])
        .0,
        64
    );
}

#[test]
fn diff_of_a_head_that_does_not_extend_the_other_is_a_fork() {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    // The log key signs another tree of the same size as the first head.
    let mut entries = l.entries.clone();
    entries.swap(1, 2);
    let other = l.log_of(dir.path(), &entries[..3], 0);
    let a = other.join("checkpoint");
    let size_a = tlog::SignedHead::parse("a", &std::fs::read(&a).unwrap())
        .unwrap()
        .checkpoint
        .size();
    assert!(size_a > 1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args([
            "diff",
            a.to_str().unwrap(),
            l.log.join("checkpoint").to_str().unwrap(),
            "--log",
        ])
        .arg(&l.log)
        .arg("--manifest")
        .arg(l.bundle.join("election.json"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("proof of a fork"), "{text}");
}

/// The log as an SEC runs it, stage by stage with `prover log append` and `publish` (not a
/// replay): the manifest before the poll, the close-of-poll statements on poll night, the seed
/// commitments before the results, the counting day's rounds and results, the reveals, the
/// audit record. Each stage's head is cosigned when it is published; the bundle holds.
#[test]
fn the_log_made_stage_by_stage_as_an_sec_runs_it_holds() {
    let l = logged();
    let dir = tempfile::tempdir().unwrap();
    let key = NoteKey::read(&l.input.join("SECRET_keys/log.key")).unwrap();
    let mut w = LogWriter::init(&dir.path().join("log"), key).unwrap();
    let ws = l.witnesses(&dir.path().join("wstate"));
    let mut stage = |entries: Vec<Timed>| {
        let added = prover::log::append(&mut w, &entries).unwrap();
        let now = entries.iter().map(|t| t.at).max().unwrap() + 60;
        let mut locals: Vec<tlog::writer::LocalWitness> = ws
            .iter()
            .map(|witness| tlog::writer::LocalWitness { witness, now })
            .collect();
        let mut refs: Vec<&mut dyn tlog::writer::Cosigner> = locals
            .iter_mut()
            .map(|x| x as &mut dyn tlog::writer::Cosigner)
            .collect();
        w.publish(&mut refs).unwrap();
        added
    };
    let all = election_entries(&l.bundle, &l.input, 2).unwrap();
    let later = |t: &Timed| {
        t.entry.kind == audit::model::kinds::SEED_REVEAL
            || t.entry.kind == audit::model::kinds::AUDIT_RECORD
    };
    assert_eq!(
        stage(prover::log::manifest_entry(&l.bundle.join("election.json")).unwrap()),
        1
    );
    assert_eq!(
        stage(prover::log::close_of_poll_entries(&l.input).unwrap()),
        6
    );
    assert_eq!(
        stage(prover::log::audit_entries(&l.input, false).unwrap()),
        2
    );
    // Counting day: rounds, the result and the index (the commitments already logged).
    stage(all.iter().filter(|t| !later(t)).cloned().collect());
    assert_eq!(
        stage(prover::log::audit_entries(&l.input, true).unwrap()),
        2
    );
    assert_eq!(stage(all.clone()), 1, "only the audit record is new");
    let r = check(&l.bundle, &dir.path().join("log"), 3, vec![]);
    assert_eq!(failed_steps(&r), set(&[]), "{}", r.to_text());
}
