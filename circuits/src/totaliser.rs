//! Totaliser groups (spec `protocol.md` §7): a station's counts proven against its sealed log
//! but published only inside a hiding commitment, and a group's counts proven to be the sum of
//! its stations' committed counts.
//!
//! - [`count_commitment`]: `H(T_COUNTS, count_salt, count_0, ..., count_{K-1})`, Poseidon as in
//!   §3.1, `count_salt` uniform in Fr and secret (kept beside the log's salt, never the same).
//! - [`CommittedStationCircuit`]: the station circuit of §4 with the counts private and the
//!   count commitment public; constraints (C1)-(C6) unchanged, plus (C7) the commitment opens to
//!   the counts.
//! - [`GroupCircuit`]: for a group shape of `G` slots and `K` choices, the group's counts are
//!   the sums over its slots of the counts each slot's commitment opens to; a slot whose public
//!   commitment is zero is empty and adds nothing.

use crate::commitment::{LogWitness, Salt};
use crate::error::CircuitError;
use crate::poseidon::{config, domain_tag, hash};
use crate::shape::{Kind, Shape};
use crate::station::{enforce_log_statement, LogVars};
use ark_bls12_381::Fr;
use ark_crypto_primitives::sponge::constraints::CryptographicSpongeVar;
use ark_crypto_primitives::sponge::poseidon::constraints::PoseidonSpongeVar;
use ark_ff::Zero;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// Domain tag of the count commitment.
pub const TAG_COUNTS: &[u8] = b"ve/count-commitment/v1";
/// Domain tag of the group binding.
pub const TAG_GROUP: &[u8] = b"ve/group-binding/v1";

/// `H(T_COUNTS, salt, counts...)` (spec §7.1).
pub fn count_commitment(salt: &Salt, counts: &[u64]) -> Fr {
    let mut inputs = Vec::with_capacity(counts.len() + 2);
    inputs.push(domain_tag(TAG_COUNTS));
    inputs.push(salt.to_fr());
    inputs.extend(counts.iter().map(|&c| Fr::from(c)));
    hash(&inputs)
}

/// The public value binding a group proof to one group of one contest (spec §7.3): SHA-512 over
/// the tag and the length-prefixed election, contest and group ids, reduced modulo r.
pub fn group_binding(election_id: &str, contest_id: &str, group_id: &str) -> Fr {
    crate::commitment::binding(TAG_GROUP, &[election_id, contest_id, group_id])
}

/// A station's counts with the salt of their commitment: what a court needs to open one
/// station's count without its log (spec §7.5).
#[derive(Clone)]
pub struct CountOpening {
    /// Votes per choice slot.
    pub counts: Vec<u64>,
    /// The commitment's salt (secret).
    pub salt: Salt,
}

impl core::fmt::Debug for CountOpening {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CountOpening(<secret>)")
    }
}

impl CountOpening {
    /// The commitment this opening opens.
    pub fn commitment(&self) -> Fr {
        count_commitment(&self.salt, &self.counts)
    }
}

/// The public inputs of a committed station proof, in the order of spec §7.2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedPublicInputs {
    /// Station binding (§3.4).
    pub binding: Fr,
    /// Log commitment (§3.3).
    pub commitment: Fr,
    /// Count commitment (§7.1).
    pub count_commitment: Fr,
    /// Total votes in the log (the station's Form 17C total stays public).
    pub total: u64,
    /// Close of poll, seconds after 00:00 of the poll day.
    pub closed_at: u32,
}

impl CommittedPublicInputs {
    /// The field elements the Groth16 verifier takes, in order.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        vec![
            self.binding,
            self.commitment,
            self.count_commitment,
            Fr::from(self.total),
            Fr::from(self.closed_at),
        ]
    }

    /// Names of the public inputs in order.
    pub fn names() -> Vec<String> {
        [
            "binding",
            "commitment",
            "count_commitment",
            "total",
            "closed_at",
        ]
        .map(String::from)
        .to_vec()
    }
}

/// The station circuit with committed counts. `witness` is `None` for key generation.
#[derive(Clone, Debug)]
pub struct CommittedStationCircuit {
    shape: Shape,
    public: Option<CommittedPublicInputs>,
    witness: Option<(LogWitness, CountOpening)>,
}

impl CommittedStationCircuit {
    /// A circuit with no assignment, for key generation.
    pub fn blank(shape: Shape) -> Self {
        Self {
            shape: committed(shape),
            public: None,
            witness: None,
        }
    }

    /// The shape, of kind [`Kind::Committed`].
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The circuit for `witness` at `binding`, closed at `closed_at`, its counts committed under
    /// `count_salt`: computes the public inputs natively and returns them with the opening.
    pub fn new(
        shape: Shape,
        binding: Fr,
        closed_at: u32,
        witness: LogWitness,
        count_salt: Salt,
    ) -> Result<(Self, CommittedPublicInputs, CountOpening), CircuitError> {
        let commitment = crate::commitment::log_commitment(&shape, binding, closed_at, &witness)?;
        let opening = CountOpening {
            counts: witness.vartime_counts(&shape),
            salt: count_salt,
        };
        let public = CommittedPublicInputs {
            binding,
            commitment,
            count_commitment: opening.commitment(),
            total: witness.choices.len() as u64,
            closed_at,
        };
        let circuit = Self {
            shape: committed(shape),
            public: Some(public.clone()),
            witness: Some((witness, opening.clone())),
        };
        Ok((circuit, public, opening))
    }

    /// A circuit whose public inputs and count opening are set by hand (soundness tests claim
    /// what the log does not support).
    pub fn with_claim(
        shape: Shape,
        public: CommittedPublicInputs,
        witness: LogWitness,
        opening: CountOpening,
    ) -> Self {
        Self {
            shape: committed(shape),
            public: Some(public),
            witness: Some((witness, opening)),
        }
    }
}

/// `shape` as the committed-count shape of its size.
fn committed(shape: Shape) -> Shape {
    Shape {
        kind: Kind::Committed,
        ..shape
    }
}

fn missing() -> SynthesisError {
    SynthesisError::AssignmentMissing
}

/// `H(T_COUNTS, salt, counts...)` in the circuit.
fn count_commitment_var(
    cs: ConstraintSystemRef<Fr>,
    salt: &FpVar<Fr>,
    counts: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut absorbed = Vec::with_capacity(counts.len() + 2);
    absorbed.push(FpVar::constant(domain_tag(TAG_COUNTS)));
    absorbed.push(salt.clone());
    absorbed.extend(counts.iter().cloned());
    let mut sponge = PoseidonSpongeVar::new(cs, config());
    sponge.absorb(&absorbed)?;
    Ok(sponge.squeeze_field_elements(1)?.remove(0))
}

impl ConstraintSynthesizer<Fr> for CommittedStationCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let shape = self.shape;
        let public = self.public.as_ref();
        let log = self.witness.as_ref().map(|(w, _)| w);
        let opening = self.witness.as_ref().map(|(_, o)| o);
        // §7.2 public inputs, in order.
        let input = |f: &dyn Fn(&CommittedPublicInputs) -> Fr| {
            FpVar::new_input(cs.clone(), || public.map(f).ok_or_else(missing))
        };
        let binding = input(&|p| p.binding)?;
        let commitment = input(&|p| p.commitment)?;
        let count_commitment = input(&|p| p.count_commitment)?;
        let total = input(&|p| Fr::from(p.total))?;
        let closed_at = input(&|p| Fr::from(p.closed_at))?;
        // The counts and their salt, private.
        let mut counts = Vec::with_capacity(shape.choices);
        for j in 0..shape.choices {
            counts.push(FpVar::new_witness(cs.clone(), || {
                opening
                    .and_then(|o| o.counts.get(j))
                    .map(|&c| Fr::from(c))
                    .ok_or_else(missing)
            })?);
        }
        let salt = FpVar::new_witness(cs.clone(), || {
            opening.map(|o| o.salt.to_fr()).ok_or_else(missing)
        })?;
        // (C7) the count commitment opens to the counts.
        count_commitment_var(cs.clone(), &salt, &counts)?.enforce_equal(&count_commitment)?;
        // (C1)-(C6) of §4.3 over the private counts.
        enforce_log_statement(
            cs,
            &shape,
            LogVars {
                binding,
                commitment,
                counts: &counts,
                total,
                closed_at,
            },
            log,
            public.map(|p| p.closed_at),
        )
    }
}

/// The native twin of the committed statement: does `public` hold for the log and the opening?
pub fn native_committed_holds(
    shape: &Shape,
    public: &CommittedPublicInputs,
    witness: &LogWitness,
    opening: &CountOpening,
) -> bool {
    let Ok(commitment) =
        crate::commitment::log_commitment(shape, public.binding, public.closed_at, witness)
    else {
        return false;
    };
    commitment == public.commitment
        && opening.commitment() == public.count_commitment
        && witness.vartime_counts(shape) == opening.counts
        && witness.choices.len() as u64 == public.total
}

/// The public inputs of a group proof, in the order of spec §7.3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupPublicInputs {
    /// Group binding ([`group_binding`]).
    pub binding: Fr,
    /// The group's votes per choice slot.
    pub counts: Vec<u64>,
    /// The stations' count commitments in the group's order, then zeros up to the shape's slots.
    pub station_commitments: Vec<Fr>,
}

impl GroupPublicInputs {
    /// The field elements the Groth16 verifier takes, in order.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        let mut v = Vec::with_capacity(1 + self.counts.len() + self.station_commitments.len());
        v.push(self.binding);
        v.extend(self.counts.iter().map(|&c| Fr::from(c)));
        v.extend(self.station_commitments.iter().copied());
        v
    }

    /// Names of the public inputs in order.
    pub fn names(shape: &Shape) -> Vec<String> {
        let mut v = vec!["binding".to_string()];
        v.extend((0..shape.choices).map(|j| format!("count[{j}]")));
        v.extend((0..shape.slots()).map(|s| format!("station_commitment[{s}]")));
        v
    }
}

/// The group circuit. `openings` is `None` for key generation.
#[derive(Clone, Debug)]
pub struct GroupCircuit {
    shape: Shape,
    public: Option<GroupPublicInputs>,
    openings: Option<Vec<CountOpening>>,
}

impl GroupCircuit {
    /// A circuit with no assignment, for key generation.
    pub fn blank(shape: Shape) -> Self {
        Self {
            shape,
            public: None,
            openings: None,
        }
    }

    /// The circuit for the group `binding` of the stations opened by `openings` (in the group's
    /// order): computes the public inputs natively. Errors if the group does not fit the shape.
    pub fn new(
        shape: Shape,
        binding: Fr,
        openings: Vec<CountOpening>,
    ) -> Result<(Self, GroupPublicInputs), CircuitError> {
        if shape.kind != Kind::Group || openings.is_empty() || openings.len() > shape.slots() {
            return Err(CircuitError::DoesNotFit {
                shape: shape.to_string(),
                reason: format!("a group of {} stations", openings.len()),
            });
        }
        let mut counts = vec![0u64; shape.choices];
        for o in &openings {
            if o.counts.len() != shape.choices {
                return Err(CircuitError::DoesNotFit {
                    shape: shape.to_string(),
                    reason: format!("a station's counts have {} choice slots", o.counts.len()),
                });
            }
            for (sum, c) in counts.iter_mut().zip(&o.counts) {
                *sum += c;
            }
        }
        let mut station_commitments: Vec<Fr> =
            openings.iter().map(CountOpening::commitment).collect();
        station_commitments.resize(shape.slots(), Fr::zero());
        let public = GroupPublicInputs {
            binding,
            counts,
            station_commitments,
        };
        Ok((
            Self {
                shape,
                public: Some(public.clone()),
                openings: Some(openings),
            },
            public,
        ))
    }

    /// The group shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// A circuit whose public inputs are set by hand (soundness tests).
    pub fn with_claim(
        shape: Shape,
        public: GroupPublicInputs,
        openings: Vec<CountOpening>,
    ) -> Self {
        Self {
            shape,
            public: Some(public),
            openings: Some(openings),
        }
    }
}

impl ConstraintSynthesizer<Fr> for GroupCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let shape = self.shape;
        let public = self.public.as_ref();
        let openings = self.openings.as_ref();
        // §7.3 public inputs, in order. The binding enters no constraint: Groth16's reduction
        // gives every public input a row of its own, so the proof is bound to it all the same.
        let _binding =
            FpVar::new_input(cs.clone(), || public.map(|p| p.binding).ok_or_else(missing))?;
        let mut group_counts = Vec::with_capacity(shape.choices);
        for j in 0..shape.choices {
            group_counts.push(FpVar::new_input(cs.clone(), || {
                public
                    .and_then(|p| p.counts.get(j))
                    .map(|&c| Fr::from(c))
                    .ok_or_else(missing)
            })?);
        }
        let mut commitments = Vec::with_capacity(shape.slots());
        for s in 0..shape.slots() {
            commitments.push(FpVar::new_input(cs.clone(), || {
                public
                    .and_then(|p| p.station_commitments.get(s).copied())
                    .ok_or_else(missing)
            })?);
        }
        let mut sums: Vec<Vec<FpVar<Fr>>> = vec![Vec::with_capacity(shape.slots()); shape.choices];
        for (s, public_commitment) in commitments.iter().enumerate() {
            // An empty slot's opening is all zeros (its salt is free).
            let opening = openings.map(|o| o.get(s));
            let mut counts = Vec::with_capacity(shape.choices);
            for j in 0..shape.choices {
                counts.push(FpVar::new_witness(cs.clone(), || {
                    opening
                        .map(|o| o.and_then(|o| o.counts.get(j)).map_or(0, |&c| c))
                        .map(Fr::from)
                        .ok_or_else(missing)
                })?);
            }
            let salt = FpVar::new_witness(cs.clone(), || {
                opening
                    .map(|o| o.map_or(Fr::zero(), |o| o.salt.to_fr()))
                    .ok_or_else(missing)
            })?;
            let empty = public_commitment.is_zero()?;
            // An occupied slot's commitment opens to its counts; an empty slot counts nothing.
            count_commitment_var(cs.clone(), &salt, &counts)?
                .conditional_enforce_equal(public_commitment, &!&empty)?;
            for (j, c) in counts.into_iter().enumerate() {
                c.conditional_enforce_equal(&FpVar::zero(), &empty)?;
                sums[j].push(c);
            }
        }
        for (sum, total) in sums.iter().zip(&group_counts) {
            let s: FpVar<Fr> = sum.iter().sum();
            s.enforce_equal(total)?;
        }
        Ok(())
    }
}

/// The native twin of the group statement.
pub fn native_group_holds(
    shape: &Shape,
    public: &GroupPublicInputs,
    openings: &[CountOpening],
) -> bool {
    if public.station_commitments.len() != shape.slots()
        || public.counts.len() != shape.choices
        || openings.len() > shape.slots()
    {
        return false;
    }
    let mut counts = vec![0u64; shape.choices];
    for (s, c) in public.station_commitments.iter().enumerate() {
        match openings.get(s) {
            Some(o) if !c.is_zero() => {
                if o.commitment() != *c || o.counts.len() != shape.choices {
                    return false;
                }
                for (sum, x) in counts.iter_mut().zip(&o.counts) {
                    *sum += x;
                }
            }
            Some(o) if o.counts.iter().any(|&x| x != 0) => return false,
            _ => {}
        }
    }
    counts == public.counts
}
