//! The election's witnessed log, prover side (spec `log.md`): the log key, made before the poll
//! and certified in the manifest; the entries of every statement as it is published; counting
//! rounds signed by the RO; and a replay of a whole election's timeline, for drills and the
//! sample elections, with witnesses in this process whose clocks follow that timeline.

use crate::io::read_json;
use crate::seal::signing_key;
use crate::ProverError;
use audit::model::{kinds as audit_kinds, ContestAudit, SeedCommitment};
use bundle::inputs::layout;
use bundle::log::{station_subject, CountingRound, LogEntry, LogRef};
use bundle::{kinds, BundleIndex, CloseOfPoll, ContestShard, ElectionManifest, Signed};
use std::collections::HashSet;
use std::path::Path;
use tlog::note::KeyKind;
use tlog::witness::Witness;
use tlog::writer::{Cosigner, LocalWitness, LogWriter};
use tlog::NoteKey;

/// The log key's file under `SECRET_keys/`.
pub const LOG_KEY: &str = "log.key";
/// The log as the manifest will certify it, in the input folder.
pub const LOG_REF: &str = "log.json";
/// Stations per counting round unless told otherwise (the ECI's usual 14 counting tables).
pub const ROUND_SIZE: usize = 14;
/// The default rule: a close-of-poll statement is witnessed within 12 hours of its close.
pub const CLOSE_WITHIN: u64 = 12 * 3600;

impl From<tlog::LogError> for ProverError {
    fn from(e: tlog::LogError) -> Self {
        ProverError::Io {
            path: "log".into(),
            reason: e.to_string(),
        }
    }
}

/// `prover log init`: makes the log key (`SECRET_keys/log.key`), writes `log.json` (what the
/// manifest certifies) into the input folder and an empty log into `log_dir`.
pub fn init(
    input: &Path,
    log_dir: &Path,
    origin: &str,
    close_within: u64,
) -> Result<LogRef, ProverError> {
    let key = NoteKey::generate(origin, KeyKind::Log, &mut rand_core::OsRng)?;
    let keys = input.join(layout::SIGNING_KEYS);
    std::fs::create_dir_all(&keys).map_err(|e| ProverError::Io {
        path: keys.display().to_string(),
        reason: e.to_string(),
    })?;
    key.write(&keys.join(LOG_KEY))?;
    let r = LogRef {
        origin: origin.into(),
        key: key.public().to_vkey(),
        close_of_poll_within: close_within,
    };
    crate::io::write_json(&input.join(LOG_REF), &r)?;
    LogWriter::init(log_dir, key)?;
    Ok(r)
}

/// The log the manifest certifies, if the input folder has one.
pub fn log_ref(input: &Path) -> Result<Option<LogRef>, ProverError> {
    let p = input.join(LOG_REF);
    if p.exists() {
        read_json(&p).map(Some)
    } else {
        Ok(None)
    }
}

/// Opens the log for appending, with the key in the input folder.
pub fn open(input: &Path, log_dir: &Path) -> Result<LogWriter, ProverError> {
    let key = NoteKey::read(&input.join(layout::SIGNING_KEYS).join(LOG_KEY))?;
    Ok(LogWriter::open(log_dir, key)?)
}

/// One entry and the time it is made (Unix seconds).
#[derive(Debug, Clone)]
pub struct Timed {
    /// When the statement is published.
    pub at: u64,
    /// The entry.
    pub entry: LogEntry,
}

/// The counting rounds of a contest: its stations in station order, `size` per round, each
/// round signed by the contest's RO at `at(k)`.
pub fn rounds(
    shard: &ContestShard,
    election_id: &str,
    ro: &bundle::KeyPair,
    size: usize,
    at: impl Fn(u64) -> u64,
) -> Result<Vec<Signed<CountingRound>>, ProverError> {
    let mut out = Vec::new();
    for (k, chunk) in shard.stations.chunks(size.max(1)).enumerate() {
        let round = k as u64 + 1;
        out.push(ro.sign(
            kinds::COUNTING_ROUND,
            CountingRound {
                spec_version: bundle::SPEC_VERSION.into(),
                election_id: election_id.into(),
                contest_id: shard.contest_id.clone(),
                round,
                stations: chunk.to_vec(),
                signed_at: at(round),
            },
        )?);
    }
    Ok(out)
}

/// Every entry of a published election, in the order (and at the times) its statements were
/// made: the manifest; each station's close of poll; the seed commitments; each contest's
/// counting rounds (signed here by its RO, `round_size` stations each, spread over the counting
/// day) and result; the reveals and audit records; the bundle index.
pub fn election_entries(
    bundle_dir: &Path,
    input: &Path,
    round_size: usize,
) -> Result<Vec<Timed>, ProverError> {
    let manifest: Signed<ElectionManifest> = read_json(&bundle_dir.join(bundle::paths::MANIFEST))?;
    let def = &manifest.body.definition;
    let e = def.election_id.as_str();
    let mut out = vec![Timed {
        at: manifest.body.signed_at,
        entry: LogEntry::of(kinds::MANIFEST, e, "", &manifest)?,
    }];
    for contest in &def.contests {
        let cid = &contest.contest_id;
        let shard: ContestShard = read_json(
            &bundle_dir
                .join(bundle::paths::CONTESTS)
                .join(format!("{cid}.json")),
        )?;
        for c in &shard.close_of_poll {
            out.push(Timed {
                at: c.body.signed_at,
                entry: LogEntry::of(
                    kinds::CLOSE_OF_POLL,
                    e,
                    &station_subject(cid, &c.body.station_id),
                    c,
                )?,
            });
        }
        let commitments = bundle_dir
            .join(audit::model::paths::COMMITMENTS)
            .join(format!("{cid}.json"));
        if commitments.exists() {
            let list: Vec<Signed<SeedCommitment>> = read_json(&commitments)?;
            for c in &list {
                out.push(Timed {
                    at: c.body.signed_at,
                    entry: LogEntry::of(
                        audit_kinds::SEED_COMMITMENT,
                        e,
                        &format!("{cid}/{}", c.body.party_id),
                        c,
                    )?,
                });
            }
        }
        let result_at = shard.result.body.signed_at;
        let n = shard.stations.len().div_ceil(round_size.max(1)).max(1) as u64;
        let step = (result_at.saturating_sub(def.counting_starts_at + 600) / n).clamp(1, 1800);
        let at = |k: u64| def.counting_starts_at + k * step;
        if !shard.stations.is_empty() {
            let ro = signing_key(input, &format!("ro/{}.json", contest.returning_officer))?;
            for r in rounds(&shard, e, &ro, round_size, at)? {
                out.push(Timed {
                    at: r.body.signed_at,
                    entry: LogEntry::of(
                        kinds::COUNTING_ROUND,
                        e,
                        &format!("{cid}/{}", r.body.round),
                        &r,
                    )?,
                });
            }
        }
        out.push(Timed {
            at: result_at,
            entry: LogEntry::of(kinds::CONTEST_RESULT, e, cid, &shard.result)?,
        });
        let record = bundle_dir
            .join(audit::model::paths::RECORDS)
            .join(format!("{cid}.json"));
        if record.exists() {
            let a: ContestAudit = read_json(&record)?;
            for r in &a.reveals {
                out.push(Timed {
                    at: r.body.signed_at,
                    entry: LogEntry::of(
                        audit_kinds::SEED_REVEAL,
                        e,
                        &format!("{cid}/{}", r.body.party_id),
                        r,
                    )?,
                });
            }
            out.push(Timed {
                at: a.record.body.signed_at,
                entry: LogEntry::of(audit_kinds::AUDIT_RECORD, e, cid, &a.record)?,
            });
        }
    }
    let index: Signed<BundleIndex> = read_json(&bundle_dir.join(bundle::paths::INDEX))?;
    out.push(Timed {
        at: index.body.signed_at,
        entry: LogEntry::of(kinds::BUNDLE_INDEX, e, "", &index)?,
    });
    // Stable: statements made at one time keep the order above.
    out.sort_by_key(|t| t.at);
    Ok(out)
}

/// The manifest's entry, from `election.json` as `prover manifest` wrote it (before the poll).
pub fn manifest_entry(path: &Path) -> Result<Vec<Timed>, ProverError> {
    let m: Signed<ElectionManifest> = read_json(path)?;
    Ok(vec![Timed {
        at: m.body.signed_at,
        entry: LogEntry::of(kinds::MANIFEST, &m.body.definition.election_id, "", &m)?,
    }])
}

/// The entries of the audit's seed commitments or reveals an input folder holds
/// (`audit/commitments/<contest>/<party>.json`, `audit/reveals/...`), as each party makes them:
/// commitments before the results, reveals after them, each logged then.
pub fn audit_entries(input: &Path, reveals: bool) -> Result<Vec<Timed>, ProverError> {
    let (folder, kind) = if reveals {
        (layout::AUDIT_REVEALS, audit_kinds::SEED_REVEAL)
    } else {
        (layout::AUDIT_COMMITMENTS, audit_kinds::SEED_COMMITMENT)
    };
    let root = input.join(folder);
    let mut out = Vec::new();
    let Ok(contests) = std::fs::read_dir(&root) else {
        return Ok(out);
    };
    let mut dirs: Vec<_> = contests
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        for path in crate::io::json_files(&dir)? {
            // Each file read once, as its statement.
            let (at, entry) = if reveals {
                let s: Signed<audit::model::SeedReveal> = read_json(&path)?;
                let subject = format!("{}/{}", s.body.contest_id, s.body.party_id);
                (
                    s.body.signed_at,
                    LogEntry::of(kind, &s.body.election_id, &subject, &s)?,
                )
            } else {
                let s: Signed<SeedCommitment> = read_json(&path)?;
                let subject = format!("{}/{}", s.body.contest_id, s.body.party_id);
                (
                    s.body.signed_at,
                    LogEntry::of(kind, &s.body.election_id, &subject, &s)?,
                )
            };
            out.push(Timed { at, entry });
        }
    }
    out.sort_by_key(|t| t.at);
    Ok(out)
}

/// The entries of the close-of-poll statements in an input folder (`close_of_poll/`), as the
/// RO's office appends them on poll night, before any bundle exists.
pub fn close_of_poll_entries(input: &Path) -> Result<Vec<Timed>, ProverError> {
    let mut out = Vec::new();
    for path in crate::io::json_files(&input.join(layout::CLOSE_OF_POLL))? {
        let list: Vec<Signed<CloseOfPoll>> = read_json(&path)?;
        for c in &list {
            out.push(Timed {
                at: c.body.signed_at,
                entry: LogEntry::of(
                    kinds::CLOSE_OF_POLL,
                    &c.body.election_id,
                    &station_subject(&c.body.contest.contest_id, &c.body.station_id),
                    c,
                )?,
            });
        }
    }
    out.sort_by_key(|t| t.at);
    Ok(out)
}

/// Appends entries not yet in the log (an entry already there, byte for byte, is skipped, so
/// appending a stage twice is harmless); returns how many were appended.
pub fn append(log: &mut LogWriter, entries: &[Timed]) -> Result<usize, ProverError> {
    let tree = log.tree();
    let have: HashSet<[u8; 32]> = (0..tree.size())
        .filter_map(|i| tree.leaf(i).map(|h| h.0))
        .collect();
    let mut added = 0;
    for t in entries {
        let bytes = t.entry.to_bytes()?;
        if have.contains(&tlog::tree::leaf_hash(&bytes).0) {
            continue;
        }
        log.append(&bytes)?;
        added += 1;
    }
    Ok(added)
}

/// What a replay did.
#[derive(Debug)]
pub struct Replayed {
    /// Entries appended.
    pub entries: u64,
    /// Heads published.
    pub heads: u64,
    /// The last head.
    pub head: Vec<u8>,
}

/// Replays a published election's timeline into its log: each group of statements made at one
/// time is appended and published, and each witness cosigns it `delay` seconds later by its
/// clock. For drills and sample elections (real witnesses run `witness serve` on their own
/// machines, with their own clocks).
pub fn replay(
    log: &mut LogWriter,
    entries: &[Timed],
    witnesses: &[Witness],
    delay: u64,
) -> Result<Replayed, ProverError> {
    let mut heads = 0;
    let mut appended = 0;
    let mut head = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let at = entries[i].at;
        let j = entries[i..]
            .iter()
            .position(|t| t.at != at)
            .map_or(entries.len(), |p| i + p);
        appended += append(log, &entries[i..j])? as u64;
        let mut locals: Vec<LocalWitness> = witnesses
            .iter()
            .map(|witness| LocalWitness {
                witness,
                now: at + delay,
            })
            .collect();
        let mut refs: Vec<&mut dyn Cosigner> =
            locals.iter_mut().map(|l| l as &mut dyn Cosigner).collect();
        let p = log.publish(&mut refs)?;
        if let Some((name, Err(r))) = p.answers.iter().find(|a| a.1.is_err()) {
            return Err(ProverError::Io {
                path: "log".into(),
                reason: format!(
                    "witness {name} refused the head of size {}: {r}",
                    log.size()
                ),
            });
        }
        head = p.head.bytes;
        heads += 1;
        i = j;
    }
    Ok(Replayed {
        entries: appended,
        heads,
        head,
    })
}

/// The manifest's witness-key file format: one `<name>+<id>+<key>` per line, `#` comments.
pub fn write_witness_keys(
    path: &Path,
    keys: &[tlog::PublicKey],
    note: &str,
) -> Result<(), ProverError> {
    let mut text = format!("# {note}\n");
    for k in keys {
        text.push_str(&k.to_vkey());
        text.push('\n');
    }
    crate::io::write_bytes(path, text.as_bytes())
}
