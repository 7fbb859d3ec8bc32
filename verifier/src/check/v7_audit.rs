//! V7: the VVPAT audit of a contest (spec `audit.md`, `verification.md` V7). Re-derives the seed
//! from the published commitments, the revealed shares and the results root; re-draws every
//! sample; compares the slips with the published rows; recomputes the final totals (slips
//! prevail) and the statistics the report states.

use super::read::read;
use super::v5_contest_results::check_winners;
use crate::report::{At, AuditLine, Findings, Severity};
use audit::model::{kinds as audit_kinds, paths as audit_paths};
use audit::seed::{audit_seed, hex32, opens};
use audit::{Batch, ContestAudit, Frame, SeedCommitment};
use bundle::{AuditParty, Contest, ElectionDefinition, Role, Signed};
use std::collections::{BTreeMap, BTreeSet};

/// What V7 needs from the rest of the run.
pub(crate) struct AuditInputs<'a> {
    pub src: &'a dyn crate::source::Source,
    pub def: &'a ElectionDefinition,
    pub contest: &'a Contest,
    /// Certified key of the contest's RO.
    pub ro_key: Option<&'a String>,
    /// Results root recomputed from the signed index.
    pub results_root: Option<&'a str>,
    /// When the RO signed the contest result.
    pub result_signed_at: u64,
    /// Published totals and winners.
    pub totals: &'a [u64],
    pub winners: &'a [String],
    /// The contest's shard (its station rows, and a grouped contest's group rows).
    pub shard: &'a bundle::ContestShard,
    /// Files the signed index lists.
    pub listed: &'a BTreeSet<String>,
    /// Positions in the definition of the contest's stations (the run's index, not a scan).
    pub stations: &'a [usize],
}

/// V7.a-V7.f for one contest. Returns the report's audit line.
pub(crate) fn check_audit(a: &AuditInputs<'_>, f: &mut Findings) -> AuditLine {
    let cid = &a.contest.contest_id;
    let cfile = format!("{}/{cid}.json", audit_paths::COMMITMENTS);
    let rfile = format!("{}/{cid}.json", audit_paths::RECORDS);
    let has_c = a.listed.contains(&cfile);
    let has_r = a.listed.contains(&rfile);
    let mut line = AuditLine {
        paper_trail: a.contest.vvpat,
        ..AuditLine::default()
    };
    if !a.contest.vvpat || a.contest.uncontested {
        line.conclusion = if a.contest.uncontested {
            "uncontested: nothing to audit".into()
        } else {
            "no paper trail (no VVPAT in this poll): the machine count cannot be checked against paper".into()
        };
        f.expect("V7.a", !has_c && !has_r, &At::contest(&rfile, cid), || {
            "an audit is recorded for a contest without a paper trail".into()
        });
        return line;
    }
    if !has_c && !has_r {
        line.conclusion = "no VVPAT audit is recorded in this bundle yet".into();
        f.push(
            Severity::Notice,
            "V7.a",
            &At::contest(&cfile, cid),
            "no VVPAT audit is recorded for this contest in this bundle".into(),
        );
        return line;
    }

    // V7.a: commitments, published with the results, each signed by its party.
    let cat = At::contest(&cfile, cid);
    let commitments: Vec<Signed<SeedCommitment>> = match read(a.src, &cfile) {
        Ok((_, c)) => c,
        Err(e) => {
            e.context("seed commitments").report(f, "V7.a", &cat);
            line.conclusion = "the audit cannot be checked: no readable seed commitments".into();
            return line;
        }
    };
    // The parties the rule names (fixed with the manifest before the poll), if it names any.
    let named: BTreeMap<&str, &AuditParty> = a
        .contest
        .audit
        .iter()
        .flat_map(|r| &r.parties)
        .map(|p| (p.party_id.as_str(), p))
        .collect();
    let mut parties: BTreeMap<&str, &Signed<SeedCommitment>> = BTreeMap::new();
    for c in &commitments {
        let b = &c.body;
        let role_ok = match c.role {
            Role::ReturningOfficer => {
                b.party_id == a.contest.returning_officer && a.ro_key == Some(&c.public_key)
            }
            Role::Observer | Role::CandidateAgent if !named.is_empty() => {
                let fits = named
                    .get(b.party_id.as_str())
                    .is_some_and(|p| p.role == c.role && p.public_key == c.public_key);
                f.expect("V7.a", fits, &cat, || {
                    format!(
                        "{} committed as {} with key {}, but the audit rule in the manifest names no such party with that key: a share the rule does not name could be the SEC's own",
                        b.party_id, c.role, c.public_key
                    )
                });
                fits
            }
            Role::Observer | Role::CandidateAgent => true,
            _ => false,
        };
        let ok = c.verify(audit_kinds::SEED_COMMITMENT).is_ok()
            && role_ok
            && c.signer == b.party_id
            && b.election_id == a.def.election_id
            && &b.contest_id == cid
            && b.spec_version == bundle::SPEC_VERSION
            && hex32(&b.commitment).is_some();
        f.expect("V7.a", ok, &cat, || {
            format!(
                "the seed commitment of {} is not a valid statement of that party for this contest (an RO commits with its certified key)",
                b.party_id
            )
        });
        f.expect("V7.a", b.signed_at < a.result_signed_at, &cat, || {
            format!(
                "the seed commitment of {} was signed after the results: its share could have been chosen knowing them",
                b.party_id
            )
        });
        f.expect(
            "V7.a",
            parties.insert(&b.party_id, c).is_none(),
            &cat,
            || format!("{} committed twice", b.party_id),
        );
    }
    f.expect("V7.a", !commitments.is_empty(), &cat, || {
        "no party committed to a seed share".into()
    });
    // Every named party committed: a commitment removed after the reveals (the index re-signed)
    // would let the SEC choose the sample among the shares that remain.
    for (id, p) in &named {
        f.expect("V7.a", parties.contains_key(id), &cat, || {
            format!(
                "the audit rule names {id} ({}), but its seed commitment is not in the bundle: without its share the sample could be the SEC's choice",
                p.role
            )
        });
    }
    if named.is_empty() {
        f.push(
            Severity::Notice,
            "V7.a",
            &cat,
            "WARNING: the audit rule names no party outside the SEC: a commitment by an observer or agent cannot be told from one the SEC made, and one removed leaves no trace, so the sample may have been chosen by the SEC alone (audit.md §3)".into(),
        );
    }
    // Who outside the SEC formed the seed: named parties whose commitment is here (V7.b checks
    // that each revealed).
    line.outside_sec = named
        .keys()
        .filter(|id| parties.contains_key(*id))
        .map(|id| id.to_string())
        .collect();
    line.parties_named = !named.is_empty();
    f.expect(
        "V7.a",
        commitments
            .windows(2)
            .all(|w| w[0].body.party_id < w[1].body.party_id),
        &cat,
        || "the commitments are not in party order".into(),
    );
    line.parties = parties.keys().map(|p| p.to_string()).collect();
    if !has_r {
        line.conclusion = "seed shares are committed; the audit is not recorded yet".into();
        return line;
    }

    // V7.b: every share revealed, after the results, opening its commitment.
    let rat = At::contest(&rfile, cid);
    let file: ContestAudit = match read(a.src, &rfile) {
        Ok((_, r)) => r,
        Err(e) => {
            e.context("audit record").report(f, "V7.b", &rat);
            line.conclusion = "the audit cannot be checked: the record is unreadable".into();
            return line;
        }
    };
    f.expect("V7.b", &file.contest_id == cid, &rat, || {
        format!("the audit file names contest {}", file.contest_id)
    });
    let mut shares: Vec<(String, [u8; 32])> = Vec::new();
    for r in &file.reveals {
        let b = &r.body;
        let Some(c) = parties.get(b.party_id.as_str()) else {
            f.fail(
                "V7.b",
                &rat,
                format!("{} revealed a share it never committed to", b.party_id),
            );
            continue;
        };
        let share = hex32(&b.share);
        let commitment = hex::decode(&c.body.commitment).unwrap_or_default();
        let ok = r.verify(audit_kinds::SEED_REVEAL).is_ok()
            && r.public_key == c.public_key
            && b.election_id == a.def.election_id
            && &b.contest_id == cid
            && share.is_some_and(|s| opens(&a.def.election_id, cid, &b.party_id, &s, &commitment));
        if f.expect("V7.b", ok, &rat, || {
            format!(
                "the share revealed by {} does not open its commitment (or is not signed by the committing key)",
                b.party_id
            )
        }) {
            if let Some(s) = share {
                shares.push((b.party_id.clone(), s));
            }
        }
        // The reveal names the results it saw: a share revealed for one set of results cannot
        // seed a draw over results re-issued after it was known (audit.md §3).
        f.expect(
            "V7.b",
            Some(b.results_root.as_str()) == a.results_root,
            &rat,
            || {
                format!(
                    "{} revealed its share against results root {}, but the results in this bundle have root {}: the results changed after the share was known",
                    b.party_id,
                    b.results_root,
                    a.results_root.unwrap_or("(unknown)")
                )
            },
        );
        f.expect("V7.b", b.commitment == c.body.commitment, &rat, || {
            format!(
                "{} revealed against commitment {}, not the one published under these results",
                b.party_id, b.commitment
            )
        });
        f.expect("V7.b", b.signed_at >= a.result_signed_at, &rat, || {
            format!(
                "{} revealed its share before the results were signed",
                b.party_id
            )
        });
    }
    let revealed: BTreeSet<&str> = file
        .reveals
        .iter()
        .map(|r| r.body.party_id.as_str())
        .collect();
    for p in parties.keys() {
        f.expect("V7.b", revealed.contains(p), &rat, || {
            format!("{p} committed to a share but did not reveal it: the seed cannot be formed without it")
        });
    }
    f.expect("V7.b", revealed.len() == file.reveals.len(), &rat, || {
        "a share is revealed twice".into()
    });
    f.expect(
        "V7.b",
        file.reveals
            .windows(2)
            .all(|w| w[0].body.party_id < w[1].body.party_id),
        &rat,
        || "the reveals are not in party order".into(),
    );
    f.expect(
        "V7.b",
        file.reveals.iter().all(|r| r.signer == r.body.party_id),
        &rat,
        || "a reveal names a signer other than its party".into(),
    );

    // V7.c: the record, signed by the RO, over the results root, with the seed they give.
    let rec = &file.record.body;
    let sig_ok = file.record.verify(audit_kinds::AUDIT_RECORD).is_ok()
        && file.record.signer == a.contest.returning_officer
        && file.record.role == Role::ReturningOfficer
        && a.ro_key == Some(&file.record.public_key);
    f.expect(
        "V7.c",
        sig_ok
            && rec.election_id == a.def.election_id
            && &rec.contest_id == cid
            && rec.spec_version == bundle::SPEC_VERSION,
        &rat,
        || {
            format!(
                "the audit record is not signed by the certified RO {} for this contest",
                a.contest.returning_officer
            )
        },
    );
    f.expect(
        "V7.c",
        Some(rec.results_root.as_str()) == a.results_root,
        &rat,
        || {
            format!(
            "the record draws over results root {}, but the results in this bundle have root {}",
            rec.results_root,
            a.results_root.unwrap_or("(unknown)")
        )
        },
    );
    let all_revealed = parties.keys().all(|p| shares.iter().any(|(q, _)| q == p));
    let seed = a
        .results_root
        .and_then(hex32)
        .filter(|_| all_revealed)
        .map(|root| audit_seed(&a.def.election_id, cid, &root, &shares));
    let seed_ok = f.expect(
        "V7.c",
        seed.map(hex::encode).as_deref() == Some(rec.seed.as_str()),
        &rat,
        || "the record's seed is not the one the revealed shares and the results root give".into(),
    );
    f.expect(
        "V7.c",
        file.reveals
            .iter()
            .all(|r| r.body.signed_at <= rec.signed_at),
        &rat,
        || "the record was signed before every share was revealed".into(),
    );
    line.seed = seed.map(hex::encode);

    // The contest's stations as the audit sees them: station-id order, published rows.
    let segment: BTreeMap<&str, &str> = a
        .stations
        .iter()
        .map(|&i| &a.def.stations[i])
        .map(|s| (s.station_id.as_str(), s.segment_id.as_str()))
        .collect();
    // The batches: the stations, or a grouped contest's groups, whose slips are counted
    // together and compared with the group's row (audit.md §4).
    let batches: Vec<Batch<'_>> =
        audit::contest_batches(a.contest, a.shard, |sid| segment.get(sid).copied());
    let is_batch: BTreeSet<&str> = batches.iter().map(|b| b.station_id).collect();
    let unit = if a.contest.totaliser.is_some() {
        "group"
    } else {
        "station"
    };
    let winners: Vec<usize> = a
        .winners
        .iter()
        .filter_map(|w| {
            a.contest
                .candidates
                .iter()
                .position(|c| &c.candidate_id == w)
        })
        .collect();

    // V7.d, V7.e: the sizes are the ones the manifest fixed before the poll (audit.md §1).
    let rule = a.contest.audit.as_ref();
    f.expect(
        "V7.d",
        rule.is_some_and(|r| r.statutory_per_segment == rec.per_segment),
        &rat,
        || match rule {
            Some(r) => format!(
                "the record counts {} stations per segment; the audit rule fixed in the manifest before the poll is {}: the size was re-chosen",
                rec.per_segment, r.statutory_per_segment
            ),
            None => "the manifest fixes no audit rule for this contest".into(),
        },
    );
    let rec_bp = rec.risk_limited.as_ref().map(|r| r.risk_limit_bp);
    f.expect(
        "V7.e",
        rule.is_some_and(|r| r.risk_limit_bp == rec_bp),
        &rat,
        || {
            let show = |bp: Option<u32>| match bp {
                Some(bp) => format!("{:.2}%", f64::from(bp) / 100.0),
                None => "none".into(),
            };
            format!(
                "the record's risk limit is {}; the audit rule fixed in the manifest before the poll is {}: the risk limit was re-chosen",
                show(rec_bp),
                show(rule.and_then(|r| r.risk_limit_bp))
            )
        },
    );
    // V7.d, V7.e: the bounds, which need no seed.
    f.expect(
        "V7.d",
        rec.per_segment >= bundle::AuditRule::MIN_PER_SEGMENT,
        &rat,
        || {
            format!(
                "{} stations per segment, fewer than the statutory {} (DOMAIN invariant 9)",
                rec.per_segment,
                bundle::AuditRule::MIN_PER_SEGMENT
            )
        },
    );
    if let Some(rl) = &rec.risk_limited {
        f.expect(
            "V7.e",
            rl.risk_limit_bp >= 1 && rl.risk_limit_bp < 10_000,
            &rat,
            || "the risk limit must be between 0.01% and 99.99%".into(),
        );
    }
    // V7.d: the statutory sample is the one the seed gives (with no seed, V7.c has failed and
    // the draws cannot be checked: verification.md, "Dependent failures").
    if let Some(seed) = seed.filter(|_| seed_ok) {
        let want = audit::statutory_sample(
            &seed,
            &batches,
            audit::statutory_batches(a.contest, rec.per_segment),
        );
        f.expect("V7.d", rec.statutory == want, &rat, || {
            format!(
                "the statutory sample {:?} is not the one the seed gives {:?}: it was not drawn from the seed",
                rec.statutory, want
            )
        });
        // V7.e: the risk-limiting draws are the seed's PPEB stream.
        if let Some(rl) = &rec.risk_limited {
            let frame = Frame::new(a.contest, &batches, a.totals, &winners);
            let drawn: Vec<String> = rl.rounds.iter().flatten().cloned().collect();
            let want = frame.draws(&seed, cid, &batches, drawn.len());
            f.expect("V7.e", drawn == want, &rat, || {
                "the risk-limiting draws are not the seed's draws (with probability proportional to each station's error bound)".into()
            });
        }
    }
    line.statutory = rec.statutory.clone();
    line.draws = rec
        .risk_limited
        .iter()
        .flat_map(|r| r.rounds.iter().flatten())
        .cloned()
        .collect();

    // V7.f: slips: one per station counted, of stations of the contest; slips prevail.
    let n = a.contest.candidates.len();
    let mut slips: BTreeMap<&str, &[u64]> = BTreeMap::new();
    // Where a batch's finding is: a station, or (named in the rule) a group.
    let groups: BTreeSet<&str> = a
        .contest
        .totaliser
        .iter()
        .flat_map(|t| &t.groups)
        .map(|g| g.group_id.as_str())
        .collect();
    let at = |id: &str| -> (At, String) {
        if groups.contains(id) {
            (At::contest(&rfile, cid), format!("group {id}: "))
        } else {
            (At::station(&rfile, cid, id), String::new())
        }
    };
    for s in &rec.slips {
        let (sat, who) = at(&s.station_id);
        f.expect(
            "V7.f",
            is_batch.contains(s.station_id.as_str()) && s.counts.len() == n,
            &sat,
            || format!("{who}slips must be {n} counts for a {unit} of this contest{}", if unit == "group" { " (a grouped contest's slips are counted and recorded per totaliser group, never per station)" } else { "" }),
        );
        f.expect(
            "V7.f",
            slips.insert(&s.station_id, &s.counts).is_none(),
            &sat,
            || format!("{who}slips recorded twice for this {unit}"),
        );
    }
    f.expect(
        "V7.f",
        rec.slips
            .windows(2)
            .all(|w| w[0].station_id < w[1].station_id)
            && rec.requests.windows(2).all(|w| w[0] < w[1]),
        &rat,
        || "slips and requests must be in station order, each station once".into(),
    );
    for r in &rec.requests {
        let (rat, who) = at(r);
        f.expect("V7.f", is_batch.contains(r.as_str()), &rat, || {
            format!("{who}a Rule 56D request for a {unit} not of this contest")
        });
    }
    let to_count = audit::stations_to_count(rec);
    for &sid in &to_count {
        let (sat, who) = at(sid);
        f.expect("V7.f", slips.contains_key(sid), &sat, || {
            format!("{who}this {unit} was drawn or requested, but its slips are not recorded")
        });
    }
    // Slips prevail where they are counted, so a station counted beyond the draw could move
    // the final totals at the RO's choice: every such station is a Rule 56D request.
    for &sid in slips.keys() {
        let (sat, who) = at(sid);
        f.expect("V7.f", to_count.contains(sid), &sat, || {
            format!("{who}slips recorded for a {unit} neither drawn nor requested (every {unit} counted beyond the draw is listed in requests, Rule 56D)")
        });
    }
    let assessment = audit::assess(a.contest, &batches, a.totals, &winners, rec);
    for d in &assessment.discrepancies {
        let (dat, who) = at(&d.station_id);
        f.push(
            Severity::Notice,
            "V7.f",
            &dat,
            format!(
                "{who}the VVPAT slips {:?} differ from the published machine row {:?}; slips prevail",
                d.slips, d.published
            ),
        );
    }
    match audit::final_totals(a.totals, &batches, &slips) {
        Some(want) => {
            f.expect("V7.f", rec.final_totals == want, &rat, || {
                format!(
                    "slips prevail: the final totals must be {want:?} (published rows replaced by the slips that contradict them), the record keeps {:?}",
                    rec.final_totals
                )
            });
            if rec.final_totals.len() == n {
                check_winners(
                    a.contest,
                    &rec.final_totals,
                    &rec.winners,
                    rec.tie_lot.as_ref(),
                    &rat,
                    f,
                    "V7.f",
                );
            }
        }
        None => f.fail(
            "V7.f",
            &rat,
            "the slips cannot be applied to the published rows".into(),
        ),
    }
    // V7.e: a risk-limiting audit stops only at its risk limit or with a full count.
    if let (Some(limit), Some(p)) = (assessment.risk_limit, assessment.measured_risk) {
        f.expect("V7.e", p <= limit || assessment.full_count, &rat, || {
            format!(
                "the audit stopped at measured risk {:.4}% above its risk limit {:.4}% without a full count: the outcome is not confirmed by paper",
                100.0 * p,
                100.0 * limit
            )
        });
    }
    line.conclusion = assessment.conclusion.clone();
    line.assessment = Some(assessment);
    line
}
