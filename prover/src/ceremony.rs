//! `prover ceremony`: the multi-party key ceremony (spec `ceremony.md`). The coordinator makes
//! the initial state (`init`), contributors each add a contribution on their own machine
//! (`contribute`: it checks the state it receives first), the coordinator closes phase 1
//! (`phase2`), contributors contribute again, anyone checks the chain (`verify`), and the
//! coordinator writes the keys (`finalize`) that `manifest` and `prove` then use.

use crate::error::ProverError;
use crate::io::write_bytes;
use circuits::ceremony::{Ceremony, CeremonyReport, Contributor, Phase};
use circuits::Shape;
use std::path::Path;

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

/// `init`: the initial state for `shapes` (no secret in it: every power is a generator).
pub fn init(shapes: &[Shape], power: Option<u32>, out: &Path) -> Result<u32, ProverError> {
    let c = Ceremony::new(shapes, power).map_err(circ("init"))?;
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
/// bundle carries).
pub fn finalize(input: &Path, out: &Path) -> Result<CeremonyReport, ProverError> {
    let c = read(input)?;
    Ok(crate::setup::write_ceremony_keys(&c, out)?.1)
}
