//! A witness (c2sp.org/tlog-witness): it cosigns a log's checkpoint only if the checkpoint is
//! signed by the log's key and extends, by a valid consistency proof, the last checkpoint it
//! cosigned for that log. Its state (per log, the last cosigned checkpoint) is written to disk
//! and synced *before* it answers, so that no crash or restart can make it cosign a head that
//! is not an extension of one it cosigned before. A checkpoint that fails the proof is kept, with
//! the one it contradicts, as log-signed evidence of a fork.

use crate::note::{KeyKind, NoteKey, PublicKey, SignedHead};
use crate::tree::verify_consistency;
use crate::{Hash, LogError};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The largest `add-checkpoint` request body read (a 63-hash proof and a large note).
pub const MAX_REQUEST: usize = 128 * 1024;

/// Why a witness refuses to cosign, with the HTTP status tlog-witness gives it.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 400: the request is malformed, or the checkpoint is smaller than `old`.
    BadRequest(String),
    /// 403: the checkpoint is not signed by the log's key.
    Forbidden(String),
    /// 404: the witness does not follow a log of this origin.
    UnknownLog(String),
    /// 409: `old` is not the size the witness last cosigned (the answer gives it).
    Conflict(u64),
    /// 422: the consistency proof does not hold; the checkpoint was kept as evidence.
    BadProof(String),
    /// 500: the witness could not persist its state; it does not cosign.
    Internal(String),
}

impl Refusal {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::UnknownLog(_) => 404,
            Refusal::Conflict(_) => 409,
            Refusal::BadProof(_) => 422,
            Refusal::Internal(_) => 500,
        }
    }

    /// The response body.
    pub fn body(&self) -> String {
        match self {
            Refusal::Conflict(size) => format!("{size}\n"),
            Refusal::BadRequest(m)
            | Refusal::Forbidden(m)
            | Refusal::UnknownLog(m)
            | Refusal::BadProof(m)
            | Refusal::Internal(m) => format!("{m}\n"),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Conflict(size) => write!(f, "409: the witness last cosigned size {size}"),
            other => write!(f, "{}: {}", other.status(), other.body().trim_end()),
        }
    }
}

/// An `add-checkpoint` request: the size the log believes the witness last cosigned, a
/// consistency proof from it, and the new checkpoint note.
pub fn request(old: u64, proof: &[Hash], note: &[u8]) -> Vec<u8> {
    let mut out = format!("old {old}\n").into_bytes();
    for h in proof {
        out.extend_from_slice(B64.encode(h.0).as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(note);
    out
}

/// An `add-checkpoint` request as parsed.
#[derive(Debug)]
pub struct Request {
    /// The size the log believes the witness last cosigned.
    pub old: u64,
    /// The consistency proof from `old`.
    pub proof: Vec<Hash>,
    /// The new checkpoint.
    pub head: SignedHead,
}

/// Parses an `add-checkpoint` request (at most [`MAX_REQUEST`] bytes, at most 63 proof
/// hashes); a malformed one is a 400.
pub fn parse_request(body: &[u8]) -> Result<Request, Refusal> {
    let bad = |m: &str| Refusal::BadRequest(m.into());
    if body.len() > MAX_REQUEST {
        return Err(bad("request too large"));
    }
    let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
    let (first, rest) = text
        .split_once('\n')
        .ok_or_else(|| bad("no old size line"))?;
    let old = first
        .strip_prefix("old ")
        .and_then(|s| s.parse::<u64>().ok().filter(|n| n.to_string() == s))
        .ok_or_else(|| bad("the first line is not `old <size>`"))?;
    let mut proof = Vec::new();
    let mut rest = rest;
    loop {
        let (line, after) = rest
            .split_once('\n')
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        rest = after;
        if line.is_empty() {
            break;
        }
        let raw = B64
            .decode(line)
            .map_err(|_| bad("a proof line is not base64"))?;
        let h: [u8; 32] = raw
            .try_into()
            .map_err(|_| bad("a proof line is not a 32-byte hash"))?;
        proof.push(Hash(h));
        if proof.len() > 63 {
            return Err(bad("more than 63 proof hashes"));
        }
    }
    let note = rest;
    let head = SignedHead::parse("checkpoint", note.as_bytes())
        .map_err(|e| bad(&format!("the checkpoint: {e}")))?;
    Ok(Request { old, proof, head })
}

/// A witness: its cosigning key, the logs it follows and the folder of its state.
#[derive(Debug)]
pub struct Witness {
    key: NoteKey,
    logs: Vec<PublicKey>,
    state: PathBuf,
}

/// The last checkpoint a witness cosigned for one log.
#[derive(Debug, Clone)]
pub struct LogState {
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
    /// The log-signed note (empty for a log never cosigned).
    pub note: Vec<u8>,
}

impl Witness {
    /// A witness with `key` (a witness key) following `logs` (log keys; a log's origin is its
    /// key's name), keeping its state in `state` (created if absent).
    pub fn open(key: NoteKey, logs: Vec<PublicKey>, state: &Path) -> Result<Self, LogError> {
        if key.public().kind != KeyKind::Witness {
            return Err(LogError::Key {
                what: key.public().name.clone(),
                reason: "not a witness (cosignature) key".into(),
            });
        }
        if let Some(l) = logs.iter().find(|l| l.kind != KeyKind::Log) {
            return Err(LogError::Key {
                what: l.name.clone(),
                reason: "not a log key".into(),
            });
        }
        for dir in [state.to_path_buf(), state.join("forks")] {
            std::fs::create_dir_all(&dir).map_err(|e| LogError::io(dir.display(), e))?;
        }
        Ok(Self {
            key,
            logs,
            state: state.to_path_buf(),
        })
    }

    /// The witness's public key.
    pub fn public(&self) -> &PublicKey {
        self.key.public()
    }

    fn state_path(&self, origin: &str) -> PathBuf {
        self.state.join(format!(
            "{}.checkpoint",
            hex::encode(&Sha256::digest(origin)[..16])
        ))
    }

    /// The last checkpoint cosigned for `origin` (size 0 if none).
    pub fn last(&self, origin: &str) -> Result<LogState, LogError> {
        let path = self.state_path(origin);
        match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LogState {
                size: 0,
                root: tlog_tiles::EMPTY_HASH,
                note: Vec::new(),
            }),
            Err(e) => Err(LogError::io(path.display(), e)),
            Ok(bytes) => {
                let head = SignedHead::parse(&path.display().to_string(), &bytes)?;
                Ok(LogState {
                    size: head.checkpoint.size(),
                    root: *head.checkpoint.hash(),
                    note: bytes,
                })
            }
        }
    }

    /// The tlog-witness `add-checkpoint` call, at the witness's time `now`: the cosignature
    /// line(s) to return, or why not.
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<Vec<u8>, Refusal> {
        let req = parse_request(body)?;
        let origin = req.head.checkpoint.origin().to_string();
        let log =
            self.logs.iter().find(|l| l.name == origin).ok_or_else(|| {
                Refusal::UnknownLog(format!("this witness does not follow {origin}"))
            })?;
        if !req.head.signed_by_log(log) {
            return Err(Refusal::Forbidden(format!(
                "the checkpoint is not signed by the key of {origin}"
            )));
        }
        let last = self
            .last(&origin)
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        if req.old != last.size {
            return Err(Refusal::Conflict(last.size));
        }
        let new = &req.head.checkpoint;
        if new.size() < req.old {
            return Err(Refusal::BadRequest(format!(
                "the checkpoint's size {} is smaller than old {}",
                new.size(),
                req.old
            )));
        }
        if !verify_consistency(&req.proof, last.size, last.root, new.size(), *new.hash()) {
            self.keep_fork(&last.note, &req.head.bytes)
                .map_err(|e| Refusal::Internal(e.to_string()))?;
            return Err(Refusal::BadProof(format!(
                "the checkpoint of size {} is not an extension of the one of size {} this witness cosigned; both are kept as evidence",
                new.size(),
                last.size
            )));
        }
        self.persist(&origin, &req.head.bytes)
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        if std::env::var_os("VE_WITNESS_FAILPOINT").is_some_and(|v| v == "after-persist") {
            // Fault injection for the crash test: the state is on disk, no answer is sent.
            std::process::abort();
        }
        self.key
            .cosign(req.head.text(), now)
            .map_err(|e| Refusal::Internal(e.to_string()))
    }

    /// Writes the new state to a temporary file, syncs it, renames it over the old state and
    /// syncs the folder: after a crash the state is the old one or the new one, never neither.
    fn persist(&self, origin: &str, note: &[u8]) -> Result<(), LogError> {
        let path = self.state_path(origin);
        write_atomic(&self.state, &path, note)
    }

    fn keep_fork(&self, old: &[u8], new: &[u8]) -> Result<(), LogError> {
        let digest = hex::encode(&Sha256::digest(new)[..8]);
        let path = self.state.join("forks").join(format!("{digest}.txt"));
        let mut text = b"# The checkpoint this witness had cosigned:\n".to_vec();
        text.extend_from_slice(old);
        text.extend_from_slice(b"# A checkpoint of the same log that does not extend it:\n");
        text.extend_from_slice(new);
        write_atomic(&self.state.join("forks"), &path, &text)
    }

    /// The fork evidence this witness holds (file name and text).
    pub fn forks(&self) -> Result<Vec<(String, Vec<u8>)>, LogError> {
        let dir = self.state.join("forks");
        let mut out = Vec::new();
        for e in std::fs::read_dir(&dir).map_err(|e| LogError::io(dir.display(), e))? {
            let e = e.map_err(|e| LogError::io(dir.display(), e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt") {
                let text = std::fs::read(e.path()).map_err(|x| LogError::io(name.clone(), x))?;
                out.push((name, text));
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Writes `data` to `path` atomically (temporary file in `dir`, sync, rename, sync `dir`).
pub fn write_atomic(dir: &Path, path: &Path, data: &[u8]) -> Result<(), LogError> {
    let mut tmp = tempfile_in(dir).map_err(|e| LogError::io(dir.display(), e))?;
    tmp.1
        .write_all(data)
        .and_then(|()| tmp.1.sync_all())
        .map_err(|e| LogError::io(tmp.0.display(), e))?;
    drop(tmp.1);
    std::fs::rename(&tmp.0, path).map_err(|e| LogError::io(path.display(), e))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        d.sync_all().map_err(|e| LogError::io(dir.display(), e))?;
    }
    Ok(())
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for i in 0..1000u32 {
        let path = dir.join(format!(".tmp-{}-{i}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no temporary file name free"))
}
