//! The station circuit's constraint system as data: the iden3 `.r1cs` binary format (version 1,
//! the format circom writes and snarkjs reads), byte by byte in spec `encodings.md` §7.
//!
//! The export is the matrices key generation and V2.h use, written in the order arkworks
//! synthesises them: wire `k` is arkworks variable `k` (0 the constant one, then the public
//! inputs in `PublicInputs::names` order, then the private variables). The reader refuses
//! anything the writer would not write: another field, version or wire split, an unsorted or
//! repeated wire, a zero or non-canonical coefficient, a section of the wrong size.

use crate::error::CircuitError;
use crate::shape::{Kind, Shape};
use crate::station::StationCircuit;
use crate::totaliser::{CommittedStationCircuit, GroupCircuit};
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField, Zero};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, Matrix, OptimizationGoal,
    SynthesisError, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use sha2::{Digest, Sha256};

/// The file's magic bytes.
pub const MAGIC: &[u8; 4] = b"r1cs";
/// Bytes of a field element.
const FS: usize = 32;
/// Largest export the reader accepts (the 2048x64 shape's is well below it).
pub const MAX_BYTES: usize = 1 << 30;

/// The constraint matrices (A, B, C) of one shape, with the sizes the QAP reduction needs.
#[derive(Clone, Debug)]
pub(crate) struct Matrices {
    pub(crate) abc: Vec<Matrix<Fr>>,
    pub(crate) num_instance: usize,
    pub(crate) num_witness: usize,
    pub(crate) num_constraints: usize,
}

/// The public inputs' names of `shape`'s circuit in order (protocol.md §4.2, §7.2, §7.3).
pub fn input_names(shape: &Shape) -> Vec<String> {
    match shape.kind {
        Kind::Public => crate::station::PublicInputs::names(shape),
        Kind::Committed => crate::totaliser::CommittedPublicInputs::names(),
        Kind::Group => crate::totaliser::GroupPublicInputs::names(shape),
    }
}

/// The circuit of a shape's kind with no assignment: what key generation and the export
/// synthesise.
pub(crate) struct Blank(pub(crate) Shape);

impl ConstraintSynthesizer<Fr> for Blank {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let shape = self.0;
        match shape.kind {
            Kind::Public => StationCircuit::blank(shape).generate_constraints(cs),
            Kind::Committed => CommittedStationCircuit::blank(shape).generate_constraints(cs),
            Kind::Group => GroupCircuit::blank(shape).generate_constraints(cs),
        }
    }
}

impl Matrices {
    /// Synthesises the blank circuit of `shape` in setup mode, exactly as key generation does.
    pub(crate) fn of(shape: Shape) -> Result<Self, CircuitError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        Blank(shape)
            .generate_constraints(cs.clone())
            .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
        cs.finalize();
        let mut all = cs
            .to_matrices()
            .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
        let abc = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| CircuitError::Synthesis("no R1CS matrices".into()))?;
        Ok(Self {
            abc,
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
        })
    }

    /// SHA-256 of the matrices (spec `ceremony.md` §3.3; `r1cs::R1cs::matrix_digest`).
    pub(crate) fn digest(&self) -> [u8; 32] {
        digest_of(&self.abc)
    }
}

/// One shape's constraint system, as the export holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1cs {
    /// Public variables, the constant one included (arkworks' instance variables).
    pub num_instance: usize,
    /// Private variables.
    pub num_witness: usize,
    /// A, B and C: per constraint, the (coefficient, wire) terms in ascending wire order.
    pub abc: [Vec<Vec<(Fr, usize)>>; 3],
}

/// Sizes and digests of one shape's export (spec `vectors/circuit-shapes.json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The shape.
    pub shape: Shape,
    /// Constraints (`m`).
    pub constraints: usize,
    /// Public inputs, the constant one excluded.
    pub public_inputs: usize,
    /// Private variables (`w`).
    pub private_variables: usize,
    /// Evaluation domain of the QAP (`n = 2^ceil(log2(m + public inputs + 1))`).
    pub domain: usize,
    /// Non-zero terms over A, B and C.
    pub terms: usize,
    /// Length of the `.r1cs` file.
    pub r1cs_bytes: usize,
    /// SHA-256 of the `.r1cs` file, hex.
    pub r1cs_sha256: String,
    /// The matrix digest the ceremony's phase 2 starts from, hex (spec `ceremony.md` §3.3).
    pub matrix_sha256: String,
}

impl Summary {
    /// The shape's line of `spec/vectors/circuit-shapes.json` (one JSON object, fixed key order).
    pub fn json_line(&self) -> String {
        let names = input_names(&self.shape)
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{{\"shape\": \"{}\", \"constraints\": {}, \"public_inputs\": {}, \"private_variables\": {}, \"domain\": {}, \"terms\": {}, \"r1cs_bytes\": {}, \"r1cs_sha256\": \"{}\", \"matrix_sha256\": \"{}\", \"order\": [{names}]}}",
            self.shape,
            self.constraints,
            self.public_inputs,
            self.private_variables,
            self.domain,
            self.terms,
            self.r1cs_bytes,
            self.r1cs_sha256,
            self.matrix_sha256
        )
    }
}

fn bad(reason: impl Into<String>) -> CircuitError {
    CircuitError::Encoding {
        what: ".r1cs file",
        reason: reason.into(),
    }
}

impl R1cs {
    /// Synthesises `shape` (setup mode, the constraint-count optimisation: as key generation).
    pub fn of(shape: Shape) -> Result<Self, CircuitError> {
        Self::from_matrices(&Matrices::of(shape)?)
    }

    pub(crate) fn from_matrices(m: &Matrices) -> Result<Self, CircuitError> {
        let mut abc: [Vec<Vec<(Fr, usize)>>; 3] = Default::default();
        for (out, mat) in abc.iter_mut().zip(&m.abc) {
            for row in mat.iter().take(m.num_constraints) {
                // arkworks writes each row sorted, merged and without zeros; the format requires
                // it, so a row that is not is an error here, never silently reordered.
                let sorted = row.windows(2).all(|w| w[0].1 < w[1].1);
                if !sorted || row.iter().any(|(c, _)| c.is_zero()) {
                    return Err(bad("a synthesised row is not sorted, merged and non-zero"));
                }
                out.push(row.clone());
            }
        }
        if abc.iter().any(|x| x.len() != m.num_constraints) {
            return Err(bad("the matrices have different numbers of rows"));
        }
        Ok(Self {
            num_instance: m.num_instance,
            num_witness: m.num_witness,
            abc,
        })
    }

    /// Constraints.
    pub fn num_constraints(&self) -> usize {
        self.abc[0].len()
    }

    /// Wires: the constant one, the public inputs, the private variables.
    pub fn num_wires(&self) -> usize {
        self.num_instance + self.num_witness
    }

    /// The QAP's evaluation domain: the smallest power of two at least `m + num_instance`.
    pub fn domain(&self) -> usize {
        (self.num_constraints() + self.num_instance).next_power_of_two()
    }

    /// The iden3 `.r1cs` bytes: sections header (1), constraints (2), wire-to-label map (3).
    pub fn to_bytes(&self) -> Vec<u8> {
        let wires = self.num_wires() as u32;
        let mut header = Vec::with_capacity(4 + FS + 28);
        header.extend_from_slice(&(FS as u32).to_le_bytes());
        header.extend_from_slice(&Fr::MODULUS.to_bytes_le());
        header.extend_from_slice(&wires.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes()); // public outputs
        header.extend_from_slice(&((self.num_instance - 1) as u32).to_le_bytes());
        header.extend_from_slice(&(self.num_witness as u32).to_le_bytes());
        header.extend_from_slice(&(wires as u64).to_le_bytes()); // labels
        header.extend_from_slice(&(self.num_constraints() as u32).to_le_bytes());
        let mut cons = Vec::new();
        for j in 0..self.num_constraints() {
            for mat in &self.abc {
                let row = &mat[j];
                cons.extend_from_slice(&(row.len() as u32).to_le_bytes());
                for (c, k) in row {
                    cons.extend_from_slice(&(*k as u32).to_le_bytes());
                    cons.extend_from_slice(&c.into_bigint().to_bytes_le());
                }
            }
        }
        let mut map = Vec::with_capacity(8 * self.num_wires());
        for k in 0..self.num_wires() as u64 {
            map.extend_from_slice(&k.to_le_bytes());
        }
        let mut out = Vec::with_capacity(12 + 3 * 12 + header.len() + cons.len() + map.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&3u32.to_le_bytes());
        for (ty, body) in [(1u32, &header), (2, &cons), (3, &map)] {
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&(body.len() as u64).to_le_bytes());
            out.extend_from_slice(body);
        }
        out
    }

    /// Reads an export, refusing anything [`R1cs::to_bytes`] would not write.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CircuitError> {
        if bytes.len() > MAX_BYTES {
            return Err(bad(format!("{} bytes, above the cap", bytes.len())));
        }
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(bad("it does not start with \"r1cs\""));
        }
        if r.u32()? != 1 {
            return Err(bad("version is not 1"));
        }
        if r.u32()? != 3 {
            return Err(bad("it does not have exactly the three sections 1, 2, 3"));
        }
        let mut sections: [Option<&[u8]>; 3] = [None; 3];
        for _ in 0..3 {
            let ty = r.u32()? as usize;
            let len = usize::try_from(r.u64()?).map_err(|_| bad("section too long"))?;
            let body = r.take(len)?;
            match sections.get_mut(ty.wrapping_sub(1)) {
                Some(slot @ None) => *slot = Some(body),
                _ => return Err(bad(format!("section type {ty} unexpected or repeated"))),
            }
        }
        if r.at != bytes.len() {
            return Err(bad("bytes after the last section"));
        }
        let [Some(header), Some(cons), Some(map)] = sections else {
            return Err(bad("a section is missing"));
        };
        let mut h = Reader { b: header, at: 0 };
        if h.u32()? as usize != FS || h.take(FS)? != Fr::MODULUS.to_bytes_le().as_slice() {
            return Err(bad("the field is not BLS12-381's scalar field (32 bytes)"));
        }
        let wires = h.u32()? as usize;
        let outputs = h.u32()?;
        let inputs = h.u32()? as usize;
        let private = h.u32()? as usize;
        let labels = h.u64()?;
        let m = h.u32()? as usize;
        if h.at != header.len() {
            return Err(bad("the header section has the wrong length"));
        }
        if outputs != 0 || inputs.checked_add(1 + private) != Some(wires) || labels != wires as u64
        {
            return Err(bad(
                "wires are not the constant one, the public inputs and the private variables",
            ));
        }
        let mut c = Reader { b: cons, at: 0 };
        let mut abc: [Vec<Vec<(Fr, usize)>>; 3] = Default::default();
        for _ in 0..m {
            for mat in abc.iter_mut() {
                let terms = c.u32()? as usize;
                // Each term takes 36 bytes: a count beyond the bytes left is refused unread.
                if terms > c.left() / (4 + FS) {
                    return Err(bad("a row has more terms than the section holds"));
                }
                let mut row = Vec::with_capacity(terms);
                for _ in 0..terms {
                    let k = c.u32()? as usize;
                    let raw = c.take(FS)?;
                    let coeff = Fr::from_bigint(ark_ff::BigInt::<4>(num_le(raw)))
                        .ok_or_else(|| bad("a coefficient is not below the modulus"))?;
                    if coeff.is_zero() || k >= wires || row.last().is_some_and(|(_, p)| *p >= k) {
                        return Err(bad(
                            "a term is zero, beyond the wires, or out of ascending wire order",
                        ));
                    }
                    row.push((coeff, k));
                }
                mat.push(row);
            }
        }
        if c.at != cons.len() {
            return Err(bad(
                "the constraint section has bytes after the last constraint",
            ));
        }
        let identity = map.len() == 8 * wires
            && map
                .chunks_exact(8)
                .enumerate()
                .all(|(k, l)| l == (k as u64).to_le_bytes());
        if !identity {
            return Err(bad("the wire-to-label map is not the identity"));
        }
        Ok(Self {
            num_instance: inputs + 1,
            num_witness: private,
            abc,
        })
    }

    /// The matrix digest (spec `ceremony.md` §3.3): SHA-256 of `"R1CS"`, then for A, then B,
    /// then C, for each constraint in order, the number of terms (u64 LE) and each term's
    /// coefficient (32 bytes LE) and wire (u64 LE).
    pub fn matrix_digest(&self) -> [u8; 32] {
        digest_of(&self.abc)
    }

    /// Whether `z` (the constant one, the public inputs, the private variables) satisfies every
    /// constraint: `(A z) * (B z) = C z`, row by row.
    pub fn is_satisfied_by(&self, z: &[Fr]) -> bool {
        if z.len() != self.num_wires() || z.first() != Some(&Fr::from(1u64)) {
            return false;
        }
        let dot = |row: &Vec<(Fr, usize)>| row.iter().map(|(c, k)| *c * z[*k]).sum::<Fr>();
        let [a, b, c] = &self.abc;
        a.iter()
            .zip(b)
            .zip(c)
            .all(|((a, b), c)| dot(a) * dot(b) == dot(c))
    }

    /// Sizes and digests of `shape`'s export (this constraint system).
    pub fn summary(&self, shape: Shape) -> Summary {
        let bytes = self.to_bytes();
        Summary {
            shape,
            constraints: self.num_constraints(),
            public_inputs: self.num_instance - 1,
            private_variables: self.num_witness,
            domain: self.domain(),
            terms: self.abc.iter().flatten().map(Vec::len).sum(),
            r1cs_bytes: bytes.len(),
            r1cs_sha256: hex::encode(Sha256::digest(&bytes)),
            matrix_sha256: hex::encode(self.matrix_digest()),
        }
    }
}

/// The matrix digest of A, B, C (rows in order, terms as written).
pub(crate) fn digest_of(abc: &[Vec<Vec<(Fr, usize)>>]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(R1CS_PREDICATE_LABEL.as_bytes());
    for mat in abc {
        for row in mat {
            h.update((row.len() as u64).to_le_bytes());
            for (coeff, idx) in row {
                h.update(coeff.into_bigint().to_bytes_le());
                h.update((*idx as u64).to_le_bytes());
            }
        }
    }
    h.finalize().into()
}

/// 32 little-endian bytes as four u64 limbs.
fn num_le(raw: &[u8]) -> [u64; 4] {
    let mut limbs = [0u64; 4];
    for (l, chunk) in limbs.iter_mut().zip(raw.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *l = u64::from_le_bytes(b);
    }
    limbs
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.b.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CircuitError> {
        if n > self.left() {
            return Err(bad("it ends inside a field"));
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, CircuitError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, CircuitError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }
}
