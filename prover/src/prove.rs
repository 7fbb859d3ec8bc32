//! `prover prove`: counting day. Re-opens every sealed log against its close-of-poll
//! commitment, proves every station row, sums the contests, signs, and writes the bundle
//! (statements 1, 3, 4; spec `bundle.md`).
//!
//! The bundle is written to a temporary folder beside the target and renamed into place only
//! when complete, so a failed run never leaves anything that looks like a bundle.

use crate::error::ProverError;
use crate::io::{read_json, write_bytes};
use crate::layout;
use crate::seal::{check_contest_log, read_definition, read_logs, signing_key};
use crate::setup::KeyDir;
use bundle::digest::{bundle_root, sha256_hex};
use bundle::inputs::StationSalts;
use bundle::tally::outcome;
use bundle::{
    kinds, paths, BundleIndex, CloseOfPoll, Contest, ContestResult, ContestShard, DeclaredResult,
    ElectionDefinition, ElectionManifest, FileEntry, KeyPair, PoRoster, PostalRow, RoCertificate,
    RosterEntry, SetupRecord, ShapeKey, Signed, StationList, StationListRef, StationResult, TieLot,
};
use circuits::totaliser::CommittedStationCircuit;
use circuits::{
    fr_from_hex, keys, proof_to_hex, station_binding, LogWitness, Salt, Shape, StationCircuit,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// When the RO signs the contest results: eight hours after counting starts (the simulated
/// counting day's timeline; audit statements are placed around it).
pub fn result_signed_at(def: &bundle::ElectionDefinition) -> u64 {
    def.counting_starts_at + 8 * 3600
}

pub(crate) use crate::pool::prover_pool;
pub use crate::pool::PROVER_STACK;

/// Options of a proving run.
pub struct ProveOptions<'a> {
    /// Input folder (with `close_of_poll/` from `seal`).
    pub input: &'a Path,
    /// Key folder from `setup`.
    pub keys: &'a KeyDir,
    /// Where the bundle goes (must not exist unless `force`).
    pub out: &'a Path,
    /// Replace an existing bundle.
    pub force: bool,
    /// Called once per proved station row (progress).
    pub on_progress: Option<&'a (dyn Fn() + Sync)>,
}

impl core::fmt::Debug for ProveOptions<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "ProveOptions({} -> {})",
            self.input.display(),
            self.out.display()
        )
    }
}

/// One (station, contest) to prove.
pub(crate) struct Job {
    pub(crate) station_id: String,
    pub(crate) contest_id: String,
    pub(crate) statement: Signed<CloseOfPoll>,
    pub(crate) shape: Shape,
    pub(crate) witness: LogWitness,
    /// The count commitment's salt, for a contest with totaliser groups (protocol.md §7.1).
    pub(crate) count_salt: Option<Salt>,
}

/// Summary of a run.
#[derive(Debug)]
pub struct ProveSummary {
    /// Station rows proved.
    pub rows: usize,
    /// Contests.
    pub contests: usize,
    /// Aggregates written (one per contest and shape; none without a ceremony made for
    /// aggregation).
    pub aggregates: usize,
    /// Bundle root.
    pub root: String,
}

/// Runs counting day and writes the bundle.
pub fn prove(opts: &ProveOptions<'_>) -> Result<ProveSummary, ProverError> {
    let input = opts.input;
    let def = read_definition(input)?;
    if opts.out.exists() && !opts.force {
        return Err(ProverError::Io {
            path: opts.out.display().to_string(),
            reason: "already exists (use --force to replace it)".into(),
        });
    }
    let logs = read_logs(&def, input)?;
    let mut jobs = Vec::new();
    for station in &def.stations {
        jobs.extend(station_jobs(
            &def,
            input,
            station,
            &logs[&station.station_id],
        )?);
    }

    let pks = proving_keys(opts.keys, jobs.iter().map(|j| j.shape))?;
    let pool = prover_pool()?;
    let rows: Vec<Row> = pool.install(|| {
        jobs.into_par_iter()
            .map(|job| {
                let r = prove_row(&def, &pks, job);
                if let Some(p) = opts.on_progress {
                    p();
                }
                r
            })
            .collect::<Result<_, _>>()
    })?;
    finish(&def, input, opts.keys, rows, opts.out, opts.force)
}

/// A proved row: contest, the close-of-poll statement it answers, the published row.
pub(crate) type Row = (String, Signed<CloseOfPoll>, StationResult);

/// The proving key of each shape used.
pub(crate) fn proving_keys(
    keys: &KeyDir,
    used: impl Iterator<Item = Shape>,
) -> Result<BTreeMap<Shape, keys::ProvingKey>, ProverError> {
    let used: BTreeSet<Shape> = used.collect();
    let mut pks = BTreeMap::new();
    for shape in &used {
        pks.insert(*shape, keys.proving_key(*shape)?);
    }
    Ok(pks)
}

/// Sums the proved rows per contest, signs the contests, the manifest and the index, and
/// writes the bundle (needs the RO and authority keys; no log, no salt, except for a contest
/// with totaliser groups, whose group proofs open its stations' count commitments).
pub(crate) fn finish(
    def: &ElectionDefinition,
    input: &Path,
    keys: &KeyDir,
    rows: Vec<Row>,
    out: &Path,
    force: bool,
) -> Result<ProveSummary, ProverError> {
    let row_count = rows.len();
    let mut by_contest: BTreeMap<String, Vec<(Signed<CloseOfPoll>, StationResult)>> =
        BTreeMap::new();
    for (cid, st, row) in rows {
        by_contest.entry(cid).or_default().push((st, row));
    }

    // Keys and certificates.
    let authority = signing_key(input, "authority.json")?;
    let ro_keys = ro_keys(input, def)?;
    let signed_at_result = result_signed_at(def);

    // Each station's PO key, listed in the roster of every contest polled there (each roster
    // signed by its contest's RO).
    let mut po_keys: BTreeMap<&str, String> = BTreeMap::new();
    for station in &def.stations {
        if station.contests.is_empty() {
            return Err(ProverError::input(
                layout::ELECTION,
                Some(&station.station_id),
                "station polls no contest",
            ));
        }
        let po = signing_key(input, &format!("po/{}.json", station.presiding_officer))?;
        po_keys.insert(station.station_id.as_str(), po.public_hex());
    }
    // Contest shards.
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let aggregation = keys.aggregation_key()?;
    let mut aggregate_count = 0;
    // Grouped contests' group proofs open each station's count commitment: from its sealed
    // log and count salt (protocol.md §7.3), read only when a contest has groups.
    let logs = if def.contests.iter().any(|c| c.totaliser.is_some()) {
        read_logs(def, input)?
    } else {
        BTreeMap::new()
    };
    for contest in &def.contests {
        let mut rows = by_contest.remove(&contest.contest_id).unwrap_or_default();
        rows.sort_by(|a, b| a.1.station_id.cmp(&b.1.station_id));
        let groups = crate::groups::group_results(def, input, keys, contest, &rows, &logs)?;
        let officers = def
            .stations
            .iter()
            .filter(|st| st.contests.contains(&contest.contest_id))
            .map(|st| RosterEntry {
                station_id: st.station_id.clone(),
                po_id: st.presiding_officer.clone(),
                public_key: po_keys[st.station_id.as_str()].clone(),
            })
            .collect();
        let shard = contest_shard(
            input,
            &def.election_id,
            contest,
            (rows, groups),
            officers,
            &ro_keys,
            signed_at_result,
        )?;
        // A grouped contest's rows carry committed counts, which aggregation.md §3 does not
        // cover: the verifier checks their proofs in batches (V4.d).
        if let (Some(key), None) = (&aggregation, &contest.totaliser) {
            if let Some(aggregates) = contest_aggregates(&def.election_id, keys, key, &shard)? {
                aggregate_count += aggregates.aggregates.len();
                files.insert(
                    format!("{}/{}.json", paths::AGGREGATES, contest.contest_id),
                    pretty(&aggregates)?,
                );
            }
        }
        files.insert(
            format!("{}/{}.json", paths::CONTESTS, contest.contest_id),
            pretty(&shard)?,
        );
    }

    // Audit seed commitments, published with the results (spec `audit.md` §2).
    for contest in &def.contests {
        let dir = input
            .join(layout::AUDIT_COMMITMENTS)
            .join(&contest.contest_id);
        let mut list: Vec<Signed<audit::SeedCommitment>> = Vec::new();
        for p in crate::io::json_files(&dir)? {
            list.push(read_json(&p)?);
        }
        if !list.is_empty() {
            list.sort_by(|a, b| a.body.party_id.cmp(&b.body.party_id));
            files.insert(
                format!(
                    "{}/{}.json",
                    audit::model::paths::COMMITMENTS,
                    contest.contest_id
                ),
                pretty(&list)?,
            );
        }
    }

    // Manifest: the same bytes `prover manifest` publishes before the poll.
    let log_ref = crate::log::log_ref(input)?;
    let published = build_manifest(def, keys, &authority, &ro_keys, log_ref.as_ref())?;
    files.extend(published.files);

    // Index and root.
    let entries: Vec<FileEntry> = files
        .iter()
        .map(|(path, bytes)| FileEntry {
            path: path.clone(),
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
        })
        .collect();
    let root = bundle_root(entries.iter().map(|e| (e.path.as_str(), e.sha256.as_str())));
    let index = BundleIndex {
        spec_version: bundle::SPEC_VERSION.into(),
        election_id: def.election_id.clone(),
        files: entries,
        root: root.clone(),
        signed_at: signed_at_result + 3600,
    };
    let index_bytes = pretty(&authority.sign(kinds::BUNDLE_INDEX, index)?)?;
    write_atomically(out, force, &files, &index_bytes)?;
    Ok(ProveSummary {
        rows: row_count,
        contests: def.contests.len(),
        aggregates: aggregate_count,
        root,
    })
}

/// A contest's aggregates (bundle.md §6.1): per shape, every station proof of that shape in
/// shard order, aggregated under the ceremony's aggregation key. `None` for a contest without
/// stations.
pub fn contest_aggregates(
    election_id: &str,
    keys: &KeyDir,
    key: &circuits::aggregate::AggregationKey,
    shard: &bundle::ContestShard,
) -> Result<Option<bundle::ContestAggregates>, ProverError> {
    let cid = shard.contest_id.as_str();
    let mut by_shape: BTreeMap<&str, Vec<(&CloseOfPoll, &StationResult)>> = BTreeMap::new();
    for (row, cop) in shard.stations.iter().zip(&shard.close_of_poll) {
        by_shape
            .entry(row.shape.as_str())
            .or_default()
            .push((&cop.body, row));
    }
    let mut aggregates = Vec::new();
    for (shape, rows) in by_shape {
        let vk_digest = keys
            .setup
            .shapes
            .iter()
            .find(|s| s.shape == shape)
            .and_then(|s| hex::decode(&s.vk_sha256).ok())
            .ok_or_else(|| {
                ProverError::input(
                    "setup.json",
                    None,
                    format!("no verifying key of shape {shape} for contest {cid}"),
                )
            })?;
        aggregates.push(shape_aggregate(
            election_id,
            cid,
            shape,
            &rows,
            key,
            &vk_digest,
        )?);
    }
    Ok((!aggregates.is_empty()).then(|| bundle::ContestAggregates {
        contest_id: cid.to_string(),
        aggregates,
    }))
}

/// The aggregate of `rows` (close-of-poll statement and row, in station-id order) of contest
/// `cid`, all proved in `shape` under the key whose SHA-256 is `vk_digest`, with the context of
/// aggregation.md §3.1.
pub fn shape_aggregate(
    election_id: &str,
    cid: &str,
    shape: &str,
    rows: &[(&CloseOfPoll, &StationResult)],
    key: &circuits::aggregate::AggregationKey,
    vk_digest: &[u8],
) -> Result<bundle::ShapeAggregate, ProverError> {
    let circ = |what: String| {
        move |source| ProverError::Circuit {
            context: what,
            source,
        }
    };
    let mut items = Vec::with_capacity(rows.len());
    let mut listed = Vec::with_capacity(rows.len());
    for (cop, row) in rows {
        let sid = row.station_id.as_str();
        let what = format!("contest {cid}, station {sid}");
        let public = circuits::PublicInputs {
            binding: circuits::station_binding(election_id, sid, cid),
            commitment: circuits::fr_from_hex(&cop.log_commitment).map_err(circ(what.clone()))?,
            counts: row.machine_counts.clone(),
            total: cop.contest.total_recorded,
            closed_at: cop.poll.closed_at,
        };
        let proof = circuits::proof_from_hex(&row.proof).map_err(circ(what))?;
        items.push((public, proof));
        listed.push((sid, row.proof.as_str()));
    }
    if items.len() > key.capacity() {
        return Err(ProverError::input(
            AGGREGATION_FILE_NOTE,
            None,
            format!(
                "contest {cid} has {} stations of shape {shape}; the ceremony's aggregation powers hold {} (make the ceremony with a larger --aggregate)",
                items.len(),
                key.capacity()
            ),
        ));
    }
    let context = circuits::aggregate::contest_context(election_id, cid, shape, &listed);
    let proof = circuits::aggregate::aggregate(key, &context, vk_digest, &items).map_err(circ(
        format!("the aggregate of contest {cid}, shape {shape}"),
    ))?;
    Ok(bundle::ShapeAggregate {
        shape: shape.to_string(),
        stations: items.len() as u64,
        proof: hex::encode(proof.to_bytes()),
    })
}

/// Names the key folder's aggregation powers in errors.
const AGGREGATION_FILE_NOTE: &str = "the key folder's aggregation.bin";

/// The election manifest and the files it binds (verifying keys, station lists), as published
/// before the poll. Deterministic: the same definition, key folder and signing keys give the
/// same bytes (Ed25519 signatures are deterministic; `signed_at` is the eve of the poll), so
/// its digest can be published and pinned before the poll and the bundle carries that manifest.
#[derive(Debug)]
pub struct PublishedManifest {
    /// Bundle path to bytes: `election.json`, `keys/*.vk`, `stations/*.json`.
    pub files: BTreeMap<String, Vec<u8>>,
    /// SHA-256 of `election.json`, hex: what readers pin with `verifier check --pin-manifest`.
    pub digest: String,
}

/// Builds the manifest (statement 1) over every shape of the key folder.
pub fn build_manifest(
    def: &ElectionDefinition,
    keys: &KeyDir,
    authority: &KeyPair,
    ro_keys: &BTreeMap<String, KeyPair>,
    log_ref: Option<&bundle::log::LogRef>,
) -> Result<PublishedManifest, ProverError> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut shapes = Vec::new();
    for shape in keys.shapes()? {
        let bytes = keys.verifying_key_bytes(shape)?;
        let path = format!("{}/{shape}.vk", paths::KEYS);
        shapes.push(ShapeKey {
            shape: shape.to_string(),
            path: path.clone(),
            vk_sha256: sha256_hex(&bytes),
        });
        files.insert(path, bytes);
    }
    shapes.sort_by(|a, b| a.path.cmp(&b.path));
    // A multi-party ceremony's files, bound by digest (ceremony.md §5).
    let cfiles = keys.ceremony_files()?;
    let ceremony = (!cfiles.is_empty()).then(|| {
        cfiles
            .iter()
            .map(|(path, bytes)| bundle::FileRef {
                path: path.clone(),
                sha256: sha256_hex(bytes),
            })
            .collect()
    });
    files.extend(cfiles);
    let mut ro_certificates = Vec::new();
    for (id, k) in ro_keys {
        let cert = RoCertificate {
            election_id: def.election_id.clone(),
            ro_id: id.clone(),
            public_key: k.public_hex(),
        };
        ro_certificates.push(authority.sign(kinds::RO_CERT, cert)?);
    }
    // Station lists, one per contest (bundle.md §4.2); the manifest binds their digests.
    let mut station_lists = Vec::with_capacity(def.contests.len());
    for contest in &def.contests {
        let list = StationList {
            spec_version: bundle::SPEC_VERSION.into(),
            election_id: def.election_id.clone(),
            contest_id: contest.contest_id.clone(),
            stations: def
                .stations
                .iter()
                .filter(|s| s.contests.contains(&contest.contest_id))
                .cloned()
                .collect(),
        };
        let path = format!("{}/{}.json", paths::STATIONS, contest.contest_id);
        let bytes = pretty(&list)?;
        station_lists.push(StationListRef {
            contest_id: contest.contest_id.clone(),
            path: path.clone(),
            sha256: sha256_hex(&bytes),
            stations: list.stations.len() as u64,
        });
        files.insert(path, bytes);
    }
    let manifest = ElectionManifest {
        definition: ElectionDefinition {
            stations: Vec::new(),
            ..def.clone()
        },
        shapes,
        setup: SetupRecord {
            kind: keys.setup.kind.clone(),
            performed_by: keys.setup.performed_by.clone(),
            ceremony,
        },
        ro_certificates,
        station_lists,
        signed_at: crate::unix_midnight(&def.poll_date)
            .unwrap_or(0)
            .saturating_sub(86_400),
        log: log_ref.cloned(),
    };
    let bytes = pretty(&authority.sign(kinds::MANIFEST, manifest)?)?;
    let digest = sha256_hex(&bytes);
    files.insert(paths::MANIFEST.into(), bytes);
    Ok(PublishedManifest { files, digest })
}

/// `prover manifest`: the manifest as it will appear in the bundle, written to `out` before the
/// poll, with the digest to publish. Reads the definition and the authority and RO keys.
pub fn publish_manifest(
    input: &Path,
    keys: &KeyDir,
    out: &Path,
) -> Result<PublishedManifest, ProverError> {
    let def = read_definition(input)?;
    let authority = signing_key(input, "authority.json")?;
    let ro_keys = ro_keys(input, &def)?;
    let log_ref = crate::log::log_ref(input)?;
    let published = build_manifest(&def, keys, &authority, &ro_keys, log_ref.as_ref())?;
    for (rel, bytes) in &published.files {
        write_bytes(&out.join(rel), bytes)?;
    }
    Ok(published)
}

fn ro_keys(
    input: &Path,
    def: &ElectionDefinition,
) -> Result<BTreeMap<String, KeyPair>, ProverError> {
    let mut ro_keys: BTreeMap<String, KeyPair> = BTreeMap::new();
    for c in &def.contests {
        if !ro_keys.contains_key(&c.returning_officer) {
            let k = signing_key(input, &format!("ro/{}.json", c.returning_officer))?;
            ro_keys.insert(c.returning_officer.clone(), k);
        }
    }
    Ok(ro_keys)
}

pub(crate) fn pretty<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, ProverError> {
    serde_json::to_vec_pretty(v).map_err(|e| ProverError::Io {
        path: "<bundle>".into(),
        reason: e.to_string(),
    })
}

/// Reads one station's signed close-of-poll statements and salts, re-opens each contest's
/// commitment with its log, and returns the rows to prove.
pub(crate) fn station_jobs(
    def: &ElectionDefinition,
    input: &Path,
    station: &bundle::Station,
    log: &(PathBuf, bundle::inputs::EvmLog),
) -> Result<Vec<Job>, ProverError> {
    let mut jobs = Vec::new();
    let sid = &station.station_id;
    let cop_path = input
        .join(layout::CLOSE_OF_POLL)
        .join(format!("{sid}.json"));
    let cop_file = cop_path.display().to_string();
    let statements: Vec<Signed<CloseOfPoll>> = read_json(&cop_path)?;
    let salt_path = input.join(layout::SALTS).join(format!("{sid}.json"));
    let salts: StationSalts = read_json(&salt_path)?;
    let (log_path, log) = log;
    let log_file = log_path.display().to_string();
    for cid in &station.contests {
        let contest = def
            .contest(cid)
            .ok_or_else(|| ProverError::input(&cop_file, Some(sid), "unknown contest"))?;
        let statement = statements
            .iter()
            .find(|s| &s.body.contest.contest_id == cid && &s.body.station_id == sid)
            .ok_or_else(|| {
                ProverError::input(
                    &cop_file,
                    Some(sid),
                    format!("no close-of-poll statement for contest {cid}"),
                )
            })?
            .clone();
        statement.verify(kinds::CLOSE_OF_POLL)?;
        let salt_hex = salts
            .contests
            .iter()
            .find(|c| &c.contest_id == cid)
            .ok_or_else(|| {
                ProverError::input(
                    salt_path.display().to_string(),
                    Some(sid),
                    format!("no salt for contest {cid}"),
                )
            })?;
        let salt = Salt::from_hex(&salt_hex.salt).map_err(|source| ProverError::Circuit {
            context: format!("{}: contest {cid}", salt_path.display()),
            source,
        })?;
        let clog = log
            .contests
            .iter()
            .find(|c| &c.contest_id == cid)
            .ok_or_else(|| {
                ProverError::input(&log_file, Some(sid), format!("no log for contest {cid}"))
            })?;
        let (choices, times) = check_contest_log(
            contest,
            sid,
            statement.body.poll.closed_at,
            &statement.body.contest,
            clog,
            &log_file,
        )?;
        let shape = Shape::parse(&statement.body.shape).map_err(|source| ProverError::Circuit {
            context: format!("{cop_file}: contest {cid}"),
            source,
        })?;
        // A grouped contest's rows are proved in the committed station circuit, under the count
        // salt drawn at sealing (protocol.md §7.2); any other contest's in the public one.
        let want = if contest.totaliser.is_some() {
            circuits::Kind::Committed
        } else {
            circuits::Kind::Public
        };
        if shape.kind != want {
            return Err(ProverError::input(
                &cop_file,
                Some(sid),
                format!("contest {cid}: sealed in shape {shape}, not a shape of the {} station circuit the contest's manifest entry needs (seal again)", if contest.totaliser.is_some() { "committed-count" } else { "public-count" }),
            ));
        }
        let count_salt = match (&salt_hex.count_salt, contest.totaliser.is_some()) {
            (Some(h), true) => Some(Salt::from_hex(h).map_err(|source| ProverError::Circuit {
                context: format!("{}: contest {cid}, count salt", salt_path.display()),
                source,
            })?),
            (None, false) => None,
            _ => {
                return Err(ProverError::input(
                    salt_path.display().to_string(),
                    Some(sid),
                    format!("contest {cid}: a count salt is drawn at sealing exactly for a contest with totaliser groups (protocol.md §7.1)"),
                ))
            }
        };
        let witness = LogWitness {
            choices,
            times,
            salt,
        };
        let binding = station_binding(&def.election_id, sid, cid);
        let sealed =
            fr_from_hex(&statement.body.log_commitment).map_err(|source| ProverError::Circuit {
                context: format!("{cop_file}: contest {cid}"),
                source,
            })?;
        let now =
            circuits::log_commitment(&shape, binding, statement.body.poll.closed_at, &witness)
                .map_err(|source| ProverError::Circuit {
                    context: format!("{log_file}: contest {cid}"),
                    source,
                })?;
        if now != sealed {
            return Err(ProverError::input(
                &log_file,
                Some(sid),
                format!("contest {cid}: the log does not open the commitment signed at close of poll (changed after close?)"),
            ));
        }
        jobs.push(Job {
            station_id: sid.clone(),
            contest_id: cid.clone(),
            statement,
            shape,
            witness,
            count_salt,
        });
    }
    Ok(jobs)
}

pub(crate) fn prove_row(
    def: &bundle::ElectionDefinition,
    pks: &BTreeMap<Shape, keys::ProvingKey>,
    job: Job,
) -> Result<(String, Signed<CloseOfPoll>, StationResult), ProverError> {
    let Job {
        station_id,
        contest_id,
        statement,
        shape,
        witness,
        count_salt,
    } = job;
    let ctx = |source| ProverError::Circuit {
        context: format!("station {station_id}, contest {contest_id}"),
        source,
    };
    let contest = def.contest(&contest_id).ok_or_else(|| {
        ProverError::input(layout::ELECTION, Some(&station_id), "unknown contest")
    })?;
    let binding = station_binding(&def.election_id, &station_id, &contest_id);
    let pk = pks.get(&shape).ok_or_else(|| {
        ProverError::input(
            "keys",
            Some(&station_id),
            format!("no proving key for shape {shape}"),
        )
    })?;
    let closed_at = statement.body.poll.closed_at;
    if let Some(count_salt) = count_salt {
        // A grouped contest: the counts stay private, committed (protocol.md §7.2).
        let (circuit, public, opening) =
            CommittedStationCircuit::new(shape, binding, closed_at, witness, count_salt)
                .map_err(ctx)?;
        // The 49MA deduction is made per group; a station still cannot hold more test votes
        // for a choice than votes (I3), checked here without publishing either.
        net_of_test_votes(contest, &station_id, &statement.body, &opening.counts)?;
        let proof = pk.prove(circuit, &mut rand::rngs::OsRng).map_err(ctx)?;
        let row = StationResult {
            station_id: station_id.clone(),
            shape: shape.to_string(),
            machine_counts: Vec::new(),
            test_votes: Vec::new(),
            counts: Vec::new(),
            count_commitment: Some(circuits::fr_to_hex(&public.count_commitment)),
            proof: proof_to_hex(&proof).map_err(ctx)?,
        };
        return Ok((contest_id, statement, row));
    }
    let (circuit, public) = StationCircuit::new(shape, binding, closed_at, witness).map_err(ctx)?;
    let proof = pk.prove(circuit, &mut rand::rngs::OsRng).map_err(ctx)?;
    let row = published_row(
        contest,
        &station_id,
        &statement.body,
        shape,
        public.counts,
        proof_to_hex(&proof).map_err(ctx)?,
    )?;
    Ok((contest_id, statement, row))
}

/// The published row of a proved station: the machine's histogram less the 49MA test votes of
/// Form 17C (refused when a choice has more test votes than votes).
pub(crate) fn published_row(
    contest: &Contest,
    station_id: &str,
    statement: &CloseOfPoll,
    shape: Shape,
    machine_counts: Vec<u64>,
    proof: String,
) -> Result<StationResult, ProverError> {
    let (test_votes, counts) = net_of_test_votes(contest, station_id, statement, &machine_counts)?;
    Ok(StationResult {
        station_id: station_id.to_string(),
        shape: shape.to_string(),
        machine_counts,
        test_votes,
        counts,
        count_commitment: None,
        proof,
    })
}

/// The statement's 49MA test votes per candidate, and `machine_counts` less them (refused
/// when a choice has more test votes than votes, I3).
fn net_of_test_votes(
    contest: &Contest,
    station_id: &str,
    statement: &CloseOfPoll,
    machine_counts: &[u64],
) -> Result<(Vec<u64>, Vec<u64>), ProverError> {
    let contest_id = &contest.contest_id;
    let n = contest.candidates.len();
    let mut test_votes = vec![0u64; n];
    for t in &statement.contest.test_votes {
        if let Some(slot) = test_votes.get_mut(t.choice as usize) {
            *slot += t.count;
        }
    }
    let mut counts = Vec::with_capacity(n);
    for (j, &tv) in test_votes.iter().enumerate() {
        let m = machine_counts.get(j).copied().unwrap_or(0);
        if tv > m {
            return Err(ProverError::input(
                format!("{}/{station_id}.json", layout::FORM17C),
                Some(station_id),
                format!("I3: contest {contest_id}: {tv} test votes for choice {j} but the machine holds {m} votes for it"),
            ));
        }
        counts.push(m - tv);
    }
    Ok((test_votes, counts))
}

fn contest_shard(
    input: &Path,
    election_id: &str,
    contest: &Contest,
    (rows, groups): (
        Vec<(Signed<CloseOfPoll>, StationResult)>,
        Vec<bundle::GroupResult>,
    ),
    mut officers: Vec<RosterEntry>,
    ro_keys: &BTreeMap<String, KeyPair>,
    signed_at: u64,
) -> Result<ContestShard, ProverError> {
    let cid = &contest.contest_id;
    let n = contest.candidates.len();
    let postal_path = input.join(layout::POSTAL).join(format!("{cid}.json"));
    let pfile = postal_path.display().to_string();
    let postal: PostalRow = if contest.uncontested && !postal_path.exists() {
        PostalRow {
            contest_id: cid.clone(),
            counts: vec![0; n],
            rejected: 0,
        }
    } else {
        read_json(&postal_path)?
    };
    if postal.contest_id != *cid || postal.counts.len() != n {
        return Err(ProverError::input(
            pfile,
            None,
            format!("postal row must name contest {cid} and give {n} counts"),
        ));
    }
    let mut totals = postal.counts.clone();
    // A grouped contest sums its groups' rows; its station rows publish no counts.
    let published = rows
        .iter()
        .map(|(_, r)| &r.counts)
        .chain(groups.iter().map(|g| &g.counts));
    for counts in published {
        for (t, c) in totals.iter_mut().zip(counts) {
            *t = t.checked_add(*c).ok_or_else(|| {
                ProverError::input(
                    &pfile,
                    None,
                    format!("contest {cid}: postal count too large"),
                )
            })?;
        }
    }
    let out = outcome(contest, &totals);
    let mut winners: Vec<String> = out
        .elected
        .iter()
        .map(|&i| contest.candidates[i].candidate_id.clone())
        .collect();
    let mut tie_lot = None;
    if out.seats_by_lot > 0 {
        let lot_path = input.join(layout::LOTS).join(format!("{cid}.json"));
        let lfile = lot_path.display().to_string();
        if !lot_path.exists() {
            return Err(ProverError::input(
                lfile,
                None,
                format!("I6: contest {cid} is tied for the last seat; a lot record is required"),
            ));
        }
        let lot: TieLot = read_json(&lot_path)?;
        let tied: BTreeSet<String> = out
            .tied
            .iter()
            .map(|&i| contest.candidates[i].candidate_id.clone())
            .collect();
        let claimed: BTreeSet<String> = lot.tied.iter().cloned().collect();
        if claimed != tied
            || lot.chosen.len() != out.seats_by_lot
            || !lot.chosen.iter().all(|c| tied.contains(c))
        {
            return Err(ProverError::input(
                lfile,
                None,
                format!(
                    "I6: the lot must name the tied candidates {tied:?} and choose {} of them",
                    out.seats_by_lot
                ),
            ));
        }
        winners.extend(lot.chosen.iter().cloned());
        tie_lot = Some(lot);
    }
    let declared_path = input.join(layout::DECLARED).join(format!("{cid}.json"));
    let declared: Option<DeclaredResult> = if declared_path.exists() {
        let d: DeclaredResult = read_json(&declared_path)?;
        if d.contest_id != *cid || d.totals.len() != n {
            return Err(ProverError::input(
                declared_path.display().to_string(),
                None,
                format!("declared result must name contest {cid} and give {n} totals"),
            ));
        }
        Some(d)
    } else {
        None
    };
    let ro = ro_keys.get(&contest.returning_officer).ok_or_else(|| {
        ProverError::input(
            layout::ELECTION,
            None,
            format!("no key for RO {}", contest.returning_officer),
        )
    })?;
    let result = ContestResult {
        spec_version: bundle::SPEC_VERSION.into(),
        election_id: election_id.into(),
        contest_id: cid.clone(),
        stations_counted: rows.len() as u64,
        postal,
        totals,
        winners,
        tie_lot,
        signed_at,
        declared,
    };
    let (close_of_poll, stations): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
    officers.sort_by(|a, b| a.station_id.cmp(&b.station_id));
    let roster = PoRoster {
        election_id: election_id.into(),
        contest_id: cid.clone(),
        officers,
    };
    Ok(ContestShard {
        contest_id: cid.clone(),
        po_roster: Some(ro.sign(kinds::PO_ROSTER, roster)?),
        po_certificates: Vec::new(),
        close_of_poll,
        stations,
        groups,
        result: ro.sign(kinds::CONTEST_RESULT, result)?,
    })
}

/// Writes every file into `<out>.partial-<pid>`, then renames it to `out`.
fn write_atomically(
    out: &Path,
    force: bool,
    files: &BTreeMap<String, Vec<u8>>,
    index: &[u8],
) -> Result<(), ProverError> {
    let io = |p: &Path, e: std::io::Error| ProverError::Io {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "bundle".into());
    let tmp: PathBuf = out.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| io(&tmp, e))?;
    }
    let result = (|| {
        for (path, bytes) in files {
            write_bytes(&tmp.join(path), bytes)?;
        }
        write_bytes(&tmp.join(paths::INDEX), index)?;
        if out.exists() && force {
            std::fs::remove_dir_all(out).map_err(|e| io(out, e))?;
        }
        std::fs::rename(&tmp, out).map_err(|e| io(out, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}
