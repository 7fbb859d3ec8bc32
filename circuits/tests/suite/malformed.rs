//! Malformed encodings of proofs, keys and scalars: each gets a clear error, never a panic and
//! never a silent acceptance (points off the curve, keys outside the prime-order subgroup, the
//! identity, non-canonical encodings, wrong lengths).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_serialize::CanonicalSerialize;
use circuits::{
    fr_from_hex, keys, proof_from_hex, proof_to_hex, station_binding, LogWitness, PublicInputs,
    Salt, Shape, StationCircuit,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn proof_and_key() -> (keys::StationProof, Vec<u8>, Shape) {
    let (proof, vk, shape, _) = proof_key_and_inputs();
    (proof, vk, shape)
}

fn proof_key_and_inputs() -> (keys::StationProof, Vec<u8>, Shape, PublicInputs) {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let shape = Shape::new(64, 4).unwrap();
    let pk = keys::setup(shape, &mut rng).unwrap();
    let log = LogWitness {
        choices: vec![0, 1, 2, 1],
        times: vec![25_200, 25_260, 25_300, 25_400],
        salt: Salt::random(&mut rng),
    };
    let (circ, public) =
        StationCircuit::new(shape, station_binding("E", "S", "C"), 25_400, log).unwrap();
    let proof = pk.prove(circ, &mut rng).unwrap();
    (
        proof,
        keys::vk_to_bytes(pk.verifying_key()).unwrap(),
        shape,
        public,
    )
}

fn compressed<T: CanonicalSerialize>(p: &T) -> Vec<u8> {
    let mut v = Vec::new();
    p.serialize_compressed(&mut v).unwrap();
    v
}

fn uncompressed<T: CanonicalSerialize>(p: &T) -> Vec<u8> {
    let mut v = Vec::new();
    p.serialize_uncompressed(&mut v).unwrap();
    v
}

/// A point on E(Fp) that is not in the prime-order subgroup G1.
fn g1_outside_subgroup() -> G1Affine {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    loop {
        if let Some(p) = G1Affine::get_point_from_x_unchecked(Fq::rand(&mut rng), true) {
            if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
}

/// A point on E'(Fp2) that is not in G2.
fn g2_outside_subgroup() -> G2Affine {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(Fq2::rand(&mut rng), true) {
            if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
}

/// A point of E(Fq) of order dividing G1's cofactor, not the identity: a curve point outside
/// G1 with its G1 part removed.
fn g1_cofactor_part() -> G1Affine {
    let t = g1_outside_subgroup().mul_bigint(Fr::MODULUS).into_affine();
    assert!(!t.is_zero() && t.is_on_curve());
    t
}

fn proof_hex(p: &keys::StationProof) -> String {
    hex::encode(uncompressed(p))
}

/// protocol.md §4.8: A and C are decoded without a G1 membership test, and a part outside G1
/// changes nothing: the proof verifies (alone and in a batch) exactly when the proof of its G1
/// parts does. B outside G2 decodes (it is on the curve) and fails every verification.
#[test]
fn a_and_c_outside_g1_change_no_verdict_and_b_outside_g2_fails() {
    let (proof, vk, shape, public) = proof_key_and_inputs();
    let pvk = keys::vk_from_bytes(shape, &vk).unwrap();
    let digest = [7u8; 32];
    let t = g1_cofactor_part();
    let mut wrong = public.clone();
    wrong.counts[0] += 1;
    wrong.counts[1] -= 1;
    let with = |a: bool, c: bool| {
        let mut p = proof.clone();
        if a {
            p.a = (p.a + t).into_affine();
        }
        if c {
            p.c = (p.c + t).into_affine();
        }
        proof_from_hex(&proof_hex(&p)).expect("on the curve: decoded")
    };
    for (a, c) in [(true, false), (false, true), (true, true)] {
        let p = with(a, c);
        assert!(!p.a.is_in_correct_subgroup_assuming_on_curve() || !a);
        assert!(pvk.verify(&public, &p).is_ok(), "A {a} C {c}: holds");
        assert!(pvk.verify(&wrong, &p).is_err(), "A {a} C {c}: other counts");
        let items = vec![
            (public.clone(), proof.clone()),
            (public.clone(), p.clone()),
            (wrong.clone(), p),
        ];
        assert_eq!(pvk.verify_batch(&digest, &items, &[3u8; 32]), vec![2]);
    }
    // A itself replaced by a point of the cofactor group only: the pairing sees the identity.
    let mut bad = proof.clone();
    bad.a = t;
    let bad = proof_from_hex(&proof_hex(&bad)).unwrap();
    assert!(pvk.verify(&public, &bad).is_err());

    // B outside G2: on the curve, so decoded; refused by the lone and the batch verification.
    let mut bad = proof.clone();
    bad.b = g2_outside_subgroup();
    let bad = proof_from_hex(&proof_hex(&bad)).expect("on the curve: decoded");
    assert!(pvk.verify(&public, &bad).is_err(), "B outside G2");
    let items = vec![(public.clone(), proof.clone()), (public.clone(), bad)];
    assert_eq!(pvk.verify_batch(&digest, &items, &[3u8; 32]), vec![1]);
}

#[test]
fn proofs_off_the_curve_identity_noncanonical_or_wrong_length_are_refused() {
    let (proof, _, _) = proof_and_key();
    let good = proof_to_hex(&proof).unwrap();
    assert!(proof_from_hex(&good).is_ok());

    for which in 0..3 {
        let mut bad = proof.clone();
        match which {
            0 => bad.a = G1Affine::zero(),
            1 => bad.b = G2Affine::zero(),
            _ => bad.c = G1Affine::zero(),
        }
        let e = proof_from_hex(&hex::encode(uncompressed(&bad))).unwrap_err();
        assert!(e.to_string().contains("identity"), "{e}");
    }
    // Not on the curve: A's y changed in its last bit (A = x || y, 48 bytes each, big-endian).
    let mut bytes = hex::decode(&good).unwrap();
    bytes[95] ^= 1;
    assert!(
        proof_from_hex(&hex::encode(&bytes)).is_err(),
        "A off the curve"
    );
    // B off the curve, and C's x replaced by the field modulus (not a canonical element).
    let mut bytes = hex::decode(&good).unwrap();
    bytes[96 + 191] ^= 1;
    assert!(
        proof_from_hex(&hex::encode(&bytes)).is_err(),
        "B off the curve"
    );
    let mut bytes = hex::decode(&good).unwrap();
    bytes[288..336].copy_from_slice(&Fq::MODULUS.to_bytes_be());
    assert!(
        proof_from_hex(&hex::encode(&bytes)).is_err(),
        "C's x is not below p"
    );
    // The compressed encoding of a valid proof is refused (one encoding only).
    assert!(proof_from_hex(&hex::encode(compressed(&proof))).is_err());
    // Wrong lengths, upper-case (non-canonical) hex, not hex at all.
    assert!(proof_from_hex(&good[..2 * keys::PROOF_BYTES - 2]).is_err());
    assert!(proof_from_hex(&format!("{good}00")).is_err());
    assert!(proof_from_hex("").is_err());
    assert!(proof_from_hex(&good.to_uppercase()).is_err());
    assert!(proof_from_hex(&"zz".repeat(keys::PROOF_BYTES)).is_err());
}

#[test]
fn scalars_at_or_above_the_group_order_are_refused() {
    let r = Fr::MODULUS.to_bytes_le();
    assert!(fr_from_hex(&hex::encode(&r)).is_err(), "r itself");
    assert!(fr_from_hex(&"ff".repeat(32)).is_err());
    let mut below = Fr::MODULUS;
    below.sub_with_borrow(&1u64.into());
    assert!(
        fr_from_hex(&hex::encode(below.to_bytes_le())).is_ok(),
        "r - 1"
    );
    assert!(fr_from_hex(&"00".repeat(31)).is_err(), "31 bytes");
    assert!(fr_from_hex("-1").is_err());
}

#[test]
fn verifying_keys_that_are_malformed_are_refused() {
    let (_, vk, shape) = proof_and_key();
    assert!(keys::vk_from_bytes(shape, &vk).is_ok());
    assert!(
        keys::vk_from_bytes(Shape::new(64, 8).unwrap(), &vk).is_err(),
        "another shape"
    );
    assert!(
        keys::vk_from_bytes(shape, &vk[..vk.len() - 1]).is_err(),
        "truncated"
    );
    assert!(keys::vk_from_bytes(shape, &[]).is_err(), "empty");
    let mut longer = vk.clone();
    longer.push(0);
    assert!(
        keys::vk_from_bytes(shape, &longer).is_err(),
        "trailing byte"
    );
    // alpha (the first 48 bytes) replaced by a point outside G1, then by the identity.
    let mut bad = vk.clone();
    bad[..48].copy_from_slice(&compressed(&g1_outside_subgroup()));
    assert!(
        keys::vk_from_bytes(shape, &bad).is_err(),
        "alpha outside G1"
    );
    let mut bad = vk.clone();
    bad[..48].copy_from_slice(&compressed(&G1Affine::zero()));
    let e = keys::vk_from_bytes(shape, &bad).unwrap_err();
    assert!(e.to_string().contains("identity"), "{e}");
    // beta (next 96 bytes) outside G2.
    let mut bad = vk;
    bad[48..144].copy_from_slice(&compressed(&g2_outside_subgroup()));
    assert!(keys::vk_from_bytes(shape, &bad).is_err(), "beta outside G2");
}
