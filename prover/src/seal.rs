//! `prover seal`: at close of poll, commit to every sealed log and sign the close-of-poll
//! statements (statement 2, spec `protocol.md` §2 and `bundle.md` §5).
//!
//! Every input rule is checked here, before anything is signed, and each failure names the
//! file, the station and the rule.

use crate::error::ProverError;
use crate::io::{json_files, read_json, write_json};
use crate::layout;
use crate::setup::KeyDir;
use bundle::inputs::{ContestLog, ContestSalt, EvmLog, StationSalts};
use bundle::{
    kinds, CloseOfPoll, Contest, ElectionDefinition, Form17C, Form17CContest, KeyPair, Signed,
};
use circuits::{fr_to_hex, log_commitment, station_binding, LogWitness, Salt, Shape};
use rand::{CryptoRng, RngCore};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A control unit records at most this many votes (DOMAIN: CU capacity).
pub const CU_CAPACITY: u64 = 2000;

/// Reads and checks the election definition (spec `bundle.md` §4.1 rules D1-D6).
pub fn read_definition(input: &Path) -> Result<ElectionDefinition, ProverError> {
    let path = input.join(layout::ELECTION);
    let def: ElectionDefinition = read_json(&path)?;
    let file = path.display().to_string();
    let err = |rule: String| ProverError::input(&file, None, rule);
    if def.spec_version != bundle::SPEC_VERSION {
        return Err(err(format!(
            "spec_version {} is not {}",
            def.spec_version,
            bundle::SPEC_VERSION
        )));
    }
    let mut ids = BTreeSet::new();
    for c in &def.contests {
        if !bundle::tally::is_safe_id(&c.contest_id) {
            return Err(err(format!(
                "D6: contest id {:?} is not a safe id",
                c.contest_id
            )));
        }
        if !ids.insert(c.contest_id.as_str()) {
            return Err(err(format!(
                "D1: contest {} is defined twice",
                c.contest_id
            )));
        }
        contest_rules(c).map_err(|r| err(format!("contest {}: {r}", c.contest_id)))?;
    }
    let mut sids = BTreeSet::new();
    for s in &def.stations {
        if !bundle::tally::is_safe_id(&s.station_id)
            || !bundle::tally::is_safe_id(&s.presiding_officer)
        {
            return Err(ProverError::input(
                &file,
                Some(&s.station_id),
                "D6: station or officer id is not a safe id",
            ));
        }
        if !sids.insert(s.station_id.as_str()) {
            return Err(ProverError::input(
                &file,
                Some(&s.station_id),
                "D1: station is defined twice",
            ));
        }
        for cid in &s.contests {
            match def.contest(cid) {
                None => {
                    return Err(ProverError::input(
                        &file,
                        Some(&s.station_id),
                        format!("D4: polls unknown contest {cid}"),
                    ))
                }
                Some(c) if c.uncontested => {
                    return Err(ProverError::input(
                        &file,
                        Some(&s.station_id),
                        format!("D5: polls uncontested contest {cid}"),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    // D9: a contest's totaliser groups over its stations, in definition order.
    for c in &def.contests {
        if let Some(t) = &c.totaliser {
            let stations: Vec<&bundle::Station> = def
                .stations
                .iter()
                .filter(|s| s.contests.contains(&c.contest_id))
                .collect();
            let problems = bundle::totaliser::check_groups(t, &stations);
            if !problems.is_empty() {
                return Err(err(format!(
                    "D9: contest {}'s totaliser groups: {}",
                    c.contest_id,
                    problems.join("; ")
                )));
            }
        }
    }
    Ok(def)
}

/// The rules on one contest's candidate list (D2, D3, D5 of spec `bundle.md` §4.1).
pub fn contest_rules(c: &Contest) -> Result<(), String> {
    let nota: Vec<usize> = c
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, k)| k.nota)
        .map(|(i, _)| i)
        .collect();
    let mut ids = BTreeSet::new();
    if c.candidates
        .iter()
        .any(|k| !ids.insert(k.candidate_id.as_str()))
    {
        return Err("D2: candidate ids are not unique".into());
    }
    if c.seats != 1 {
        return Err(
            "D3: a contest fills exactly one seat (a multi-member ward is one contest per seat)"
                .into(),
        );
    }
    if c.kind != bundle::ContestKind::SingleMember && c.group.is_none() {
        return Err("D8: a ward seat or post names its ward or ballot in `group`".into());
    }
    if c.uncontested {
        if c.candidates.len() != 1 || !nota.is_empty() {
            return Err(
                "D5: an uncontested contest lists exactly its one candidate and no NOTA".into(),
            );
        }
    } else if nota != [c.candidates.len().saturating_sub(1)] || c.candidates.len() < 2 {
        return Err("D2: NOTA must appear once, as the last of at least two choices".into());
    }
    Ok(())
}

/// Reads a folder of per-station files, refusing duplicates and unknown stations, and
/// requiring every station of the election.
fn per_station<T: serde::de::DeserializeOwned>(
    def: &ElectionDefinition,
    dir: &Path,
    id_of: impl Fn(&T) -> &str,
) -> Result<BTreeMap<String, (PathBuf, T)>, ProverError> {
    let mut out = BTreeMap::new();
    for path in json_files(dir)? {
        let value: T = read_json(&path)?;
        let id = id_of(&value).to_string();
        let file = path.display().to_string();
        if def.station(&id).is_none() {
            return Err(ProverError::input(
                file,
                Some(&id),
                "unknown station: not in election.json",
            ));
        }
        if let Some((first, _)) = out.get(&id) {
            let first: &PathBuf = first;
            return Err(ProverError::input(
                file,
                Some(&id),
                format!("duplicate station: also in {}", first.display()),
            ));
        }
        out.insert(id, (path, value));
    }
    for s in &def.stations {
        if !out.contains_key(&s.station_id) {
            return Err(ProverError::input(
                dir.display().to_string(),
                Some(&s.station_id),
                "missing file for this station",
            ));
        }
    }
    Ok(out)
}

/// Reads every Form 17C of the election.
pub fn read_form17c(
    def: &ElectionDefinition,
    input: &Path,
) -> Result<BTreeMap<String, (PathBuf, Form17C)>, ProverError> {
    per_station(def, &input.join(layout::FORM17C), |f: &Form17C| {
        &f.station_id
    })
}

/// Reads every sealed EVM log of the election.
pub fn read_logs(
    def: &ElectionDefinition,
    input: &Path,
) -> Result<BTreeMap<String, (PathBuf, EvmLog)>, ProverError> {
    per_station(def, &input.join(layout::LOGS), |l: &EvmLog| &l.station_id)
}

/// Checks one contest's log against its 17C Part I and returns the witness choices and times
/// (control units concatenated in the order used).
pub fn check_contest_log(
    contest: &Contest,
    station_id: &str,
    closed_at: u32,
    entry: &Form17CContest,
    log: &ContestLog,
    log_file: &str,
) -> Result<(Vec<u16>, Vec<u32>), ProverError> {
    let st = Some(station_id);
    let cid = &contest.contest_id;
    let err = |rule: String| ProverError::input(log_file, st, format!("contest {cid}: {rule}"));
    let form_units: Vec<&str> = entry.units.iter().map(|u| u.cu.as_str()).collect();
    let log_units: Vec<&str> = log.units.iter().map(|u| u.cu.as_str()).collect();
    if form_units != log_units {
        return Err(err(format!(
            "I8: control units in the log {log_units:?} differ from Form 17C {form_units:?}"
        )));
    }
    let mut choices = Vec::new();
    let mut times = Vec::new();
    for (unit, ulog) in entry.units.iter().zip(&log.units) {
        if ulog.votes.len() as u64 != unit.total {
            return Err(err(format!(
                "I1: control unit {} logged {} votes but Form 17C records {}",
                unit.cu,
                ulog.votes.len(),
                unit.total
            )));
        }
        if unit.total > CU_CAPACITY {
            return Err(err(format!(
                "I11: control unit {} holds more than {CU_CAPACITY} votes",
                unit.cu
            )));
        }
        let mut last = 0u32;
        for (i, v) in ulog.votes.iter().enumerate() {
            let (t, c) = (v.0, v.1);
            if c as usize >= contest.candidates.len() {
                // The choice itself is not echoed: error messages carry no vote content.
                return Err(err(format!(
                    "vote {} on control unit {} names a choice that does not exist (the contest has {} choices)",
                    i + 1,
                    unit.cu,
                    contest.candidates.len()
                )));
            }
            if t > closed_at {
                return Err(err(format!(
                    "vote {} on control unit {} was recorded after close of poll",
                    i + 1,
                    unit.cu
                )));
            }
            if t < last {
                return Err(err(format!(
                    "vote {} on control unit {} is out of time order",
                    i + 1,
                    unit.cu
                )));
            }
            last = t;
            choices.push(c as u16);
            times.push(t);
        }
    }
    let logged = choices.len() as u64;
    if logged != entry.total_recorded {
        return Err(err(format!(
            "I2: the log holds {logged} votes but Form 17C records a total of {}",
            entry.total_recorded
        )));
    }
    Ok((choices, times))
}

/// The contest's entry in a Form 17C, or an error naming the file.
pub fn form_entry<'a>(
    form: &'a Form17C,
    file: &str,
    contest_id: &str,
) -> Result<&'a Form17CContest, ProverError> {
    form.contests
        .iter()
        .find(|c| c.contest_id == contest_id)
        .ok_or_else(|| {
            ProverError::input(
                file,
                Some(&form.station_id),
                format!("no Form 17C entry for contest {contest_id}"),
            )
        })
}

/// The rules on a Form 17C that do not need the log (spec `bundle.md` §5 F1-F4).
pub fn check_form(def: &ElectionDefinition, form: &Form17C, file: &str) -> Result<(), ProverError> {
    let st = Some(form.station_id.as_str());
    let station = def
        .station(&form.station_id)
        .ok_or_else(|| ProverError::input(file, st, "unknown station"))?;
    if let Some(p) = form
        .poll
        .remarks
        .as_deref()
        .and_then(bundle::text::remark_problem)
    {
        return Err(ProverError::input(
            file,
            st,
            format!("remarks: {p} (bundle.md §4.5)"),
        ));
    }
    if form.poll.electors != station.electors {
        return Err(ProverError::input(
            file,
            st,
            format!(
                "F1: electors {} differ from the roll ({})",
                form.poll.electors, station.electors
            ),
        ));
    }
    if form.poll.voters_17a > form.poll.electors {
        return Err(ProverError::input(
            file,
            st,
            "F1: more voters in Form 17A than electors",
        ));
    }
    let polled: BTreeSet<&str> = station.contests.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    for c in &form.contests {
        if !polled.contains(c.contest_id.as_str()) || !seen.insert(c.contest_id.as_str()) {
            return Err(ProverError::input(
                file,
                st,
                format!(
                    "F2: contest {} is not polled here or appears twice",
                    c.contest_id
                ),
            ));
        }
        let contest = def
            .contest(&c.contest_id)
            .ok_or_else(|| ProverError::input(file, st, "unknown contest"))?;
        let units: u128 = c.units.iter().map(|u| u128::from(u.total)).sum();
        if units != u128::from(c.total_recorded) {
            return Err(ProverError::input(
                file,
                st,
                format!(
                    "I2: contest {}: control-unit totals add to {units}, not {}",
                    c.contest_id, c.total_recorded
                ),
            ));
        }
        let mut tests = 0u128;
        for t in &c.test_votes {
            if t.choice as usize >= contest.candidates.len() {
                return Err(ProverError::input(
                    file,
                    st,
                    format!(
                        "I3: contest {}: test vote for choice {} which does not exist",
                        c.contest_id, t.choice
                    ),
                ));
            }
            tests += u128::from(t.count);
        }
        if tests > u128::from(c.total_recorded) {
            return Err(ProverError::input(
                file,
                st,
                format!("I3: contest {}: more test votes than votes", c.contest_id),
            ));
        }
    }
    if seen.len() != polled.len() {
        return Err(ProverError::input(
            file,
            st,
            "F2: Form 17C lacks a contest polled at this station",
        ));
    }
    Ok(())
}

/// Loads a signing key from `SECRET_keys`.
pub fn signing_key(input: &Path, rel: &str) -> Result<KeyPair, ProverError> {
    let path = input.join(layout::SIGNING_KEYS).join(rel);
    let text = std::fs::read_to_string(&path).map_err(|e| ProverError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    KeyPair::from_secret_json(&text).map_err(ProverError::from)
}

/// The shape a station's log is sealed in: the smallest station shape of the key set holding
/// `votes` votes and the contest's choices; for a contest with totaliser groups (protocol.md
/// §7), the smallest committed shape among those whose choices are the contest's group choices
/// ([`group_choices`]), so that every station of a group commits to as many choice slots as
/// the group circuit sums.
pub fn sealed_shape(shapes: &[Shape], contest: &Contest, votes: usize) -> Option<Shape> {
    let n = contest.candidates.len();
    if contest.totaliser.is_none() {
        return Shape::smallest_fitting(shapes, votes, n);
    }
    let k = group_choices(shapes, n)?;
    shapes
        .iter()
        .copied()
        .filter(|s| s.kind == circuits::Kind::Committed && s.choices == k && s.votes >= votes)
        .min_by_key(|s| s.votes)
}

/// The choice slots of a grouped contest of `n` candidates: the fewest, at least `n`, for
/// which the key set has both a committed station shape and a group shape.
pub fn group_choices(shapes: &[Shape], n: usize) -> Option<usize> {
    shapes
        .iter()
        .filter(|s| s.kind == circuits::Kind::Committed && s.choices >= n)
        .map(|s| s.choices)
        .filter(|&k| {
            shapes
                .iter()
                .any(|g| g.kind == circuits::Kind::Group && g.choices == k)
        })
        .min()
}

/// The close-of-poll time used as `signed_at` (spec `bundle.md` §5: the PO signs at close).
pub fn close_signed_at(def: &ElectionDefinition, form: &Form17C) -> u64 {
    crate::unix_midnight(&def.poll_date).unwrap_or(0) + u64::from(form.poll.closed_at) + 300
}

/// Seals every station: checks the inputs, draws salts, commits and signs. Writes
/// `close_of_poll/` and `SECRET_salts/` into `input`.
pub fn seal<R: RngCore + CryptoRng>(
    input: &Path,
    keys: &KeyDir,
    rng: &mut R,
) -> Result<usize, ProverError> {
    let def = read_definition(input)?;
    let shapes = keys.shapes()?;
    let forms = read_form17c(&def, input)?;
    let logs = read_logs(&def, input)?;
    let mut out = Vec::new();
    for station in &def.stations {
        let (form_path, form) = &forms[&station.station_id];
        let (log_path, log) = &logs[&station.station_id];
        let form_file = form_path.display().to_string();
        let log_file = log_path.display().to_string();
        check_form(&def, form, &form_file)?;
        let po = signing_key(input, &format!("po/{}.json", station.presiding_officer))?;
        let mut statements: Vec<Signed<CloseOfPoll>> = Vec::new();
        let mut salts = StationSalts {
            station_id: station.station_id.clone(),
            contests: Vec::new(),
        };
        for cid in &station.contests {
            let contest = def.contest(cid).ok_or_else(|| {
                ProverError::input(&form_file, Some(&station.station_id), "unknown contest")
            })?;
            let entry = form_entry(form, &form_file, cid)?;
            let clog = log
                .contests
                .iter()
                .find(|c| &c.contest_id == cid)
                .ok_or_else(|| {
                    ProverError::input(
                        &log_file,
                        Some(&station.station_id),
                        format!("no log for contest {cid}"),
                    )
                })?;
            let (choices, times) = check_contest_log(
                contest,
                &form.station_id,
                form.poll.closed_at,
                entry,
                clog,
                &log_file,
            )?;
            let shape = sealed_shape(&shapes, contest, choices.len()).ok_or_else(|| {
                ProverError::input(&log_file, Some(&station.station_id), format!(
                    "contest {cid}: no key shape of the {} holds {} votes x {} choices; run setup with a larger shape",
                    if contest.totaliser.is_some() { "committed station circuit (VOTESxCHOICESc, with a group shape gSLOTSxCHOICES of the same choices)" } else { "station circuit" },
                    choices.len(), contest.candidates.len()))
            })?;
            let salt = Salt::random(rng);
            // A grouped contest's counts are committed under a salt of their own (§7.1).
            let count_salt = contest
                .totaliser
                .is_some()
                .then(|| Salt::random(rng).to_hex());
            salts.contests.push(ContestSalt {
                contest_id: cid.clone(),
                salt: salt.to_hex(),
                count_salt,
            });
            let witness = LogWitness {
                choices,
                times,
                salt,
            };
            let binding = station_binding(&def.election_id, &station.station_id, cid);
            let commitment = log_commitment(&shape, binding, form.poll.closed_at, &witness)
                .map_err(|source| ProverError::Circuit {
                    context: format!("{log_file}: station {}, contest {cid}", station.station_id),
                    source,
                })?;
            let body = CloseOfPoll {
                spec_version: bundle::SPEC_VERSION.into(),
                election_id: def.election_id.clone(),
                station_id: station.station_id.clone(),
                poll: form.poll.clone(),
                contest: entry.clone(),
                shape: shape.to_string(),
                log_commitment: fr_to_hex(&commitment),
                signed_at: close_signed_at(&def, form),
            };
            statements.push(po.sign(kinds::CLOSE_OF_POLL, body)?);
        }
        if let Some(extra) = log
            .contests
            .iter()
            .find(|c| !station.contests.contains(&c.contest_id))
        {
            return Err(ProverError::input(
                &log_file,
                Some(&station.station_id),
                format!(
                    "log for contest {} which is not polled here",
                    extra.contest_id
                ),
            ));
        }
        out.push((station.station_id.clone(), statements, salts));
    }
    // Nothing is written until every station has passed every rule.
    let mut sealed = 0;
    for (id, statements, salts) in out {
        write_json(
            &input.join(layout::CLOSE_OF_POLL).join(format!("{id}.json")),
            &statements,
        )?;
        write_json(
            &input.join(layout::SALTS).join(format!("{id}.json")),
            &salts,
        )?;
        sealed += statements.len();
    }
    Ok(sealed)
}
