//! Writes the inputs of `spec/vectors/aggregate.json`: an aggregate of 3 real proofs in the
//! 64x4 key (padded to 4), their public inputs, the Groth16 and aggregation keys, and the
//! context; `spec/vectors/aggregate_vectors.py` then adds the challenges it derives from the
//! bytes by aggregation.md alone. Run both when the format changes:
//!   cargo run --release -p ve-benches --example aggregate_vector
//!   python3 spec/vectors/aggregate_vectors.py
#![allow(clippy::expect_used)] // a generator: a setup failure should stop it

use ark_bls12_381::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_serialize::CanonicalSerialize;
use circuits::aggregate::{aggregate, AggregationKey};
use circuits::{keys, station_binding, LogWitness, Salt, Shape, StationCircuit};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn ser<T: CanonicalSerialize>(x: &T) -> String {
    let mut v = Vec::new();
    x.serialize_uncompressed(&mut v).expect("serialises");
    hex_string(&v)
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let shape = Shape::new(64, 4).expect("shape");
    let pk = keys::setup(shape, &mut rng).expect("setup");
    let items: Vec<_> = (0..3u32)
        .map(|i| {
            let log = LogWitness {
                choices: (0..=i).map(|k| (k % 4) as u16).collect(),
                times: (0..=i).map(|k| 25_200 + k).collect(),
                salt: Salt::random(&mut rng),
            };
            let binding = station_binding("E", &format!("S{i}"), "C");
            let (circ, public) = StationCircuit::new(shape, binding, 26_000, log).expect("fits");
            (public, pk.prove(circ, &mut rng).expect("proves"))
        })
        .collect();
    let vk = keys::vk_to_bytes(pk.verifying_key()).expect("vk");
    let digest: [u8; 32] = {
        use sha2::{Digest, Sha256};
        Sha256::digest(&vk).into()
    };
    let powers = |s: Fr| {
        let mut p = Fr::from(1u64);
        let mut g1 = Vec::new();
        let mut g2 = Vec::new();
        for i in 0..8 {
            g1.push((G1Projective::generator() * p).into_affine());
            if i < 4 {
                g2.push((G2Projective::generator() * p).into_affine());
            }
            p *= s;
        }
        (g1, g2)
    };
    let (g_a, h_a) = powers(Fr::rand(&mut rng));
    let (g_b, h_b) = powers(Fr::rand(&mut rng));
    let key = AggregationKey::from_powers(g_a, h_a, g_b, h_b).expect("key");
    let p = aggregate(&key, b"AC001", &digest, &items).expect("aggregates");
    let avk = key.verifying_key();
    let inputs: Vec<Vec<String>> = items
        .iter()
        .map(|(x, _)| {
            x.to_field_elements()
                .iter()
                .map(|f| hex_string(&f.into_bigint().to_bytes_le()))
                .collect()
        })
        .collect();
    let v = serde_json::json!({
        "context_hex": hex_string(b"AC001"),
        "vk_sha256_hex": hex_string(&digest),
        "groth16_vk_hex": ser(pk.verifying_key()),
        "aggregation_vk_hex": [ser(&avk.g), ser(&avk.h), ser(&avk.g_a), ser(&avk.g_b), ser(&avk.h_a), ser(&avk.h_b)],
        "inputs_le_hex": inputs,
        "aggregate_hex": hex_string(&p.to_bytes()),
    });
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/aggregate.json"
    );
    std::fs::write(path, serde_json::to_string_pretty(&v).expect("json") + "\n").expect("written");
    println!("wrote {path}: run spec/vectors/aggregate_vectors.py to add the challenges");
}
