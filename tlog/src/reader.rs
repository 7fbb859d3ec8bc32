//! Reading a whole log, from a folder or (feature `http`) a URL, checking as it goes: the head
//! is signed by the log's key, every entry bundle holds the entries the head implies, the
//! entries give the head's root, and every hash tile holds the hashes of the entries. Every
//! file is refused unread when it is larger than its format allows.

use crate::note::{PublicKey, SignedHead};
use crate::tiles::{self, entries_path, hash_tiles, history_path, tile_path, CHECKPOINT, WIDTH};
use crate::{LogError, Tree};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where a log is read from.
pub trait Fetch: Sync {
    /// The file at `path` (relative to the log), `None` if there is none; refused unread when
    /// larger than `limit`.
    fn get(&self, path: &str, limit: usize) -> Result<Option<Vec<u8>>, LogError>;
    /// The folder or URL, for messages.
    fn place(&self) -> String;
}

/// A log in a folder (as written, or mirrored from its server).
#[derive(Debug, Clone)]
pub struct DirFetch {
    root: PathBuf,
}

impl DirFetch {
    /// A log folder, which must exist.
    pub fn new(root: &Path) -> Result<Self, LogError> {
        if !root.is_dir() {
            return Err(LogError::Unreachable {
                place: root.display().to_string(),
                reason: "no such folder".into(),
            });
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }
}

impl Fetch for DirFetch {
    fn get(&self, path: &str, limit: usize) -> Result<Option<Vec<u8>>, LogError> {
        let full = self.root.join(path);
        let file = match std::fs::File::open(&full) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(LogError::io(full.display(), e)),
        };
        let too_large = || LogError::TooLarge {
            path: path.into(),
            limit,
        };
        let meta = file
            .metadata()
            .map_err(|e| LogError::io(full.display(), e))?;
        if !meta.is_file() {
            return Err(LogError::malformed(path, "not a file"));
        }
        if meta.len() > limit as u64 {
            return Err(too_large());
        }
        let mut data = Vec::new();
        file.take(limit as u64 + 1)
            .read_to_end(&mut data)
            .map_err(|e| LogError::io(full.display(), e))?;
        if data.len() > limit {
            return Err(too_large());
        }
        Ok(Some(data))
    }

    fn place(&self) -> String {
        self.root.display().to_string()
    }
}

/// A log as read and checked.
#[derive(Debug)]
pub struct ReadLog {
    /// The head (`checkpoint`), signed by the log key.
    pub head: SignedHead,
    /// Every entry, in order.
    pub entries: Vec<Vec<u8>>,
    /// The tree over them.
    pub tree: Tree,
    /// Every cosigned head the log published (`checkpoints/<k>`), each parsed or not.
    pub history: History,
}

/// The cosigned heads of a log's history: path, and the head or why it could not be read.
pub type History = Vec<(String, Result<SignedHead, LogError>)>;

/// The most cosigned heads read from a log's history.
pub const MAX_HISTORY: u64 = 1_000_000;

fn need(f: &dyn Fetch, path: &str, limit: usize) -> Result<Vec<u8>, LogError> {
    f.get(path, limit)?
        .ok_or_else(|| LogError::Missing { path: path.into() })
}

/// The log's head, checked against the log key.
pub fn read_head(f: &dyn Fetch, log: &PublicKey) -> Result<SignedHead, LogError> {
    let head = SignedHead::parse(CHECKPOINT, &need(f, CHECKPOINT, tiles::MAX_NOTE)?)?;
    if !head.signed_by_log(log) {
        return Err(LogError::BadSignature {
            path: CHECKPOINT.into(),
            reason: format!(
                "not signed by the log key {} (origin {:?})",
                log.to_vkey(),
                head.checkpoint.origin()
            ),
        });
    }
    Ok(head)
}

/// Reads entries `from..to` (whole bundles) into `entries` and `tree`.
pub fn read_entries(
    f: &dyn Fetch,
    size: u64,
    tree: &mut Tree,
    entries: &mut Vec<Vec<u8>>,
) -> Result<(), LogError> {
    let mut at = tree.size();
    while at < size {
        let n = at / WIDTH;
        let width = (size - n * WIDTH).min(WIDTH);
        let mut path = entries_path(n, width);
        let mut data = f.get(&path, (2 + tiles::MAX_ENTRY) * width as usize)?;
        let mut have = width;
        if data.is_none() && width < WIDTH {
            // A smaller head than the log's current one: its partial bundle may be gone once
            // the full one exists; the full one begins with the same entries.
            path = entries_path(n, WIDTH);
            data = f.get(&path, (2 + tiles::MAX_ENTRY) * WIDTH as usize)?;
            have = WIDTH;
        }
        let data = data.ok_or_else(|| LogError::Missing { path: path.clone() })?;
        let mut bundle = tiles::decode_bundle(&path, &data, have)?;
        bundle.truncate(usize::try_from(width).unwrap_or(0));
        for (i, e) in bundle.into_iter().enumerate() {
            if n * WIDTH + i as u64 >= at {
                tree.push(&e);
                entries.push(e);
            }
        }
        at = n * WIDTH + width;
    }
    Ok(())
}

/// Reads and checks the whole log.
pub fn read(f: &dyn Fetch, log: &PublicKey) -> Result<ReadLog, LogError> {
    let head = read_head(f, log)?;
    let size = head.checkpoint.size();
    let mut tree = Tree::new();
    let mut entries = Vec::new();
    read_entries(f, size, &mut tree, &mut entries)?;
    if tree.root(size) != Some(*head.checkpoint.hash()) {
        return Err(LogError::Inconsistent {
            path: CHECKPOINT.into(),
            reason: format!(
                "the {size} entries give another root than the checkpoint's: the log serves entries its head does not commit to"
            ),
        });
    }
    check_tiles(f, &tree, size)?;
    let history = read_history(f)?;
    Ok(ReadLog {
        head,
        entries,
        tree,
        history,
    })
}

/// Every hash tile of a tree of `size` holds the hashes of the entries.
pub fn check_tiles(f: &dyn Fetch, tree: &Tree, size: u64) -> Result<(), LogError> {
    for (level, n, width) in hash_tiles(size) {
        let path = tile_path(level, n, width);
        let data = need(f, &path, 32 * width as usize)?;
        let want = tree.tile(level, n, u32::try_from(width).unwrap_or(0));
        if want.as_deref() != Some(data.as_slice()) {
            return Err(LogError::Inconsistent {
                path,
                reason: "does not hold the hashes of the log's entries".into(),
            });
        }
    }
    Ok(())
}

/// Every cosigned head the log kept, in order, up to the first missing one.
pub fn read_history(f: &dyn Fetch) -> Result<History, LogError> {
    let mut out = Vec::new();
    for k in 0..MAX_HISTORY {
        let path = history_path(k);
        match f.get(&path, tiles::MAX_NOTE) {
            Ok(None) => break,
            Ok(Some(bytes)) => {
                let parsed = SignedHead::parse(&path, &bytes);
                out.push((path, parsed));
            }
            Err(e @ LogError::Unreachable { .. }) => return Err(e),
            Err(e) => out.push((path, Err(e))),
        }
    }
    Ok(out)
}
