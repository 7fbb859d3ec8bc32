//! A whole ceremony as one state file passed from contributor to contributor, and the part of
//! it an election bundle carries (spec `ceremony.md` §4-§5).

use super::aggregation::{self, AggregationPowers};
use super::encoding::Reader;
use super::equation::{self, Equation};
use super::phase1::{self, Accumulator, Phase1Record, Phase1RecordJson};
use super::phase2::{self, Initial, Phase2Record, Phase2RecordJson, Phase2State, Sizes};
use super::{ceremony_err, Contributor, Digest};
use crate::error::CircuitError;
use crate::r1cs::Matrices;
use crate::shape::Shape;
use ark_bls12_381::Bls12_381;
use ark_groth16::VerifyingKey;
use rand::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest as _, Sha256};
use std::path::Path;
use zeroize::Zeroizing;

/// Magic bytes of a state file.
pub const STATE_MAGIC: &[u8; 12] = b"VE-CEREMONY\n";
/// Magic bytes of a bundle's phase-1 file.
pub const PHASE1_MAGIC: &[u8; 12] = b"VE-PHASE1-1\n";
/// Magic bytes of a bundle's phase-2 file.
pub const PHASE2_MAGIC: &[u8; 12] = b"VE-PHASE2-1\n";
/// The format name in transcripts.
pub const FORMAT: &str = "ve-ceremony/v1";
/// Largest header or transcript read (records are a few KB each).
pub const MAX_HEADER: u64 = 64 << 20;
/// Largest state file read (power 20 with a few shapes is about 1 GB).
pub const MAX_STATE: u64 = 4 << 30;

/// Which phase a state is open for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Powers of tau.
    One,
    /// Per-shape delta updates.
    Two,
}

/// The records of a ceremony, as JSON (the header of a state file; `ceremony/transcript.json`
/// of a bundle).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    /// `ve-ceremony/v1`.
    pub format: String,
    /// Phase-1 power of the ceremony (`n = 2^power`).
    pub power: u32,
    /// In a ceremony made for aggregated proofs, the aggregation power (`N = 2^aggregation`
    /// proofs per aggregate); omitted otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<u32>,
    /// Shapes of phase 2, in order.
    pub shapes: Vec<String>,
    /// Phase-1 contributions, in order.
    pub phase1: Vec<Phase1RecordJson>,
    /// Phase-2 contributions, in order; `null` while phase 1 is open.
    pub phase2: Option<Vec<Phase2RecordJson>>,
}

impl Transcript {
    /// The contributions a report lists, read from the transcript alone: no point of the
    /// ceremony is checked (for a setup the reader checked before, verification.md V2.h).
    pub fn listing(&self) -> Result<CeremonyReport, CircuitError> {
        let shapes = parse_shapes(&self.shapes)?;
        let p1 = self
            .phase1
            .iter()
            .map(Phase1Record::from_json)
            .collect::<Result<Vec<_>, _>>()?;
        let p2 = self
            .phase2
            .iter()
            .flatten()
            .map(|j| Phase2Record::from_json(j, &shapes))
            .collect::<Result<Vec<_>, _>>()?;
        let agg_end = match (self.aggregation, p1.last().and_then(|r| r.aggregation)) {
            (Some(p), Some(u)) => Some((p, u.end)),
            _ => None,
        };
        Ok(report(self.power, agg_end, &shapes, &p1, &p2))
    }
}

/// A contribution as a report lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ContributionLine {
    /// 1 or 2.
    pub phase: u8,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Contribution hash, hex.
    pub hash: String,
    /// The Ed25519 key (hex) that signed the contribution, when the bundle carries its
    /// signature and it verifies (filled in by V2.h, [`super::signatures::check`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// What a verified ceremony shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CeremonyReport {
    /// Phase-1 power.
    pub power: u32,
    /// Shapes.
    pub shapes: Vec<String>,
    /// Every contribution, phase 1 then phase 2.
    pub contributions: Vec<ContributionLine>,
    /// The aggregation power and the aggregation secrets' first powers at the end of phase 1,
    /// in a ceremony made for aggregated proofs: the aggregation verifying key
    /// (aggregation.md §1).
    #[serde(skip)]
    pub aggregation: Option<(u32, super::aggregation::AggregationEnd)>,
}

impl CeremonyReport {
    /// Distinct contributors (by name and role) over both phases.
    pub fn contributors(&self) -> usize {
        let mut v: Vec<(&str, &str)> = self
            .contributions
            .iter()
            .map(|c| (c.name.as_str(), c.role.as_str()))
            .collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    }
}

/// A shape with its matrices and sizes.
#[derive(Clone, Debug)]
struct ShapeInfo {
    shape: Shape,
    m: Matrices,
    sizes: Sizes,
    digest: [u8; 32],
}

/// Each shape synthesised, side by side on threads with room for the synthesis of the largest
/// shapes (synthesis is single-threaded and the slowest part of reading a ceremony).
fn shape_infos(shapes: &[Shape]) -> Result<Vec<ShapeInfo>, CircuitError> {
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = shapes.iter().find(|s| !seen.insert(s.to_string())) {
        return Err(ceremony_err(format!("shape {twice} is listed twice")));
    }
    let one = |shape: Shape| -> Result<ShapeInfo, CircuitError> {
        let m = Matrices::of(shape)?;
        let sizes = Sizes::of(&m)?;
        let digest = m.digest();
        Ok(ShapeInfo {
            shape,
            m,
            sizes,
            digest,
        })
    };
    // WebAssembly in a page has no threads: one shape after the other, on its own stack.
    if cfg!(target_arch = "wasm32") {
        return shapes.iter().map(|&shape| one(shape)).collect();
    }
    std::thread::scope(|scope| {
        let handles = shapes
            .iter()
            .map(|&shape| {
                std::thread::Builder::new()
                    .stack_size(SYNTHESIS_STACK)
                    .spawn_scoped(scope, move || one(shape))
                    .map_err(|e| ceremony_err(format!("no thread for synthesis: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| ceremony_err("the synthesis of a shape failed"))?
            })
            .collect()
    })
}

/// Stack of a synthesis thread.
const SYNTHESIS_STACK: usize = 256 << 20;

fn parse_shapes(v: &[String]) -> Result<Vec<Shape>, CircuitError> {
    if v.is_empty() {
        return Err(ceremony_err("the ceremony has no shape"));
    }
    v.iter().map(|s| Shape::parse(s)).collect()
}

fn report(
    power: u32,
    aggregation: Option<(u32, super::aggregation::AggregationEnd)>,
    shapes: &[Shape],
    p1: &[Phase1Record],
    p2: &[Phase2Record],
) -> CeremonyReport {
    let line = |phase, c: &Contributor, h: &Digest| ContributionLine {
        phase,
        name: c.name.clone(),
        role: c.role.clone(),
        hash: hex::encode(h),
        key: None,
    };
    CeremonyReport {
        power,
        aggregation,
        shapes: shapes.iter().map(ToString::to_string).collect(),
        contributions: p1
            .iter()
            .map(|r| line(1, &r.contributor, &r.hash))
            .chain(p2.iter().map(|r| line(2, &r.contributor, &r.hash)))
            .collect(),
    }
}

/// A ceremony in progress.
#[derive(Debug)]
pub struct Ceremony {
    /// Phase-1 power.
    pub power: u32,
    /// Phase-2 shapes.
    pub shapes: Vec<Shape>,
    /// Phase-1 records.
    pub phase1: Vec<Phase1Record>,
    /// The accumulator after them.
    pub acc: Accumulator,
    /// The aggregation powers after them, in a ceremony made for aggregated proofs.
    pub aggregation: Option<AggregationPowers>,
    /// Phase-2 records and each shape's state, once phase 2 has begun.
    pub phase2: Option<(Vec<Phase2Record>, Vec<Phase2State>)>,
    /// The shapes as synthesised when the ceremony was made or read (reused unless `shapes`
    /// was changed since).
    infos: Vec<ShapeInfo>,
}

impl Ceremony {
    /// A new ceremony for `shapes`, with a phase 1 of `power` (at least what the largest shape
    /// needs; default that), and, for aggregated proofs, aggregation powers for
    /// `2^aggregation` proofs per aggregate.
    pub fn new(
        shapes: &[Shape],
        power: Option<u32>,
        aggregation: Option<u32>,
    ) -> Result<Self, CircuitError> {
        let infos = shape_infos(shapes)?;
        let need = infos.iter().map(|i| i.sizes.power()).max().unwrap_or(1);
        let power = power.unwrap_or(need);
        if power < need || power > phase1::MAX_POWER {
            return Err(ceremony_err(format!(
                "phase 1 of power {power}: the shapes need {need}, at most {} is supported",
                phase1::MAX_POWER
            )));
        }
        if let Some(p) = aggregation.filter(|&p| p == 0 || p > aggregation::MAX_POWER) {
            return Err(ceremony_err(format!(
                "aggregation power {p}: 1 to {} is supported",
                aggregation::MAX_POWER
            )));
        }
        Ok(Self {
            power,
            shapes: shapes.to_vec(),
            phase1: Vec::new(),
            acc: Accumulator::initial(power),
            aggregation: aggregation.map(AggregationPowers::initial),
            phase2: None,
            infos,
        })
    }

    /// The phase open for contributions.
    pub fn phase(&self) -> Phase {
        if self.phase2.is_some() {
            Phase::Two
        } else {
            Phase::One
        }
    }

    fn phase1_end_hash(&self) -> Digest {
        self.phase1.last().map_or_else(
            || phase1::initial_digest(self.power, self.aggregation_power()),
            |r| r.hash,
        )
    }

    /// The aggregation power, in a ceremony made for aggregated proofs.
    pub fn aggregation_power(&self) -> Option<u32> {
        self.aggregation.as_ref().map(|a| a.power)
    }

    /// The shapes' matrices: the ones synthesised at reading, unless the shape list changed.
    fn infos(&self) -> Result<std::borrow::Cow<'_, [ShapeInfo]>, CircuitError> {
        let same = self.infos.len() == self.shapes.len()
            && self
                .infos
                .iter()
                .zip(&self.shapes)
                .all(|(i, s)| i.shape == *s);
        Ok(if same {
            std::borrow::Cow::Borrowed(&self.infos[..])
        } else {
            std::borrow::Cow::Owned(shape_infos(&self.shapes)?)
        })
    }

    fn phase2_start(&self, infos: &[ShapeInfo]) -> Digest {
        let shapes: Vec<(Shape, [u8; 32])> = infos.iter().map(|i| (i.shape, i.digest)).collect();
        phase2::initial_digest(&self.phase1_end_hash(), &shapes)
    }

    /// Adds one contribution to the open phase. The secrets come from a ChaCha20 stream seeded
    /// with SHA-256 of 32 bytes of operating-system entropy and the contributor's typed
    /// entropy; they, the seed and the stream are zeroised or dropped when this returns.
    /// Returns the contribution hash.
    pub fn contribute(
        &mut self,
        contributor: Contributor,
        typed_entropy: &[u8],
    ) -> Result<Digest, CircuitError> {
        let mut os = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(os.as_mut());
        let mut h = Sha256::new();
        h.update(b"ve/ceremony/entropy/v1");
        h.update(os.as_ref());
        h.update(typed_entropy);
        let seed = Zeroizing::new(<[u8; 32]>::from(h.finalize()));
        let mut rng = ChaCha20Rng::from_seed(*seed);
        self.contribute_with(contributor, &mut rng)
    }

    /// As [`Ceremony::contribute`] with the caller's randomness (tests).
    pub fn contribute_with<R: RngCore + CryptoRng>(
        &mut self,
        contributor: Contributor,
        rng: &mut R,
    ) -> Result<Digest, CircuitError> {
        let prev = match &self.phase2 {
            None => self.phase1_end_hash(),
            Some((recs, _)) => match recs.last() {
                Some(r) => r.hash,
                None => self.phase2_start(&self.infos()?),
            },
        };
        match &mut self.phase2 {
            None => {
                let r = phase1::contribute(
                    &mut self.acc,
                    self.aggregation.as_mut(),
                    &prev,
                    contributor,
                    rng,
                )?;
                let h = r.hash;
                self.phase1.push(r);
                Ok(h)
            }
            Some((recs, states)) => {
                let mut pairs: Vec<(Shape, Phase2State)> = self
                    .shapes
                    .iter()
                    .copied()
                    .zip(std::mem::take(states))
                    .collect();
                let r = phase2::contribute(&mut pairs, &prev, contributor, rng);
                *states = pairs.into_iter().map(|(_, s)| s).collect();
                let r = r?;
                let h = r.hash;
                recs.push(r);
                Ok(h)
            }
        }
    }

    /// Closes phase 1 (it needs at least one contribution) and derives every shape's initial
    /// phase-2 state from it.
    pub fn begin_phase2(&mut self) -> Result<(), CircuitError> {
        if self.phase2.is_some() {
            return Err(ceremony_err("phase 2 has already begun"));
        }
        if self.phase1.is_empty() {
            return Err(ceremony_err(
                "phase 1 has no contribution: its secrets would all be one",
            ));
        }
        let infos = self.infos()?;
        let mut states = Vec::with_capacity(infos.len());
        for i in infos.iter() {
            states.push(phase2::initial_from(&self.acc, &i.m)?.state);
        }
        self.phase2 = Some((Vec::new(), states));
        Ok(())
    }

    /// Checks the whole ceremony so far: both chains, the accumulator, every shape's state.
    pub fn verify<R: RngCore + CryptoRng>(
        &self,
        rng: &mut R,
    ) -> Result<CeremonyReport, CircuitError> {
        let infos = self.infos()?;
        let agg = self.aggregation_power();
        let end = phase1::verify_chain(self.power, agg, &self.phase1)?;
        if let (Some(powers), Some(last)) = (&self.aggregation, &end.aggregation) {
            powers.check(last, rng)?;
        }
        let agg_end = agg.zip(end.aggregation);
        let Some((recs, states)) = &self.phase2 else {
            self.acc.check(&end, rng)?;
            return Ok(report(self.power, agg_end, &self.shapes, &self.phase1, &[]));
        };
        if self.phase1.is_empty() {
            return Err(ceremony_err(
                "phase 2 began on a phase 1 without contributions",
            ));
        }
        let parts = Parts {
            power: self.power,
            aggregation: agg,
            infos: &infos,
            p1: &self.phase1,
            p2: recs,
            acc: &self.acc,
            states,
            vks: &[],
        };
        parts.check(rng)?;
        Ok(report(
            self.power,
            agg_end,
            &self.shapes,
            &self.phase1,
            recs,
        ))
    }

    /// The proving key of every shape from a verified ceremony with at least one phase-2
    /// contribution.
    #[allow(clippy::type_complexity)]
    pub fn finalize<R: RngCore + CryptoRng>(
        &self,
        rng: &mut R,
    ) -> Result<
        (
            CeremonyReport,
            Vec<(Shape, ark_groth16::ProvingKey<Bls12_381>)>,
        ),
        CircuitError,
    > {
        let report = self.verify(rng)?;
        let Some((recs, states)) = &self.phase2 else {
            return Err(ceremony_err("phase 2 has not begun"));
        };
        if recs.is_empty() {
            return Err(ceremony_err(
                "phase 2 has no contribution: delta would be one",
            ));
        }
        let infos = self.infos()?;
        let pks = infos
            .iter()
            .zip(states)
            .map(|(i, st)| {
                let init: Initial = phase2::initial_from(&self.acc, &i.m)?;
                Ok((i.shape, init.proving_key(st)))
            })
            .collect::<Result<Vec<_>, CircuitError>>()?;
        Ok((report, pks))
    }

    /// The records as JSON.
    pub fn transcript(&self) -> Transcript {
        Transcript {
            format: FORMAT.into(),
            power: self.power,
            aggregation: self.aggregation_power(),
            shapes: self.shapes.iter().map(ToString::to_string).collect(),
            phase1: self.phase1.iter().map(Phase1Record::to_json).collect(),
            phase2: self
                .phase2
                .as_ref()
                .map(|(r, _)| r.iter().map(|r| r.to_json(&self.shapes)).collect()),
        }
    }

    /// The state file: magic, header length (u64 LE), header JSON, accumulator, states.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CircuitError> {
        let header = serde_json::to_vec(&self.transcript())
            .map_err(|e| ceremony_err(format!("header: {e}")))?;
        let mut out = Vec::new();
        out.extend_from_slice(STATE_MAGIC);
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        self.acc.to_bytes(&mut out);
        if let Some(a) = &self.aggregation {
            a.to_bytes(&mut out);
        }
        if let Some((_, states)) = &self.phase2 {
            states.iter().for_each(|s| s.to_bytes(&mut out));
        }
        Ok(out)
    }

    /// Reads a state file, refusing one whose length is not the one its header implies before
    /// reading the points.
    pub fn read(path: &Path) -> Result<Self, CircuitError> {
        use std::io::Read;
        let name = path.display().to_string();
        let io = |e: std::io::Error| ceremony_err(format!("{name}: {e}"));
        let mut f = std::fs::File::open(path).map_err(io)?;
        let len = f.metadata().map_err(io)?.len();
        if len > MAX_STATE {
            return Err(ceremony_err(format!(
                "{name}: {len} bytes, more than a state file may have"
            )));
        }
        let mut head = [0u8; 20];
        f.read_exact(&mut head)
            .map_err(|_| ceremony_err(format!("{name}: truncated (no header)")))?;
        if &head[..12] != STATE_MAGIC {
            return Err(ceremony_err(format!("{name}: not a ceremony state file")));
        }
        let hlen = u64::from_le_bytes(head[12..20].try_into().unwrap_or_default());
        if hlen > MAX_HEADER || 20 + hlen > len {
            return Err(ceremony_err(format!("{name}: truncated or corrupt header")));
        }
        let mut header = vec![0u8; hlen as usize];
        f.read_exact(&mut header).map_err(io)?;
        let t: Transcript = serde_json::from_slice(&header)
            .map_err(|e| ceremony_err(format!("{name}: header: {e}")))?;
        let (power, shapes, infos) = check_transcript_shape(&t)?;
        let mut want = 20 + hlen + phase1::accumulator_bytes(power);
        if let Some(p) = t.aggregation {
            want += aggregation::powers_bytes(p);
        }
        if t.phase2.is_some() {
            want += infos.iter().map(|i| i.sizes.state_bytes()).sum::<u64>();
        }
        if len != want {
            return Err(ceremony_err(format!(
                "{name}: {len} bytes, but its header implies {want}: truncated or extended"
            )));
        }
        let mut rest = Vec::with_capacity((len - 20 - hlen) as usize);
        f.read_to_end(&mut rest).map_err(io)?;
        let mut r = Reader::new(&rest, &name);
        let acc = Accumulator::read(&mut r, power)?;
        let aggregation = t
            .aggregation
            .map(|p| AggregationPowers::read(&mut r, p))
            .transpose()?;
        let phase1 = t
            .phase1
            .iter()
            .map(Phase1Record::from_json)
            .collect::<Result<Vec<_>, _>>()?;
        let phase2 = match &t.phase2 {
            None => None,
            Some(recs) => {
                let recs = recs
                    .iter()
                    .map(|j| Phase2Record::from_json(j, &shapes))
                    .collect::<Result<Vec<_>, _>>()?;
                let states = infos
                    .iter()
                    .map(|i| Phase2State::read(&mut r, &i.sizes))
                    .collect::<Result<Vec<_>, _>>()?;
                Some((recs, states))
            }
        };
        r.done()?;
        Ok(Self {
            power,
            shapes,
            phase1,
            acc,
            aggregation,
            phase2,
            infos,
        })
    }

    /// What an election bundle carries: the transcript, the accumulator cut to the largest
    /// shape's domain, and each shape's final state.
    pub fn bundle_part(&self) -> Result<BundleCeremony, CircuitError> {
        let infos = self.infos()?.into_owned();
        let Some((_, states)) = &self.phase2 else {
            return Err(ceremony_err("phase 2 has not begun"));
        };
        let need = infos.iter().map(|i| i.sizes.power()).max().unwrap_or(1);
        Ok(BundleCeremony {
            transcript: self.transcript(),
            acc: self.acc.truncate(need),
            states: states.clone(),
            infos,
        })
    }
}

/// The transcript's format and power, and that its shapes need no more than that power.
fn check_transcript_shape(
    t: &Transcript,
) -> Result<(u32, Vec<Shape>, Vec<ShapeInfo>), CircuitError> {
    check_header(t)?;
    let shapes = parse_shapes(&t.shapes)?;
    let infos = shape_infos(&shapes)?;
    if let Some(i) = infos.iter().find(|i| i.sizes.power() > t.power) {
        return Err(ceremony_err(format!(
            "shape {} needs powers up to 2^{}, phase 1 has 2^{}",
            i.shape,
            i.sizes.power(),
            t.power
        )));
    }
    Ok((t.power, shapes, infos))
}

fn check_header(t: &Transcript) -> Result<(), CircuitError> {
    if t.format != FORMAT {
        return Err(ceremony_err(format!(
            "format {:?}, this verifier reads {FORMAT}",
            t.format
        )));
    }
    if t.aggregation
        .is_some_and(|p| p == 0 || p > aggregation::MAX_POWER)
    {
        return Err(ceremony_err("the aggregation power is out of range"));
    }
    if t.power == 0 || t.power > phase1::MAX_POWER {
        return Err(ceremony_err(format!(
            "phase-1 power {} is out of range",
            t.power
        )));
    }
    Ok(())
}

/// Everything a finished (or phase-2) ceremony is checked on.
struct Parts<'a> {
    power: u32,
    aggregation: Option<u32>,
    infos: &'a [ShapeInfo],
    p1: &'a [Phase1Record],
    p2: &'a [Phase2Record],
    acc: &'a Accumulator,
    states: &'a [Phase2State],
    vks: &'a [(Shape, VerifyingKey<Bls12_381>)],
}

impl Parts<'_> {
    /// Both chains (cheap), then the accumulator's structure and every shape's state side by
    /// side (the multi-scalar multiplications).
    fn check<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<(), CircuitError> {
        let end = phase1::verify_chain(self.power, self.aggregation, self.p1)?;
        let shapes: Vec<Shape> = self.infos.iter().map(|i| i.shape).collect();
        let start = phase2::initial_digest(
            &end.hash,
            &self
                .infos
                .iter()
                .map(|i| (i.shape, i.digest))
                .collect::<Vec<_>>(),
        );
        let (_, deltas) = phase2::verify_chain(&shapes, &start, self.p2)?;
        if self.states.len() != self.infos.len() {
            return Err(ceremony_err("a shape's phase-2 state is missing"));
        }
        equation::check_ends(self.acc, &end)?;
        for ((info, st), d) in self.infos.iter().zip(self.states).zip(&deltas) {
            if (st.delta_g1, st.delta_g2) != *d {
                return Err(ceremony_err(format!(
                    "shape {}: delta is not the one the last contribution made",
                    info.shape
                )));
            }
        }
        let vk_of = |info: &ShapeInfo| {
            self.vks
                .iter()
                .find(|(s, _)| *s == info.shape)
                .map(|(_, k)| k)
        };
        // Everything at once; only when that fails, each part alone, to say which.
        let mut eq = Equation::new(self.acc);
        eq.add_accumulator(rng);
        for (info, st) in self.infos.iter().zip(self.states) {
            eq.add_state(&info.m, st, vk_of(info), rng)
                .map_err(|e| ceremony_err(format!("shape {}: {e}", info.shape)))?;
        }
        if eq.holds() {
            return Ok(());
        }
        self.acc.check(&end, rng)?;
        for (info, st) in self.infos.iter().zip(self.states) {
            let mut eq = Equation::new(self.acc);
            eq.add_state(&info.m, st, vk_of(info), rng)?;
            if !eq.holds() {
                return Err(ceremony_err(format!(
                    "shape {}: {}",
                    info.shape,
                    if vk_of(info).is_some() {
                        "the H or L query, or the verifying key's input commitments, are not the ones phase 1 and the circuit give for this delta (random linear combination)"
                    } else {
                        "the H or L query is not the one phase 1 and the circuit give for this delta (random linear combination)"
                    }
                )));
            }
        }
        Err(ceremony_err(
            "the ceremony's random linear combination fails, though each part holds alone",
        ))
    }
}

/// Reads a bundle file by path, given the exact length it must have (`None`: a JSON document,
/// capped by the caller); refuses a file of another length before reading it.
pub type FileReader<'a> = dyn FnMut(&str, Option<u64>) -> Result<Vec<u8>, String> + 'a;

/// The ceremony as an election bundle carries it (bundle.md `ceremony/`).
#[derive(Debug)]
pub struct BundleCeremony {
    /// `ceremony/transcript.json`.
    pub transcript: Transcript,
    /// `ceremony/phase1.bin`: the accumulator, cut to the largest shape's domain.
    pub acc: Accumulator,
    /// `ceremony/<shape>.bin`, in the transcript's shape order.
    pub states: Vec<Phase2State>,
    /// The transcript's shapes as synthesised when it was read (synthesis is the slowest part
    /// of reading; `verify` reuses it unless the transcript's shapes were changed since).
    infos: Vec<ShapeInfo>,
}

impl BundleCeremony {
    /// Bytes of `ceremony/phase1.bin`: magic, power (u32 LE), accumulator.
    pub fn phase1_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(PHASE1_MAGIC);
        out.extend_from_slice(&self.acc.power.to_le_bytes());
        self.acc.to_bytes(&mut out);
        out
    }

    /// Bytes of `ceremony/<shape>.bin`: magic, state.
    pub fn state_bytes(state: &Phase2State) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(PHASE2_MAGIC);
        state.to_bytes(&mut out);
        out
    }

    /// Reads the bundle's files through `read(path, expected_len)`, which must refuse a file
    /// whose length differs before reading it: the expected lengths come from the transcript
    /// and the shapes' matrices.
    pub fn read_with(read: &mut FileReader<'_>) -> Result<Self, CircuitError> {
        let tbytes = read("ceremony/transcript.json", None).map_err(ceremony_err)?;
        let transcript: Transcript = serde_json::from_slice(&tbytes)
            .map_err(|e| ceremony_err(format!("ceremony/transcript.json: {e}")))?;
        let (_, shapes, infos) = check_transcript_shape(&transcript)?;
        let need = infos.iter().map(|i| i.sizes.power()).max().unwrap_or(1);
        let p1 = read(
            "ceremony/phase1.bin",
            Some(16 + phase1::accumulator_bytes(need)),
        )
        .map_err(ceremony_err)?;
        let mut r = Reader::new(&p1, "ceremony/phase1.bin");
        if r.take(12)? != PHASE1_MAGIC {
            return Err(ceremony_err("ceremony/phase1.bin: not a phase-1 file"));
        }
        let power = u32::from_le_bytes(r.take(4)?.try_into().unwrap_or_default());
        if power != need {
            return Err(ceremony_err(format!(
                "ceremony/phase1.bin has power {power}; the shapes need exactly {need}"
            )));
        }
        let acc = Accumulator::read(&mut r, power)?;
        r.done()?;
        let mut states = Vec::with_capacity(shapes.len());
        for i in &infos {
            let path = format!("ceremony/{}.bin", i.shape);
            let b = read(&path, Some(12 + i.sizes.state_bytes())).map_err(ceremony_err)?;
            let mut r = Reader::new(&b, &path);
            if r.take(12)? != PHASE2_MAGIC {
                return Err(ceremony_err(format!("{path}: not a phase-2 file")));
            }
            states.push(Phase2State::read(&mut r, &i.sizes)?);
            r.done()?;
        }
        Ok(Self {
            transcript,
            acc,
            states,
            infos,
        })
    }

    /// Checks the ceremony against the verifying keys the bundle uses (each must be a shape of
    /// the ceremony): both chains from their initial digests (phase 2's derived here from the
    /// shapes' own matrices), at least one contribution in each phase, the accumulator, every
    /// shape's final H and L, and each key's alpha, beta, gamma, delta and input commitments.
    pub fn verify<R: RngCore + CryptoRng>(
        &self,
        vks: &[(Shape, VerifyingKey<Bls12_381>)],
        rng: &mut R,
    ) -> Result<CeremonyReport, CircuitError> {
        let t = &self.transcript;
        let fresh;
        let (power, shapes, infos) = if t.shapes
            == self
                .infos
                .iter()
                .map(|i| i.shape.to_string())
                .collect::<Vec<_>>()
        {
            check_header(t)?;
            let shapes = self.infos.iter().map(|i| i.shape).collect();
            (t.power, shapes, &self.infos)
        } else {
            let (power, shapes, infos) = check_transcript_shape(t)?;
            fresh = infos;
            (power, shapes, &fresh)
        };
        let p1 = t
            .phase1
            .iter()
            .map(Phase1Record::from_json)
            .collect::<Result<Vec<_>, _>>()?;
        let p2 = t
            .phase2
            .as_ref()
            .ok_or_else(|| ceremony_err("the transcript has no phase 2"))?
            .iter()
            .map(|j| Phase2Record::from_json(j, &shapes))
            .collect::<Result<Vec<_>, _>>()?;
        if p1.is_empty() || p2.is_empty() {
            return Err(ceremony_err(
                "a phase without contributions: its secrets would all be one",
            ));
        }
        for (shape, _) in vks {
            if !shapes.contains(shape) {
                return Err(ceremony_err(format!(
                    "the key of shape {shape} is not one the ceremony made"
                )));
            }
        }
        Parts {
            power,
            aggregation: t.aggregation,
            infos,
            p1: &p1,
            p2: &p2,
            acc: &self.acc,
            states: &self.states,
            vks,
        }
        .check(rng)?;
        let agg_end = match t.aggregation {
            Some(p) => Some((
                p,
                p1.last()
                    .and_then(|r| r.aggregation)
                    .map(|u| u.end)
                    .ok_or_else(|| ceremony_err("phase 1 has no aggregation update"))?,
            )),
            None => None,
        };
        Ok(report(power, agg_end, &shapes, &p1, &p2))
    }
}
