//! A bundle from a zip: the folder zipped (`kachchh/bundle.json`...) or its contents
//! (`bundle.json`...). Every entry becomes a file of the bundle, so the checks see exactly what
//! the zip holds (an extra file fails V1.c as it would on disk), with three exceptions, each
//! reported: folder entries, the one top folder that holds `bundle.json`, and the `__MACOSX/`
//! resource forks that the macOS archiver adds. Sizes are bounded before anything is inflated.

use std::io::Read;
use verifier::Memory;

/// The most a bundle may inflate to in a page (the verifier's own bound on one document is
/// [`verifier::check::MAX_DOCUMENT`]).
pub const MAX_TOTAL: u64 = 4 << 30;

/// Reads a zip into a bundle; returns it with what was noticed on the way.
pub fn read(name: &str, bytes: &[u8]) -> Result<(Memory, Vec<String>), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("{name}: not a zip archive: {e}"))?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.to_string()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{name}: an entry name cannot be read: {e}"))?;
    let top = common_top(&names);
    let mut notes = Vec::new();
    if let Some(t) = &top {
        notes.push(format!(
            "{name}: the bundle is the folder {t}/ inside the zip"
        ));
    }
    let mut mem = Memory::new(name);
    let mut total = 0u64;
    let mut forks = 0usize;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("{name}: entry {i} cannot be read: {e}"))?;
        let raw = entry
            .name()
            .map_err(|e| format!("{name}: entry {i} has no readable name: {e}"))?
            .to_string();
        if raw.starts_with("__MACOSX/") {
            forks += 1;
            continue;
        }
        let rel = match &top {
            Some(t) => raw
                .strip_prefix(t.as_str())
                .and_then(|r| r.strip_prefix('/'))
                .unwrap_or(&raw)
                .to_string(),
            None => raw.clone(),
        };
        if entry.is_dir() || rel.is_empty() {
            continue;
        }
        if entry.is_symlink() {
            mem.insert_link(rel.trim_end_matches('/'))
                .map_err(|e| format!("{name}: {e}"))?;
            continue;
        }
        let size = entry.size();
        if size > verifier::check::MAX_DOCUMENT {
            return Err(format!(
                "{name}: {raw} inflates to {size} bytes, more than a bundle file may hold"
            ));
        }
        total = total.saturating_add(size);
        if total > MAX_TOTAL {
            return Err(format!(
                "{name}: the archive inflates to more than {MAX_TOTAL} bytes"
            ));
        }
        let mut buf = Vec::with_capacity(size as usize);
        // The declared size is checked against what inflates: no more is ever read.
        (&mut entry)
            .take(size + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("{name}: {raw} cannot be inflated: {e}"))?;
        if buf.len() as u64 != size {
            return Err(format!(
                "{name}: {raw} inflates to another size than the archive declares"
            ));
        }
        mem.insert(&rel, buf).map_err(|e| format!("{name}: {e}"))?;
    }
    if forks > 0 {
        notes.push(format!(
            "{name}: {forks} __MACOSX/ entries (the macOS archiver's resource forks) were left out"
        ));
    }
    if mem.is_empty() {
        return Err(format!("{name}: the archive holds no file"));
    }
    Ok((mem, notes))
}

/// The one folder every entry is in, when the bundle's index is directly in it and not at
/// the top of the archive.
fn common_top(names: &[String]) -> Option<String> {
    let real: Vec<&String> = names
        .iter()
        .filter(|n| !n.starts_with("__MACOSX/"))
        .collect();
    if real.iter().any(|n| n.as_str() == "bundle.json") {
        return None;
    }
    let first = real.first()?.split('/').next()?.to_string();
    let inside = real
        .iter()
        .all(|n| n.split('/').next() == Some(first.as_str()) && n.len() > first.len());
    let index = format!("{first}/bundle.json");
    (inside && real.iter().any(|n| **n == index)).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use verifier::source::{Kind, Source};

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            if name.ends_with('/') {
                w.add_directory(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
            } else {
                w.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(data).unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn the_folder_or_its_contents() {
        for (zipped, top) in [
            (
                zip_of(&[
                    ("b/", b""),
                    ("b/bundle.json", b"{}"),
                    ("b/contests/c.json", b"1"),
                ]),
                true,
            ),
            (
                zip_of(&[("bundle.json", b"{}"), ("contests/c.json", b"1")]),
                false,
            ),
        ] {
            let (m, notes) = read("x.zip", &zipped).unwrap();
            assert_eq!(m.read("contests/c.json").unwrap(), b"1");
            assert_eq!(m.file_count(), 2);
            assert_eq!(notes.len(), usize::from(top));
        }
    }

    #[test]
    fn every_file_is_kept_but_mac_forks() {
        let z = zip_of(&[
            ("b/bundle.json", b"{}"),
            ("b/SECRET_salts.json", b"s"),
            ("__MACOSX/b/._bundle.json", b"x"),
        ]);
        let (m, notes) = read("x.zip", &z).unwrap();
        assert!(m
            .entries()
            .contains(&("SECRET_salts.json".to_string(), Kind::File)));
        assert_eq!(m.file_count(), 2);
        assert!(notes.iter().any(|n| n.contains("__MACOSX")));
        // Two top folders: kept as they are (V1.c then reports them).
        let z = zip_of(&[("a/bundle.json", b"{}"), ("b/x", b"1")]);
        let (m, _) = read("x.zip", &z).unwrap();
        assert!(m.read("a/bundle.json").is_ok());
    }

    #[test]
    fn refuses_what_is_not_a_bundle_archive() {
        assert!(read("x.zip", b"PK not really")
            .unwrap_err()
            .contains("not a zip"));
        let z = zip_of(&[("d/", b"")]);
        assert!(read("x.zip", &z).unwrap_err().contains("no file"));
        let z = zip_of(&[("../escape.json", b"{}")]); // a hostile path
        assert!(read("x.zip", &z)
            .unwrap_err()
            .contains("not a plain relative path"));
    }
}
