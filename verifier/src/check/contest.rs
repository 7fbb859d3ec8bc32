//! One contest, start to end: reads its shard, runs V2.d, V3 and V4 per station in parallel,
//! the V4.d batches per key, then V5 and V7; hands its station summaries to V6.

use super::read::{read, signatures_hold};
use super::v2_manifest::{check_po_certificate, Context};
use super::v3_close_of_poll::check_close_of_poll;
use super::v4_station_results::{check_row, verify_proofs, Pending};
use super::v5_contest_results::check_result;
use super::v6_across_contests::StationSummary;
use crate::report::{At, CandidateLine, ContestLine, Findings};
use crate::source::Source;
use bundle::{
    kinds, paths, CloseOfPoll, Contest, ContestShard, ElectionDefinition, PoCertificate, Signed,
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
}

pub(super) fn check_contest(
    src: &dyn Source,
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    share: Option<(u32, u32)>,
    tick: &(dyn Fn(u64) + Sync),
) -> ContestOutcome {
    let cid = &contest.contest_id;
    let file = format!("{}/{cid}.json", paths::CONTESTS);
    let mut f = Findings::default();
    let cat = At::contest(&file, cid);
    let mut out = ContestOutcome {
        findings: Findings::default(),
        line: None,
        rows: Vec::new(),
        contest_id: cid.clone(),
        proofs_verified: 0,
        ticked: 0,
    };
    let shard: ContestShard = match read(src, &file) {
        Ok((_, s)) => s,
        Err(e) => {
            f.error("V5.e", &cat, e);
            out.findings = f;
            return out;
        }
    };
    f.expect("V5.e", &shard.contest_id == cid, &cat, || {
        format!("shard names contest {}", shard.contest_id)
    });

    // V4.a: stations, each exactly once.
    let expected: Vec<(usize, &Station)> = ctx
        .stations_of
        .get(cid.as_str())
        .map(|v| v.iter().map(|&i| (i, &def.stations[i])).collect())
        .unwrap_or_default();
    // Every signature of the shard at once: PO certificates and close-of-poll statements.
    let cert_sigs = signatures_hold(&shard.po_certificates, kinds::PO_CERT);
    let cop_sigs = signatures_hold(&shard.close_of_poll, kinds::CLOSE_OF_POLL);
    let mut certs: BTreeMap<&str, (&Signed<PoCertificate>, bool)> = BTreeMap::new();
    for (c, ok) in shard.po_certificates.iter().zip(cert_sigs) {
        let id = c.body.station_id.as_str();
        f.expect(
            "V2.d",
            certs.insert(id, (c, ok)).is_none(),
            &At::station(&file, cid, id),
            || "two PO certificates for this station".into(),
        );
    }
    let mut cops: BTreeMap<&str, (&Signed<CloseOfPoll>, bool)> = BTreeMap::new();
    for (c, ok) in shard.close_of_poll.iter().zip(cop_sigs) {
        let id = c.body.station_id.as_str();
        f.expect(
            "V4.a",
            cops.insert(id, (c, ok)).is_none(),
            &At::station(&file, cid, id),
            || "two close-of-poll statements for this station".into(),
        );
    }
    // The three lists are in station-id order (bundle.md §6): one canonical form.
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
    let mut rows: BTreeMap<&str, &StationResult> = BTreeMap::new();
    for r in &shard.stations {
        let id = r.station_id.as_str();
        f.expect(
            "V4.a",
            rows.insert(id, r).is_none(),
            &At::station(&file, cid, id),
            || "station appears twice".into(),
        );
    }
    let expected_set: BTreeSet<&str> = expected
        .iter()
        .map(|(_, s)| s.station_id.as_str())
        .collect();
    for id in certs
        .keys()
        .chain(cops.keys())
        .chain(rows.keys())
        .collect::<BTreeSet<_>>()
    {
        f.expect(
            "V4.a",
            expected_set.contains(id),
            &At::station(&file, cid, id),
            || "station does not poll this contest in the manifest".into(),
        );
    }

    let n = contest.candidates.len();
    let checked: Vec<StationOutcome> = expected
        .par_iter()
        .map(|(pos, station)| {
            let sid = station.station_id.as_str();
            let mut sf = Findings::default();
            let at = At::station(&file, cid, sid);
            let (Some(&(cop, cop_sig)), Some(row)) = (cops.get(sid), rows.get(sid)) else {
                sf.fail("V4.a", &at, "station of this contest is missing from the shard (its close-of-poll statement or its row)".into());
                return (sf, None, None, None);
            };
            sf.checked("V4.a");
            let po_key = check_po_certificate(def, ctx, station, certs.get(sid).copied(), &at, &mut sf);
            let cop_ok = cop_sig && po_key.as_deref() == Some(cop.public_key.as_str());
            let (ok_row, pending) = check_station(def, ctx, contest, (cop, cop_ok), row, &at, &mut sf);
            let summary = StationSummary::of(*pos, &cop.body, &cop.public_key);
            (sf, Some(summary), ok_row.then(|| row.counts.clone()), pending)
        })
        .collect();
    // Sums of untrusted counts are taken in u128: no input can overflow them.
    let mut sums = vec![0u128; n];
    let mut all_rows = true;
    let mut pending: BTreeMap<String, Vec<(String, circuits::batch::Item)>> = BTreeMap::new();
    // A share verifies the proofs of its stations only (Options::share).
    let mine = |i: usize| share.is_none_or(|(k, n)| i % n.max(1) as usize == k as usize);
    for (i, (sf, cop, counts, item)) in checked.into_iter().enumerate() {
        f.merge(sf);
        if let (Some((shape, sid, item)), true) = (item, mine(i)) {
            pending.entry(shape).or_default().push((sid, item));
        }
        if let Some(c) = cop {
            out.rows.push(c);
        }

        match counts {
            Some(c) => sums
                .iter_mut()
                .zip(c)
                .for_each(|(s, x)| *s += u128::from(x)),
            None => all_rows = false,
        }
    }

    // V4.d: every decoded proof, in batches per key, in parallel.
    let (verified, ticked) = verify_proofs(ctx, &file, cid, &pending, tick, &mut f);
    out.proofs_verified += verified;
    out.ticked += ticked;

    // V5: the RO's result.
    let reconciliation = check_result(
        def,
        ctx,
        contest,
        &shard,
        expected.len(),
        (&sums, all_rows),
        &cat,
        &mut f,
    );
    let body = &shard.result.body;
    // V7: the VVPAT audit.
    let audit_line = if contest.uncontested {
        None
    } else {
        let inputs = super::v7_audit::AuditInputs {
            src,
            def,
            contest,
            ro_key: ctx.ro_keys.get(&contest.returning_officer),
            results_root: ctx.results_root.as_deref(),
            result_signed_at: body.signed_at,
            totals: &body.totals,
            winners: &body.winners,
            rows: &rows,
            listed: &ctx.listed,
            stations: ctx
                .stations_of
                .get(cid.as_str())
                .map_or(&[][..], Vec::as_slice),
        };
        Some(super::v7_audit::check_audit(&inputs, &mut f))
    };
    let name_of = |id: &str| {
        contest
            .candidates
            .iter()
            .position(|c| c.candidate_id == id)
            .map(|i| {
                let c = &contest.candidates[i];
                let votes = body.totals.get(i).copied().unwrap_or(0);
                if contest.uncontested {
                    format!("{} {} ({})", c.candidate_id, c.name, c.party)
                } else {
                    format!("{} {} ({}) {votes} votes", c.candidate_id, c.name, c.party)
                }
            })
    };
    out.line = Some(ContestLine {
        contest_id: cid.clone(),
        name: contest.name.clone(),
        winners: body
            .winners
            .iter()
            .map(|w| name_of(w).unwrap_or_else(|| w.clone()))
            .collect(),
        stations: body.stations_counted,
        total_votes: body.totals.iter().map(|&t| u128::from(t)).sum(),
        uncontested: contest.uncontested,
        candidates: if all_rows && body.totals.len() == n && body.postal.counts.len() == n {
            contest
                .candidates
                .iter()
                .enumerate()
                .map(|(j, c)| CandidateLine {
                    candidate_id: c.candidate_id.clone(),
                    name: c.name.clone(),
                    party: c.party.clone(),
                    stations: sums[j],
                    postal: body.postal.counts[j],
                    total: body.totals[j],
                })
                .collect()
        } else {
            Vec::new()
        },
        reconciliation,
        declared_source: body.declared.as_ref().map(|d| d.source.clone()),
        audit: audit_line,
    });
    out.findings = f;
    out
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
