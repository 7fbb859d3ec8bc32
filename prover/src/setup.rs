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

/// `setup.json`'s kind for keys from a multi-party ceremony.
pub const MULTI_PARTY: &str = "multi-party";
/// Folder of a key folder (and of a bundle) holding the ceremony files.
pub const CEREMONY_DIR: &str = "ceremony";
/// The aggregation powers' file in a key folder from a ceremony made for aggregated proofs.
pub const AGGREGATION_FILE: &str = "aggregation.bin";

/// Writes a key folder from a finished ceremony: each shape's proving and verifying key,
/// `setup.json` (multi-party, naming the contributors) and the ceremony files a bundle carries.
pub fn write_ceremony_keys(
    ceremony: &circuits::ceremony::Ceremony,
    dir: &Path,
) -> Result<(KeyDir, circuits::ceremony::CeremonyReport), ProverError> {
    let circ = |context: String| move |source| ProverError::Circuit { context, source };
    let mut rng = rand::rngs::OsRng;
    let (report, pks) = ceremony
        .finalize(&mut rng)
        .map_err(circ("finalize".into()))?;
    let mut entries = Vec::new();
    for (shape, pk) in pks {
        let pk = keys::ProvingKey::from_groth16(shape, pk)
            .map_err(circ(format!("key of shape {shape}")))?;
        let vk =
            keys::vk_to_bytes(pk.verifying_key()).map_err(circ(format!("key of shape {shape}")))?;
        write_bytes(
            &dir.join(format!("{shape}.pk")),
            &pk.to_bytes()
                .map_err(circ(format!("key of shape {shape}")))?,
        )?;
        write_bytes(&dir.join(format!("{shape}.vk")), &vk)?;
        entries.push(SetupShape {
            shape: shape.to_string(),
            vk_sha256: bundle::digest::sha256_hex(&vk),
        });
    }
    let part = ceremony.bundle_part().map_err(circ("bundle part".into()))?;
    let cdir = dir.join(CEREMONY_DIR);
    let transcript = serde_json::to_vec_pretty(&part.transcript).map_err(|e| ProverError::Io {
        path: cdir.join("transcript.json").display().to_string(),
        reason: e.to_string(),
    })?;
    write_bytes(&cdir.join("transcript.json"), &transcript)?;
    write_bytes(&cdir.join("phase1.bin"), &part.phase1_bytes())?;
    for (shape, st) in ceremony.shapes.iter().zip(&part.states) {
        write_bytes(
            &cdir.join(format!("{shape}.bin")),
            &circuits::ceremony::BundleCeremony::state_bytes(st),
        )?;
    }
    // The aggregation powers, for `prove` to aggregate the proofs of each contest (the
    // prover's; a bundle carries only the first powers, in the transcript's last record).
    if let Some(powers) = &ceremony.aggregation {
        write_bytes(&dir.join(AGGREGATION_FILE), &powers.file_bytes())?;
    }
    let setup = SetupFile {
        kind: MULTI_PARTY.into(),
        performed_by: format!(
            "multi-party ceremony: {} contributions by {} contributors",
            report.contributions.len(),
            report.contributors()
        ),
        shapes: entries,
    };
    write_json(&dir.join("setup.json"), &setup)?;
    Ok((
        KeyDir {
            dir: dir.to_path_buf(),
            setup,
        },
        report,
    ))
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

    /// The ceremony files a multi-party key folder carries for the bundle (`ceremony/...`,
    /// bundle paths and bytes); empty for a single-party setup.
    pub fn ceremony_files(&self) -> Result<Vec<(String, Vec<u8>)>, ProverError> {
        if self.setup.kind != MULTI_PARTY {
            return Ok(Vec::new());
        }
        let mut names = vec!["transcript.json".to_string(), "phase1.bin".to_string()];
        for s in self.shapes()? {
            names.push(format!("{s}.bin"));
        }
        // The contributors' signatures, when finalize was given any.
        let sigs = circuits::ceremony::signatures::FILE;
        if self.dir.join(CEREMONY_DIR).join(sigs).exists() {
            names.push(sigs.to_string());
        }
        names
            .into_iter()
            .map(|n| {
                let path = self.dir.join(CEREMONY_DIR).join(&n);
                let bytes = std::fs::read(&path).map_err(|e| ProverError::Io {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                Ok((format!("{CEREMONY_DIR}/{n}"), bytes))
            })
            .collect()
    }

    /// The aggregation key, when the folder comes from a ceremony made for aggregated proofs
    /// (`None` otherwise). Its powers are checked against the ceremony's transcript: the first
    /// powers those of the last phase-1 record, the rest by random linear combinations.
    pub fn aggregation_key(
        &self,
    ) -> Result<Option<circuits::aggregate::AggregationKey>, ProverError> {
        let path = self.dir.join(AGGREGATION_FILE);
        if self.setup.kind != MULTI_PARTY || !path.exists() {
            return Ok(None);
        }
        let name = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| ProverError::Io {
            path: name.clone(),
            reason: e.to_string(),
        })?;
        let circ = |source| ProverError::Circuit {
            context: name.clone(),
            source,
        };
        let powers =
            circuits::ceremony::aggregation::AggregationPowers::from_file_bytes(&bytes, &name)
                .map_err(circ)?;
        let tpath = self.dir.join(CEREMONY_DIR).join("transcript.json");
        let t: circuits::ceremony::Transcript = read_json(&tpath)?;
        let last = t
            .phase1
            .last()
            .and_then(|r| r.aggregation.as_ref())
            .ok_or_else(|| {
                ProverError::input(
                    tpath.display().to_string(),
                    None,
                    "the ceremony has no aggregation update, but the key folder has aggregation powers",
                )
            })?;
        let end = circuits::ceremony::aggregation::AggregationUpdate::from_json(last)
            .map_err(circ)?
            .end;
        powers.check(&end, &mut rand::rngs::OsRng).map_err(circ)?;
        let key = circuits::aggregate::AggregationKey::from_powers(
            powers.a_g1,
            powers.a_g2,
            powers.b_g1,
            powers.b_g2,
        )
        .map_err(circ)?;
        Ok(Some(key))
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
