//! Where the verifier reads a bundle from. Every check reads through [`Source`], by bundle path
//! (`contests/ac-1.json`, always `/`-separated and relative to the bundle root): a folder on
//! disk ([`Folder`]) for the command line, or files held in memory ([`Memory`]) for a web page
//! that was handed a chosen folder or a zip. The checks cannot tell the two apart.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// What an entry of the bundle folder is (V1.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A plain file.
    File,
    /// A folder.
    Folder,
    /// A symbolic link (a bundle holds plain files only).
    Link,
    /// A folder whose listing could not be read.
    Unreadable,
    /// An entry whose type could not be read.
    Unknown,
}

/// Read access to one bundle.
pub trait Source: Sync {
    /// How the bundle is named in reports (a folder path, a zip's name).
    fn name(&self) -> String;
    /// Length in bytes of the file at a bundle path.
    fn len(&self, rel: &str) -> io::Result<u64>;
    /// The whole file at a bundle path.
    fn read(&self, rel: &str) -> io::Result<Vec<u8>>;
    /// SHA-256 (hex) and length of the file at a bundle path.
    fn hash(&self, rel: &str) -> io::Result<(String, u64)> {
        let bytes = self.read(rel)?;
        Ok((hex::encode(Sha256::digest(&bytes)), bytes.len() as u64))
    }
    /// Every entry below the bundle root, at any depth, by bundle path.
    fn entries(&self) -> Vec<(String, Kind)>;
    /// Names of the entries directly in a folder of the bundle (empty if there is none).
    fn names_in(&self, folder: &str) -> Vec<String>;
}

/// A bundle folder on disk.
#[derive(Clone, Debug)]
pub struct Folder(pub PathBuf);

impl Folder {
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Source for Folder {
    fn name(&self) -> String {
        self.0.display().to_string()
    }

    fn len(&self, rel: &str) -> io::Result<u64> {
        Ok(std::fs::metadata(self.path(rel))?.len())
    }

    fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(rel))
    }

    /// Read in 1 MiB blocks: memory stays bounded for a file of any size.
    fn hash(&self, rel: &str) -> io::Result<(String, u64)> {
        use std::io::Read;
        let mut f = std::fs::File::open(self.path(rel))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut len = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            len += n as u64;
        }
        Ok((hex::encode(h.finalize()), len))
    }

    fn entries(&self) -> Vec<(String, Kind)> {
        let rel = |p: &Path| {
            p.strip_prefix(&self.0)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default()
        };
        let mut out = Vec::new();
        let mut stack = vec![self.0.clone()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                out.push((rel(&d), Kind::Unreadable));
                continue;
            };
            for entry in rd.flatten() {
                let p = entry.path();
                let kind = match entry.file_type() {
                    Err(_) => Kind::Unknown,
                    Ok(t) if t.is_symlink() => Kind::Link,
                    Ok(t) if t.is_dir() => {
                        stack.push(p.clone());
                        Kind::Folder
                    }
                    Ok(_) => Kind::File,
                };
                out.push((rel(&p), kind));
            }
        }
        out
    }

    fn names_in(&self, folder: &str) -> Vec<String> {
        std::fs::read_dir(self.path(folder))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The paths of a bundle that is not a folder on disk (files in memory, files a page was given):
/// its files and links by bundle path, the folders implied by them. It refuses what a folder
/// could not hold: a path with an empty, `.` or `..` component or a backslash, and two entries
/// at one path.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    files: BTreeSet<String>,
    links: BTreeSet<String>,
}

impl Listing {
    /// Adds a file; returns its path as the listing holds it (a leading `./` or `/` dropped).
    pub fn file(&mut self, rel: &str) -> Result<String, String> {
        let rel = self.plain(rel)?;
        self.files.insert(rel.clone());
        Ok(rel)
    }

    /// Adds a symbolic link (its target is never followed).
    pub fn link(&mut self, rel: &str) -> Result<String, String> {
        let rel = self.plain(rel)?;
        self.links.insert(rel.clone());
        Ok(rel)
    }

    fn plain(&self, rel: &str) -> Result<String, String> {
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        if rel
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(format!("{rel}: not a plain relative path"));
        }
        if rel.contains('\\') {
            return Err(format!("{rel}: a path with a backslash"));
        }
        if self.files.contains(rel) || self.links.contains(rel) {
            return Err(format!("{rel}: given twice"));
        }
        Ok(rel.to_string())
    }

    /// Number of files.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// [`Source::entries`] of the listing.
    pub fn entries(&self) -> Vec<(String, Kind)> {
        let mut folders = BTreeSet::new();
        for rel in self.files.iter().chain(&self.links) {
            let mut at = 0;
            while let Some(i) = rel[at..].find('/') {
                folders.insert(&rel[..at + i]);
                at += i + 1;
            }
        }
        folders
            .into_iter()
            .map(|d| (d.to_string(), Kind::Folder))
            .chain(self.files.iter().map(|f| (f.clone(), Kind::File)))
            .chain(self.links.iter().map(|l| (l.clone(), Kind::Link)))
            .collect()
    }

    /// [`Source::names_in`] of the listing.
    pub fn names_in(&self, folder: &str) -> Vec<String> {
        let prefix = format!("{folder}/");
        let names: BTreeSet<&str> = self
            .files
            .iter()
            .chain(&self.links)
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest))
            .collect();
        names.into_iter().map(str::to_string).collect()
    }
}

/// A bundle held in memory: every file by its bundle path. Folders are implied by the paths.
#[derive(Clone, Default)]
pub struct Memory {
    name: String,
    listing: Listing,
    files: BTreeMap<String, Vec<u8>>,
}

impl core::fmt::Debug for Memory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Memory({}, {} files)", self.name, self.files.len())
    }
}

impl Memory {
    /// An empty bundle named `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            listing: Listing::default(),
            files: BTreeMap::new(),
        }
    }

    /// Adds a file. `rel` uses `/`; a leading `./` or `/` is dropped. Refuses a path with an
    /// empty, `.` or `..` component, and a second file at the same path.
    pub fn insert(&mut self, rel: &str, bytes: Vec<u8>) -> Result<(), String> {
        let rel = self.listing.file(rel)?;
        self.files.insert(rel, bytes);
        Ok(())
    }

    /// Records a symbolic link at `rel` (its target is never followed).
    pub fn insert_link(&mut self, rel: &str) -> Result<(), String> {
        self.listing.link(rel).map(|_| ())
    }

    /// Reads a whole folder from disk (tests, and comparisons with [`Folder`]).
    pub fn from_folder(dir: &Path) -> io::Result<Self> {
        let folder = Folder(dir.to_path_buf());
        let mut m = Self::new(&folder.name());
        for (rel, kind) in folder.entries() {
            if kind == Kind::File {
                let bytes = folder.read(&rel)?;
                m.insert(&rel, bytes)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            }
        }
        Ok(m)
    }

    /// Number of files.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Whether it holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    fn get(&self, rel: &str) -> io::Result<&Vec<u8>> {
        self.files
            .get(rel)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file in the bundle"))
    }
}

impl Source for Memory {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn len(&self, rel: &str) -> io::Result<u64> {
        Ok(self.get(rel)?.len() as u64)
    }

    fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        self.get(rel).cloned()
    }

    fn hash(&self, rel: &str) -> io::Result<(String, u64)> {
        let b = self.get(rel)?;
        Ok((hex::encode(Sha256::digest(b)), b.len() as u64))
    }

    fn entries(&self) -> Vec<(String, Kind)> {
        self.listing.entries()
    }

    fn names_in(&self, folder: &str) -> Vec<String> {
        self.listing.names_in(folder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_lists_folders_and_files() {
        let mut m = Memory::new("b");
        m.insert("bundle.json", b"{}".to_vec()).unwrap();
        m.insert("./contests/a.json", b"1".to_vec()).unwrap();
        m.insert("contests/sub/x.json", b"2".to_vec()).unwrap();
        assert!(m.insert("contests/a.json", vec![]).is_err());
        assert!(m.insert("../x", vec![]).is_err()); // a hostile path
        assert!(m.insert("a//b", vec![]).is_err());
        let e = m.entries();
        assert!(e.contains(&("contests".into(), Kind::Folder)));
        assert!(e.contains(&("contests/sub".into(), Kind::Folder)));
        assert!(e.contains(&("contests/sub/x.json".into(), Kind::File)));
        assert_eq!(
            m.names_in("contests"),
            vec!["a.json".to_string(), "sub".into()]
        );
        assert_eq!(m.len("contests/a.json").unwrap(), 1);
        assert!(m.read("missing").is_err());
        let (h, n) = m.hash("bundle.json").unwrap();
        assert_eq!(n, 2);
        assert_eq!(h, hex::encode(Sha256::digest(b"{}")));
    }
}
