//! V4 Station results (spec `verification.md` V4), per station and contest: the shard lists
//! each station once, the proof's shape and counts, the Groth16 proofs in batches, the published
//! row net of test votes.

use super::v2_manifest::Context;
use crate::report::{At, Findings};
use bundle::{CloseOfPoll, Contest, ElectionDefinition, StationResult};
use circuits::{fr_from_hex, proof_from_hex, station_binding, PublicInputs, Shape};
use rand_core::RngCore;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A decoded proof awaiting verification: shape, station, public inputs and proof.
pub(super) enum Pending {
    /// A public-count row's, verified in a batch of its key's ([`verify_proofs`]).
    Batch(String, String, circuits::batch::Item),
    /// A committed row's (protocol.md §7.2), verified in a batch of its key's too.
    Committed(String, String, Committed),
}

/// A proof with its inputs, tagged with what it proves (a station id, a group id), awaiting a
/// batch.
pub(super) type Tagged<T, I> = (T, (I, circuits::encoding::StationProof));

/// A station's proof with its inputs, by station id, awaiting a batch.
pub(super) type ByStation<I> = Tagged<String, I>;

/// A committed row's public inputs (as field elements) and proof.
pub(super) type Committed = (Vec<circuits::Fr>, circuits::encoding::StationProof);

/// Proofs per batch (one multi-Miller loop and one final exponentiation each).
pub(super) const BATCH: usize = 128;

/// V4.b, V4.c and V4.e for one station row, and the decoding half of V4.d. Returns whether the
/// row is usable for totals, and the proof to verify in a batch ([`verify_proofs`]) when it
/// decoded.
pub(super) fn check_row(
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    st: &CloseOfPoll,
    row: &StationResult,
    at: &At,
    f: &mut Findings,
) -> (bool, Option<Pending>) {
    let sid = st.station_id.as_str();
    let cid = contest.contest_id.as_str();
    let n = contest.candidates.len();
    // V4.b
    // A station row is proved in the public-count circuit (protocol.md §4); a row of a contest
    // with totaliser groups in the committed-count one (§7.2).
    let grouped = contest.totaliser.is_some();
    let kind = if grouped {
        circuits::Kind::Committed
    } else {
        circuits::Kind::Public
    };
    let shape = Shape::parse(&row.shape).ok().filter(|s| s.kind == kind);
    let key = ctx.keys.get(&row.shape);
    let shape_ok = row.shape == st.shape
        && key.is_some()
        && shape.is_some_and(|s| s.choices >= n && s.votes as u64 >= st.contest.total_recorded);
    f.expect("V4.b", shape_ok, at, || {
        format!(
            "proof shape {} is not the sealed shape {} of a manifest key of the {} holding {n} choices",
            row.shape,
            st.shape,
            if grouped {
                "committed-count station circuit (the contest has totaliser groups, protocol.md §7.2)"
            } else {
                "station circuit"
            }
        )
    });
    if grouped {
        return check_committed_row(def, contest, st, row, (shape_ok, key), at, f);
    }
    // V4.c: a row of a contest without groups publishes its counts and commits to none.
    f.expect("V4.c", row.count_commitment.is_none(), at, || {
        "the row carries a count commitment, which only a contest with totaliser groups has (protocol.md §7)".into()
    });
    let slots = shape.map(|s| s.choices).unwrap_or(0);
    let machine_total: u128 = row.machine_counts.iter().map(|&c| u128::from(c)).sum();
    let c_ok = row.machine_counts.len() == slots
        && machine_total == u128::from(st.contest.total_recorded)
        && row.machine_counts.iter().skip(n).all(|&c| c == 0);
    f.expect("V4.c", c_ok, at, || {
        format!("machine counts ({} slots, total {machine_total}) do not match Form 17C total {} with empty unused slots", row.machine_counts.len(), st.contest.total_recorded)
    });
    // V4.d: decode here; the proof itself is checked in a batch by `check_contest`.
    let mut pending = None;
    if let (Some(_), true) = (key, shape_ok) {
        let decoded = fr_from_hex(&st.log_commitment).and_then(|commitment| {
            let public = PublicInputs {
                binding: station_binding(&def.election_id, sid, cid),
                commitment,
                counts: row.machine_counts.clone(),
                total: st.contest.total_recorded,
                closed_at: st.poll.closed_at,
            };
            proof_from_hex(&row.proof).map(|proof| (public, proof))
        });
        match decoded {
            Ok(item) => pending = Some(Pending::Batch(row.shape.clone(), sid.to_string(), item)),
            Err(e) => f.fail("V4.d", at, format!("the Groth16 proof fails: {e}")),
        }
    } else {
        f.fail(
            "V4.d",
            at,
            "the proof cannot be checked: no verifying key for its shape".into(),
        );
    }
    // V4.e
    let mut want_tv = vec![0u64; n];
    let mut tv_overflow = false;
    for t in &st.contest.test_votes {
        if let Some(x) = want_tv.get_mut(t.choice as usize) {
            match x.checked_add(t.count) {
                Some(v) => *x = v,
                None => tv_overflow = true,
            }
        }
    }
    let row_ok = !tv_overflow
        && row.counts.len() == n
        && row.test_votes == want_tv
        && (0..n).all(|j| {
            row.machine_counts
                .get(j)
                .is_some_and(|&m| m >= want_tv[j] && row.counts[j] == m - want_tv[j])
        });
    f.expect("V4.e", row_ok, at, || {
        "published row is not the proved machine counts minus the Form 17C 49MA test votes".into()
    });
    (row_ok, pending)
}

/// V4.c and V4.d for a row of a contest with totaliser groups (protocol.md §7.2): it publishes
/// no counts, carries a count commitment (a nonzero field element), and its proof is decoded
/// for [`verify_alone`] against (binding, sealed commitment, count commitment, Form 17C total,
/// close of poll). The row is usable when all of it holds; its counts are summed by its
/// group's row (V9).
#[allow(clippy::too_many_arguments)]
fn check_committed_row(
    def: &ElectionDefinition,
    contest: &Contest,
    st: &CloseOfPoll,
    row: &StationResult,
    (shape_ok, key): (bool, Option<&circuits::PreparedKey>),
    at: &At,
    f: &mut Findings,
) -> (bool, Option<Pending>) {
    let sid = st.station_id.as_str();
    let cid = contest.contest_id.as_str();
    let publishes =
        !(row.machine_counts.is_empty() && row.test_votes.is_empty() && row.counts.is_empty());
    f.expect("V4.c", !publishes, at, || {
        "the contest's results are declared per totaliser group (bundle.md D9), yet this row publishes the station's counts (machine counts, test votes or a row): a grouped contest's rows carry only a count commitment (protocol.md §7.2)".into()
    });
    let count_commitment = row
        .count_commitment
        .as_deref()
        .and_then(|h| fr_from_hex(h).ok())
        .filter(|x| *x != circuits::Fr::from(0u64));
    f.expect("V4.c", count_commitment.is_some(), at, || {
        "the row of a grouped contest carries no count commitment (a nonzero field element, 64 hex digits; protocol.md §7.1)".into()
    });
    let mut pending = None;
    match (key, shape_ok, count_commitment) {
        (Some(_), true, Some(count_commitment)) => {
            let decoded = fr_from_hex(&st.log_commitment).and_then(|commitment| {
                let public = circuits::totaliser::CommittedPublicInputs {
                    binding: station_binding(&def.election_id, sid, cid),
                    commitment,
                    count_commitment,
                    total: st.contest.total_recorded,
                    closed_at: st.poll.closed_at,
                };
                proof_from_hex(&row.proof).map(|proof| (public.to_field_elements(), proof))
            });
            match decoded {
                Ok(item) => {
                    pending = Some(Pending::Committed(row.shape.clone(), sid.to_string(), item))
                }
                Err(e) => f.fail("V4.d", at, format!("the Groth16 proof fails: {e}")),
            }
        }
        _ => f.fail(
            "V4.d",
            at,
            "the proof cannot be checked: no verifying key for its shape, or no count commitment"
                .into(),
        ),
    }
    (!publishes && pending.is_some(), pending)
}

/// V4.d: every decoded proof of one contest, in batches of [`BATCH`] per key, in parallel.
/// `tick` counts the stations done. Returns the number of proofs that verified and the number
/// of stations ticked.
pub(super) fn verify_proofs<I: circuits::batch::Inputs + Clone + Sync>(
    ctx: &Context,
    file: &str,
    cid: &str,
    pending: &BTreeMap<String, Vec<ByStation<I>>>,
    tick: &(dyn Fn(u64) + Sync),
    f: &mut Findings,
) -> (u64, u64) {
    let verdicts = batch_verdicts(ctx, pending, tick);
    let mut verified = 0;
    for (sid, ok) in &verdicts {
        f.expect("V4.d", *ok, &At::station(file, cid, sid), || {
            "the Groth16 proof does not verify against its public inputs (station binding, signed commitment, counts or count commitment, Form 17C total, close of poll)".into()
        });
        verified += u64::from(*ok);
    }
    (verified, verdicts.len() as u64)
}

/// Which proofs of `pending` verify, in its order: per key, each list in batches of [`BATCH`]
/// with coefficients of this run's own (protocol.md §6.1), the batches in parallel, `tick`
/// called with each batch's size. A shape without a trusted key is left out (its rows have
/// already failed for it).
pub(super) fn batch_verdicts<'p, T: Sync, I: circuits::batch::Inputs + Clone + Sync>(
    ctx: &Context,
    pending: &'p BTreeMap<String, Vec<Tagged<T, I>>>,
    tick: &(dyn Fn(u64) + Sync),
) -> Vec<(&'p T, bool)> {
    let mut out = Vec::new();
    for (shape, list) in pending {
        let (Some(key), Some(digest)) = (ctx.keys.get(shape), ctx.digests.get(shape)) else {
            continue;
        };
        let chunks: Vec<Vec<(&T, bool)>> = list
            .par_chunks(BATCH)
            .map(|chunk| {
                let mut entropy = [0u8; 32];
                rand_core::OsRng.fill_bytes(&mut entropy);
                let items: Vec<(I, circuits::encoding::StationProof)> =
                    chunk.iter().map(|(_, it)| it.clone()).collect();
                let bad = key.verify_batch(digest, &items, &entropy);
                tick(chunk.len() as u64);
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, (id, _))| (id, !bad.contains(&i)))
                    .collect()
            })
            .collect();
        out.extend(chunks.into_iter().flatten());
    }
    out
}

/// V4.f: the contest's aggregates (`aggregates/<contest_id>.json`, bundle.md §6.1), when the
/// index lists them: the file names the contest and holds exactly one aggregate per shape the
/// shard's rows are proved in, each over as many stations as the shard has rows of that shape,
/// and each verifies (aggregation.md §4) under the ceremony's aggregation key for those
/// stations' public inputs in station-id order, with the context of aggregation.md §3.1 (which
/// binds every station's proof as published). Returns the shapes whose aggregate holds: their
/// stations' proofs hold by it. `decoded` holds every row's decoded proof and inputs by station.
/// With `deferred`, each aggregate that decodes and passes MIPP's G1 check is prepared into it
/// and counted as holding, for the caller to check with the others' (aggregation.md §4.1).
/// It does not run when the key ceremony (V2.h) failed: the key is then not established.
pub(super) fn check_aggregates(
    src: &dyn crate::source::Source,
    ctx: &Context,
    def: &ElectionDefinition,
    shard: &bundle::ContestShard,
    decoded: &BTreeMap<String, circuits::batch::Item>,
    mut deferred: Option<&mut Vec<circuits::aggregate::PreparedAggregate>>,
    f: &mut Findings,
) -> std::collections::BTreeSet<String> {
    use circuits::aggregate::{
        batch_coefficient, contest_context, prepare_aggregate, verify_aggregate, AggregateProof,
    };
    let mut held = std::collections::BTreeSet::new();
    let cid = shard.contest_id.as_str();
    let path = format!("{}/{cid}.json", bundle::paths::AGGREGATES);
    if !ctx.listed.contains(&path) {
        return held;
    }
    let at = At::contest(&path, cid);
    let avk = match &ctx.aggregation {
        Some(Ok(k)) => k,
        Some(Err(e)) => {
            f.fail(
                "V4.f",
                &at,
                format!("the aggregates cannot be checked: {e}"),
            );
            return held;
        }
        // V2.h failed: the key is not established, the step does not run.
        None => return held,
    };
    let file = match super::read::read::<bundle::ContestAggregates>(src, &path) {
        Ok((_, a)) => a,
        Err(e) => {
            e.report(f, "V4.f", &at);
            return held;
        }
    };
    if file.contest_id != cid {
        f.fail(
            "V4.f",
            &at,
            format!("the file names contest {}", file.contest_id),
        );
        return held;
    }
    // The shard's rows by shape, in station-id order.
    let mut by_shape: BTreeMap<&str, Vec<&StationResult>> = BTreeMap::new();
    for row in &shard.stations {
        by_shape.entry(row.shape.as_str()).or_default().push(row);
    }
    by_shape
        .values_mut()
        .for_each(|v| v.sort_by(|a, b| a.station_id.cmp(&b.station_id)));
    let mut seen = std::collections::BTreeSet::new();
    for agg in &file.aggregates {
        let shape = agg.shape.as_str();
        if !seen.insert(shape) {
            f.fail("V4.f", &at, format!("two aggregates of shape {shape}"));
            continue;
        }
        let Some(rows) = by_shape.get(shape) else {
            f.fail(
                "V4.f",
                &at,
                format!(
                    "an aggregate of shape {shape}, which no station of the contest is proved in"
                ),
            );
            continue;
        };
        if agg.stations != rows.len() as u64 {
            f.fail(
                "V4.f",
                &at,
                format!(
                    "the aggregate of shape {shape} covers {} stations, the shard has {} of that shape",
                    agg.stations,
                    rows.len()
                ),
            );
            continue;
        }
        let (Some(key), Some(digest)) = (ctx.keys.get(shape), ctx.digests.get(shape)) else {
            f.fail("V4.f", &at, format!("no verifying key of shape {shape}"));
            continue;
        };
        let mut inputs = Vec::with_capacity(rows.len());
        let mut listed = Vec::with_capacity(rows.len());
        let mut missing = None;
        for row in rows {
            match decoded.get(&row.station_id) {
                Some((public, _)) => inputs.push(public.to_field_elements()),
                None => {
                    missing = Some(row.station_id.as_str());
                    break;
                }
            }
            listed.push((row.station_id.as_str(), row.proof.as_str()));
        }
        if let Some(sid) = missing {
            f.fail(
                "V4.f",
                &at,
                format!("the aggregate of shape {shape} cannot be checked: station {sid}'s row or proof does not decode (V4.b-V4.d)"),
            );
            continue;
        }
        let context = contest_context(&def.election_id, cid, shape, &listed);
        let verdict = hex::decode(&agg.proof)
            .map_err(|_| "the proof is not hex".to_string())
            .and_then(|b| AggregateProof::from_bytes(&b).map_err(|e| e.to_string()))
            .and_then(|p| match deferred.as_deref_mut() {
                // Prepared with a coefficient of this run's own, checked with the others'.
                Some(later) => {
                    let s = batch_coefficient(&mut rand_core::OsRng);
                    prepare_aggregate(avk, key, &context, digest, &inputs, &p, &s)
                        .map(|prepared| later.push(prepared))
                        .map_err(|e| e.to_string())
                }
                None => verify_aggregate(avk, key, &context, digest, &inputs, &p)
                    .map_err(|e| e.to_string()),
            });
        match verdict {
            Ok(()) => {
                f.checked("V4.f");
                held.insert(shape.to_string());
            }
            Err(e) => f.fail(
                "V4.f",
                &at,
                format!("the aggregate of the {} proofs of shape {shape} does not verify against the stations' public inputs and proofs as published: {e}; each station's proof is checked instead (V4.d)", rows.len()),
            ),
        }
    }
    for shape in by_shape.keys() {
        if !seen.contains(shape) {
            f.fail(
                "V4.f",
                &at,
                format!("no aggregate of the stations proved in shape {shape}"),
            );
        }
    }
    held
}
