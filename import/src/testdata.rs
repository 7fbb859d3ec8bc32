//! Where the repository keeps the published result sheets its tests and scripts read
//! (`data/real/`, with their source and licence notes). For tests: a checkout that lacks a folder
//! gets a failure that says which one and why, not a bare "No such file or directory".

use std::path::{Path, PathBuf};

/// The repository's `data/real/<rel>` folder, or an error naming it and the reason.
///
/// The folder is part of the repository (about 0.9 MB of public Form 20 CSV); it is only
/// missing from a checkout that was cut short or edited by hand.
pub fn real(rel: &str) -> Result<PathBuf, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("data/real")
        .join(rel);
    if path.is_dir() {
        Ok(path)
    } else {
        Err(format!(
            "test data data/real/{rel} is missing from this checkout ({}): the repository \
             carries it; restore it with `git checkout -- data/real`",
            path.display()
        ))
    }
}
