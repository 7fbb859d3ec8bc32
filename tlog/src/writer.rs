//! Writing a log as static files: entries are appended in memory, then `publish` writes the new
//! entry bundles and hash tiles, signs the checkpoint, asks every witness to cosign it
//! (tlog-witness), and writes the cosigned note as `checkpoint` and as the next
//! `checkpoints/<k>`. A log folder is served as it is by any static web server or object store.

use crate::note::{NoteKey, SignedHead};
use crate::tiles::{self, entries_path, hash_tiles, history_path, tile_path, CHECKPOINT, WIDTH};
use crate::witness::{request, write_atomic, Refusal, Witness};
use crate::{Checkpoint, LogError, Tree};
use std::path::{Path, PathBuf};

/// Something that cosigns checkpoints: a witness in this process, or one reached over HTTP.
pub trait Cosigner {
    /// How to name it in messages (its URL or key name).
    fn name(&self) -> String;
    /// One `add-checkpoint` call.
    fn add_checkpoint(&mut self, body: &[u8]) -> Result<Vec<u8>, Refusal>;
}

/// A witness in this process, cosigning at the time its clock gives (a drill or a sample
/// election sets the clock; a real witness runs as its own program with the system clock).
#[derive(Debug)]
pub struct LocalWitness<'a> {
    /// The witness.
    pub witness: &'a Witness,
    /// Its clock, Unix seconds.
    pub now: u64,
}

impl Cosigner for LocalWitness<'_> {
    fn name(&self) -> String {
        self.witness.public().name.clone()
    }
    fn add_checkpoint(&mut self, body: &[u8]) -> Result<Vec<u8>, Refusal> {
        self.witness.add_checkpoint(body, self.now)
    }
}

/// What each witness answered when a head was published.
#[derive(Debug)]
pub struct Published {
    /// The cosigned head as written.
    pub head: SignedHead,
    /// Per witness: its name and `Ok` or its refusal.
    pub answers: Vec<(String, Result<(), Refusal>)>,
}

/// A log open for appending.
#[derive(Debug)]
pub struct LogWriter {
    dir: PathBuf,
    key: NoteKey,
    tree: Tree,
    published: u64,
    /// Entries from the start of the bundle holding entry `published` on.
    tail: Vec<Vec<u8>>,
    tail_start: u64,
    history: u64,
}

fn write_new(path: &Path, data: &[u8]) -> Result<(), LogError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| LogError::io(dir.display(), e))?;
    write_atomic(dir, path, data)
}

/// Once a tile is full, its partial versions (`<N>.p/<W>`) are no longer served: readers of a
/// smaller head read the full tile's first entries (tlog-tiles allows it).
fn remove_partials(full: &Path) -> Result<(), LogError> {
    let mut p = full.as_os_str().to_owned();
    p.push(".p");
    let dir = PathBuf::from(p);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(LogError::io(dir.display(), e)),
        _ => Ok(()),
    }
}

impl LogWriter {
    /// Creates an empty log in `dir` (which must be empty or absent), signed by `key`, whose
    /// name is the log's origin.
    pub fn init(dir: &Path, key: NoteKey) -> Result<Self, LogError> {
        if dir.join(CHECKPOINT).exists() {
            return Err(LogError::malformed(
                dir.display(),
                "already holds a log (a checkpoint)",
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| LogError::io(dir.display(), e))?;
        let log = Self {
            dir: dir.to_path_buf(),
            key,
            tree: Tree::new(),
            published: 0,
            tail: Vec::new(),
            tail_start: 0,
            history: 0,
        };
        let note = log.sign_head()?;
        write_new(&log.dir.join(CHECKPOINT), &note)?;
        Ok(log)
    }

    /// Opens the log in `dir` for appending, with its key: the tree is rebuilt from the level-0
    /// hash tiles and checked against the checkpoint.
    pub fn open(dir: &Path, key: NoteKey) -> Result<Self, LogError> {
        let read = |rel: &str| -> Result<Vec<u8>, LogError> {
            let p = dir.join(rel);
            std::fs::read(&p).map_err(|e| LogError::io(p.display(), e))
        };
        let head = SignedHead::parse(CHECKPOINT, &read(CHECKPOINT)?)?;
        if !head.signed_by_log(key.public()) {
            return Err(LogError::BadSignature {
                path: dir.join(CHECKPOINT).display().to_string(),
                reason: "not signed by this log key".into(),
            });
        }
        let size = head.checkpoint.size();
        let mut tree = Tree::new();
        for (level, n, width) in hash_tiles(size) {
            if level != 0 {
                continue;
            }
            let path = tile_path(0, n, width);
            let data = read(&path)?;
            if data.len() as u64 != 32 * width {
                return Err(LogError::malformed(path, "not a whole number of hashes"));
            }
            for h in data.chunks_exact(32) {
                let mut a = [0u8; 32];
                a.copy_from_slice(h);
                tree.push_leaf(crate::Hash(a));
            }
        }
        if tree.root(size) != Some(*head.checkpoint.hash()) {
            return Err(LogError::Inconsistent {
                path: dir.join(CHECKPOINT).display().to_string(),
                reason: "the level-0 tiles do not give the checkpoint's root".into(),
            });
        }
        let tail_start = size / WIDTH * WIDTH;
        let tail = if size > tail_start {
            let path = entries_path(size / WIDTH, size - tail_start);
            tiles::decode_bundle(&path, &read(&path)?, size - tail_start)?
        } else {
            Vec::new()
        };
        let mut history = 0;
        while dir.join(history_path(history)).exists() {
            history += 1;
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            key,
            tree,
            published: size,
            tail,
            tail_start,
            history,
        })
    }

    /// Entries in the tree (published or not).
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The size of the last published head.
    pub fn published(&self) -> u64 {
        self.published
    }

    /// The tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Appends an entry (written at the next `publish`); returns its index.
    pub fn append(&mut self, entry: &[u8]) -> Result<u64, LogError> {
        if entry.len() > tiles::MAX_ENTRY {
            return Err(LogError::malformed(
                "entry",
                format!(
                    "{} bytes: a log entry holds at most {} bytes",
                    entry.len(),
                    tiles::MAX_ENTRY
                ),
            ));
        }
        self.tail.push(entry.to_vec());
        Ok(self.tree.push(entry))
    }

    fn sign_head(&self) -> Result<Vec<u8>, LogError> {
        let size = self.tree.size();
        let root = self.tree.root(size).unwrap_or(tlog_tiles::EMPTY_HASH);
        let cp = Checkpoint::new(&self.key.public().name, size, root, "")
            .map_err(|e| LogError::malformed("checkpoint", e))?;
        self.key.sign_checkpoint(&cp)
    }

    /// The published head, as served (`checkpoint`).
    pub fn head(&self) -> Result<SignedHead, LogError> {
        let p = self.dir.join(CHECKPOINT);
        SignedHead::parse(
            CHECKPOINT,
            &std::fs::read(&p).map_err(|e| LogError::io(p.display(), e))?,
        )
    }

    /// An `add-checkpoint` request for the published head, from size `old`: for a witness
    /// reached by file (`witness cosign --request`).
    pub fn request(&self, old: u64) -> Result<Vec<u8>, LogError> {
        let head = self.head()?;
        let proof = self.tree.consistency(old, self.published).ok_or_else(|| {
            LogError::malformed(
                "request",
                format!("no proof from size {old} to {}", self.published),
            )
        })?;
        Ok(request(old, &proof, &head.bytes))
    }

    /// Adds a witness's answer (its cosignature line, from a file) to the published head, in
    /// `checkpoint` and in the last `checkpoints/<k>`. A line that is not `witness`'s valid
    /// cosignature of this head is refused.
    pub fn attach(
        &mut self,
        lines: &[u8],
        witness: &crate::PublicKey,
    ) -> Result<SignedHead, LogError> {
        let head = self.head()?.with_lines(lines)?;
        if !matches!(
            head.cosignatures(std::slice::from_ref(witness))[0],
            Some(Ok(_))
        ) {
            return Err(LogError::BadSignature {
                path: CHECKPOINT.into(),
                reason: format!("not a valid cosignature of this head by {}", witness.name),
            });
        }
        let text = head.text().to_vec();
        let Some(last) = self.history.checked_sub(1) else {
            return Err(LogError::malformed("checkpoints", "no head published yet"));
        };
        let hp = self.dir.join(history_path(last));
        let hist = SignedHead::parse(
            &history_path(last),
            &std::fs::read(&hp).map_err(|e| LogError::io(hp.display(), e))?,
        )?;
        if hist.text() != text.as_slice() {
            return Err(LogError::malformed(
                history_path(last),
                "the last published head is not the one served: publish again",
            ));
        }
        let hist = hist.with_lines(lines)?;
        write_new(&hp, &hist.bytes)?;
        write_new(&self.dir.join(CHECKPOINT), &head.bytes)?;
        Ok(head)
    }

    /// Writes every appended entry and tile, signs the head, asks each cosigner (trying the last
    /// published size, then the size a witness says it last cosigned), and writes the cosigned
    /// head as `checkpoint` and `checkpoints/<k>`.
    pub fn publish(&mut self, cosigners: &mut [&mut dyn Cosigner]) -> Result<Published, LogError> {
        let size = self.tree.size();
        // Entry bundles from the one holding `published` on.
        let mut start = self.tail_start;
        while start < size {
            let width = (size - start).min(WIDTH);
            let path = entries_path(start / WIDTH, width);
            let from = usize::try_from(start - self.tail_start).unwrap_or(usize::MAX);
            let to = from + usize::try_from(width).unwrap_or(0);
            let data = tiles::encode_bundle(self.tail[from..to].iter().map(Vec::as_slice))?;
            let full = self.dir.join(&path);
            if !full.exists() {
                write_new(&full, &data)?;
                if width == WIDTH {
                    remove_partials(&full)?;
                }
            }
            start += width;
        }
        for (level, n, width) in hash_tiles(size) {
            let path = self.dir.join(tile_path(level, n, width));
            if path.exists() {
                continue;
            }
            let data = self
                .tree
                .tile(level, n, u32::try_from(width).unwrap_or(0))
                .ok_or_else(|| LogError::malformed(path.display(), "tile out of the tree"))?;
            write_new(&path, &data)?;
            if width == WIDTH {
                remove_partials(&path)?;
            }
        }
        let note = self.sign_head()?;
        let mut head = SignedHead::parse(CHECKPOINT, &note)?;
        let mut answers = Vec::new();
        for c in cosigners.iter_mut() {
            let mut old = self.published.min(size);
            let mut result = Err(Refusal::Internal("not asked".into()));
            for _ in 0..2 {
                let proof = self.tree.consistency(old, size).unwrap_or_default();
                result = c.add_checkpoint(&request(old, &proof, &note));
                match &result {
                    Err(Refusal::Conflict(s)) if *s <= size && *s != old => old = *s,
                    _ => break,
                }
            }
            match result {
                Ok(lines) => {
                    head = head.with_lines(&lines)?;
                    answers.push((c.name(), Ok(())));
                }
                Err(r) => answers.push((c.name(), Err(r))),
            }
        }
        write_new(&self.dir.join(history_path(self.history)), &head.bytes)?;
        self.history += 1;
        write_new(&self.dir.join(CHECKPOINT), &head.bytes)?;
        self.published = size;
        let keep_from = size / WIDTH * WIDTH;
        let drop = usize::try_from(keep_from - self.tail_start).unwrap_or(0);
        self.tail.drain(..drop.min(self.tail.len()));
        self.tail_start = keep_from;
        Ok(Published { head, answers })
    }
}
