//! Counting day across machines (spec `bundle.md` §9): `prove --shard K/N` proves a fixed slice
//! of the stations into a shared work folder, one file per station row, each written atomically
//! and checked again before it is trusted; `assemble` checks that every row of the election is
//! there exactly once and verifies, then sums, signs and writes the bundle as `prove` does.
//!
//! A worker reads the definition, the public close-of-poll statements, the proving keys, and the
//! logs and salts of its own stations only; it holds no signing key. Only `assemble` reads the
//! RO and authority keys, and it reads no log and no salt. Scheduling is left to the cluster's
//! engine (a Slurm job array, a Kubernetes indexed Job): each worker is an idempotent job, a
//! rerun proves only the rows that are missing or do not verify, and a killed worker loses at
//! most the rows in flight.

use crate::error::ProverError;
use crate::io::read_json;
use crate::layout;
use crate::prove::{
    finish, prove_row, prover_pool, proving_keys, published_row, station_jobs, ProveSummary, Row,
};
use crate::seal::read_definition;
use crate::setup::KeyDir;
use bundle::inputs::EvmLog;
use bundle::{kinds, CloseOfPoll, ElectionDefinition, Signed, StationResult};
use circuits::keys::PreparedKey;
use circuits::{fr_from_hex, proof_from_hex, station_binding, PublicInputs, Shape};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Format tag of a work-folder row.
pub const WORK_ROW_FORMAT: &str = "ve-work-row/1";

/// Which slice of the stations a worker proves: station `i` (in `election.json` order) belongs to
/// shard `i mod count`, numbered from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0 <= index < count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` (`0 <= K < N`), or `N` alone with K from the engine's environment:
    /// `SLURM_ARRAY_TASK_ID` (a Slurm job array `--array=0-(N-1)`) or `JOB_COMPLETION_INDEX`
    /// (a Kubernetes indexed Job).
    pub fn parse(text: &str) -> Result<Self, ProverError> {
        let bad = |why: String| ProverError::input("--shard", None, why);
        let (k, n) = match text.split_once('/') {
            Some((k, n)) => (Some(k), n),
            None => (None, text),
        };
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| bad(format!("`{text}`: expected K/N or N")))?;
        let index = match k {
            Some(k) => k
                .trim()
                .parse()
                .map_err(|_| bad(format!("`{text}`: expected K/N or N")))?,
            None => Self::index_from_env().ok_or_else(|| {
                bad(format!(
                    "`{text}` names no shard, and neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set"
                ))
            })??,
        };
        if count == 0 || index >= count {
            return Err(bad(format!(
                "shard {index}/{count}: K must be at least 0 and below N"
            )));
        }
        Ok(Self { index, count })
    }

    fn index_from_env() -> Option<Result<usize, ProverError>> {
        ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]
            .iter()
            .find_map(|var| {
                std::env::var(var).ok().map(|v| {
                    v.trim().parse().map_err(|_| {
                        ProverError::input(var.to_string(), None, format!("`{v}` is not a number"))
                    })
                })
            })
    }

    /// Whether station `i` of the definition is this shard's.
    pub fn takes(&self, i: usize) -> bool {
        i % self.count == self.index
    }
}

/// A proved row in the work folder: `<work>/<contest>/<station>.json`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkRow {
    /// [`WORK_ROW_FORMAT`].
    pub format: String,
    /// Election.
    pub election_id: String,
    /// Contest.
    pub contest_id: String,
    /// The row as the bundle will publish it.
    pub row: StationResult,
}

/// Where a row goes in the work folder.
pub fn row_path(work: &Path, contest_id: &str, station_id: &str) -> PathBuf {
    work.join(contest_id).join(format!("{station_id}.json"))
}

/// Options of a worker.
pub struct ShardOptions<'a> {
    /// Input folder: `election.json`, `close_of_poll/`, and the logs and salts of this shard's
    /// stations (`SECRET_logs/<station>.json`, `SECRET_salts/<station>.json`).
    pub input: &'a Path,
    /// Key folder.
    pub keys: &'a KeyDir,
    /// Shared work folder.
    pub work: &'a Path,
    /// This worker's slice.
    pub shard: Shard,
    /// Called once per row proved or found proved.
    pub on_progress: Option<&'a (dyn Fn() + Sync)>,
}

impl core::fmt::Debug for ShardOptions<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "ShardOptions({} -> {}, {}/{})",
            self.input.display(),
            self.work.display(),
            self.shard.index,
            self.shard.count
        )
    }
}

/// What a worker did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ShardSummary {
    /// Stations in the slice.
    pub stations: usize,
    /// Rows in the slice.
    pub rows: usize,
    /// Rows found already proved, and verified again.
    pub kept: usize,
    /// Rows proved now.
    pub proved: usize,
    /// Rows found in the work folder that did not verify (proved again).
    pub replaced: Vec<String>,
}

/// Proves the shard's rows that are not yet in the work folder (or do not verify there).
pub fn prove_shard(opts: &ShardOptions<'_>) -> Result<ShardSummary, ProverError> {
    let def = read_definition(opts.input)?;
    let slice: Vec<&bundle::Station> = def
        .stations
        .iter()
        .enumerate()
        .filter(|(i, _)| opts.shard.takes(*i))
        .map(|(_, s)| s)
        .collect();
    let mut summary = ShardSummary {
        stations: slice.len(),
        rows: slice.iter().map(|s| s.contests.len()).sum(),
        ..ShardSummary::default()
    };
    let mut checker = Checker::new(&def, opts.input, opts.keys);
    // Rows already there are verified again; a station is proved again only for its rows that
    // are missing or fail.
    let mut todo: Vec<(&bundle::Station, Vec<String>)> = Vec::new();
    for station in &slice {
        let mut missing = Vec::new();
        for cid in &station.contests {
            let path = row_path(opts.work, cid, &station.station_id);
            if !path.exists() {
                missing.push(cid.clone());
                continue;
            }
            match checker.row_mut(&path, &station.station_id, cid) {
                Ok(_) => {
                    summary.kept += 1;
                    if let Some(p) = opts.on_progress {
                        p();
                    }
                }
                Err(e) => {
                    summary.replaced.push(e.to_string());
                    missing.push(cid.clone());
                }
            }
        }
        if !missing.is_empty() {
            todo.push((station, missing));
        }
    }
    let mut jobs = Vec::new();
    for (station, contests) in todo {
        let log = read_station_log(opts.input, &station.station_id)?;
        jobs.extend(
            station_jobs(&def, opts.input, station, &log)?
                .into_iter()
                .filter(|j| contests.contains(&j.contest_id)),
        );
    }
    let pks = proving_keys(opts.keys, jobs.iter().map(|j| j.shape))?;
    let pool = prover_pool()?;
    let proved = pool.install(|| {
        jobs.into_par_iter()
            .map(|job| {
                let (cid, _, row) = prove_row(&def, &pks, job)?;
                let path = row_path(opts.work, &cid, &row.station_id);
                let work_row = WorkRow {
                    format: WORK_ROW_FORMAT.into(),
                    election_id: def.election_id.clone(),
                    contest_id: cid,
                    row,
                };
                write_atomically(&path, &work_row)?;
                if let Some(p) = opts.on_progress {
                    p();
                }
                Ok(())
            })
            .collect::<Result<Vec<()>, ProverError>>()
    })?;
    summary.proved = proved.len();
    Ok(summary)
}

/// Options of `assemble`.
pub struct AssembleOptions<'a> {
    /// Input folder: `election.json`, `close_of_poll/`, the signing keys and the public inputs
    /// `prove` reads (postal rows, declared results, lots, audit commitments); no log, no salt,
    /// except for a contest with totaliser groups, whose group proofs open its stations' count
    /// commitments from their logs and count salts (protocol.md §7.3).
    pub input: &'a Path,
    /// Key folder.
    pub keys: &'a KeyDir,
    /// The work folder the shards wrote.
    pub work: &'a Path,
    /// Bundle folder.
    pub out: &'a Path,
    /// Replace an existing bundle.
    pub force: bool,
}

impl core::fmt::Debug for AssembleOptions<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "AssembleOptions({} -> {})",
            self.work.display(),
            self.out.display()
        )
    }
}

/// Checks that the work folder holds every row of the election exactly once, each verifying
/// against its signed close-of-poll statement and nothing else, then writes the bundle.
pub fn assemble(opts: &AssembleOptions<'_>) -> Result<ProveSummary, ProverError> {
    let def = read_definition(opts.input)?;
    if opts.out.exists() && !opts.force {
        return Err(ProverError::Io {
            path: opts.out.display().to_string(),
            reason: "already exists (use --force to replace it)".into(),
        });
    }
    check_no_strays(&def, opts.work)?;
    let wanted: Vec<(&str, &str)> = def
        .stations
        .iter()
        .flat_map(|s| {
            s.contests
                .iter()
                .map(move |c| (s.station_id.as_str(), c.as_str()))
        })
        .collect();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(sid, cid)| !row_path(opts.work, cid, sid).exists())
        .map(|(sid, cid)| format!("{cid}/{sid}"))
        .collect();
    if !missing.is_empty() {
        return Err(ProverError::input(
            opts.work.display().to_string(),
            None,
            format!(
                "{} of {} rows are not proved yet (run their shards again): {}{}",
                missing.len(),
                wanted.len(),
                missing
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if missing.len() > 10 { ", ..." } else { "" }
            ),
        ));
    }
    let checker = Checker::new(&def, opts.input, opts.keys).with_all_keys()?;
    let rows: Vec<Row> = prover_pool()?.install(|| {
        wanted
            .par_iter()
            .map(|(sid, cid)| checker.row(&row_path(opts.work, cid, sid), sid, cid))
            .collect::<Result<_, _>>()
    })?;
    finish(&def, opts.input, opts.keys, rows, opts.out, opts.force)
}

/// Refuses a work folder holding a row that is not one of the election's (another election's
/// work, a renamed file): the bundle must be made of exactly the election's rows.
fn check_no_strays(def: &ElectionDefinition, work: &Path) -> Result<(), ProverError> {
    let io = |p: &Path, e: std::io::Error| ProverError::Io {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    let entries = std::fs::read_dir(work).map_err(|e| io(work, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io(work, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue; // a row being written when its worker was killed
        }
        let path = entry.path();
        let Some(contest) = def.contest(&name).filter(|_| path.is_dir()) else {
            return Err(ProverError::input(
                path.display().to_string(),
                None,
                "not a contest of this election: the work folder must hold only its rows",
            ));
        };
        for f in std::fs::read_dir(&path).map_err(|e| io(&path, e))? {
            let f = f.map_err(|e| io(&path, e))?;
            let fname = f.file_name().to_string_lossy().to_string();
            if fname.starts_with('.') {
                continue;
            }
            let sid = fname.strip_suffix(".json").unwrap_or("");
            let polls = def
                .station(sid)
                .is_some_and(|s| s.contests.contains(&contest.contest_id));
            if !polls {
                return Err(ProverError::input(
                    f.path().display().to_string(),
                    Some(sid),
                    format!(
                        "not a station of contest {} in this election",
                        contest.contest_id
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Verifies work rows against the signed close-of-poll statements.
struct Checker<'a> {
    def: &'a ElectionDefinition,
    input: &'a Path,
    keys: &'a KeyDir,
    prepared: BTreeMap<Shape, PreparedKey>,
}

impl<'a> Checker<'a> {
    fn new(def: &'a ElectionDefinition, input: &'a Path, keys: &'a KeyDir) -> Self {
        Self {
            def,
            input,
            keys,
            prepared: BTreeMap::new(),
        }
    }

    /// Prepares every shape's verifying key up front (for checking from several threads).
    fn with_all_keys(mut self) -> Result<Self, ProverError> {
        for shape in self.keys.shapes()? {
            self.key(shape)?;
        }
        Ok(self)
    }

    fn key(&mut self, shape: Shape) -> Result<&PreparedKey, ProverError> {
        if !self.prepared.contains_key(&shape) {
            let bytes = self.keys.verifying_key_bytes(shape)?;
            let k = circuits::keys::vk_from_bytes(shape, &bytes).map_err(|source| {
                ProverError::Circuit {
                    context: format!("keys: shape {shape}"),
                    source,
                }
            })?;
            self.prepared.insert(shape, k);
        }
        self.prepared
            .get(&shape)
            .ok_or_else(|| ProverError::input("keys", None, format!("no key for {shape}")))
    }

    /// Reads a row and checks it: its ids, its shape (the sealed one), its proof against the
    /// statement's public inputs, and that the published counts follow from the proved ones.
    /// Only the proof and the machine counts are taken from the file.
    fn row(&self, path: &Path, sid: &str, cid: &str) -> Result<Row, ProverError> {
        self.check(path, sid, cid, read_statement(self.input, sid, cid)?)
    }

    /// As [`Checker::row`], with the row's statement already read.
    fn check(
        &self,
        path: &Path,
        sid: &str,
        cid: &str,
        statement: Signed<CloseOfPoll>,
    ) -> Result<Row, ProverError> {
        let file = path.display().to_string();
        let bad = |why: String| ProverError::input(&file, Some(sid), why);
        let w: WorkRow = read_json(path)?;
        if w.format != WORK_ROW_FORMAT
            || w.election_id != self.def.election_id
            || w.contest_id != cid
            || w.row.station_id != sid
        {
            return Err(bad(format!(
                "not the row of station {sid}, contest {cid} of election {}",
                self.def.election_id
            )));
        }
        let st = &statement.body;
        let shape = Shape::parse(&st.shape).map_err(|source| ProverError::Circuit {
            context: format!("{file}: sealed shape"),
            source,
        })?;
        if w.row.shape != st.shape {
            return Err(bad(format!(
                "shape {} is not the sealed shape {}",
                w.row.shape, st.shape
            )));
        }
        let key = self
            .prepared
            .get(&shape)
            .ok_or_else(|| bad(format!("no verifying key for shape {shape}")))?;
        let contest = self
            .def
            .contest(cid)
            .ok_or_else(|| bad(format!("unknown contest {cid}")))?;
        let commitment =
            fr_from_hex(&st.log_commitment).map_err(|source| ProverError::Circuit {
                context: format!("{file}: sealed commitment"),
                source,
            })?;
        let binding = station_binding(&self.def.election_id, sid, cid);
        if shape.kind == circuits::Kind::Committed {
            // A grouped contest's row: no counts, a count commitment its proof binds (§7.2).
            let count_commitment = w
                .row
                .count_commitment
                .as_deref()
                .filter(|_| {
                    w.row.machine_counts.is_empty()
                        && w.row.test_votes.is_empty()
                        && w.row.counts.is_empty()
                        && contest.totaliser.is_some()
                })
                .ok_or_else(|| {
                    bad(
                        "a row of a grouped contest carries a count commitment and no counts"
                            .into(),
                    )
                })
                .and_then(|h| {
                    fr_from_hex(h).map_err(|source| ProverError::Circuit {
                        context: format!("{file}: count commitment"),
                        source,
                    })
                })?;
            let public = circuits::totaliser::CommittedPublicInputs {
                binding,
                commitment,
                count_commitment,
                total: st.contest.total_recorded,
                closed_at: st.poll.closed_at,
            };
            let ok = proof_from_hex(&w.row.proof)
                .and_then(|p| key.verify_inputs(&public.to_field_elements(), &p));
            if let Err(e) = ok {
                return Err(bad(format!("the proof does not verify: {e}")));
            }
            return Ok((cid.to_string(), statement, w.row));
        }
        if contest.totaliser.is_some() || w.row.count_commitment.is_some() {
            return Err(bad(
                "a row proved in the public-count circuit, for a grouped contest or with a count commitment".into(),
            ));
        }
        let total: u128 = w.row.machine_counts.iter().map(|&c| u128::from(c)).sum();
        if w.row.machine_counts.len() != shape.choices
            || total != u128::from(st.contest.total_recorded)
        {
            return Err(bad(format!(
                "machine counts ({} slots, total {total}) do not match Form 17C total {}",
                w.row.machine_counts.len(),
                st.contest.total_recorded
            )));
        }
        let public = PublicInputs {
            binding,
            commitment,
            counts: w.row.machine_counts.clone(),
            total: st.contest.total_recorded,
            closed_at: st.poll.closed_at,
        };
        let ok = proof_from_hex(&w.row.proof).and_then(|p| key.verify(&public, &p));
        if let Err(e) = ok {
            return Err(bad(format!("the proof does not verify: {e}")));
        }
        let row = published_row(
            contest,
            sid,
            st,
            shape,
            w.row.machine_counts.clone(),
            w.row.proof.clone(),
        )?;
        if row != w.row {
            return Err(bad(
                "the published counts do not follow from the proved ones and Form 17C's test votes"
                    .into(),
            ));
        }
        Ok((cid.to_string(), statement, row))
    }
}

impl Checker<'_> {
    /// As [`Checker::row`], preparing the row's key first (a worker checks few shapes).
    fn row_mut(&mut self, path: &Path, sid: &str, cid: &str) -> Result<Row, ProverError> {
        let statement = read_statement(self.input, sid, cid)?;
        let shape = Shape::parse(&statement.body.shape).map_err(|source| ProverError::Circuit {
            context: format!("{}: sealed shape", path.display()),
            source,
        })?;
        self.key(shape)?;
        self.check(path, sid, cid, statement)
    }
}

/// The signed close-of-poll statement of one station's contest, its signature checked.
fn read_statement(input: &Path, sid: &str, cid: &str) -> Result<Signed<CloseOfPoll>, ProverError> {
    let path = input
        .join(layout::CLOSE_OF_POLL)
        .join(format!("{sid}.json"));
    let statements: Vec<Signed<CloseOfPoll>> = read_json(&path)?;
    let st = statements
        .into_iter()
        .find(|s| s.body.contest.contest_id == cid && s.body.station_id == sid)
        .ok_or_else(|| {
            ProverError::input(
                path.display().to_string(),
                Some(sid),
                format!("no close-of-poll statement for contest {cid}"),
            )
        })?;
    st.verify(kinds::CLOSE_OF_POLL)?;
    Ok(st)
}

/// One station's sealed log, `SECRET_logs/<station>.json` (a worker holds only its own).
fn read_station_log(input: &Path, sid: &str) -> Result<(PathBuf, EvmLog), ProverError> {
    let path = input.join(layout::LOGS).join(format!("{sid}.json"));
    let log: EvmLog = read_json(&path)?;
    if log.station_id != sid {
        return Err(ProverError::input(
            path.display().to_string(),
            Some(sid),
            format!("the log is station {}'s", log.station_id),
        ));
    }
    Ok((path, log))
}

/// Writes `<dir>/.<name>.<pid>.tmp`, then renames it over `path`: a reader sees the old row or the
/// new one, never half of one. No flush to disk per row (it cost a fifth of the proving time on
/// a virtual disk): after a power cut a row may be empty or torn, and the rerun that follows
/// finds it fails and proves it again.
fn write_atomically(path: &Path, row: &WorkRow) -> Result<(), ProverError> {
    use std::io::Write;
    let io = |e: std::io::Error| ProverError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let bytes = serde_json::to_vec_pretty(row).map_err(|e| ProverError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(&bytes).map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io)
}
