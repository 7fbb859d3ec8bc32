//! Totaliser groups (statement 6, spec `protocol.md` §7.3): on counting day, after every
//! station row of a grouped contest is proved, each group's counts are proved to be the sum of
//! its stations' committed counts.
//!
//! The group proofs need each station's count opening: its machine counts, recomputed here
//! from the sealed log, and the count salt drawn at sealing. Both are secrets of the input
//! folder; neither is written anywhere. An opening that does not open the row's published
//! commitment is refused, naming the station.

use crate::error::ProverError;
use crate::io::read_json;
use crate::layout;
use crate::setup::KeyDir;
use bundle::inputs::{EvmLog, StationSalts};
use bundle::{CloseOfPoll, Contest, ElectionDefinition, GroupResult, Signed, StationResult};
use circuits::totaliser::{group_binding, CountOpening, GroupCircuit};
use circuits::{fr_to_hex, proof_to_hex, Kind, Salt, Shape};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// The smallest group shape of `shapes` with at least `stations` slots and exactly `choices`
/// choice slots (the stations' committed shapes').
pub fn group_shape(shapes: &[Shape], stations: usize, choices: usize) -> Option<Shape> {
    shapes
        .iter()
        .copied()
        .filter(|s| s.kind == Kind::Group && s.choices == choices && s.slots() >= stations)
        .min_by_key(|s| s.slots())
}

/// The proved group rows of one grouped contest, in the manifest's order. `rows` holds the
/// contest's close-of-poll statements and proved rows; `logs` the election's sealed logs.
pub fn group_results(
    def: &ElectionDefinition,
    input: &Path,
    keys: &KeyDir,
    contest: &Contest,
    rows: &[(Signed<CloseOfPoll>, StationResult)],
    logs: &BTreeMap<String, (std::path::PathBuf, EvmLog)>,
) -> Result<Vec<GroupResult>, ProverError> {
    let Some(totaliser) = &contest.totaliser else {
        return Ok(Vec::new());
    };
    let cid = contest.contest_id.as_str();
    let n = contest.candidates.len();
    let by_station: BTreeMap<&str, &(Signed<CloseOfPoll>, StationResult)> =
        rows.iter().map(|r| (r.1.station_id.as_str(), r)).collect();
    let shapes = keys.shapes()?;
    // Every group's shape and its stations' openings, in the group's order.
    let mut jobs = Vec::with_capacity(totaliser.groups.len());
    for g in &totaliser.groups {
        let mut openings = Vec::with_capacity(g.stations.len());
        let mut test_votes = vec![0u64; n];
        let mut choices = None;
        for sid in &g.stations {
            let (cop, row) = by_station.get(sid.as_str()).ok_or_else(|| {
                ProverError::input(
                    layout::ELECTION,
                    Some(sid),
                    format!(
                        "contest {cid}, group {}: the station has no proved row",
                        g.group_id
                    ),
                )
            })?;
            let shape = Shape::parse(&row.shape).map_err(|source| ProverError::Circuit {
                context: format!("contest {cid}, station {sid}"),
                source,
            })?;
            if *choices.get_or_insert(shape.choices) != shape.choices {
                return Err(ProverError::input(
                    layout::ELECTION,
                    Some(sid),
                    format!("contest {cid}, group {}: the stations are sealed in shapes of different choice slots", g.group_id),
                ));
            }
            openings.push(count_opening(input, logs, contest, cop, row, shape)?);
            for t in &cop.body.contest.test_votes {
                if let Some(x) = test_votes.get_mut(t.choice as usize) {
                    *x = x.checked_add(t.count).ok_or_else(|| {
                        ProverError::input(
                            format!("{}/{sid}.json", layout::FORM17C),
                            Some(sid),
                            "49MA test votes overflow",
                        )
                    })?;
                }
            }
        }
        let k = choices.unwrap_or(0);
        let shape = group_shape(&shapes, g.stations.len(), k).ok_or_else(|| {
            ProverError::input(
                "keys",
                None,
                format!(
                    "contest {cid}, group {}: no group shape of the key set holds {} stations of {k} choice slots; run setup with a shape g{}x{k} or larger",
                    g.group_id,
                    g.stations.len(),
                    g.stations.len()
                ),
            )
        })?;
        jobs.push((g, shape, openings, test_votes));
    }
    let mut pks = BTreeMap::new();
    for (_, shape, _, _) in &jobs {
        if !pks.contains_key(shape) {
            pks.insert(*shape, keys.proving_key(*shape)?);
        }
    }
    crate::pool::prover_pool()?.install(|| {
        jobs.into_par_iter()
            .map(|(g, shape, openings, test_votes)| {
                let ctx = |source| ProverError::Circuit {
                    context: format!("contest {cid}, group {}", g.group_id),
                    source,
                };
                let binding = group_binding(&def.election_id, cid, &g.group_id);
                let (circuit, public) = GroupCircuit::new(shape, binding, openings).map_err(ctx)?;
                let proof = pks[&shape]
                    .prove(circuit, &mut rand::rngs::OsRng)
                    .map_err(ctx)?;
                let mut counts = Vec::with_capacity(n);
                for (j, &tv) in test_votes.iter().enumerate() {
                    let m = public.counts.get(j).copied().unwrap_or(0);
                    counts.push(m.checked_sub(tv).ok_or_else(|| {
                        ProverError::input(
                            layout::FORM17C,
                            None,
                            format!("I3: contest {cid}, group {}: more test votes than votes for choice {j}", g.group_id),
                        )
                    })?);
                }
                Ok(GroupResult {
                    group_id: g.group_id.clone(),
                    shape: shape.to_string(),
                    machine_counts: public.counts,
                    test_votes,
                    counts,
                    proof: proof_to_hex(&proof).map_err(ctx)?,
                })
            })
            .collect()
    })
}

/// One station's count opening: the histogram of its sealed log over the shape's choice slots
/// and the count salt from `SECRET_salts/`, checked against the row's published commitment.
fn count_opening(
    input: &Path,
    logs: &BTreeMap<String, (std::path::PathBuf, EvmLog)>,
    contest: &Contest,
    cop: &Signed<CloseOfPoll>,
    row: &StationResult,
    shape: Shape,
) -> Result<CountOpening, ProverError> {
    let sid = row.station_id.as_str();
    let cid = contest.contest_id.as_str();
    let (log_path, log) = logs.get(sid).ok_or_else(|| {
        ProverError::input(
            input.join(layout::LOGS).display().to_string(),
            Some(sid),
            "missing file for this station",
        )
    })?;
    let opening = opening_of(input, log_path, log, contest, &cop.body, shape)?;
    if row.count_commitment.as_deref() != Some(fr_to_hex(&opening.commitment()).as_str()) {
        return Err(ProverError::input(
            input.join(layout::SALTS).display().to_string(),
            Some(sid),
            format!("contest {cid}: the log's counts and the count salt do not open the row's count commitment"),
        ));
    }
    Ok(opening)
}

/// The histogram of a station's sealed log for one contest over `shape`'s choice slots, with the
/// count salt drawn at sealing.
fn opening_of(
    input: &Path,
    log_path: &Path,
    log: &EvmLog,
    contest: &Contest,
    cop: &CloseOfPoll,
    shape: Shape,
) -> Result<CountOpening, ProverError> {
    let sid = cop.station_id.as_str();
    let cid = contest.contest_id.as_str();
    let log_file = log_path.display().to_string();
    let clog = log
        .contests
        .iter()
        .find(|c| c.contest_id == cid)
        .ok_or_else(|| {
            ProverError::input(&log_file, Some(sid), format!("no log for contest {cid}"))
        })?;
    let (choices, _) = crate::seal::check_contest_log(
        contest,
        sid,
        cop.poll.closed_at,
        &cop.contest,
        clog,
        &log_file,
    )?;
    let mut counts = vec![0u64; shape.choices];
    for c in choices {
        if let Some(x) = counts.get_mut(usize::from(c)) {
            *x += 1;
        }
    }
    let salt_path = input.join(layout::SALTS).join(format!("{sid}.json"));
    let salt_file = salt_path.display().to_string();
    let salts: StationSalts = read_json(&salt_path)?;
    let hex = salts
        .contests
        .iter()
        .find(|c| c.contest_id == cid)
        .and_then(|c| c.count_salt.as_deref())
        .ok_or_else(|| {
            ProverError::input(
                &salt_file,
                Some(sid),
                format!(
                    "contest {cid}: no count salt (the contest has totaliser groups; seal again)"
                ),
            )
        })?;
    let salt = Salt::from_hex(hex).map_err(|source| ProverError::Circuit {
        context: format!("{salt_file}: contest {cid}, count salt"),
        source,
    })?;
    Ok(CountOpening { counts, salt })
}

/// `prover count-opening`: one station's count opening in a contest with totaliser groups
/// (bundle::inputs::CountOpeningFile), for a court's order: its counts per choice slot and its
/// count salt, from the sealed log and `SECRET_salts/`. It reveals that station's counts and
/// nothing of the order of its votes (audit.md §7).
pub fn count_opening_file(
    input: &Path,
    station_id: &str,
    contest_id: &str,
) -> Result<bundle::inputs::CountOpeningFile, ProverError> {
    let def = crate::seal::read_definition(input)?;
    let contest = def
        .contest(contest_id)
        .filter(|c| c.totaliser.is_some())
        .ok_or_else(|| {
            ProverError::input(
                layout::ELECTION,
                Some(station_id),
                format!("contest {contest_id} is not a contest with totaliser groups: open its stations with their logs and salts"),
            )
        })?;
    let cop_path = input
        .join(layout::CLOSE_OF_POLL)
        .join(format!("{station_id}.json"));
    let statements: Vec<Signed<CloseOfPoll>> = read_json(&cop_path)?;
    let cop = statements
        .iter()
        .find(|s| s.body.contest.contest_id == contest_id && s.body.station_id == station_id)
        .ok_or_else(|| {
            ProverError::input(
                cop_path.display().to_string(),
                Some(station_id),
                format!("no close-of-poll statement for contest {contest_id}"),
            )
        })?;
    let shape = Shape::parse(&cop.body.shape).map_err(|source| ProverError::Circuit {
        context: cop_path.display().to_string(),
        source,
    })?;
    let log_path = input.join(layout::LOGS).join(format!("{station_id}.json"));
    let log: EvmLog = read_json(&log_path)?;
    let opening = opening_of(input, &log_path, &log, contest, &cop.body, shape)?;
    Ok(bundle::inputs::CountOpeningFile {
        station_id: station_id.into(),
        contest_id: contest_id.into(),
        counts: opening.counts,
        count_salt: opening.salt.to_hex(),
    })
}
