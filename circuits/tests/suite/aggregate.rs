//! SnarkPack aggregation (`circuits::aggregate`, spec aggregation.md): an aggregate of valid
//! proofs verifies for their public inputs in their order, and fails for one bad proof among
//! them, for inputs of another order or count, for another context or key, and for any part of
//! the aggregate changed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{Field, UniformRand};
use circuits::aggregate::{
    aggregate, batch_coefficient, prepare_aggregate, verify_aggregate, verify_prepared,
    AggregateProof, AggregationKey,
};
use circuits::{keys, station_binding, LogWitness, PublicInputs, Salt, Shape, StationCircuit};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;

type Item = (PublicInputs, keys::StationProof);

/// `[s^i]_1` for `i < 2n` and `[s^i]_2` for `i < n`.
fn powers(s: Fr, n: usize) -> (Vec<G1Affine>, Vec<G2Affine>) {
    let mut g1 = Vec::new();
    let mut g2 = Vec::new();
    let mut p = Fr::from(1u64);
    for i in 0..2 * n {
        g1.push((G1Projective::generator() * p).into_affine());
        if i < n {
            g2.push((G2Projective::generator() * p).into_affine());
        }
        p *= s;
    }
    (g1, g2)
}

fn key(n: usize) -> AggregationKey {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let (g_a, h_a) = powers(Fr::rand(&mut rng), n);
    let (g_b, h_b) = powers(Fr::rand(&mut rng), n);
    AggregationKey::from_powers(g_a, h_a, g_b, h_b).unwrap()
}

/// Eight valid proofs of distinct stations in the 64x4 key, and the key.
fn proofs() -> &'static (Vec<Item>, keys::PreparedKey, [u8; 32]) {
    static P: OnceLock<(Vec<Item>, keys::PreparedKey, [u8; 32])> = OnceLock::new();
    P.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let shape = Shape::new(64, 4).unwrap();
        let pk = keys::setup(shape, &mut rng).unwrap();
        let items = (0..8u32)
            .map(|i| {
                let choices: Vec<u16> = (0..=i).map(|k| (k % 4) as u16).collect();
                let times = (0..=i).map(|k| 25_200 + k).collect();
                let log = LogWitness {
                    choices,
                    times,
                    salt: Salt::random(&mut rng),
                };
                let binding = station_binding("E", &format!("S{i}"), "C");
                let (circ, public) = StationCircuit::new(shape, binding, 26_000, log).unwrap();
                (public, pk.prove(circ, &mut rng).unwrap())
            })
            .collect();
        let vk = keys::vk_to_bytes(pk.verifying_key()).unwrap();
        let digest = sha(&vk);
        (items, keys::vk_from_bytes(shape, &vk).unwrap(), digest)
    })
}

fn sha(b: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(b).into()
}

fn inputs(items: &[Item]) -> Vec<Vec<Fr>> {
    items.iter().map(|(x, _)| x.to_field_elements()).collect()
}

#[test]
fn an_aggregate_of_valid_proofs_verifies_and_round_trips() {
    let (items, pvk, digest) = proofs();
    let k = key(8);
    let avk = k.verifying_key();
    for count in [2, 3, 8] {
        let p = aggregate(&k, b"AC001", digest, &items[..count]).unwrap();
        assert_eq!(p.n as usize, count.next_power_of_two());
        verify_aggregate(&avk, pvk, b"AC001", digest, &inputs(&items[..count]), &p)
            .unwrap_or_else(|e| panic!("{count} proofs: {e}"));
        let back = AggregateProof::from_bytes(&p.to_bytes()).unwrap();
        assert_eq!(back, p);
    }
}

#[test]
fn an_aggregate_fails_for_other_inputs_context_or_key() {
    let (items, pvk, digest) = proofs();
    let k = key(8);
    let avk = k.verifying_key();
    let p = aggregate(&k, b"AC001", digest, &items[..4]).unwrap();
    let x = inputs(&items[..4]);
    let fails =
        |ctx: &[u8], d: &[u8], x: &[Vec<Fr>]| verify_aggregate(&avk, pvk, ctx, d, x, &p).is_err();
    assert!(fails(b"AC002", digest, &x), "another contest");
    assert!(fails(b"AC001", &[0u8; 32], &x), "another key digest");
    let mut swapped = x.clone();
    swapped.swap(1, 2);
    assert!(
        fails(b"AC001", digest, &swapped),
        "stations in another order"
    );
    let mut count = x.clone();
    count[3][2] += Fr::from(1u64);
    assert!(fails(b"AC001", digest, &count), "one count raised");
    assert!(fails(b"AC001", digest, &x[..3]), "a station left out");
    // Another aggregation key (other secrets).
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let (g_a, h_a) = powers(Fr::rand(&mut rng), 8);
    let (g_b, h_b) = powers(Fr::rand(&mut rng), 8);
    let other = AggregationKey::from_powers(g_a, h_a, g_b, h_b).unwrap();
    assert!(verify_aggregate(&other.verifying_key(), pvk, b"AC001", digest, &x, &p).is_err());
}

#[test]
fn an_aggregate_over_one_bad_proof_fails() {
    let (items, pvk, digest) = proofs();
    let k = key(8);
    let avk = k.verifying_key();
    // Station 2's proof with station 3's: a valid proof of another statement.
    let mut bad = items[..4].to_vec();
    bad[2].1 = items[3].1.clone();
    let p = aggregate(&k, b"AC001", digest, &bad).unwrap();
    let e = verify_aggregate(&avk, pvk, b"AC001", digest, &inputs(&bad), &p).unwrap_err();
    assert!(e.to_string().contains("Groth16"), "{e}");
}

/// Aggregates checked together (aggregation.md §4.1): a set of valid ones, under two
/// aggregation keys and of several sizes, holds; one that fails alone (one bad proof, or
/// prepared for other inputs) makes the set fail, in any position, twice over included; alone,
/// each is told apart.
#[test]
fn aggregates_checked_together_hold_only_when_each_does() {
    let (items, pvk, digest) = proofs();
    let k = key(8);
    let mut rng = ChaCha20Rng::seed_from_u64(98);
    let (g_a, h_a) = powers(Fr::rand(&mut rng), 8);
    let (g_b, h_b) = powers(Fr::rand(&mut rng), 8);
    let k2 = AggregationKey::from_powers(g_a, h_a, g_b, h_b).unwrap();
    let mut bad_set = items[..4].to_vec();
    bad_set[2].1 = items[3].1.clone();
    // (key made with, key checked with, context, items).
    type Case<'a> = (&'a AggregationKey, &'a AggregationKey, &'a [u8], &'a [Item]);
    let valid: [Case; 3] = [
        (&k, &k, b"AC001", &items[..2]),
        (&k2, &k2, b"AC002", &items[..3]),
        (&k, &k, b"AC003", &items[..8]),
    ];
    let prep = |(made, checked, ctx, set): &Case, rng: &mut ChaCha20Rng| {
        let p = aggregate(made, ctx, digest, set).unwrap();
        let s = batch_coefficient(rng);
        prepare_aggregate(
            &checked.verifying_key(),
            pvk,
            ctx,
            digest,
            &inputs(set),
            &p,
            &s,
        )
        .unwrap()
    };
    let good: Vec<_> = valid.iter().map(|v| prep(v, &mut rng)).collect();
    assert!(verify_prepared(&good), "three valid aggregates");
    assert!(verify_prepared(&Vec::new()), "no aggregate");
    // One bad proof among valid ones; valid proofs aggregated under another key than the one
    // checked with. Both pass MIPP's G1 check (made when prepared) and fail the rest.
    let failing: [Case; 2] = [
        (&k, &k, b"AC004", &bad_set),
        (&k2, &k, b"AC001", &items[..2]),
    ];
    for f in &failing {
        for at in 0..=good.len() {
            let mut set = good.clone();
            set.insert(at, prep(f, &mut rng));
            assert!(!verify_prepared(&set), "a failing aggregate at {at}");
            let alone: Vec<bool> = set
                .iter()
                .map(|p| verify_prepared(std::slice::from_ref(p)))
                .collect();
            let mut want = vec![true; set.len()];
            want[at] = false;
            assert_eq!(alone, want);
        }
        let twice = [prep(f, &mut rng), prep(f, &mut rng)];
        assert!(!verify_prepared(&twice), "the same failure twice");
    }
    // Enough aggregates for the GT multi-exponentiation of the sum to take the bucket method
    // (over 1,024 elements): 30 of 8 proofs (36 elements each), valid, then with one failing.
    let avk = k.verifying_key();
    let x = inputs(&items[..8]);
    let p = aggregate(&k, b"AC003", digest, &items[..8]).unwrap();
    let mut many: Vec<_> = (0..30)
        .map(|_| {
            let s = batch_coefficient(&mut rng);
            prepare_aggregate(&avk, pvk, b"AC003", digest, &x, &p, &s).unwrap()
        })
        .collect();
    assert!(verify_prepared(&many), "30 valid aggregates");
    many.insert(17, prep(&failing[0], &mut rng));
    assert!(
        !verify_prepared(&many),
        "30 valid aggregates and a failing one"
    );
}

#[test]
fn every_part_of_an_aggregate_is_bound() {
    let (items, pvk, digest) = proofs();
    let k = key(8);
    let avk = k.verifying_key();
    let x = inputs(&items[..4]);
    let p = aggregate(&k, b"AC001", digest, &items[..4]).unwrap();
    let g1 = G1Affine::generator();
    let gt = ark_bls12_381::Bls12_381::pairing(g1, G2Affine::generator());
    let plus1 = |a: G1Affine| (a + g1).into_affine();
    let mut edits: Vec<(&str, AggregateProof)> = Vec::new();
    let mut e = |name: &'static str, f: &dyn Fn(&mut AggregateProof)| {
        let mut q = p.clone();
        f(&mut q);
        edits.push((name, q));
    };
    e("com_ab", &|q| q.com_ab[0] += gt);
    e("com_ab u", &|q| q.com_ab[1] += gt);
    e("com_c", &|q| q.com_c[0] += gt);
    e("com_c u", &|q| q.com_c[1] += gt);
    e("z_ab", &|q| q.z_ab += gt);
    e("z_c", &|q| q.z_c = plus1(q.z_c));
    e("round z_ab", &|q| q.rounds[0].z_ab[1] += gt);
    e("round t_ab", &|q| q.rounds[1].t_ab[0][1] += gt);
    e("round t_c", &|q| q.rounds[0].t_c[1][0] += gt);
    e("round z_c", &|q| {
        q.rounds[1].z_c[0] = plus1(q.rounds[1].z_c[0])
    });
    e("last a", &|q| q.last.0 = plus1(q.last.0));
    e("last c", &|q| q.last.2 = plus1(q.last.2));
    e("key w", &|q| q.keys.1[0] = plus1(q.keys.1[0]));
    e("opening w", &|q| q.openings.1[1] = plus1(q.openings.1[1]));
    e("rounds swapped", &|q| q.rounds.swap(0, 1));
    for (name, q) in &edits {
        assert!(
            verify_aggregate(&avk, pvk, b"AC001", digest, &x, q).is_err(),
            "{name} changed and still verifies"
        );
    }
    // The honest one still does (the edits were on copies).
    verify_aggregate(&avk, pvk, b"AC001", digest, &x, &p).unwrap();
    // Bytes: truncated, extended, or a round missing are refused.
    let bytes = p.to_bytes();
    assert!(AggregateProof::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(AggregateProof::from_bytes(&longer).is_err());
    let _ = Fr::from(2u64).inverse();
    // A GT element outside the cyclotomic subgroup, and a G2 point outside G2, are refused at
    // decoding (aggregation.md §5).
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let mut q = p.clone();
    q.com_ab[0] = ark_ec::pairing::PairingOutput(ark_bls12_381::Fq12::rand(&mut rng));
    let e = AggregateProof::from_bytes(&q.to_bytes()).unwrap_err();
    assert!(e.to_string().contains("cyclotomic"), "{e}");
    let mut q = p.clone();
    q.keys.0[0] = loop {
        if let Some(b) =
            G2Affine::get_point_from_x_unchecked(ark_bls12_381::Fq2::rand(&mut rng), true)
        {
            if !b.is_in_correct_subgroup_assuming_on_curve() {
                break b;
            }
        }
    };
    let e = AggregateProof::from_bytes(&q.to_bytes()).unwrap_err();
    assert!(e.to_string().contains("subgroup"), "{e}");
}

/// Bytes of an aggregate changed anywhere (one byte, a cut, a byte added) are refused at
/// decoding or fail verification; never a panic, never a pass.
#[test]
fn changed_bytes_are_refused_or_fail() {
    use rand::Rng;
    let (items, pvk, digest) = proofs();
    let k = key(4);
    let avk = k.verifying_key();
    let x = inputs(&items[..4]);
    let bytes = aggregate(&k, b"AC001", digest, &items[..4])
        .unwrap()
        .to_bytes();
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    for i in 0..200 {
        let mut b = bytes.clone();
        match i % 3 {
            0 => {
                let at = rng.gen_range(0..b.len());
                b[at] ^= 1 << rng.gen_range(0..8);
            }
            1 => b.truncate(rng.gen_range(0..b.len())),
            _ => b.insert(rng.gen_range(0..=b.len()), rng.gen()),
        }
        if let Ok(q) = AggregateProof::from_bytes(&b) {
            assert!(
                verify_aggregate(&avk, pvk, b"AC001", digest, &x, &q).is_err(),
                "change {i} verified"
            );
        }
    }
}

fn vector_path() -> &'static str {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/aggregate.json"
    )
}

/// The aggregate of `spec/vectors/aggregate.json` decodes, verifies under its keys, and its
/// transcript gives the challenges `aggregate_vectors.py` computed from the spec's §3 and §5
/// alone (its own parser of the bytes, its own merlin). The file's aggregate and inputs are
/// written by `cargo run -p ve-benches --example aggregate_vector`.
#[test]
fn aggregate_matches_the_independent_vectors() {
    use ark_serialize::CanonicalDeserialize;
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vector_path()).unwrap()).unwrap();
    let bytes = |s: &serde_json::Value| hex::decode(s.as_str().unwrap()).unwrap();
    let p = AggregateProof::from_bytes(&bytes(&v["aggregate_hex"])).unwrap();
    let x: Vec<Vec<Fr>> = v["inputs_le_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l.as_array()
                .unwrap()
                .iter()
                .map(|h| circuits::fr_from_hex(h.as_str().unwrap()).unwrap())
                .collect()
        })
        .collect();
    let context = bytes(&v["context_hex"]);
    let digest = bytes(&v["vk_sha256_hex"]);
    let c =
        circuits::aggregate::challenges(&context, &digest, &circuits::aggregate::padded(&x), &p);
    let want = &v["challenges"];
    let dec = |x: &Fr| {
        use ark_ff::PrimeField;
        x.into_bigint().to_string()
    };
    assert_eq!(dec(&c.r), want["r"].as_str().unwrap());
    let xs: Vec<String> = c.xs.iter().map(dec).collect();
    assert_eq!(
        xs,
        serde_json::from_value::<Vec<String>>(want["x"].clone()).unwrap()
    );
    assert_eq!(dec(&c.z), want["z"].as_str().unwrap());
    let rho: Vec<String> = c.rho.iter().map(dec).collect();
    assert_eq!(
        rho,
        serde_json::from_value::<Vec<String>>(want["rho"].clone()).unwrap()
    );
    // And it verifies under the keys it names.
    let vk = ark_groth16::VerifyingKey::<ark_bls12_381::Bls12_381>::deserialize_uncompressed(
        bytes(&v["groth16_vk_hex"]).as_slice(),
    )
    .unwrap();
    let shape = Shape::new(64, 4).unwrap();
    let pvk = keys::vk_from_bytes(shape, &keys::vk_to_bytes(&vk).unwrap()).unwrap();
    let pts: Vec<Vec<u8>> = v["aggregation_vk_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(bytes)
        .collect();
    let g1 = |b: &[u8]| G1Affine::deserialize_uncompressed(b).unwrap();
    let g2 = |b: &[u8]| G2Affine::deserialize_uncompressed(b).unwrap();
    let avk = circuits::aggregate::AggregationVk {
        g: g1(&pts[0]),
        h: g2(&pts[1]),
        g_a: g1(&pts[2]),
        g_b: g1(&pts[3]),
        h_a: g2(&pts[4]),
        h_b: g2(&pts[5]),
    };
    verify_aggregate(&avk, &pvk, &context, &digest, &x, &p).unwrap();
}
