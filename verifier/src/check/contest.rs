//! One contest, start to end: reads its shard, runs V2.d, V3 and V4 per station in parallel,
//! the V4.d batches per key, then V9 (a grouped contest's groups), V5 and V7; hands its station
//! summaries to V6.

use super::read::{read, signatures_hold_where};
use super::v2_manifest::{check_po_certificate, check_po_roster, Context, PoCert};
use super::v3_close_of_poll::check_close_of_poll;
use super::v4_station_results::{check_aggregates, check_row, verify_proofs, Pending};
use super::v5_contest_results::check_result;
use super::v6_across_contests::StationSummary;
use crate::report::{At, CandidateLine, ContestLine, Findings};
use crate::source::Source;
use bundle::{
    kinds, paths, CloseOfPoll, Contest, ContestShard, ElectionDefinition, PoRoster, Signed,
    Station, StationResult,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// One station row's findings, its summary for the cross checks, its counts if usable, and its
/// proof awaiting verification.
pub(super) type StationOutcome = (
    Findings,
    Option<StationSummary>,
    Option<Vec<u64>>,
    Option<Pending>,
);

/// What one contest's checks hand to the cross-contest step.
pub(super) struct ContestOutcome {
    pub(super) findings: Findings,
    pub(super) line: Option<ContestLine>,
    /// Station rows for the cross checks.
    pub(super) rows: Vec<StationSummary>,
    pub(super) contest_id: String,
    pub(super) proofs_verified: u64,
    /// Station rows already counted in the run's progress.
    pub(super) ticked: u64,
    /// The shard's statements and rows for V8, when a log is checked (made from the shard
    /// read here, so that V8 does not read it again).
    pub(super) for_log: Option<super::v8_log::ShardStatements>,
    /// The contest's aggregates prepared and left to be checked with the others' (V4.f): its
    /// outcome holds only if they do.
    pub(super) deferred: Vec<circuits::aggregate::PreparedAggregate>,
}

/// One contest in the spec's order: V5.e (its shard), V4.a and V2.d (which stations and
/// statements it holds), V2.d-V4 per station in parallel, V4.d (the proofs in batches), V9 (its
/// totaliser groups, if any), V5 (the RO's result), V7 (the VVPAT audit), then its line of the
/// report. With `defer`, the
/// aggregates (V4.f) are prepared into the outcome and counted as holding; the caller checks
/// them, and checks the contest again without `defer` when one fails.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_contest(
    src: &dyn Source,
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    share: Option<(u32, u32)>,
    for_log: Option<&Signed<bundle::ElectionManifest>>,
    defer: bool,
    tick: &(dyn Fn(u64) + Sync),
) -> ContestOutcome {
    let cid = &contest.contest_id;
    let file = format!("{}/{cid}.json", paths::CONTESTS);
    let cat = At::contest(&file, cid);
    let mut f = Findings::default();
    let mut out = ContestOutcome {
        findings: Findings::default(),
        line: None,
        rows: Vec::new(),
        contest_id: cid.clone(),
        proofs_verified: 0,
        ticked: 0,
        for_log: for_log.map(|_| None),
        deferred: Vec::new(),
    };
    let Some(shard) = read_shard(src, &file, cid, &mut f) else {
        out.findings = f;
        return out;
    };
    let expected: Vec<(usize, &Station)> = ctx
        .stations_of
        .get(cid.as_str())
        .map(|v| v.iter().map(|&i| (i, &def.stations[i])).collect())
        .unwrap_or_default();
    let mut held = index_shard(&shard, &expected, share, &file, &mut f);
    // V2.d: the roster, when the shard certifies its POs by one (every share checks it).
    if let Some((roster, sig_ok)) = held.roster {
        held.roster_holds = check_po_roster(def, ctx, contest, roster, sig_ok, &cat, &mut f);
        f.expect("V2.d", shard.po_certificates.is_empty(), &cat, || {
            "the shard carries both a PO roster and PO certificates (one form only)".into()
        });
    }
    let stations = check_stations(def, ctx, contest, &held, &expected, &file);
    // Every decoded proof is kept for V4.f only when the index lists the contest's aggregates.
    let keep_all = ctx
        .listed
        .contains(&format!("{}/{cid}.json", bundle::paths::AGGREGATES));
    let mut tally = tally(stations, contest.candidates.len(), share, keep_all, &mut f);
    out.rows = std::mem::take(&mut tally.rows);
    // V4.f: the contest's aggregates, when the bundle carries them: the proofs of each shape
    // whose aggregate holds are verified by it (each share checks them all: they are cheap).
    let mut deferred = defer.then(Vec::new);
    let aggregated = check_aggregates(
        src,
        ctx,
        def,
        &shard,
        &tally.decoded,
        deferred.as_mut(),
        &mut f,
    );
    out.deferred = deferred.unwrap_or_default();
    // V4.d: every decoded proof not verified by an aggregate (all of them in a scoped run or
    // when asked), in batches per key, in parallel.
    let mut by_aggregate = 0;
    if !(ctx.per_station || ctx.scoped) {
        tally.pending.retain(|shape, list| {
            let covered = aggregated.contains(shape);
            if covered {
                by_aggregate += list.len() as u64;
            }
            !covered
        });
        if by_aggregate > 0 {
            tick(by_aggregate);
        }
    }
    let (verified, ticked) = verify_proofs(ctx, &file, cid, &tally.pending, tick, &mut f);
    let (committed, ticked_committed) =
        verify_proofs(ctx, &file, cid, &tally.committed, tick, &mut f);
    out.proofs_verified = verified + by_aggregate + committed;
    out.ticked = ticked + by_aggregate + ticked_committed;
    // V9: a grouped contest's group rows; its totals are theirs.
    let cops: BTreeMap<&str, &CloseOfPoll> =
        held.cops.iter().map(|(k, (c, _))| (*k, &c.body)).collect();
    // Share 0 verifies the group proofs; the other shares take them as holding.
    let share_zero = share.is_none_or(|(k, _)| k == 0);
    if let Some(g) = super::v9_groups::check_groups(
        def, ctx, contest, &shard, &held.rows, &cops, &file, share_zero, &mut f,
    ) {
        tally.sums = g.sums;
        tally.all_rows &= g.all;
        out.proofs_verified += g.verified;
    }
    // V5: the RO's result.
    let reconciliation = check_result(
        def,
        ctx,
        contest,
        &shard,
        expected.len(),
        (&tally.sums, tally.all_rows),
        &cat,
        &mut f,
    );
    // V7: the VVPAT audit.
    let audit = (!contest.uncontested).then(|| {
        let inputs = super::v7_audit::AuditInputs {
            src,
            def,
            contest,
            ro_key: ctx.ro_keys.get(&contest.returning_officer),
            results_root: ctx.results_root.as_deref(),
            result_signed_at: shard.result.body.signed_at,
            totals: &shard.result.body.totals,
            winners: &shard.result.body.winners,
            shard: &shard,
            listed: &ctx.listed,
            stations: ctx
                .stations_of
                .get(cid.as_str())
                .map_or(&[][..], Vec::as_slice),
        };
        super::v7_audit::check_audit(&inputs, &mut f)
    });
    out.line = Some(contest_line(contest, &shard, &tally, reconciliation, audit));
    out.findings = f;
    if let Some(m) = for_log {
        out.for_log = Some(Some(super::v8_log::shard_statements(m, cid, shard)));
    }
    out
}

/// V5.e: the contest's shard is readable and names the contest.
fn read_shard(src: &dyn Source, file: &str, cid: &str, f: &mut Findings) -> Option<ContestShard> {
    let cat = At::contest(file, cid);
    match read::<ContestShard>(src, file) {
        Ok((_, shard)) => {
            f.expect("V5.e", shard.contest_id == cid, &cat, || {
                format!("shard names contest {}", shard.contest_id)
            });
            Some(shard)
        }
        Err(e) => {
            e.report(f, "V5.e", &cat);
            None
        }
    }
}

/// What a shard holds, by station id, with each signature's verdict.
struct Held<'s> {
    /// Each station's certificate, or its roster entry.
    certs: BTreeMap<&'s str, PoCert<'s>>,
    /// The roster and its signature's verdict.
    roster: Option<(&'s Signed<PoRoster>, bool)>,
    /// The roster holds as a whole (V2.d, set once its signer is checked).
    roster_holds: bool,
    cops: BTreeMap<&'s str, (&'s Signed<CloseOfPoll>, bool)>,
    rows: BTreeMap<&'s str, &'s StationResult>,
}

/// V2.d and V4.a over the shard as a whole: every signature at once (PO certificates and
/// close-of-poll statements, in batches), each station at most once in each list, the lists in
/// station-id order (bundle.md §6: one canonical form), and no station the manifest does not
/// give this contest.
///
/// A share checks the signatures of its own stations only (those at positions k, k + n... of
/// the contest's list, as for the proofs; a station the list does not hold is every share's)
/// and takes the others' as holding: they are their shares' to report (report::SHARED_STEPS).
fn index_shard<'s>(
    shard: &'s ContestShard,
    expected: &[(usize, &Station)],
    share: Option<(u32, u32)>,
    file: &str,
    f: &mut Findings,
) -> Held<'s> {
    let cid = shard.contest_id.as_str();
    let cat = At::contest(file, cid);
    let position: BTreeMap<&str, usize> = match share {
        Some(_) => expected
            .iter()
            .enumerate()
            .map(|(i, (_, s))| (s.station_id.as_str(), i))
            .collect(),
        None => BTreeMap::new(),
    };
    let mine = |sid: &str| match share {
        None => true,
        Some((k, n)) => position
            .get(sid)
            .is_none_or(|&i| i % n.max(1) as usize == k as usize),
    };
    let cert_sigs = signatures_hold_where(&shard.po_certificates, kinds::PO_CERT, |c| {
        mine(&c.body.station_id)
    });
    let roster = shard
        .po_roster
        .as_ref()
        .map(|r| (r, r.verify(kinds::PO_ROSTER).is_ok()));
    let cop_sigs = signatures_hold_where(&shard.close_of_poll, kinds::CLOSE_OF_POLL, |c| {
        mine(&c.body.station_id)
    });
    let mut held = Held {
        certs: BTreeMap::new(),
        roster,
        roster_holds: false,
        cops: BTreeMap::new(),
        rows: BTreeMap::new(),
    };
    for (c, ok) in shard.po_certificates.iter().zip(cert_sigs) {
        let id = c.body.station_id.as_str();
        f.expect(
            "V2.d",
            held.certs.insert(id, PoCert::One(c, ok)).is_none(),
            &At::station(file, cid, id),
            || "two PO certificates for this station".into(),
        );
    }
    for e in shard.po_roster.iter().flat_map(|r| &r.body.officers) {
        let id = e.station_id.as_str();
        f.expect(
            "V2.d",
            held.certs.insert(id, PoCert::Listed(e)).is_none(),
            &At::station(file, cid, id),
            || "two PO roster entries for this station".into(),
        );
    }
    for (c, ok) in shard.close_of_poll.iter().zip(cop_sigs) {
        let id = c.body.station_id.as_str();
        f.expect(
            "V4.a",
            held.cops.insert(id, (c, ok)).is_none(),
            &At::station(file, cid, id),
            || "two close-of-poll statements for this station".into(),
        );
    }
    for r in &shard.stations {
        let id = r.station_id.as_str();
        f.expect(
            "V4.a",
            held.rows.insert(id, r).is_none(),
            &At::station(file, cid, id),
            || "station appears twice".into(),
        );
    }
    let ordered = |ids: Vec<&str>| ids.windows(2).all(|w| w[0] < w[1]);
    for (what, ids) in [
        (
            "PO certificates",
            shard
                .po_certificates
                .iter()
                .map(|c| c.body.station_id.as_str())
                .collect(),
        ),
        (
            "PO roster entries",
            shard
                .po_roster
                .iter()
                .flat_map(|r| &r.body.officers)
                .map(|e| e.station_id.as_str())
                .collect(),
        ),
        (
            "close-of-poll statements",
            shard
                .close_of_poll
                .iter()
                .map(|c| c.body.station_id.as_str())
                .collect(),
        ),
        (
            "station rows",
            shard
                .stations
                .iter()
                .map(|r| r.station_id.as_str())
                .collect::<Vec<_>>(),
        ),
    ] {
        f.expect("V4.a", ordered(ids), &cat, || {
            format!("the shard's {what} are not in station-id order")
        });
    }
    let expected: BTreeSet<&str> = expected
        .iter()
        .map(|(_, s)| s.station_id.as_str())
        .collect();
    let present: BTreeSet<&&str> = held
        .certs
        .keys()
        .chain(held.cops.keys())
        .chain(held.rows.keys())
        .collect();
    for id in present {
        f.expect(
            "V4.a",
            expected.contains(id),
            &At::station(file, cid, id),
            || "station does not poll this contest in the manifest".into(),
        );
    }
    held
}

/// V4.a, V2.d, V3 and V4 for each of the contest's stations, in parallel.
fn check_stations(
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    held: &Held<'_>,
    expected: &[(usize, &Station)],
    file: &str,
) -> Vec<StationOutcome> {
    let cid = contest.contest_id.as_str();
    expected
        .par_iter()
        .map(|(pos, station)| {
            let sid = station.station_id.as_str();
            let mut sf = Findings::default();
            let at = At::station(file, cid, sid);
            let (Some(&(cop, cop_sig)), Some(row)) = (held.cops.get(sid), held.rows.get(sid)) else {
                sf.fail("V4.a", &at, "station of this contest is missing from the shard (its close-of-poll statement or its row)".into());
                return (sf, None, None, None);
            };
            sf.checked("V4.a");
            let cert = held.certs.get(sid).copied();
            let po_key = check_po_certificate(def, ctx, station, cert, held.roster_holds, &at, &mut sf);
            let cop_ok = cop_sig && po_key.as_deref() == Some(cop.public_key.as_str());
            let (ok_row, pending) = check_station(def, ctx, contest, (cop, cop_ok), row, &at, &mut sf);
            let summary = StationSummary::of(*pos, &cop.body, &cop.public_key);
            (sf, Some(summary), ok_row.then(|| row.counts.clone()), pending)
        })
        .collect()
}

/// The stations' outcomes gathered: their findings merged, the sums of the usable rows, the
/// rows for V6, and the proofs this run (or share) verifies, by key.
struct Tally {
    /// Per candidate; sums of untrusted counts are taken in u128, which no input overflows.
    sums: Vec<u128>,
    /// Every station's row was usable, so `sums` is the whole contest's.
    all_rows: bool,
    rows: Vec<StationSummary>,
    pending: BTreeMap<String, Vec<(String, circuits::batch::Item)>>,
    /// The committed rows' proofs this run (or share) verifies, by key (totaliser groups).
    committed: BTreeMap<String, Vec<(String, super::v4_station_results::Committed)>>,
    /// Every decoded proof with its inputs, by station id, whichever share holds it (the
    /// aggregates cover them all); empty when the contest has no aggregates.
    decoded: BTreeMap<String, circuits::batch::Item>,
}

fn tally(
    stations: Vec<StationOutcome>,
    candidates: usize,
    share: Option<(u32, u32)>,
    keep_all: bool,
    f: &mut Findings,
) -> Tally {
    let mut t = Tally {
        sums: vec![0u128; candidates],
        all_rows: true,
        rows: Vec::new(),
        pending: BTreeMap::new(),
        committed: BTreeMap::new(),
        decoded: BTreeMap::new(),
    };
    // A share verifies the proofs of its stations only (Options::share).
    let mine = |i: usize| share.is_none_or(|(k, n)| i % n.max(1) as usize == k as usize);
    for (i, (sf, summary, counts, item)) in stations.into_iter().enumerate() {
        f.merge(sf);
        if let Some(Pending::Committed(shape, sid, item)) = item {
            if mine(i) {
                t.committed.entry(shape).or_default().push((sid, item));
            }
        } else if let Some(Pending::Batch(shape, sid, item)) = item {
            match (mine(i), keep_all) {
                (true, true) => {
                    t.pending
                        .entry(shape)
                        .or_default()
                        .push((sid.clone(), item.clone()));
                    t.decoded.insert(sid, item);
                }
                (true, false) => t.pending.entry(shape).or_default().push((sid, item)),
                (false, true) => {
                    t.decoded.insert(sid, item);
                }
                (false, false) => {}
            }
        }
        t.rows.extend(summary);
        match counts {
            Some(c) => t
                .sums
                .iter_mut()
                .zip(c)
                .for_each(|(s, x)| *s += u128::from(x)),
            None => t.all_rows = false,
        }
    }
    t
}

/// The contest's line of the report: winners, totals, per-candidate sums when every row was
/// usable, the reconciliation and the audit.
fn contest_line(
    contest: &Contest,
    shard: &ContestShard,
    tally: &Tally,
    reconciliation: Vec<crate::report::ReconLine>,
    audit: Option<crate::report::AuditLine>,
) -> ContestLine {
    let body = &shard.result.body;
    let n = contest.candidates.len();
    let name_of = |id: &str| {
        let i = contest
            .candidates
            .iter()
            .position(|c| c.candidate_id == id)?;
        let c = &contest.candidates[i];
        let votes = body.totals.get(i).copied().unwrap_or(0);
        Some(if contest.uncontested {
            format!("{} {} ({})", c.candidate_id, c.name, c.party)
        } else {
            format!("{} {} ({}) {votes} votes", c.candidate_id, c.name, c.party)
        })
    };
    let whole = tally.all_rows && body.totals.len() == n && body.postal.counts.len() == n;
    ContestLine {
        contest_id: contest.contest_id.clone(),
        name: contest.name.clone(),
        winners: body
            .winners
            .iter()
            .map(|w| name_of(w).unwrap_or_else(|| w.clone()))
            .collect(),
        stations: body.stations_counted,
        total_votes: body.totals.iter().map(|&t| u128::from(t)).sum(),
        uncontested: contest.uncontested,
        candidates: if whole {
            contest
                .candidates
                .iter()
                .enumerate()
                .map(|(j, c)| CandidateLine {
                    candidate_id: c.candidate_id.clone(),
                    name: c.name.clone(),
                    party: c.party.clone(),
                    stations: tally.sums[j],
                    postal: body.postal.counts[j],
                    total: body.totals[j],
                })
                .collect()
        } else {
            Vec::new()
        },
        reconciliation,
        declared_source: body.declared.as_ref().map(|d| d.source.clone()),
        audit,
        groups: contest
            .totaliser
            .iter()
            .flat_map(|t| &t.groups)
            .map(|g| crate::report::GroupLine {
                group_id: g.group_id.clone(),
                segment_id: g.segment_id.clone(),
                stations: g.stations.clone(),
                counts: shard
                    .groups
                    .iter()
                    .find(|r| r.group_id == g.group_id)
                    .map(|r| r.counts.clone())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// V3 and V4 for one station row: the close-of-poll statement, then the row and its proof.
pub(super) fn check_station(
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    cop: (&Signed<CloseOfPoll>, bool),
    row: &StationResult,
    at: &At,
    f: &mut Findings,
) -> (bool, Option<Pending>) {
    check_close_of_poll(def, ctx, contest, cop, at, f);
    check_row(def, ctx, contest, &cop.0.body, row, at, f)
}
