//! Groth16 keys, proofs and their encodings (spec §4.4 and §5.3).

use crate::error::CircuitError;
use crate::r1cs::{Blank, Matrices};
use crate::shape::Shape;
use crate::station::{PublicInputs, StationCircuit};
use crate::totaliser::{CommittedStationCircuit, GroupCircuit};
use ark_bls12_381::{Bls12_381, Fr};
use ark_ec::AffineRepr;
use ark_ff::{PrimeField, UniformRand};
use ark_groth16::{Groth16, PreparedVerifyingKey, VerifyingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub use crate::encoding::{
    fr_from_hex, fr_to_hex, proof_from_hex, proof_to_hex, StationProof, PROOF_BYTES,
};

/// A proving key with the shape it was made for, and the shape's constraint matrices.
#[derive(Clone, Debug)]
pub struct ProvingKey {
    /// The shape.
    pub shape: Shape,
    /// The Groth16 proving key.
    pub pk: ark_groth16::ProvingKey<Bls12_381>,
    /// The R1CS of the shape, built once: proving then only computes the witness, instead of
    /// rebuilding and inlining every linear combination for every station.
    r1cs: Arc<Matrices>,
}

/// SHA-256 of a shape's constraint matrices, hex (pinned in `spec/vectors/circuit-shapes.json`).
pub fn matrix_digest(shape: Shape) -> Result<String, CircuitError> {
    Ok(hex::encode(Matrices::of(shape)?.digest()))
}

/// The full assignment of `circuit` (the constant one, the public inputs, the private variables:
/// the wires of its `.r1cs` export, in order) and the number of public variables with the one.
/// Synthesised in proving mode with the goal of key generation, so that the variables line up.
pub fn assignment(
    circuit: impl ConstraintSynthesizer<Fr>,
) -> Result<(Vec<Fr>, usize), CircuitError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit
        .generate_constraints(cs.clone())
        .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
    cs.finalize();
    let inner = cs
        .borrow()
        .ok_or_else(|| CircuitError::Synthesis("constraint system gone".into()))?;
    let instance = inner
        .instance_assignment()
        .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
    let witness = inner
        .witness_assignment()
        .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
    let n = instance.len();
    Ok(([instance, witness].concat(), n))
}

/// A circuit with an assignment, and the shape whose key proves it.
pub trait Statement: ConstraintSynthesizer<Fr> {
    /// The shape (its kind names the circuit).
    fn shape(&self) -> Shape;
}

impl Statement for StationCircuit {
    fn shape(&self) -> Shape {
        StationCircuit::shape(self)
    }
}

impl Statement for CommittedStationCircuit {
    fn shape(&self) -> Shape {
        CommittedStationCircuit::shape(self)
    }
}

impl Statement for GroupCircuit {
    fn shape(&self) -> Shape {
        GroupCircuit::shape(self)
    }
}

/// A verifying key prepared for pairing, with its shape.
#[derive(Clone, Debug)]
pub struct PreparedKey {
    /// The shape.
    pub shape: Shape,
    /// The prepared key.
    pub pvk: PreparedVerifyingKey<Bls12_381>,
}

/// Time spent in each stage of one proof ([`ProvingKey::breakdown`]).
#[derive(Clone, Debug)]
pub struct ProofBreakdown {
    /// Constraints of the shape.
    pub constraints: usize,
    /// Variables (one, public, private).
    pub variables: usize,
    /// Witness generation (synthesis in proving mode).
    pub witness: std::time::Duration,
    /// The QAP witness map: seven FFTs over the domain.
    pub witness_map: std::time::Duration,
    /// H query (G1, the domain's size, dense scalars).
    pub msm_h: std::time::Duration,
    /// L query (G1, private variables).
    pub msm_l: std::time::Duration,
    /// A query (G1, every variable).
    pub msm_a: std::time::Duration,
    /// B query in G1.
    pub msm_b_g1: std::time::Duration,
    /// B query in G2.
    pub msm_b_g2: std::time::Duration,
}

/// Generates a proving and verifying key for `shape`. Whoever runs this alone learns the
/// trapdoor and could forge proofs (spec §4.4): a single-party setup is for tests and pilots.
pub fn setup<R: RngCore + CryptoRng>(
    shape: Shape,
    rng: &mut R,
) -> Result<ProvingKey, CircuitError> {
    let (pk, _vk) = Groth16::<Bls12_381>::circuit_specific_setup(Blank(shape), rng)
        .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
    Ok(ProvingKey {
        shape,
        pk,
        r1cs: Arc::new(Matrices::of(shape)?),
    })
}

impl ProvingKey {
    /// A proving key made elsewhere (a multi-party ceremony) for `shape`.
    pub fn from_groth16(
        shape: Shape,
        pk: ark_groth16::ProvingKey<Bls12_381>,
    ) -> Result<Self, CircuitError> {
        let r1cs = Matrices::of(shape)?;
        let vars = r1cs.num_instance + r1cs.num_witness;
        if pk.vk.gamma_abc_g1.len() != r1cs.num_instance
            || pk.a_query.len() != vars
            || pk.l_query.len() != r1cs.num_witness
        {
            return Err(enc("proving key", format!("not a key for shape {shape}")));
        }
        Ok(Self {
            shape,
            pk,
            r1cs: Arc::new(r1cs),
        })
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey<Bls12_381> {
        &self.pk.vk
    }

    /// Proves `circuit` (its shape must be this key's).
    pub fn prove<R: RngCore + CryptoRng>(
        &self,
        circuit: impl Statement,
        rng: &mut R,
    ) -> Result<StationProof, CircuitError> {
        if circuit.shape() != self.shape {
            return Err(CircuitError::DoesNotFit {
                shape: self.shape.to_string(),
                reason: format!("circuit has shape {}", circuit.shape()),
            });
        }
        let full = self.witness(circuit)?;
        let m = &self.r1cs;
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        Groth16::<Bls12_381>::create_proof_with_reduction_and_matrices(
            &self.pk,
            r,
            s,
            &m.abc,
            m.num_instance,
            m.num_constraints,
            &full,
        )
        .map_err(|e| CircuitError::Synthesis(e.to_string()))
    }

    /// The full assignment (one, public inputs, witness) of `circuit`: the witness alone, no
    /// matrices, no linear-combination inlining (ark-groth16's own `prove` rebuilds both for
    /// every proof). Same optimisation goal as setup, so the variables line up.
    fn witness(&self, circuit: impl Statement) -> Result<Vec<Fr>, CircuitError> {
        let (full, num_instance) = assignment(circuit)?;
        let m = &self.r1cs;
        if full.len() != self.pk.a_query.len() || num_instance != m.num_instance {
            return Err(CircuitError::Synthesis(format!(
                "{} variables, the key has {}",
                full.len(),
                self.pk.a_query.len()
            )));
        }
        Ok(full)
    }

    /// Where the time of one proof goes (benches): each stage of ark-groth16's prover run
    /// alone, on the calling thread's rayon pool, in the order the prover runs them.
    pub fn breakdown(&self, circuit: impl Statement) -> Result<ProofBreakdown, CircuitError> {
        use ark_ec::VariableBaseMSM;
        use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
        use std::time::Instant;
        let t = Instant::now();
        let full = self.witness(circuit)?;
        let witness = t.elapsed();
        let m = &self.r1cs;
        let t = Instant::now();
        let h = LibsnarkReduction::witness_map_from_matrices::<
            Fr,
            ark_poly::GeneralEvaluationDomain<Fr>,
        >(&m.abc, m.num_instance, m.num_constraints, &full)
        .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
        let witness_map = t.elapsed();
        let big = |v: &[Fr]| v.iter().map(|x| x.into_bigint()).collect::<Vec<_>>();
        let time = |f: &dyn Fn()| {
            let t = Instant::now();
            f();
            t.elapsed()
        };
        let hb = big(&h);
        let aux = big(&full[m.num_instance..]);
        let all = big(&full[1..]);
        let pk = &self.pk;
        Ok(ProofBreakdown {
            constraints: m.num_constraints,
            variables: full.len(),
            witness,
            witness_map,
            msm_h: time(&|| {
                let _ =
                    std::hint::black_box(ark_bls12_381::G1Projective::msm_bigint(&pk.h_query, &hb));
            }),
            msm_l: time(&|| {
                let _ = std::hint::black_box(ark_bls12_381::G1Projective::msm_bigint(
                    &pk.l_query,
                    &aux,
                ));
            }),
            msm_a: time(&|| {
                let _ = std::hint::black_box(ark_bls12_381::G1Projective::msm_bigint(
                    &pk.a_query[1..],
                    &all,
                ));
            }),
            msm_b_g1: time(&|| {
                let _ = std::hint::black_box(ark_bls12_381::G1Projective::msm_bigint(
                    &pk.b_g1_query[1..],
                    &all,
                ));
            }),
            msm_b_g2: time(&|| {
                let _ = std::hint::black_box(ark_bls12_381::G2Projective::msm_bigint(
                    &pk.b_g2_query[1..],
                    &all,
                ));
            }),
        })
    }

    /// Serialises the proving key (uncompressed, for speed; it never leaves the prover).
    pub fn to_bytes(&self) -> Result<Vec<u8>, CircuitError> {
        let mut out = Vec::new();
        self.pk
            .serialize_uncompressed(&mut out)
            .map_err(|e| enc("proving key", e))?;
        Ok(out)
    }

    /// Reads a proving key written by [`ProvingKey::to_bytes`].
    pub fn from_bytes(shape: Shape, bytes: &[u8]) -> Result<Self, CircuitError> {
        let pk = ark_groth16::ProvingKey::<Bls12_381>::deserialize_with_mode(
            bytes,
            Compress::No,
            Validate::No,
        )
        .map_err(|e| enc("proving key", e))?;
        if pk.vk.gamma_abc_g1.len() != shape.num_public_inputs() + 1 {
            return Err(CircuitError::Encoding {
                what: "proving key",
                reason: format!("not a key for shape {shape}"),
            });
        }
        Ok(Self {
            shape,
            pk,
            r1cs: Arc::new(Matrices::of(shape)?),
        })
    }
}

use crate::encoding::enc;

/// Canonical bytes of a verifying key (compressed points).
pub fn vk_to_bytes(vk: &VerifyingKey<Bls12_381>) -> Result<Vec<u8>, CircuitError> {
    let mut out = Vec::new();
    vk.serialize_compressed(&mut out)
        .map_err(|e| enc("verifying key", e))?;
    Ok(out)
}

/// SHA-256 of the canonical bytes of a verifying key, hex (spec §5.3).
pub fn vk_digest(vk: &VerifyingKey<Bls12_381>) -> Result<String, CircuitError> {
    Ok(hex::encode(Sha256::digest(vk_to_bytes(vk)?)))
}

/// Decodes a verifying key strictly (canonical compressed points, on the curve, in the
/// subgroup), checks it has the public-input count of `shape`, and prepares it.
pub fn vk_from_bytes(shape: Shape, bytes: &[u8]) -> Result<PreparedKey, CircuitError> {
    let vk = VerifyingKey::<Bls12_381>::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes)
        .map_err(|e| enc("verifying key", e))?;
    let mut canon = Vec::new();
    vk.serialize_compressed(&mut canon)
        .map_err(|e| enc("verifying key", e))?;
    if canon != bytes {
        return Err(enc("verifying key", "not the canonical encoding"));
    }
    if vk.gamma_abc_g1.len() != shape.num_public_inputs() + 1 {
        return Err(enc("verifying key", format!("not a key for shape {shape}")));
    }
    // An honest key has no identity element (each is a random multiple of a generator).
    let g1_identity = vk
        .gamma_abc_g1
        .iter()
        .chain([&vk.alpha_g1])
        .any(|p| p.is_zero());
    let g2_identity = [&vk.beta_g2, &vk.gamma_g2, &vk.delta_g2]
        .iter()
        .any(|p| p.is_zero());
    if g1_identity || g2_identity {
        return Err(enc("verifying key", "an element is the identity point"));
    }
    Ok(PreparedKey {
        shape,
        pvk: ark_groth16::prepare_verifying_key(&vk),
    })
}

impl PreparedKey {
    /// Verifies one proof. Checks the public-input count first: ark-groth16 does not, and would
    /// treat a missing input as zero and ignore an extra one.
    pub fn verify(&self, public: &PublicInputs, proof: &StationProof) -> Result<(), CircuitError> {
        self.verify_inputs(&public.to_field_elements(), proof)
    }

    /// Verifies one proof against its public inputs as field elements, in the order of the
    /// key's circuit (§4.2, §7.2, §7.3).
    pub fn verify_inputs(&self, inputs: &[Fr], proof: &StationProof) -> Result<(), CircuitError> {
        let expected = self.pvk.vk.gamma_abc_g1.len() - 1;
        if inputs.len() != expected {
            return Err(CircuitError::PublicInputCount {
                expected,
                got: inputs.len(),
            });
        }
        // B must be in G2 (protocol.md §4.8); A and C need not be in G1.
        if !proof.b.is_on_curve() || !proof.b.is_in_correct_subgroup_assuming_on_curve() {
            return Err(CircuitError::ProofInvalid);
        }
        match Groth16::<Bls12_381>::verify_with_processed_vk(&self.pvk, inputs, proof) {
            Ok(true) => Ok(()),
            Ok(false) => Err(CircuitError::ProofInvalid),
            Err(e) => Err(CircuitError::Synthesis(e.to_string())),
        }
    }
}
