//! The station circuit (spec §4): the public counts are the histogram of the log inside the
//! public commitment, with the public total, every vote a choice slot of the shape and recorded
//! at or before the public close of poll.
//!
//! Constraint cost: `votes * (log2(choices) + 1)` for the choices, `votes * 17` for the offsets
//! before close, `2 * choices + 2` for the multiset check, and the Poseidon permutations of the
//! commitment and the challenge. It grows with votes x log(choices), not votes x choices.

use crate::commitment::{
    offset_before_close, LogWitness, OFFSETS_PER_ELEMENT, OFFSET_BITS, TAG_CHALLENGE, TAG_LOG,
};
use crate::error::CircuitError;
use crate::poseidon::{config, domain_tag};
use crate::shape::Shape;
use ark_bls12_381::Fr;
use ark_crypto_primitives::sponge::constraints::CryptographicSpongeVar;
use ark_crypto_primitives::sponge::poseidon::constraints::PoseidonSpongeVar;
use ark_ff::Field;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// The public inputs of one station proof, in the order of spec §4.2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicInputs {
    /// Station binding (spec §3.4).
    pub binding: Fr,
    /// Log commitment (spec §3.3).
    pub commitment: Fr,
    /// Votes per choice slot, `shape.choices` of them.
    pub counts: Vec<u64>,
    /// Total votes in the log.
    pub total: u64,
    /// Close of poll, seconds after 00:00 of the poll day (the PO's close-of-poll statement).
    pub closed_at: u32,
}

impl PublicInputs {
    /// The field-element vector the Groth16 verifier takes: binding, commitment, counts, total,
    /// close of poll.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        let mut v = Vec::with_capacity(self.counts.len() + 4);
        v.push(self.binding);
        v.push(self.commitment);
        v.extend(self.counts.iter().map(|&c| Fr::from(c)));
        v.push(Fr::from(self.total));
        v.push(Fr::from(self.closed_at));
        v
    }

    /// Names of the public inputs in order, for the pinned-shape test and the spec.
    pub fn names(shape: &Shape) -> Vec<String> {
        let mut v = vec!["binding".to_string(), "commitment".to_string()];
        v.extend((0..shape.choices).map(|j| format!("count[{j}]")));
        v.push("total".into());
        v.push("closed_at".into());
        v
    }
}

/// The station circuit. `witness` is `None` for key generation (`blank`).
#[derive(Clone, Debug)]
pub struct StationCircuit {
    shape: Shape,
    public: Option<PublicInputs>,
    witness: Option<LogWitness>,
}

impl StationCircuit {
    /// A circuit with no assignment, for key generation and shape pinning.
    pub fn blank(shape: Shape) -> Self {
        Self {
            shape,
            public: None,
            witness: None,
        }
    }

    /// A circuit for `witness` at the station `binding`, closed at `closed_at`: computes the
    /// public inputs natively (the native twin) and returns them with the circuit.
    pub fn new(
        shape: Shape,
        binding: Fr,
        closed_at: u32,
        witness: LogWitness,
    ) -> Result<(Self, PublicInputs), CircuitError> {
        let commitment = crate::commitment::log_commitment(&shape, binding, closed_at, &witness)?;
        let counts = witness.vartime_counts(&shape);
        let public = PublicInputs {
            binding,
            commitment,
            total: witness.choices.len() as u64,
            counts,
            closed_at,
        };
        let circuit = Self {
            shape,
            public: Some(public.clone()),
            witness: Some(witness),
        };
        Ok((circuit, public))
    }

    /// A circuit whose public inputs are set by hand (tests of soundness use it to claim counts
    /// that the witness does not support).
    pub fn with_claim(shape: Shape, public: PublicInputs, witness: LogWitness) -> Self {
        Self {
            shape,
            public: Some(public),
            witness: Some(witness),
        }
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }
}

fn missing() -> SynthesisError {
    SynthesisError::AssignmentMissing
}

impl ConstraintSynthesizer<Fr> for StationCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let shape = self.shape;
        let public = self.public.as_ref();
        let witness = self.witness.as_ref();

        // §4.2 public inputs, in order.
        let binding =
            FpVar::new_input(cs.clone(), || public.map(|p| p.binding).ok_or_else(missing))?;
        let commitment = FpVar::new_input(cs.clone(), || {
            public.map(|p| p.commitment).ok_or_else(missing)
        })?;
        let mut counts = Vec::with_capacity(shape.choices);
        for j in 0..shape.choices {
            counts.push(FpVar::new_input(cs.clone(), || {
                public
                    .and_then(|p| p.counts.get(j))
                    .map(|&c| Fr::from(c))
                    .ok_or_else(missing)
            })?);
        }
        let total = FpVar::new_input(cs.clone(), || {
            public.map(|p| Fr::from(p.total)).ok_or_else(missing)
        })?;
        let closed_at = FpVar::new_input(cs.clone(), || {
            public.map(|p| Fr::from(p.closed_at)).ok_or_else(missing)
        })?;

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
            witness,
            public.map(|p| p.closed_at),
        )
    }
}

/// The variables of §4.2 the log statement speaks of, allocated by the circuit that uses it:
/// public inputs in the station circuit; the counts are private in the committed variant of
/// §7.2.
pub(crate) struct LogVars<'a> {
    pub(crate) binding: FpVar<Fr>,
    pub(crate) commitment: FpVar<Fr>,
    pub(crate) counts: &'a [FpVar<Fr>],
    pub(crate) total: FpVar<Fr>,
    pub(crate) closed_at: FpVar<Fr>,
}

/// Constraints (C1)-(C6) of §4.3 over `vars`: the counts are the histogram of the log inside
/// the commitment, with the total, every vote a choice slot of the shape and recorded at or
/// before `close` (the close of poll's value, `None` in setup mode).
pub(crate) fn enforce_log_statement(
    cs: ConstraintSystemRef<Fr>,
    shape: &Shape,
    vars: LogVars<'_>,
    witness: Option<&LogWitness>,
    close: Option<u32>,
) -> Result<(), SynthesisError> {
    let shape = *shape;
    let LogVars {
        binding,
        commitment,
        counts,
        total,
        closed_at,
    } = vars;
    // §4.3 (C1): total = sum of counts.
    let sum: FpVar<Fr> = counts.iter().sum();
    sum.enforce_equal(&total)?;

    // Witness: salt, and every padded choice as log2(choices) booleans.
    let salt = FpVar::new_witness(cs.clone(), || {
        witness.map(|w| w.salt.to_fr()).ok_or_else(missing)
    })?;
    let bits_per = shape.choice_bits();
    let mut choice_vars: Vec<FpVar<Fr>> = Vec::with_capacity(shape.votes);
    let mut choice_bits: Vec<Vec<Boolean<Fr>>> = Vec::with_capacity(shape.votes);
    for i in 0..shape.votes {
        let v = witness.map(|w| w.choices.get(i).copied().unwrap_or(0));
        let mut bits = Vec::with_capacity(bits_per);
        for b in 0..bits_per {
            // (C2) each bit is boolean: the choice lies in [0, choices).
            bits.push(Boolean::new_witness(cs.clone(), || {
                v.map(|v| (v >> b) & 1 == 1).ok_or_else(missing)
            })?);
        }
        choice_vars.push(Boolean::le_bits_to_fp(&bits)?);
        choice_bits.push(bits);
    }

    // (C6) every padded offset before close, `closed_at - time` (0 for padding), as 17
    // booleans: no vote of the committed log was recorded after the public close of poll.
    let mut offset_bits: Vec<Boolean<Fr>> = Vec::with_capacity(shape.votes * OFFSET_BITS);
    for i in 0..shape.votes {
        let d = witness
            .zip(close)
            .map(|(w, c)| offset_before_close(&w.times, c, i));
        for b in 0..OFFSET_BITS {
            offset_bits.push(Boolean::new_witness(cs.clone(), || {
                d.map(|d| (d >> b) & 1 == 1).ok_or_else(missing)
            })?);
        }
    }

    // (C3) the commitment opens to (binding, salt, total, close of poll, packed choices,
    // packed offsets).
    let per = shape.choices_per_element();
    let mut absorbed = vec![
        FpVar::constant(domain_tag(TAG_LOG)),
        binding.clone(),
        salt,
        total.clone(),
        closed_at,
    ];
    for chunk in choice_bits.chunks(per) {
        let flat: Vec<Boolean<Fr>> = chunk.iter().flatten().cloned().collect();
        absorbed.push(Boolean::le_bits_to_fp(&flat)?);
    }
    for chunk in offset_bits.chunks(OFFSETS_PER_ELEMENT * OFFSET_BITS) {
        absorbed.push(Boolean::le_bits_to_fp(chunk)?);
    }
    let mut sponge = PoseidonSpongeVar::new(cs.clone(), config());
    sponge.absorb(&absorbed)?;
    let computed = sponge.squeeze_field_elements(1)?;
    computed[0].enforce_equal(&commitment)?;

    // (C4) challenge X from the commitment and the claim, inside the circuit.
    let mut absorbed = vec![
        FpVar::constant(domain_tag(TAG_CHALLENGE)),
        binding,
        commitment,
        total.clone(),
    ];
    absorbed.extend(counts.iter().cloned());
    let mut sponge = PoseidonSpongeVar::new(cs.clone(), config());
    sponge.absorb(&absorbed)?;
    let x = sponge.squeeze_field_elements(1)?.remove(0);

    // (C5) sum_i 1/(X - v_i) = sum_j m_j/(X - j), with m_0 = count[0] + (votes - total)
    // for the padding and m_j = count[j] otherwise.
    // Sums are built as single linear combinations (`Sum`), not chains of additions.
    let one = FpVar::one();
    let mut lhs_terms = Vec::with_capacity(choice_vars.len());
    for v in &choice_vars {
        lhs_terms.push(enforced_inverse(&cs, &(&x - v), &one)?);
    }
    let lhs: FpVar<Fr> = lhs_terms.iter().sum();
    let mut rhs_terms = Vec::with_capacity(counts.len());
    let padding = FpVar::constant(Fr::from(shape.votes as u64)) - &total;
    for (j, c) in counts.iter().enumerate() {
        let inv = enforced_inverse(&cs, &(&x - FpVar::constant(Fr::from(j as u64))), &one)?;
        let m = if j == 0 { c + &padding } else { c.clone() };
        rhs_terms.push(m * inv);
    }
    let rhs: FpVar<Fr> = rhs_terms.iter().sum();
    lhs.enforce_equal(&rhs)?;
    Ok(())
}

/// A witness `w` with the constraint `w * diff = 1`: the inverse of `diff`, which must not be 0.
fn enforced_inverse(
    cs: &ConstraintSystemRef<Fr>,
    diff: &FpVar<Fr>,
    one: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let inv = FpVar::new_witness(cs.clone(), || {
        diff.value()?
            .inverse()
            .ok_or(SynthesisError::DivisionByZero)
    })?;
    inv.mul_equals(diff, one)?;
    Ok(inv)
}

/// The native twin of the whole statement: does `public` hold for `witness`? Used by tests
/// (native == circuit) and by the court opening.
pub fn native_statement_holds(shape: &Shape, public: &PublicInputs, witness: &LogWitness) -> bool {
    let Ok(commitment) =
        crate::commitment::log_commitment(shape, public.binding, public.closed_at, witness)
    else {
        return false;
    };
    let counts = witness.vartime_counts(shape);
    let total = witness.choices.len() as u64;
    commitment == public.commitment
        && counts == public.counts
        && total == public.total
        && public.counts.iter().sum::<u64>() == public.total
}
