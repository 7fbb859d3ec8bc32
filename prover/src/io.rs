//! Reading and writing JSON files with errors that name the file.

use crate::error::ProverError;
use serde::{de::DeserializeOwned, Serialize};
use std::path::Path;

/// Reads and parses a JSON file strictly.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, ProverError> {
    let text = std::fs::read_to_string(path).map_err(|e| ProverError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| {
        ProverError::input(
            path.display().to_string(),
            None,
            format!("not a valid file: {e}"),
        )
    })
}

/// Writes pretty JSON, creating parent folders.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ProverError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| ProverError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    write_bytes(path, text.as_bytes())
}

/// Writes bytes, creating parent folders.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), ProverError> {
    let io = |e: std::io::Error| ProverError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

/// The JSON files of a folder, sorted by name (an absent folder has none).
pub fn json_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, ProverError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let rd = std::fs::read_dir(dir).map_err(|e| ProverError::Io {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut out: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    out.sort();
    Ok(out)
}
