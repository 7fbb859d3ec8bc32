//! `prover setup`: Groth16 keys per shape, with their digests (spec `protocol.md` §4.4).
//!
//! This is a single-party setup: whoever runs it could forge proofs. The manifest records it
//! and the verifier's report says so.

use crate::error::ProverError;
use crate::io::{read_json, write_bytes, write_json};
use circuits::{keys, Shape};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `setup.json` of a key folder.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupFile {
    /// "single-party".
    pub kind: String,
    /// Who ran the setup.
    pub performed_by: String,
    /// Shapes and verifying-key digests.
    pub shapes: Vec<SetupShape>,
}

/// One shape of a key folder.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupShape {
    /// `VOTESxCHOICES`.
    pub shape: String,
    /// SHA-256 of the verifying key's canonical bytes.
    pub vk_sha256: String,
}

/// A folder of keys written by [`setup`].
#[derive(Clone, Debug)]
pub struct KeyDir {
    dir: PathBuf,
    /// Its `setup.json`.
    pub setup: SetupFile,
}

/// Generates keys for `shapes` into `dir`.
pub fn setup<R: RngCore + CryptoRng>(
    shapes: &[Shape],
    performed_by: &str,
    dir: &Path,
    rng: &mut R,
) -> Result<KeyDir, ProverError> {
    let mut entries = Vec::new();
    for shape in shapes {
        let pk = keys::setup(*shape, rng).map_err(|source| ProverError::Circuit {
            context: format!("setup of shape {shape}"),
            source,
        })?;
        let circ = |source| ProverError::Circuit {
            context: format!("key of shape {shape}"),
            source,
        };
        let vk = keys::vk_to_bytes(pk.verifying_key()).map_err(circ)?;
        let digest = keys::vk_digest(pk.verifying_key()).map_err(circ)?;
        write_bytes(
            &dir.join(format!("{shape}.pk")),
            &pk.to_bytes().map_err(circ)?,
        )?;
        write_bytes(&dir.join(format!("{shape}.vk")), &vk)?;
        entries.push(SetupShape {
            shape: shape.to_string(),
            vk_sha256: digest,
        });
    }
    let setup = SetupFile {
        kind: "single-party".into(),
        performed_by: performed_by.into(),
        shapes: entries,
    };
    write_json(&dir.join("setup.json"), &setup)?;
    Ok(KeyDir {
        dir: dir.to_path_buf(),
        setup,
    })
}

impl KeyDir {
    /// Opens a key folder.
    pub fn open(dir: &Path) -> Result<Self, ProverError> {
        let setup: SetupFile = read_json(&dir.join("setup.json"))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            setup,
        })
    }

    /// The shapes it holds.
    pub fn shapes(&self) -> Result<Vec<Shape>, ProverError> {
        self.setup
            .shapes
            .iter()
            .map(|s| {
                Shape::parse(&s.shape).map_err(|source| ProverError::Circuit {
                    context: format!(
                        "{}: shape {}",
                        self.dir.join("setup.json").display(),
                        s.shape
                    ),
                    source,
                })
            })
            .collect()
    }

    /// Loads the proving key of `shape`.
    pub fn proving_key(&self, shape: Shape) -> Result<keys::ProvingKey, ProverError> {
        let path = self.dir.join(format!("{shape}.pk"));
        let bytes = std::fs::read(&path).map_err(|e| ProverError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        keys::ProvingKey::from_bytes(shape, &bytes).map_err(|source| ProverError::Circuit {
            context: path.display().to_string(),
            source,
        })
    }

    /// The verifying key bytes of `shape`, checked against `setup.json`.
    pub fn verifying_key_bytes(&self, shape: Shape) -> Result<Vec<u8>, ProverError> {
        let path = self.dir.join(format!("{shape}.vk"));
        let bytes = std::fs::read(&path).map_err(|e| ProverError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let digest = bundle::digest::sha256_hex(&bytes);
        let listed = self
            .setup
            .shapes
            .iter()
            .find(|s| s.shape == shape.to_string());
        if listed.map(|s| s.vk_sha256.as_str()) != Some(digest.as_str()) {
            return Err(ProverError::input(
                path.display().to_string(),
                None,
                "verifying key does not match the digest in setup.json",
            ));
        }
        Ok(bytes)
    }
}
