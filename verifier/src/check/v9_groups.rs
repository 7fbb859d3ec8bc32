//! V9 Totaliser groups (spec `verification.md` V9, `protocol.md` §7), per contest: the shard's
//! group rows are the manifest's groups, each proved to be the sum of its stations' committed
//! counts, with the published row net of the stations' test votes. A grouped contest's totals
//! are summed from these rows (V5.b); its station rows publish no counts (V4.c).

use super::v2_manifest::Context;
use super::v4_station_results::batch_verdicts;
use crate::report::{At, Findings};
use bundle::{CloseOfPoll, Contest, ContestShard, ElectionDefinition, GroupResult, StationResult};
use circuits::totaliser::{group_binding, GroupPublicInputs};
use circuits::{fr_from_hex, proof_from_hex, Fr, Kind, Shape};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// What V9 hands to V5: the sums of the usable group rows per candidate, whether every group
/// was usable, and the number of group proofs that verified.
pub(super) struct GroupTally {
    /// Per candidate.
    pub(super) sums: Vec<u128>,
    /// Every declared group has a usable row.
    pub(super) all: bool,
    /// Group proofs that verified.
    pub(super) verified: u64,
}

/// V9.a-V9.d for one contest. `None` when the contest declares no groups (V9.a then requires
/// that the shard carries none). `rows` and `cops` are the shard's station rows and
/// close-of-poll statements by station id. A share of a split run other than share 0
/// (`verify_proofs` false) makes every check but the group proofs', which it takes as
/// holding: share 0 verifies and reports them.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_groups(
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    shard: &ContestShard,
    rows: &BTreeMap<&str, &StationResult>,
    cops: &BTreeMap<&str, &CloseOfPoll>,
    file: &str,
    verify_proofs: bool,
    f: &mut Findings,
) -> Option<GroupTally> {
    let cid = contest.contest_id.as_str();
    let cat = At::contest(file, cid);
    let Some(declared) = &contest.totaliser else {
        f.expect("V9.a", shard.groups.is_empty(), &cat, || {
            "the shard carries group rows, but the contest declares no totaliser groups".into()
        });
        return None;
    };
    // V9.a: one row per declared group, in the manifest's order, and no other.
    let ids: Vec<&str> = shard.groups.iter().map(|g| g.group_id.as_str()).collect();
    let want: Vec<&str> = declared
        .groups
        .iter()
        .map(|g| g.group_id.as_str())
        .collect();
    f.expect("V9.a", ids == want, &cat, || {
        format!("the shard's group rows {ids:?} are not the manifest's groups {want:?}, each once, in its order")
    });
    let by_id: BTreeMap<&str, &GroupResult> = shard
        .groups
        .iter()
        .map(|g| (g.group_id.as_str(), g))
        .collect();
    let n = contest.candidates.len();
    // V9.a, V9.b, V9.d per group, and each proof decoded for V9.c.
    type Checked<'g> = (Findings, &'g str, Option<Vec<u64>>, Option<Pending>);
    let results: Vec<Checked<'_>> = declared
        .groups
        .par_iter()
        .map(|g| {
            let mut gf = Findings::default();
            let at = At::contest(file, cid);
            let gid = g.group_id.as_str();
            let Some(row) = by_id.get(gid) else {
                gf.fail("V9.a", &at, format!("group {gid} has no row in the shard"));
                return (gf, gid, None, None);
            };
            let (ok, pending) = check_group(def, ctx, cid, n, g, row, rows, cops, &at, &mut gf);
            (gf, gid, ok.then(|| row.counts.clone()), pending)
        })
        .collect();
    // V9.c: the proofs, in batches per key (share 0's; the other shares take them as holding).
    let mut by_shape: BTreeMap<String, Vec<(&str, Committed)>> = BTreeMap::new();
    for (_, gid, _, pending) in &results {
        if let Some((shape, item)) = pending {
            by_shape
                .entry(shape.clone())
                .or_default()
                .push((gid, item.clone()));
        }
    }
    let mut verified = std::collections::BTreeSet::new();
    if verify_proofs {
        for (gid, ok) in batch_verdicts(ctx, &by_shape, &|_| {}) {
            if f.expect("V9.c", ok, &At::contest(file, cid), || {
                format!("group {gid}: the Groth16 proof does not verify against its public inputs (group binding, machine counts, its stations' count commitments in the group's order)")
            }) {
                verified.insert(*gid);
            }
        }
    } else {
        verified.extend(by_shape.values().flatten().map(|(gid, _)| *gid));
    }
    let mut tally = GroupTally {
        sums: vec![0; n],
        all: true,
        verified: if verify_proofs {
            verified.len() as u64
        } else {
            0
        },
    };
    for (gf, gid, counts, _) in results {
        f.merge(gf);
        match counts.filter(|_| verified.contains(gid)) {
            Some(c) => tally
                .sums
                .iter_mut()
                .zip(c)
                .for_each(|(s, x)| *s += u128::from(x)),
            None => tally.all = false,
        }
    }
    Some(tally)
}

/// A group proof decoded for V9.c: its shape, its public inputs and proof.
type Pending = (String, Committed);

/// Public inputs as field elements and a proof.
type Committed = (Vec<Fr>, circuits::encoding::StationProof);

/// V9.b-V9.d for one group row: whether the row is usable for the totals (its proof aside),
/// and its proof decoded for V9.c when its shape has a fitting key.
#[allow(clippy::too_many_arguments)]
fn check_group(
    def: &ElectionDefinition,
    ctx: &Context,
    cid: &str,
    n: usize,
    g: &bundle::TotaliserGroup,
    row: &GroupResult,
    rows: &BTreeMap<&str, &StationResult>,
    cops: &BTreeMap<&str, &CloseOfPoll>,
    at: &At,
    f: &mut Findings,
) -> (bool, Option<Pending>) {
    let gid = g.group_id.as_str();
    // The stations' count commitments, shapes' choice slots, totals and test votes, in the
    // group's order; a station without a statement or a readable commitment is named.
    let mut commitments: Vec<Fr> = Vec::with_capacity(g.stations.len());
    let mut choices = Vec::with_capacity(g.stations.len());
    let mut total: u128 = 0;
    let mut test_votes = vec![0u128; n];
    let mut missing = Vec::new();
    for sid in &g.stations {
        let (Some(r), Some(cop)) = (rows.get(sid.as_str()), cops.get(sid.as_str())) else {
            missing.push(sid.as_str());
            continue;
        };
        match r.count_commitment.as_deref().map(fr_from_hex) {
            // A zero commitment would stand for an empty slot (protocol.md §7.4): never a station.
            Some(Ok(c)) if c != Fr::from(0u64) => commitments.push(c),
            _ => missing.push(sid.as_str()),
        }
        choices.push(
            Shape::parse(&r.shape)
                .ok()
                .filter(|s| s.kind == Kind::Committed)
                .map(|s| s.choices),
        );
        total += u128::from(cop.contest.total_recorded);
        for t in &cop.contest.test_votes {
            if let Some(x) = test_votes.get_mut(t.choice as usize) {
                *x += u128::from(t.count);
            }
        }
    }
    // V9.b: the shape, the machine counts' slots and their total.
    let shape = Shape::parse(&row.shape)
        .ok()
        .filter(|s| s.kind == Kind::Group);
    let k = choices.first().copied().flatten();
    let same_k = k.is_some() && choices.iter().all(|c| *c == k);
    let key = ctx.keys.get(&row.shape);
    let shape_ok = key.is_some()
        && same_k
        && shape.is_some_and(|s| s.slots() >= g.stations.len() && Some(s.choices) == k);
    f.expect("V9.b", shape_ok, at, || {
        format!(
            "group {gid}: shape {} is not a manifest key of the group circuit with at least {} station slots and its stations' choice slots ({})",
            row.shape,
            g.stations.len(),
            if same_k { k.map_or("-".into(), |k| k.to_string()) } else { "the stations' shapes differ".into() }
        )
    });
    let machine: u128 = row.machine_counts.iter().map(|&c| u128::from(c)).sum();
    let counts_ok = Some(row.machine_counts.len()) == k
        && machine == total
        && row.machine_counts.iter().skip(n).all(|&c| c == 0);
    f.expect("V9.b", counts_ok, at, || {
        format!(
            "group {gid}: machine counts ({} slots, total {machine}) do not match its stations' Form 17C totals ({total}) with empty unused slots",
            row.machine_counts.len()
        )
    });
    // V9.c: the group proof, decoded here and verified in a batch by the caller.
    let mut pending = None;
    if !missing.is_empty() {
        f.fail(
            "V9.c",
            at,
            format!(
                "group {gid}: the proof cannot be checked: station(s) {} have no statement or no readable count commitment in the shard (V4.a, V4.c)",
                missing.join(", ")
            ),
        );
    } else if let (Some(_), Some(shape), true) = (key, shape, shape_ok) {
        let mut station_commitments = commitments;
        station_commitments.resize(shape.slots(), Fr::from(0u64));
        let public = GroupPublicInputs {
            binding: group_binding(&def.election_id, cid, gid),
            counts: row.machine_counts.clone(),
            station_commitments,
        };
        match proof_from_hex(&row.proof) {
            Ok(p) => pending = Some((row.shape.clone(), (public.to_field_elements(), p))),
            Err(e) => f.fail(
                "V9.c",
                at,
                format!("group {gid}: the Groth16 proof fails: {e}"),
            ),
        }
    } else {
        f.fail(
            "V9.c",
            at,
            format!(
                "group {gid}: the proof cannot be checked: its shape has no fitting key (V9.b)"
            ),
        );
    }
    // V9.d: the published row.
    let row_ok = row.counts.len() == n
        && row.test_votes.len() == n
        && (0..n).all(|j| {
            u128::from(row.test_votes[j]) == test_votes[j]
                && row.machine_counts.get(j).is_some_and(|&m| {
                    m >= row.test_votes[j] && row.counts[j] == m - row.test_votes[j]
                })
        });
    f.expect("V9.d", row_ok, at, || {
        format!("group {gid}: the published row is not the proved machine counts minus its stations' Form 17C 49MA test votes")
    });
    (shape_ok && counts_ok && row_ok, pending)
}
