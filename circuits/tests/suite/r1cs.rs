//! The circuit as data (spec `encodings.md` §7): every shape's export pinned, the export is the
//! circuit (an honest station's assignment satisfies it, a lying one does not), and every
//! malformed file refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_ff::{PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use circuits::r1cs::R1cs;
use circuits::shape::{PRODUCTION_SHAPES, SMALL_SHAPES};
use circuits::{keys, station_binding, Fr, LogWitness, Salt, Shape, StationCircuit};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

const PINS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../spec/vectors/circuit-shapes.json"
);

fn shape(s: &str) -> Shape {
    Shape::parse(s).expect("shape")
}

/// Every small and production shape: sizes, the export's length and SHA-256, the matrix digest.
/// The production shapes are pinned here too (synthesis only, no key), so a change to the
/// circuit shows in this file's diff. `UPDATE_VECTORS=1` rewrites it.
#[test]
fn every_shape_is_pinned() {
    let mut lines = Vec::new();
    for s in SMALL_SHAPES.iter().chain(PRODUCTION_SHAPES) {
        let r1cs = R1cs::of(*s).expect("synthesis");
        lines.push(format!("  {}", r1cs.summary(*s).json_line()));
    }
    let text = format!("[\n{}\n]\n", lines.join(",\n"));
    if std::env::var("UPDATE_VECTORS").as_deref() == Ok("1") {
        std::fs::write(PINS, &text).expect("write vectors");
    }
    let pinned = std::fs::read_to_string(PINS).expect("spec/vectors/circuit-shapes.json");
    assert_eq!(
        pinned, text,
        "the circuit changed; rerun with UPDATE_VECTORS=1 and read the diff"
    );
}

const TOTALISER_PINS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../spec/vectors/totaliser-shapes.json"
);

/// The totaliser's circuits (protocol.md §7) at the sizes a grouped contest would use: the
/// committed-count station circuit and the group circuit, pinned as the station circuit's are.
#[test]
fn totaliser_shapes_are_pinned() {
    let mut lines = Vec::new();
    for text in ["64x4c", "256x8c", "2048x16c", "g16x8", "g32x8", "g32x16"] {
        let s = shape(text);
        let r1cs = R1cs::of(s).expect("synthesis");
        lines.push(format!("  {}", r1cs.summary(s).json_line()));
    }
    let text = format!("[\n{}\n]\n", lines.join(",\n"));
    if std::env::var("UPDATE_VECTORS").as_deref() == Ok("1") {
        std::fs::write(TOTALISER_PINS, &text).expect("write vectors");
    }
    let pinned =
        std::fs::read_to_string(TOTALISER_PINS).expect("spec/vectors/totaliser-shapes.json");
    assert_eq!(
        pinned, text,
        "a totaliser circuit changed; rerun with UPDATE_VECTORS=1 and read the diff"
    );
}

fn honest(rng: &mut ChaCha20Rng, shape: Shape, n: usize) -> StationCircuit {
    let mut t = 7 * 3600;
    let w = LogWitness {
        choices: (0..n)
            .map(|_| rng.gen_range(0..shape.choices) as u16)
            .collect(),
        times: (0..n)
            .map(|_| {
                t += rng.gen_range(1..60);
                t
            })
            .collect(),
        salt: Salt::random(rng),
    };
    let b = station_binding("E", "S1", "C");
    StationCircuit::new(shape, b, 18 * 3600, w).expect("fits").0
}

#[test]
fn the_export_is_the_circuit() {
    let mut rng = ChaCha20Rng::seed_from_u64(26);
    let s = shape("64x4");
    let r1cs = R1cs::of(s).expect("synthesis");
    let bytes = r1cs.to_bytes();
    let back = R1cs::from_bytes(&bytes).expect("its own export reads");
    assert_eq!(back, r1cs);
    assert_eq!(back.to_bytes(), bytes, "byte for byte");
    assert_eq!(
        hex::encode(back.matrix_digest()),
        keys::matrix_digest(s).expect("digest"),
        "the digest over the file is the digest the ceremony uses"
    );
    // An honest station's assignment satisfies the exported constraints, evaluated from the file
    // alone (not by arkworks' own check).
    let (z, instance) = keys::assignment(honest(&mut rng, s, 40)).expect("assignment");
    assert_eq!(instance, back.num_instance);
    assert!(back.is_satisfied_by(&z));
    // A count raised, a total raised, a private variable changed: each breaks a constraint.
    for k in [3usize, 2 + s.choices, back.num_instance + 5] {
        let mut lie = z.clone();
        lie[k] += Fr::from(1u64);
        assert!(
            !back.is_satisfied_by(&lie),
            "wire {k} changed still satisfies"
        );
    }
    // The assignment, pinned for the independent check (spec/vectors/circuit_vectors.py): a
    // synthetic station of a seeded generator, no real vote.
    let text = format!(
        "{{\"comment\": \"a synthetic 64x4 station (seeded, 40 votes): every wire of spec/vectors/circuits/64x4.r1cs.xz in order, decimal\", \"assignment\": [{}]}}\n",
        z.iter()
            .map(|x| format!("\"{}\"", x.into_bigint()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/circuits/64x4.assignment.json"
    );
    if std::env::var("UPDATE_VECTORS").as_deref() == Ok("1") {
        std::fs::write(path, &text).expect("write the assignment");
    }
    assert_eq!(
        std::fs::read_to_string(path).expect("the pinned assignment"),
        text,
        "the example assignment changed; rerun with UPDATE_VECTORS=1"
    );
    // An empty log too.
    let (z, _) = keys::assignment(honest(&mut rng, s, 0)).expect("assignment");
    assert!(back.is_satisfied_by(&z));
}

/// Offsets in a 64x4 export: the header section starts at 12 + 12.
const HEADER: usize = 24;
const CONSTRAINTS: usize = HEADER + 64 + 12;

#[test]
fn malformed_exports_are_refused() {
    let good = R1cs::of(shape("64x4")).expect("synthesis").to_bytes();
    let refuse = |bytes: &[u8], why: &str| {
        let err = R1cs::from_bytes(bytes).expect_err(why).to_string();
        assert!(err.contains(".r1cs"), "{why}: {err}");
    };
    refuse(&good[..good.len() - 1], "cut short");
    refuse(&good[..CONSTRAINTS + 10], "cut inside a row");
    refuse(
        &[good.as_slice(), &[0]].concat(),
        "a byte after the last section",
    );
    let mut b = good.clone();
    b[0] = b'R';
    refuse(&b, "magic");
    let mut b = good.clone();
    b[4] = 2;
    refuse(&b, "version 2");
    let mut b = good.clone();
    b[HEADER + 4] ^= 1;
    refuse(&b, "another prime");
    let mut b = good.clone();
    b[HEADER + 4 + 32 + 4] = 1; // one public output
    refuse(&b, "a public output");
    let mut b = good.clone();
    b[HEADER + 4 + 32 + 8] ^= 1; // public inputs
    refuse(&b, "public inputs and wires disagree");
    // The first row of A: its term count, first wire, first coefficient.
    let first = CONSTRAINTS;
    let mut b = good.clone();
    b[first + 4..first + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    refuse(&b, "a wire beyond the wires");
    let mut b = good.clone();
    b[first + 8..first + 40].fill(0);
    refuse(&b, "a zero coefficient");
    let mut b = good.clone();
    b[first + 8..first + 40].fill(0xff);
    refuse(&b, "a coefficient above the modulus");
    let mut b = good.clone();
    b[first..first + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    refuse(&b, "more terms than bytes");
    // A row with two terms, swapped: out of ascending order.
    let r1cs = R1cs::of(shape("64x4")).expect("synthesis");
    let (row, _) = r1cs.abc[0]
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() >= 2)
        .map(|(j, r)| (j, r.len()))
        .expect("a row with two terms");
    let mut swapped = r1cs.clone();
    swapped.abc[0][row].swap(0, 1);
    refuse(&swapped.to_bytes(), "terms out of order");
    let mut repeated = r1cs.clone();
    let t = repeated.abc[0][row][0];
    repeated.abc[0][row][1] = t;
    refuse(&repeated.to_bytes(), "a wire repeated");
    // Label map not the identity.
    let mut b = good.clone();
    let n = b.len();
    b[n - 8] ^= 1;
    refuse(&b, "a label map that is not the identity");
    // Sections repeated or unknown.
    let mut b = good.clone();
    b[12] = 2;
    refuse(&b, "section 2 twice");
    let mut b = good;
    b[12] = 9;
    refuse(&b, "an unknown section");
}

fn fr(hex_le: &serde_json::Value) -> Fr {
    let bytes = hex::decode(hex_le.as_str().expect("hex")).expect("hex");
    Fr::from_le_bytes_mod_order(&bytes)
}

/// The domain the QAP uses is the one spec/encodings.md §9 defines, by the independent vectors:
/// generator 7^((r-1)/n) for every size, the inverse FFT's order and scaling, the Lagrange basis.
#[test]
fn the_domain_is_the_specs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/vectors/domain.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("domain.json")).expect("json");
    for root in v["roots"].as_array().expect("roots") {
        let n = root["size"].as_u64().expect("size") as usize;
        let d = Radix2EvaluationDomain::<Fr>::new(n).expect("domain");
        assert_eq!(d.size(), n);
        assert_eq!(
            d.group_gen,
            fr(&root["generator_le"]),
            "generator of size {n}"
        );
    }
    let list =
        |x: &serde_json::Value| -> Vec<Fr> { x.as_array().expect("list").iter().map(fr).collect() };
    let d = Radix2EvaluationDomain::<Fr>::new(8).expect("domain");
    assert_eq!(
        d.ifft(&list(&v["ifft"]["values_le"])),
        list(&v["ifft"]["coefficients_le"])
    );
    let tau = fr(&v["lagrange"]["tau_le"]);
    assert!(!tau.is_zero());
    assert_eq!(
        d.evaluate_all_lagrange_coefficients(tau),
        list(&v["lagrange"]["basis_le"])
    );
}
