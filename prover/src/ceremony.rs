//! `prover ceremony`: the multi-party key ceremony (spec `ceremony.md`). The coordinator makes
//! the initial state (`init`), contributors each add a contribution on their own machine
//! (`contribute`: it checks the state it receives first), the coordinator closes phase 1
//! (`phase2`), contributors contribute again, anyone checks the chain (`verify`), and the
//! coordinator writes the keys (`finalize`) that `manifest` and `prove` then use.

use crate::error::ProverError;
use crate::io::{write_bytes, write_json};
use circuits::ceremony::signatures::{self, ContributionSignature, SignatureFile};
use circuits::ceremony::{Ceremony, CeremonyReport, Contributor, Phase};
use circuits::Shape;
use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

fn circ(context: &str) -> impl FnOnce(circuits::CircuitError) -> ProverError + '_ {
    move |source| ProverError::Circuit {
        context: context.to_string(),
        source,
    }
}

fn write(c: &Ceremony, out: &Path) -> Result<(), ProverError> {
    let bytes = c.to_bytes().map_err(circ("the new state"))?;
    write_bytes(out, &bytes)
}

fn read(path: &Path) -> Result<Ceremony, ProverError> {
    Ceremony::read(path).map_err(|source| ProverError::Circuit {
        context: path.display().to_string(),
        source,
    })
}

/// `init`: the initial state for `shapes` (no secret in it: every power is a generator), with
/// aggregation powers for `2^aggregation` proofs per aggregate when asked.
pub fn init(
    shapes: &[Shape],
    power: Option<u32>,
    aggregation: Option<u32>,
    out: &Path,
) -> Result<u32, ProverError> {
    let c = Ceremony::new(shapes, power, aggregation).map_err(circ("init"))?;
    write(&c, out)?;
    Ok(c.power)
}

/// `contribute`: checks the state received, adds one contribution to the open phase, writes
/// the new state. Returns the phase and the contribution hash.
pub fn contribute(
    input: &Path,
    out: &Path,
    contributor: Contributor,
    typed_entropy: &[u8],
) -> Result<(Phase, String), ProverError> {
    if out.exists() {
        return Err(ProverError::Io {
            path: out.display().to_string(),
            reason: "already exists: write each state to a new file".into(),
        });
    }
    let refuse = |source| ProverError::Circuit {
        context: format!(
            "{} (the state received does not verify; do not contribute to it)",
            input.display()
        ),
        source,
    };
    let mut c = Ceremony::read(input).map_err(refuse)?;
    c.verify(&mut rand::rngs::OsRng).map_err(refuse)?;
    let h = c
        .contribute(contributor, typed_entropy)
        .map_err(circ("contribution"))?;
    write(&c, out)?;
    Ok((c.phase(), hex::encode(h)))
}

/// `phase2`: closes phase 1 and derives every shape's initial phase-2 state.
pub fn begin_phase2(input: &Path, out: &Path) -> Result<(), ProverError> {
    let mut c = read(input)?;
    c.verify(&mut rand::rngs::OsRng)
        .map_err(circ("the phase-1 state"))?;
    c.begin_phase2().map_err(circ("phase 2"))?;
    write(&c, out)
}

/// `verify`: checks the whole chain so far.
pub fn verify(input: &Path) -> Result<(Phase, CeremonyReport), ProverError> {
    let c = read(input)?;
    let r = c
        .verify(&mut rand::rngs::OsRng)
        .map_err(|source| ProverError::Circuit {
            context: input.display().to_string(),
            source,
        })?;
    Ok((c.phase(), r))
}

/// `finalize`: the key folder (proving and verifying keys, `setup.json`, the ceremony files a
/// bundle carries). `signatures` are the contributors' signature files (`contribute --key`):
/// each is checked against the ceremony, and together they become `ceremony/signatures.json`,
/// which the manifest then binds.
pub fn finalize(
    input: &Path,
    out: &Path,
    signatures: &[PathBuf],
) -> Result<CeremonyReport, ProverError> {
    let c = read(input)?;
    let mut report = crate::setup::write_ceremony_keys(&c, out)?.1;
    if signatures.is_empty() {
        return Ok(report);
    }
    let mut all: Vec<ContributionSignature> = Vec::new();
    for path in signatures {
        let text = std::fs::read(path).map_err(|e| ProverError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let f: SignatureFile = serde_json::from_slice(&text).map_err(|e| {
            ProverError::input(
                path.display().to_string(),
                None,
                format!("not a signature file: {e}"),
            )
        })?;
        all.extend(f.signatures);
    }
    let order = |s: &ContributionSignature| {
        report
            .contributions
            .iter()
            .position(|c| c.hash == s.hash)
            .unwrap_or(usize::MAX)
    };
    all.sort_by_key(order);
    let file = SignatureFile {
        format: signatures::FORMAT.into(),
        signatures: all,
    };
    let keys = signatures::check(&report, &file).map_err(circ("the contributors' signatures"))?;
    for (line, key) in report.contributions.iter_mut().zip(keys) {
        line.key = key;
    }
    write_json(
        &out.join(crate::setup::CEREMONY_DIR).join(signatures::FILE),
        &file,
    )?;
    Ok(report)
}

/// A contributor's secret key file (`ceremony keygen`): kept by the contributor, never shared.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContributorKeyFile {
    format: String,
    secret_key: String,
}

const KEY_FORMAT: &str = "ve-ceremony-contributor-key/v1";

/// `keygen`: a contributor's Ed25519 key, written to `out` (which must not exist). Returns the
/// public key, hex, for the contributor to publish before the ceremony.
pub fn keygen(out: &Path) -> Result<String, ProverError> {
    if out.exists() {
        return Err(ProverError::Io {
            path: out.display().to_string(),
            reason: "already exists: a key is never overwritten".into(),
        });
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let file = ContributorKeyFile {
        format: KEY_FORMAT.into(),
        secret_key: hex::encode(key.to_bytes()),
    };
    let text = Zeroizing::new(
        serde_json::to_vec_pretty(&file).map_err(|e| ProverError::Io {
            path: out.display().to_string(),
            reason: e.to_string(),
        })?,
    );
    // The hex copy of the secret is erased; the serialized text is erased once written.
    drop(Zeroizing::new(file.secret_key));
    write_bytes(out, &text)?;
    Ok(hex::encode(key.verifying_key().as_bytes()))
}

fn contributor_key(path: &Path) -> Result<SigningKey, ProverError> {
    let bad = |why: &str| ProverError::input(path.display().to_string(), None, why.to_string());
    let text = Zeroizing::new(std::fs::read(path).map_err(|e| ProverError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?);
    let file: ContributorKeyFile =
        serde_json::from_slice(&text).map_err(|_| bad("not a contributor key file"))?;
    let secret = Zeroizing::new(file.secret_key);
    if file.format != KEY_FORMAT {
        return Err(bad("not a contributor key file (format)"));
    }
    let bytes =
        Zeroizing::new(hex::decode(secret.as_str()).map_err(|_| bad("the key is not hex"))?);
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| bad("the key is not 32 bytes"))?;
    Ok(SigningKey::from_bytes(&arr))
}

/// Signs the last contribution of the state `state` with the contributor's key, writing
/// `<state>.sig.json` to hand to the coordinator with the state. Returns that path and the
/// public key.
pub fn sign_last(state: &Path, key_file: &Path) -> Result<(PathBuf, String), ProverError> {
    let c = read(state)?;
    let (phase, hash) = match &c.phase2 {
        Some((recs, _)) if !recs.is_empty() => (2u8, recs[recs.len() - 1].hash),
        _ => match c.phase1.last() {
            Some(r) => (1u8, r.hash),
            None => {
                return Err(ProverError::input(
                    state.display().to_string(),
                    None,
                    "the state has no contribution to sign",
                ))
            }
        },
    };
    let key = contributor_key(key_file)?;
    let public_key = hex::encode(key.verifying_key().as_bytes());
    let sig = key.sign(&signatures::message(phase, &hash));
    let file = SignatureFile {
        format: signatures::FORMAT.into(),
        signatures: vec![ContributionSignature {
            phase,
            hash: hex::encode(hash),
            public_key: public_key.clone(),
            signature: hex::encode(sig.to_bytes()),
        }],
    };
    let mut name = state.as_os_str().to_owned();
    name.push(".sig.json");
    let out = PathBuf::from(name);
    write_json(&out, &file)?;
    Ok((out, public_key))
}
