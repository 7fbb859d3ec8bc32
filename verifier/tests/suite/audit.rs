//! The VVPAT audit (V7) end to end on a simulated election: commit, prove, reveal, draw, count
//! slips with a planted discrepancy, record; then every audit step fed a tampered record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use audit::model::kinds as audit_kinds;
use bundle::{ElectionKind, KeyPair, Role};
use fixture::{audited, copy_dir, failed_steps, set, Copy};
use serde_json::{json, Value};
use std::path::Path;
use verifier::{verify_bundle, Options, Report, Severity};

const C: &str = fixture::AUDITED_CONTEST;

fn copy() -> Copy {
    let a = audited();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle");
    copy_dir(&a.bundle, &path);
    Copy::new(dir, path, a.input.clone())
}

fn verify(p: &Path) -> Report {
    verify_bundle(p, &Options::default())
}

fn record_path() -> String {
    format!("audit/records/{C}.json")
}

/// Edits the audit record's body and re-signs it with the RO's key, then re-indexes: an RO
/// falsifying its own record.
fn edit_record(c: &Copy, f: impl FnOnce(&mut Value)) {
    let ro = c.key("ro/RO-AC001.json");
    c.edit(&record_path(), |v| {
        f(&mut v["record"]["body"]);
        resign(&mut v["record"], audit_kinds::AUDIT_RECORD, &ro);
    });
    c.reindex();
}

fn resign(v: &mut Value, kind: &'static str, key: &KeyPair) {
    let body = v["body"].clone();
    *v = match kind {
        audit_kinds::AUDIT_RECORD => serde_json::to_value(
            key.sign(
                kind,
                serde_json::from_value::<audit::AuditRecord>(body).unwrap(),
            )
            .unwrap(),
        )
        .unwrap(),
        audit_kinds::SEED_REVEAL => serde_json::to_value(
            key.sign(
                kind,
                serde_json::from_value::<audit::SeedReveal>(body).unwrap(),
            )
            .unwrap(),
        )
        .unwrap(),
        audit_kinds::SEED_COMMITMENT => serde_json::to_value(
            key.sign(
                kind,
                serde_json::from_value::<audit::SeedCommitment>(body).unwrap(),
            )
            .unwrap(),
        )
        .unwrap(),
        other => panic!("{other}"),
    };
}

#[test]
fn audited_bundle_passes_finds_the_planted_discrepancy_and_reports_the_risk() {
    let a = audited();
    let r = verify(&a.bundle);
    assert!(failed_steps(&r).is_empty(), "{:#?}", r.findings);
    for t in r.steps.iter().filter(|t| t.step.starts_with("V7.")) {
        assert!(t.checked > 0, "step {} never ran", t.step);
    }
    // The planted discrepancy, at the station where it was planted, and nowhere else.
    let notes: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.step == "V7.f" && f.severity == Severity::Notice)
        .collect();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0].station.as_deref(), Some(a.planted.as_str()));
    let line = r.contests.iter().find(|c| c.contest_id == C).unwrap();
    let audit = line.audit.as_ref().unwrap();
    let x = audit.assessment.as_ref().unwrap();
    assert_eq!(x.discrepancies.len(), 1);
    assert!(
        x.statutory_detection.is_some_and(|d| d > 0.0 && d <= 1.0),
        "{x:?}"
    );
    assert!(x.measured_risk.is_some(), "{x:?}");
    eprintln!("audit: {}", audit.conclusion);
    assert!(x.confirmed, "{x:?}");
    assert!(
        audit.conclusion.contains("confirms") || audit.conclusion.contains("every station"),
        "{}",
        audit.conclusion
    );
    // Slips prevail: the record's final totals differ from the published ones by the move.
    let rec: audit::ContestAudit =
        serde_json::from_slice(&std::fs::read(a.bundle.join(record_path())).unwrap()).unwrap();
    let shard: bundle::ContestShard = serde_json::from_slice(
        &std::fs::read(a.bundle.join(format!("contests/{C}.json"))).unwrap(),
    )
    .unwrap();
    assert_ne!(rec.record.body.final_totals, shard.result.body.totals);
    let moved: i64 = rec
        .record
        .body
        .final_totals
        .iter()
        .zip(&shard.result.body.totals)
        .map(|(a, b)| (*a as i64 - *b as i64).abs())
        .sum();
    assert_eq!(moved, 8, "4 votes moved from the winner to the runner-up");
    // The text report says it in words.
    let text = r.to_text();
    assert!(
        text.contains("VVPAT audit:") && text.contains(&a.planted),
        "{text}"
    );
}

#[test]
fn v7d_a_sample_chosen_by_hand_fails() {
    let c = copy();
    let shard: bundle::ContestShard =
        serde_json::from_value(c.read(&format!("contests/{C}.json"))).unwrap();
    edit_record(&c, |b| {
        let chosen: Vec<String> = serde_json::from_value(b["statutory"].clone()).unwrap();
        let other = shard
            .stations
            .iter()
            .map(|s| s.station_id.clone())
            .find(|s| !chosen.contains(s))
            .unwrap();
        b["statutory"][0] = other.into();
    });
    let r = verify(&c.path);
    assert!(failed_steps(&r).contains("V7.d"), "{:#?}", r.findings);
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V7.d" && f.rule.contains("not drawn from the seed")));
}

#[test]
fn v7e_draws_chosen_by_hand_or_stopped_early_fail() {
    let c = copy();
    edit_record(&c, |b| {
        let rounds = b["risk_limited"]["rounds"].as_array_mut().unwrap();
        if let Some(first) = rounds
            .iter_mut()
            .find(|r| !r.as_array().unwrap().is_empty())
        {
            first.as_array_mut().unwrap().reverse();
            first.as_array_mut().unwrap().push("AC001-PS001".into());
        } else {
            rounds.push(serde_json::json!(["AC001-PS001"]));
        }
    });
    let r = verify(&c.path);
    assert!(failed_steps(&r).contains("V7.e"), "{:#?}", r.findings);

    // No draws, no full count: the measured risk is 100%.
    let c = copy();
    edit_record(&c, |b| {
        b["risk_limited"]["rounds"] = serde_json::json!([[]]);
        // Keep only the statutory stations' slips, so this is not a full count.
        let keep: Vec<String> = serde_json::from_value(b["statutory"].clone()).unwrap();
        b["slips"]
            .as_array_mut()
            .unwrap()
            .retain(|s| keep.iter().any(|k| s["station_id"] == k.as_str()));
    });
    let r = verify(&c.path);
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V7.e" && f.rule.contains("without a full count")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v7f_a_published_row_that_ignores_the_slips_fails() {
    let c = copy();
    let shard: bundle::ContestShard =
        serde_json::from_value(c.read(&format!("contests/{C}.json"))).unwrap();
    edit_record(&c, |b| {
        b["final_totals"] = serde_json::to_value(&shard.result.body.totals).unwrap();
    });
    let r = verify(&c.path);
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V7.f" && f.rule.contains("slips prevail")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v7f_slips_of_a_station_neither_drawn_nor_requested_fail() {
    // Slips prevail: an RO who counts one more station, of its own choosing and not on a
    // request, could move the final totals. Its slips agree with the row here, so only the
    // rule itself can catch it.
    let c = copy();
    let shard: bundle::ContestShard =
        serde_json::from_value(c.read(&format!("contests/{C}.json"))).unwrap();
    let file: audit::ContestAudit = serde_json::from_value(c.read(&record_path())).unwrap();
    let counted = audit::stations_to_count(&file.record.body);
    let extra = shard
        .stations
        .iter()
        .find(|r| !counted.contains(r.station_id.as_str()))
        .expect("a station outside the draw")
        .clone();
    edit_record(&c, |b| {
        let slips = b["slips"].as_array_mut().unwrap();
        slips.push(json!({"station_id": extra.station_id, "counts": extra.counts}));
        slips.sort_by(|x, y| x["station_id"].as_str().cmp(&y["station_id"].as_str()));
    });
    let r = verify(&c.path);
    assert!(
        r.findings.iter().any(|f| f.step == "V7.f"
            && f.severity == Severity::Failure
            && f.station.as_deref() == Some(extra.station_id.as_str())
            && f.rule.contains("neither drawn nor requested")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v7f_a_drawn_station_without_slips_fails() {
    let c = copy();
    let a = audited();
    edit_record(&c, |b| {
        b["slips"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["station_id"] != a.planted.as_str());
    });
    let r = verify(&c.path);
    assert!(
        r.findings.iter().any(|f| f.step == "V7.f"
            && f.station.as_deref() == Some(a.planted.as_str())
            && f.rule.contains("not recorded")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v7b_a_share_that_does_not_open_its_commitment_fails() {
    let c = copy();
    let obs = c.key("parties/OBS-1.json");
    c.edit(&record_path(), |v| {
        let reveals = v["reveals"].as_array_mut().unwrap();
        let r = reveals
            .iter_mut()
            .find(|r| r["body"]["party_id"] == "OBS-1")
            .unwrap();
        r["body"]["share"] = "11".repeat(32).into();
        resign(r, audit_kinds::SEED_REVEAL, &obs);
    });
    c.reindex();
    let r = verify(&c.path);
    assert!(failed_steps(&r).contains("V7.b"), "{:#?}", r.findings);
    assert!(
        failed_steps(&r).contains("V7.c"),
        "the seed cannot be formed: {:#?}",
        r.findings
    );
}

#[test]
fn v7b_a_missing_share_fails() {
    let c = copy();
    c.edit(&record_path(), |v| {
        v["reveals"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["body"]["party_id"] != "OBS-1");
    });
    c.reindex();
    let r = verify(&c.path);
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V7.b" && f.rule.contains("did not reveal")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v7a_a_commitment_signed_after_the_results_fails() {
    let c = copy();
    let obs = c.key("parties/OBS-1.json");
    c.edit(&format!("audit/commitments/{C}.json"), |v| {
        let list = v.as_array_mut().unwrap();
        let x = list
            .iter_mut()
            .find(|x| x["body"]["party_id"] == "OBS-1")
            .unwrap();
        x["body"]["signed_at"] = 4_102_444_800u64.into(); // 2100-01-01
        resign(x, audit_kinds::SEED_COMMITMENT, &obs);
    });
    c.reindex();
    let r = verify(&c.path);
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V7.a" && f.rule.contains("after the results")),
        "{:#?}",
        r.findings
    );
    // The commitments are part of the results root the seed was drawn over.
    assert!(failed_steps(&r).contains("V7.c"), "{:#?}", r.findings);
}

#[test]
fn v7c_a_record_not_signed_by_the_ro_fails() {
    let c = copy();
    let rogue = KeyPair::generate("RO-AC001", Role::ReturningOfficer, &mut rand::rngs::OsRng);
    c.edit(&record_path(), |v| {
        resign(&mut v["record"], audit_kinds::AUDIT_RECORD, &rogue)
    });
    c.reindex();
    let r = verify(&c.path);
    assert_eq!(failed_steps(&r), set(&["V7.c"]), "{:#?}", r.findings);
}

#[test]
fn v7c_results_changed_after_the_draw_fail() {
    // The RO re-publishes a result (here: a re-signed shard with its postal row changed) after
    // the seed was drawn: the record's results root no longer matches.
    let c = copy();
    let ro = c.key("ro/RO-AC001.json");
    c.edit(&format!("contests/{C}.json"), |v| {
        v["result"]["body"]["signed_at"] =
            (v["result"]["body"]["signed_at"].as_u64().unwrap() + 1).into();
        c.resign(&mut v["result"], bundle::kinds::CONTEST_RESULT, &ro);
    });
    c.reindex();
    let r = verify(&c.path);
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V7.c" && f.rule.contains("results root")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v7a_an_audit_of_a_contest_without_paper_fails() {
    let c = fixture::copy(ElectionKind::Panchayat);
    let (cid, _) = c.contested();
    let a = audited();
    let mut v: Value = serde_json::from_slice(
        &std::fs::read(a.bundle.join(format!("audit/commitments/{C}.json"))).unwrap(),
    )
    .unwrap();
    for x in v.as_array_mut().unwrap() {
        x["body"]["contest_id"] = cid.clone().into();
    }
    std::fs::create_dir_all(c.path.join("audit/commitments")).unwrap();
    c.write(&format!("audit/commitments/{cid}.json"), &v);
    c.reindex();
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V7.a"]), "{:#?}", r.findings);
    let line = r.contests.iter().find(|l| l.contest_id == cid).unwrap();
    assert!(line
        .audit
        .as_ref()
        .unwrap()
        .conclusion
        .contains("no paper trail"));
}

#[test]
fn no_audit_yet_is_a_notice_and_no_paper_is_said_plainly() {
    let r = fixture::copy(ElectionKind::Assembly).verify();
    assert!(failed_steps(&r).is_empty());
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V7.a" && f.severity == Severity::Notice));
    let r = fixture::copy(ElectionKind::Panchayat).verify();
    assert!(r.contests.iter().filter(|l| !l.uncontested).all(|l| l
        .audit
        .as_ref()
        .unwrap()
        .conclusion
        .contains("no paper trail")));
}

fn open_station(log: &Path, salts: &Path, slips: Option<&Path>) -> verifier::open::OpenReport {
    let a = audited();
    verifier::open::open(&verifier::open::OpenRequest {
        bundle: &a.bundle,
        contest: C,
        station: &a.planted,
        opening: verifier::open::Opening::Log { log, salts },
        slips,
        pinned_keys: Vec::new(),
    })
}

#[test]
fn court_opening_checks_the_log_against_its_commitment() {
    let a = audited();
    let log = a.input.join(format!("SECRET_logs/{}.json", a.planted));
    let salts = a.input.join(format!("SECRET_salts/{}.json", a.planted));
    let r = open_station(&log, &salts, None);
    assert_eq!(r.exit_code(), 0, "{}", r.to_text());
    assert_eq!(r.log_counts, r.published);

    // The planted slips contradict the machine: O7 fails and says slips prevail.
    let dir = tempfile::tempdir().unwrap();
    let slips: std::collections::BTreeMap<String, Vec<u64>> = serde_json::from_slice(
        &std::fs::read(a.input.join(format!("audit/slips/{C}.json"))).unwrap(),
    )
    .unwrap();
    let sp = dir.path().join("slips.json");
    std::fs::write(&sp, serde_json::to_vec(&slips[&a.planted]).unwrap()).unwrap();
    let r = open_station(&log, &salts, Some(&sp));
    assert_eq!(r.exit_code(), 1);
    assert!(r
        .checks
        .iter()
        .any(|c| c.id == "O7" && c.holds == Some(false)));

    // A log with one vote changed does not open the commitment: a failure named as such.
    let mut v: Value = serde_json::from_slice(&std::fs::read(&log).unwrap()).unwrap();
    let vote = &mut v["contests"][0]["units"][0]["votes"][0];
    vote[1] = ((vote[1].as_u64().unwrap() + 1) % 3).into();
    let bad = dir.path().join("log.json");
    std::fs::write(&bad, serde_json::to_vec(&v).unwrap()).unwrap();
    let r = open_station(&bad, &salts, None);
    assert_eq!(r.exit_code(), 1);
    let o3 = r.checks.iter().find(|c| c.id == "O3").unwrap();
    assert_eq!(o3.holds, Some(false));
    assert!(
        o3.detail.contains("does NOT match its commitment"),
        "{}",
        o3.detail
    );
    assert!(
        !r.to_text().contains("\"votes\""),
        "the report never prints the vote order"
    );

    // Another station's salt: the same failure.
    let other = std::fs::read_dir(a.input.join("SECRET_salts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.ends_with(format!("{}.json", a.planted)))
        .unwrap();
    let mut s: Value = serde_json::from_slice(&std::fs::read(&other).unwrap()).unwrap();
    s["station_id"] = a.planted.clone().into();
    let wrong = dir.path().join("salts.json");
    std::fs::write(&wrong, serde_json::to_vec(&s).unwrap()).unwrap();
    let r = open_station(&log, &wrong, None);
    assert_eq!(
        r.checks.iter().find(|c| c.id == "O3").unwrap().holds,
        Some(false)
    );

    // An unreadable log is an error, not a pass.
    let r = open_station(&dir.path().join("missing.json"), &salts, None);
    assert_eq!(r.exit_code(), 2);
}

#[test]
fn v7d_a_statutory_sample_below_the_statutory_size_fails() {
    let c = copy();
    edit_record(&c, |b| {
        b["per_segment"] = 4.into();
    });
    let r = verify(&c.path);
    assert!(
        r.findings
            .iter()
            .any(|f| f.step == "V7.d" && f.rule.contains("fewer than the statutory")),
        "{:#?}",
        r.findings
    );
}

/// Rebuilds the audit record so that everything V7.c-V7.f checks is consistent with the bundle
/// as it now stands: the seed over the current results root and the revealed shares, the
/// statutory sample at the record's `per_segment`, as many risk-limiting draws as before from
/// the new seed, every station's slips counted (a full count, equal to the published rows), the
/// published totals and winners; re-signed by the RO, the index re-signed. What an insider
/// holding the RO and authority keys would publish after steering the draw.
fn rebuild_record(c: &Copy) {
    use audit::seed::{audit_seed, hex32};
    let index: bundle::Signed<bundle::BundleIndex> =
        serde_json::from_value(c.read("bundle.json")).unwrap();
    let root = audit::results_root_of(&index.body);
    let shard: bundle::ContestShard =
        serde_json::from_value(c.read(&format!("contests/{C}.json"))).unwrap();
    let list: bundle::StationList =
        serde_json::from_value(c.read(&format!("stations/{C}.json"))).unwrap();
    let manifest: bundle::Signed<bundle::ElectionManifest> =
        serde_json::from_value(c.read("election.json")).unwrap();
    let contest = manifest
        .body
        .definition
        .contests
        .iter()
        .find(|k| k.contest_id == C)
        .unwrap()
        .clone();
    let file: audit::ContestAudit = serde_json::from_value(c.read(&record_path())).unwrap();
    let shares: Vec<(String, [u8; 32])> = file
        .reveals
        .iter()
        .map(|r| (r.body.party_id.clone(), hex32(&r.body.share).unwrap()))
        .collect();
    let election = &manifest.body.definition.election_id;
    let seed = audit_seed(election, C, &hex32(&root).unwrap(), &shares);
    let mut rows = shard.stations.clone();
    rows.sort_by(|a, b| a.station_id.cmp(&b.station_id));
    let segment = |sid: &str| {
        list.stations
            .iter()
            .find(|s| s.station_id == sid)
            .unwrap()
            .segment_id
            .clone()
    };
    let segs: Vec<String> = rows.iter().map(|r| segment(&r.station_id)).collect();
    let batches: Vec<audit::Batch<'_>> = rows
        .iter()
        .zip(&segs)
        .map(|(r, g)| audit::Batch {
            station_id: &r.station_id,
            segment_id: g,
            counts: &r.counts,
        })
        .collect();
    let winners: Vec<usize> = shard
        .result
        .body
        .winners
        .iter()
        .map(|w| {
            contest
                .candidates
                .iter()
                .position(|k| &k.candidate_id == w)
                .unwrap()
        })
        .collect();
    let mut rec = file.record.body.clone();
    rec.results_root = root;
    rec.seed = hex::encode(seed);
    rec.statutory = audit::statutory_sample(&seed, &batches, rec.per_segment);
    if let Some(rl) = rec.risk_limited.as_mut() {
        let frame = audit::Frame::new(&contest, &batches, &shard.result.body.totals, &winners);
        let n: usize = rl.rounds.iter().map(Vec::len).sum();
        rl.rounds = vec![frame.draws(&seed, C, &batches, n)];
    }
    // Every station not drawn is counted on a Rule 56D request: a full count.
    let drawn = audit::stations_to_count(&audit::AuditRecord {
        requests: vec![],
        ..rec.clone()
    })
    .into_iter()
    .map(str::to_string)
    .collect::<std::collections::BTreeSet<_>>();
    rec.requests = rows
        .iter()
        .map(|r| r.station_id.clone())
        .filter(|s| !drawn.contains(s))
        .collect();
    rec.slips = rows
        .iter()
        .map(|r| audit::SlipCount {
            station_id: r.station_id.clone(),
            counts: r.counts.clone(),
        })
        .collect();
    rec.final_totals = shard.result.body.totals.clone();
    rec.winners = shard.result.body.winners.clone();
    rec.tie_lot = None;
    let ro = c.key("ro/RO-AC001.json");
    let signed = ro.sign(audit_kinds::AUDIT_RECORD, rec).unwrap();
    c.edit(&record_path(), |v| {
        v["record"] = serde_json::to_value(&signed).unwrap();
    });
    c.reindex();
}

#[test]
fn a_rebuilt_record_over_the_same_results_passes() {
    // The helper the steering tests use changes nothing by itself: each failure below is the
    // lever's, not the helper's.
    let c = copy();
    rebuild_record(&c);
    let r = verify(&c.path);
    assert!(failed_steps(&r).is_empty(), "{:#?}", r.findings);
}

#[test]
fn v7d_the_statutory_size_re_chosen_after_the_seed_fails() {
    // The RO draws at 6 per segment (a consistent record: the seed's sample at 6, its slips
    // counted), where the manifest fixed 5 before the poll.
    let c = copy();
    c.edit(&record_path(), |v| {
        v["record"]["body"]["per_segment"] = 6.into()
    });
    rebuild_record(&c);
    let r = verify(&c.path);
    assert_eq!(failed_steps(&r), set(&["V7.d"]), "{:#?}", r.findings);
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V7.d" && f.rule.contains("re-chosen")));
}

#[test]
fn v7e_the_risk_limit_re_chosen_after_the_seed_fails() {
    for bp in [Some(2000u32), None] {
        let c = copy();
        c.edit(&record_path(), |v| {
            let rl = &mut v["record"]["body"]["risk_limited"];
            match bp {
                Some(bp) => rl["risk_limit_bp"] = bp.into(),
                None => *rl = Value::Null,
            }
        });
        rebuild_record(&c);
        let r = verify(&c.path);
        assert_eq!(
            failed_steps(&r),
            set(&["V7.e"]),
            "{bp:?}: {:#?}",
            r.findings
        );
        assert!(r
            .findings
            .iter()
            .any(|f| f.step == "V7.e" && f.rule.contains("re-chosen")));
    }
}

/// Re-signs the contest result one second later: new results, new results root.
fn reissue_result(c: &Copy) {
    let ro = c.key("ro/RO-AC001.json");
    c.edit(&format!("contests/{C}.json"), |v| {
        v["result"]["body"]["signed_at"] =
            (v["result"]["body"]["signed_at"].as_u64().unwrap() + 1).into();
        c.resign(&mut v["result"], bundle::kinds::CONTEST_RESULT, &ro);
    });
    c.reindex();
}

#[test]
fn v7b_results_re_issued_after_the_reveals_fail() {
    // After every share is known, the RO re-signs the result: a new results root and so a new
    // seed from the same shares, and a record drawn consistently over it. The reveals name the
    // root their parties saw.
    let c = copy();
    reissue_result(&c);
    rebuild_record(&c);
    let r = verify(&c.path);
    assert_eq!(failed_steps(&r), set(&["V7.b"]), "{:#?}", r.findings);
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V7.b" && f.rule.contains("changed after the share was known")));
}

#[test]
fn v7b_a_party_added_after_the_results_fails() {
    // An insider adds a party of its own after the results, with a back-dated commitment and a
    // reveal over the new root; the honest parties' reveals name the root they saw.
    let c = copy();
    let def: bundle::ElectionDefinition =
        serde_json::from_slice(&std::fs::read(audited().input.join("election.json")).unwrap())
            .unwrap();
    let (mallory, share, commitment) = insider_share("OBS-9", 9);
    c.edit(&format!("audit/commitments/{C}.json"), |v| {
        let list = v.as_array_mut().unwrap();
        let signed_at = list[0]["body"]["signed_at"].clone();
        let body = audit::SeedCommitment {
            spec_version: bundle::SPEC_VERSION.into(),
            election_id: def.election_id.clone(),
            contest_id: C.into(),
            party_id: "OBS-9".into(),
            commitment: commitment.clone(),
            signed_at: signed_at.as_u64().unwrap(),
        };
        list.push(
            serde_json::to_value(mallory.sign(audit_kinds::SEED_COMMITMENT, body).unwrap())
                .unwrap(),
        );
        list.sort_by_key(|x| x["body"]["party_id"].as_str().unwrap().to_string());
    });
    c.reindex();
    let index: bundle::Signed<bundle::BundleIndex> =
        serde_json::from_value(c.read("bundle.json")).unwrap();
    let root = audit::results_root_of(&index.body);
    c.edit(&record_path(), |v| {
        let reveals = v["reveals"].as_array_mut().unwrap();
        let signed_at = reveals[0]["body"]["signed_at"].as_u64().unwrap();
        let body = audit::SeedReveal {
            election_id: def.election_id.clone(),
            contest_id: C.into(),
            party_id: "OBS-9".into(),
            results_root: root.clone(),
            commitment: commitment.clone(),
            share: hex::encode(share),
            signed_at,
        };
        reveals.push(
            serde_json::to_value(mallory.sign(audit_kinds::SEED_REVEAL, body).unwrap()).unwrap(),
        );
        reveals.sort_by_key(|x| x["body"]["party_id"].as_str().unwrap().to_string());
    });
    rebuild_record(&c);
    let r = verify(&c.path);
    // OBS-9 is also not a party the manifest's rule names (V7.a).
    assert_eq!(
        failed_steps(&r),
        set(&["V7.a", "V7.b"]),
        "{:#?}",
        r.findings
    );
    let stale: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.step == "V7.b" && f.rule.contains("changed after the share was known"))
        .collect();
    assert_eq!(stale.len(), 2, "RO-AC001 and OBS-1: {stale:#?}");
}

#[test]
fn the_prover_refuses_to_reveal_or_draw_over_re_issued_results() {
    let c = copy();
    reissue_result(&c);
    let a = audited();
    let e = prover::audit::reveal(
        &a.input,
        &c.path,
        C,
        "OBS-1",
        prover::audit::Party::Observer,
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("already revealed") && e.contains("revealed once"),
        "{e}"
    );
    let e = prover::audit::draw(&a.input, &c.path, C, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not these results"), "{e}");
    // Over the results it revealed against, revealing again is the same reveal.
    prover::audit::reveal(
        &a.input,
        &a.bundle,
        C,
        "OBS-1",
        prover::audit::Party::Observer,
        None,
    )
    .unwrap();
}

#[test]
fn the_audit_rule_is_fixed_in_the_manifest() {
    // A contest with a paper trail and no rule, or a rule below the statutory size: V2.b.
    for rule in [
        Value::Null,
        serde_json::json!({"statutory_per_segment": 4, "risk_limit_bp": 500}),
        serde_json::json!({"statutory_per_segment": 5, "risk_limit_bp": 10000}),
    ] {
        let c = fixture::copy(ElectionKind::Assembly);
        c.edit("election.json", |v| {
            v["body"]["definition"]["contests"][0]["audit"] = rule.clone();
            c.resign(v, bundle::kinds::MANIFEST, &c.authority());
        });
        c.reindex();
        let r = c.verify();
        assert_eq!(
            failed_steps(&r),
            set(&["V2.b"]),
            "{rule}: {:#?}",
            r.findings
        );
    }
    // A rule for a contest with no paper trail: V2.b.
    let c = fixture::copy(ElectionKind::Panchayat);
    c.edit("election.json", |v| {
        v["body"]["definition"]["contests"][0]["audit"] =
            serde_json::json!({"statutory_per_segment": 5, "risk_limit_bp": null});
        c.resign(v, bundle::kinds::MANIFEST, &c.authority());
    });
    c.reindex();
    let r = c.verify();
    assert_eq!(failed_steps(&r), set(&["V2.b"]), "{:#?}", r.findings);
}

/// The rule a secret in the bundle breaks: a FAIL of V1.c and nothing else, exit 1, the material
/// named by its place and never shown.
fn expect_secret(c: &Copy, place: &str, secret_text: &str) {
    let r = verify(&c.path);
    assert_eq!(failed_steps(&r), set(&["V1.c"]), "{:#?}", r.findings);
    assert_eq!(r.exit_code(), 1);
    let f = r.findings.iter().find(|f| f.step == "V1.c").unwrap();
    assert_eq!(f.severity, Severity::Failure);
    assert!(
        f.rule.contains("secret material") && f.rule.contains(place),
        "{}",
        f.rule
    );
    assert!(
        !r.to_text().contains(secret_text),
        "the secret is not shown"
    );
}

#[test]
fn v1c_a_sealed_log_as_the_audit_record_fails() {
    let c = copy();
    let log = c.a_sealed_log();
    let bytes = std::fs::read(&log).unwrap();
    std::fs::write(c.path.join(record_path()), &bytes).unwrap();
    c.reindex();
    // The first vote's time and choice, as the log prints them, must not reach the report.
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let first = v["contests"][0]["units"][0]["votes"][0].to_string();
    expect_secret(&c, "sealed EVM log", &first);
}

/// A share an insider makes up under `party`'s name, with a key of its own: the key, the share
/// and its commitment.
fn insider_share(party: &str, byte: u8) -> (KeyPair, [u8; 32], String) {
    let def: bundle::ElectionDefinition =
        serde_json::from_slice(&std::fs::read(audited().input.join("election.json")).unwrap())
            .unwrap();
    let key = KeyPair::generate(party, Role::Observer, &mut rand::rngs::OsRng);
    let share = [byte; 32];
    let commitment = hex::encode(audit::seed::commit_share(
        &def.election_id,
        C,
        party,
        &share,
    ));
    (key, share, commitment)
}

/// What an insider holding every SEC key does after editing what lies under the results root:
/// re-signs the index (a new root), edits the reveals (`edit`), re-signs each over the new root
/// with `key_of(party)`, and re-makes the record.
fn reveal_again<'k>(
    c: &Copy,
    edit: impl FnOnce(&mut Vec<Value>),
    key_of: impl Fn(&str) -> &'k KeyPair,
) {
    c.reindex();
    let index: bundle::Signed<bundle::BundleIndex> =
        serde_json::from_value(c.read("bundle.json")).unwrap();
    let root = audit::results_root_of(&index.body);
    c.edit(&record_path(), |v| {
        let reveals = v["reveals"].as_array_mut().unwrap();
        edit(reveals);
        for r in reveals.iter_mut() {
            r["body"]["results_root"] = json!(root);
            let key = key_of(r["body"]["party_id"].as_str().unwrap());
            resign(r, audit_kinds::SEED_REVEAL, key);
        }
    });
    rebuild_record(c);
}

/// Removes `party`'s seed commitment from the bundle (the index not yet re-signed).
fn drop_commitment(c: &Copy, party: &str) {
    c.edit(&format!("audit/commitments/{C}.json"), |v| {
        v.as_array_mut()
            .unwrap()
            .retain(|x| x["body"]["party_id"] != party);
    });
}

/// The insider's lever against a named party: its commitment and reveal removed after the
/// reveals, the index re-signed (a new results root), the RO's own reveal re-signed against
/// that root, and the draw and record re-made from the RO's share alone. Everything an insider
/// holding every SEC key can re-sign is consistent; only the pinned manifest's rule says OBS-1
/// had to be there.
fn without_named_party(c: &Copy) {
    drop_commitment(c, "OBS-1");
    let ro = c.key("ro/RO-AC001.json");
    reveal_again(
        c,
        |reveals| reveals.retain(|x| x["body"]["party_id"] != "OBS-1"),
        |_| &ro,
    );
}

#[test]
fn v7a_a_named_partys_commitment_removed_after_the_reveals_fails() {
    let c = copy();
    let pinned = sha256_of(&c.path.join("election.json"));
    without_named_party(&c);
    // Unpinned and pinned alike: the rule is in the manifest the reader pinned.
    for pins in [vec![], vec![pinned]] {
        let r = verify_bundle(
            &c.path,
            &Options {
                pinned_manifests: pins,
                ..Options::default()
            },
        );
        assert_eq!(failed_steps(&r), set(&["V7.a"]), "{:#?}", r.findings);
        assert!(r.findings.iter().any(|f| f.step == "V7.a"
            && f.rule.contains("names OBS-1")
            && f.rule.contains("not in the bundle")));
        let line = r.contests[0].audit.as_ref().unwrap();
        assert!(line.outside_sec.is_empty());
        assert!(
            line.seed_parties().contains("the SEC alone"),
            "{}",
            line.seed_parties()
        );
    }
}

#[test]
fn v7a_a_commitment_by_a_key_the_rule_does_not_name_fails() {
    // OBS-1's commitment and reveal re-made by the insider under OBS-1's name with a key of its
    // own (it does not know OBS-1's share or key), the RO's reveal and the record re-made.
    let c = copy();
    let (mallory, share, commitment) = insider_share("OBS-1", 7);
    c.edit(&format!("audit/commitments/{C}.json"), |v| {
        for x in v.as_array_mut().unwrap() {
            if x["body"]["party_id"] == "OBS-1" {
                x["body"]["commitment"] = json!(commitment);
                resign(x, audit_kinds::SEED_COMMITMENT, &mallory);
            }
        }
    });
    let ro = c.key("ro/RO-AC001.json");
    reveal_again(
        &c,
        |reveals| {
            for r in reveals
                .iter_mut()
                .filter(|r| r["body"]["party_id"] == "OBS-1")
            {
                r["body"]["commitment"] = json!(commitment);
                r["body"]["share"] = json!(hex::encode(share));
            }
        },
        |party| if party == "OBS-1" { &mallory } else { &ro },
    );
    let r = verify(&c.path);
    assert_eq!(failed_steps(&r), set(&["V7.a"]), "{:#?}", r.findings);
    assert!(r.findings.iter().any(|f| f.step == "V7.a"
        && f.rule.contains("OBS-1 committed as observer with key")
        && f.rule.contains("names no such party")));
}

#[test]
fn a_named_party_that_never_committed_stops_the_draw() {
    // The prover refuses to form a seed without a named party's share (audit.md §3): run on a
    // copy of the fixture's input whose OBS-1 commitment is gone from the published bundle.
    let c = copy();
    drop_commitment(&c, "OBS-1");
    c.reindex();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    copy_dir(&c.input, &input);
    let e = prover::audit::draw(&input, &c.path, C, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("names OBS-1") && e.contains("no seed can be formed"),
        "{e}"
    );
    // Nor may an observer the rule does not name commit at all.
    let e = prover::audit::commit(&input, C, "OBS-2", prover::audit::Party::Observer, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("names OBS-1 (observer)") && e.contains("OBS-2"),
        "{e}"
    );
}

#[test]
fn the_report_says_who_outside_the_sec_formed_the_seed() {
    let r = verify(&audited().bundle);
    let line = r.contests[0].audit.as_ref().unwrap();
    assert!(line.parties_named);
    assert_eq!(line.outside_sec, vec!["OBS-1".to_string()]);
    assert!(r.to_text().contains(
        "seed formed by OBS-1, RO-AC001 (1 party outside the SEC, named in the manifest's audit rule: OBS-1)"
    ));
    assert!(!r
        .findings
        .iter()
        .any(|f| f.rule.contains("names no party outside the SEC")));
}

#[test]
fn v7a_a_rule_that_names_no_party_is_warned_of() {
    // The same audit under a manifest whose rule names no party (re-signed, the reveals and the
    // record re-made over the new root): it holds, and the report warns.
    let c = copy();
    c.edit("election.json", |v| {
        for k in v["body"]["definition"]["contests"].as_array_mut().unwrap() {
            if let Some(rule) = k["audit"].as_object_mut() {
                rule.remove("parties");
            }
        }
        c.resign(v, bundle::kinds::MANIFEST, &c.authority());
    });
    let (ro, obs) = (c.key("ro/RO-AC001.json"), c.key("parties/OBS-1.json"));
    reveal_again(
        &c,
        |_| {},
        |party| if party == "OBS-1" { &obs } else { &ro },
    );
    let r = verify(&c.path);
    assert_eq!(failed_steps(&r), set(&[]), "{:#?}", r.findings);
    assert!(r.findings.iter().any(|f| f.step == "V7.a"
        && f.severity == Severity::Notice
        && f.rule.contains("names no party outside the SEC")));
    let line = r.contests[0].audit.as_ref().unwrap();
    assert!(!line.parties_named && line.outside_sec.is_empty());
    assert!(r
        .to_text()
        .contains("may have been chosen by the SEC alone"));
}

fn sha256_of(p: &Path) -> String {
    bundle::digest::sha256_hex(&std::fs::read(p).unwrap())
}

/// One contest of 24 stations in totaliser groups of at least 3 (8 groups), audited: the RO
/// and an observer seed the draw, risk limit 10%, 3 votes moved on paper in the first group
/// drawn. Returns the bundle's folder (kept alive) and input folder.
fn grouped_audit() -> &'static (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    use prover::audit::Party;
    static G: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    G.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("input");
        let bundle = dir.path().join("bundle");
        let opts = prover::simulate::SimOptions {
            kind: ElectionKind::Assembly,
            seed: 22,
            areas: 1,
            stations: 24,
            candidates: 3,
            electors: 60,
            risk_limit_bp: Some(1000),
            totaliser: Some(3),
            ..Default::default()
        };
        prover::simulate::simulate(&opts, &input).unwrap();
        let mut rng = rand::rngs::OsRng;
        let shapes = ["64x4c", "g4x4"].map(|s| circuits::Shape::parse(s).unwrap());
        let kd = prover::setup::setup(&shapes, "test", &dir.path().join("keys"), &mut rng).unwrap();
        prover::seal::seal(&input, &kd, &mut rng).unwrap();
        let parties = [
            ("RO-AC001", Party::ReturningOfficer),
            ("OBS-1", Party::Observer),
        ];
        for (id, party) in parties {
            prover::audit::commit(&input, C, id, party, None).unwrap();
        }
        prover::prove::prove(&prover::prove::ProveOptions {
            input: &input,
            keys: &kd,
            out: &bundle,
            force: false,
            on_progress: None,
        })
        .unwrap();
        for (id, party) in parties {
            prover::audit::reveal(&input, &bundle, C, id, party, None).unwrap();
        }
        let plan = prover::audit::draw(&input, &bundle, C, None).unwrap();
        let first = plan.statutory[0].clone();
        let mut all = false;
        for _ in 0..6 {
            prover::audit::simulate_slips(&input, &bundle, C, &[], all, Some((&first, 3))).unwrap();
            let a = prover::audit::record(&input, &bundle, C, &[], all, None).unwrap();
            if a.confirmed {
                break;
            }
            let n = a.initial_sample.unwrap_or(4).max(2);
            let plan = prover::audit::draw(&input, &bundle, C, Some(n)).unwrap();
            all = plan
                .risk_limited
                .iter()
                .flat_map(|r| r.rounds.iter().flatten())
                .count()
                > 40;
        }
        (dir, bundle, input)
    })
}

#[test]
fn a_grouped_contest_is_audited_by_whole_groups() {
    let (_, bundle, _) = grouped_audit();
    let r = verify(bundle);
    assert_eq!(failed_steps(&r), set(&[]), "{:#?}", r.findings);
    let file: Value =
        serde_json::from_slice(&std::fs::read(bundle.join(record_path())).unwrap()).unwrap();
    let rec = &file["record"]["body"];
    // ceil(5 / 3) = 2 groups per segment, every id in the record a group's, the slips too.
    assert_eq!(rec["statutory"].as_array().unwrap().len(), 2);
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let mut named = ids(&rec["statutory"]);
    named.extend(ids(&rec["requests"]));
    for round in rec["risk_limited"]["rounds"].as_array().unwrap() {
        named.extend(ids(round));
    }
    for s in rec["slips"].as_array().unwrap() {
        named.push(s["station_id"].as_str().unwrap().to_string());
    }
    assert!(!named.is_empty());
    for id in &named {
        assert!(id.starts_with('G'), "{id} is not a group");
    }
    // The planted discrepancy is found in its group and the slips prevail.
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V7.f" && f.severity == Severity::Notice));
    let line = r.contests.iter().find(|l| l.contest_id == C).unwrap();
    let words = &line.audit.as_ref().unwrap().conclusion;
    assert!(words.contains("group"), "{words}");
}

#[test]
fn v7d_v7f_an_audit_that_draws_a_single_station_of_a_grouped_contest_fails() {
    let (_, bundle, input) = grouped_audit();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle");
    copy_dir(bundle, &path);
    let c = Copy::new(dir, path, input.clone());
    // The RO re-signs a record whose statutory sample names one station of the first group
    // drawn, with that station's slips alone: finer than the published result.
    let manifest = c.read("election.json");
    let contest = manifest["body"]["definition"]["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["contest_id"] == C)
        .unwrap()
        .clone();
    edit_record(&c, |rec| {
        let g = rec["statutory"][0].as_str().unwrap().to_string();
        let group = contest["totaliser"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["group_id"] == json!(g))
            .unwrap();
        let station = group["stations"][0].as_str().unwrap().to_string();
        rec["statutory"][0] = json!(station);
        let n = contest["candidates"].as_array().unwrap().len();
        let mut slips = rec["slips"].as_array().unwrap().clone();
        slips.push(json!({"station_id": station, "counts": vec![1; n]}));
        slips.sort_by(|a, b| a["station_id"].as_str().cmp(&b["station_id"].as_str()));
        rec["slips"] = json!(slips);
    });
    let r = verify(&c.path);
    let failed = failed_steps(&r);
    assert!(
        failed.contains("V7.d") && failed.contains("V7.f"),
        "{:#?}",
        r.findings
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V7.f" && f.rule.contains("never per station")));
}

#[test]
fn court_opening_of_a_grouped_station_with_its_log_or_its_count_opening_alone() {
    let (_, bundle, input) = grouped_audit();
    let station = "AC001-PS001";
    let open = |opening| {
        verifier::open::open(&verifier::open::OpenRequest {
            bundle,
            contest: C,
            station,
            opening,
            slips: None,
            pinned_keys: Vec::new(),
        })
    };
    // With the sealed log and salts: the log opens the signed commitment, and its histogram the
    // row's count commitment.
    let log = input.join(format!("SECRET_logs/{station}.json"));
    let salts = input.join(format!("SECRET_salts/{station}.json"));
    let r = open(verifier::open::Opening::Log {
        log: &log,
        salts: &salts,
    });
    assert_eq!(r.exit_code(), 0, "{}", r.to_text());
    assert!(r.published.is_none());
    let from_log = r.log_counts.clone().unwrap();
    // With the count opening alone: the same counts, nothing of the log.
    let file = prover::groups::count_opening_file(input, station, C).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("opening.json");
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    let r = open(verifier::open::Opening::Counts(&path));
    assert_eq!(r.exit_code(), 0, "{}", r.to_text());
    assert_eq!(r.log_counts.as_ref(), Some(&from_log));
    // Counts that are not the committed ones (one vote moved) fail O3.
    let mut forged = file.clone();
    let (a, b) = if forged.counts[0] > 0 { (0, 1) } else { (1, 0) };
    forged.counts[a] -= 1;
    forged.counts[b] += 1;
    std::fs::write(&path, serde_json::to_vec(&forged).unwrap()).unwrap();
    let r = open(verifier::open::Opening::Counts(&path));
    assert_eq!(r.exit_code(), 1, "{}", r.to_text());
    assert!(r
        .checks
        .iter()
        .any(|c| c.id == "O3" && c.holds == Some(false)));
    // A booth-wise station is not opened by counts: its row publishes them.
    let a = audited();
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    let r = verifier::open::open(&verifier::open::OpenRequest {
        bundle: &a.bundle,
        contest: C,
        station: &a.planted,
        opening: verifier::open::Opening::Counts(&path),
        slips: None,
        pinned_keys: Vec::new(),
    });
    assert_eq!(r.exit_code(), 2, "{}", r.to_text());
}
