//! spec/encodings.md and spec/vectors/encodings.json: the BLS12-381 point and scalar encodings,
//! the proof and verifying-key layouts, checked against arkworks both ways; every listed bad
//! encoding is refused. `UPDATE_VECTORS=1` rewrites the vector file (a regression pin: read its
//! diff). The compressed generators of G1 and G2 are also checked against the constant published with the
//! curve (Zcash's BLS12-381 serialisation), independently of arkworks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_bls12_381::{Fq, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use serde_json::{json, Value};

fn enc<T: CanonicalSerialize>(x: &T, c: Compress) -> String {
    let mut out = Vec::new();
    x.serialize_with_mode(&mut out, c).unwrap();
    hex::encode(out)
}

fn dec<T: CanonicalDeserialize>(h: &str, c: Compress) -> Result<T, String> {
    let bytes = hex::decode(h).map_err(|e| e.to_string())?;
    let mut rd = bytes.as_slice();
    let x = T::deserialize_with_mode(&mut rd, c, Validate::Yes).map_err(|e| e.to_string())?;
    if !rd.is_empty() {
        return Err("trailing bytes".into());
    }
    Ok(x)
}

/// A G1 x-coordinate (compressed encoding, sort flag clear) that is not on the curve, and one
/// on the curve whose point is outside the prime-order subgroup: the first such x from 1 up.
fn off_curve_and_off_subgroup() -> (String, String) {
    let (mut off_curve, mut off_group) = (None, None);
    let mut x = Fq::from(1u64);
    while off_curve.is_none() || off_group.is_none() {
        match G1Affine::get_point_from_x_unchecked(x, false) {
            None if off_curve.is_none() => off_curve = Some(x),
            Some(p) if off_group.is_none() && !p.is_in_correct_subgroup_assuming_on_curve() => {
                off_group = Some(x)
            }
            _ => {}
        }
        x += Fq::ONE;
    }
    let compressed = |x: Fq| {
        let mut b = x.into_bigint().to_bytes_be();
        b[0] |= 0x80;
        hex::encode(b)
    };
    (
        compressed(off_curve.unwrap()),
        compressed(off_group.unwrap()),
    )
}

fn build() -> Value {
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let neg1 = (-g1.into_group()).into_affine();
    let neg2 = (-g2.into_group()).into_affine();
    let points = |name: &str, c: Compress| {
        json!({
            "name": name,
            "g1": enc(&g1, c), "minus_g1": enc(&neg1, c), "g1_identity": enc(&G1Affine::identity(), c),
            "g2": enc(&g2, c), "minus_g2": enc(&neg2, c), "g2_identity": enc(&G2Affine::identity(), c),
        })
    };
    let p_be = hex::encode(Fq::MODULUS.to_bytes_be());
    let r_le = hex::encode(Fr::MODULUS.to_bytes_le());
    let r_minus_1 = hex::encode((-Fr::ONE).into_bigint().to_bytes_le());
    let (off_curve, off_group) = off_curve_and_off_subgroup();
    let g1c = enc(&g1, Compress::Yes);
    let mut no_flag = hex::decode(&g1c).unwrap();
    no_flag[0] &= 0x7f;
    let mut p_flagged = hex::decode(&p_be).unwrap();
    p_flagged[0] |= 0x80;
    let mut inf_dirty = vec![0u8; 48];
    inf_dirty[0] = 0xc0;
    inf_dirty[47] = 1;
    let mut inf_sorted = vec![0u8; 48];
    inf_sorted[0] = 0xe0;
    let g1u = enc(&g1, Compress::No);
    let mut flagged_u = hex::decode(&g1u).unwrap();
    flagged_u[0] |= 0x80;
    json!({
        "fq_modulus_be": p_be,
        "fr_modulus_le": r_le,
        "scalar_r_minus_1": r_minus_1,
        "compressed": points("compressed", Compress::Yes),
        "uncompressed": points("uncompressed", Compress::No),
        "refused_g1_compressed": [
            {"why": "compression flag clear on a 48-byte encoding", "hex": hex::encode(no_flag)},
            {"why": "x = p, not below the modulus", "hex": hex::encode(p_flagged)},
            {"why": "infinity flag with a non-zero bit after it", "hex": hex::encode(inf_dirty)},
            {"why": "infinity flag with the sort flag", "hex": hex::encode(inf_sorted)},
            {"why": "x with no point on the curve", "hex": off_curve},
            {"why": "a point on the curve outside the prime-order subgroup", "hex": off_group},
        ],
        "refused_g1_uncompressed": [
            {"why": "compression flag set on a 96-byte encoding", "hex": hex::encode(flagged_u)},
        ],
        "refused_scalars": [
            {"why": "r itself", "hex": r_le},
            {"why": "31 bytes", "hex": "00".repeat(31)},
        ],
    })
}

fn path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/encodings.json"
    )
    .to_string()
}

#[test]
fn encodings_match_the_vectors_and_bad_ones_are_refused() {
    let built = build();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(path(), serde_json::to_string_pretty(&built).unwrap() + "\n").unwrap();
    }
    let pinned: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    assert_eq!(
        built, pinned,
        "spec/vectors/encodings.json differs from the code"
    );
    // Independent: the compressed generator of G1 as published with the curve.
    assert_eq!(
        pinned["compressed"]["g1"],
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    );
    assert_eq!(
        pinned["compressed"]["g2"],
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
    );
    // Round trips, flags as the spec says.
    for (mode, c) in [
        ("compressed", Compress::Yes),
        ("uncompressed", Compress::No),
    ] {
        let v = &pinned[mode];
        let g1: G1Affine = dec(v["g1"].as_str().unwrap(), c).unwrap();
        assert_eq!(g1, G1Affine::generator());
        let g2: G2Affine = dec(v["g2"].as_str().unwrap(), c).unwrap();
        assert_eq!(g2, G2Affine::generator());
        let id: G1Affine = dec(v["g1_identity"].as_str().unwrap(), c).unwrap();
        assert!(id.is_zero());
        let first = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap()[0];
        let compressed = u8::from(c == Compress::Yes) << 7;
        assert_eq!(first("g1") & 0xe0, compressed);
        assert_eq!(
            first("minus_g1") & 0xe0,
            compressed | if c == Compress::Yes { 0x20 } else { 0 }
        );
        assert_eq!(first("g1_identity"), compressed | 0x40);
        assert_eq!(first("g2_identity"), compressed | 0x40);
    }
    for bad in pinned["refused_g1_compressed"].as_array().unwrap() {
        let r: Result<G1Affine, _> = dec(bad["hex"].as_str().unwrap(), Compress::Yes);
        assert!(r.is_err(), "accepted: {}", bad["why"]);
    }
    for bad in pinned["refused_g1_uncompressed"].as_array().unwrap() {
        let r: Result<G1Affine, _> = dec(bad["hex"].as_str().unwrap(), Compress::No);
        assert!(r.is_err(), "accepted: {}", bad["why"]);
    }
    assert!(circuits::keys::fr_from_hex(pinned["scalar_r_minus_1"].as_str().unwrap()).is_ok());
    for bad in pinned["refused_scalars"].as_array().unwrap() {
        assert!(
            circuits::keys::fr_from_hex(bad["hex"].as_str().unwrap()).is_err(),
            "{}",
            bad["why"]
        );
    }
}

/// The verifying-key file of a sample, read by the layout spec/encodings.md gives (not by
/// arkworks' reader), equals what arkworks reads.
#[test]
fn verifying_key_file_layout() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/samples/assembly/bundle/keys/256x8.vk"
    ))
    .unwrap();
    let vk = ark_groth16::VerifyingKey::<ark_bls12_381::Bls12_381>::deserialize_with_mode(
        bytes.as_slice(),
        Compress::Yes,
        Validate::Yes,
    )
    .unwrap();
    let g1 =
        |o: usize| -> G1Affine { dec(&hex::encode(&bytes[o..o + 48]), Compress::Yes).unwrap() };
    let g2 =
        |o: usize| -> G2Affine { dec(&hex::encode(&bytes[o..o + 96]), Compress::Yes).unwrap() };
    assert_eq!(g1(0), vk.alpha_g1);
    assert_eq!(g2(48), vk.beta_g2);
    assert_eq!(g2(144), vk.gamma_g2);
    assert_eq!(g2(240), vk.delta_g2);
    let n = u64::from_le_bytes(bytes[336..344].try_into().unwrap()) as usize;
    assert_eq!(n, vk.gamma_abc_g1.len());
    assert_eq!(bytes.len(), 344 + 48 * n);
    for (i, p) in vk.gamma_abc_g1.iter().enumerate() {
        assert_eq!(g1(344 + 48 * i), *p);
    }
    // One more than the public inputs of the shape (binding, commitment, the counts, total, close of poll).
    assert_eq!(
        n,
        1 + circuits::Shape::new(256, 8).unwrap().num_public_inputs()
    );
}

fn fr_le(h: &Value) -> Fr {
    let bytes = hex::decode(h.as_str().unwrap()).unwrap();
    let x = Fr::from_le_bytes_mod_order(&bytes);
    assert_eq!(x.into_bigint().to_bytes_le(), bytes, "not canonical: {h}");
    x
}

fn rows_le(rows: &[Vec<Fr>]) -> Vec<u8> {
    rows.iter()
        .flatten()
        .flat_map(|x| x.into_bigint().to_bytes_le())
        .collect()
}

/// spec/vectors/poseidon.json, computed from the spec alone by an independent Python
/// implementation of the Grain LFSR and the sponge: the parameters by digest and by their first
/// rows, a domain tag, and hashes of 1, 2, 8, 9 and 17 inputs (one, two and three permutations).
#[test]
fn poseidon_matches_the_independent_vectors() {
    use sha2::{Digest, Sha256};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/vectors/poseidon.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let c = circuits::poseidon::config();
    assert_eq!(v["t"], json!(c.rate + c.capacity));
    assert_eq!(v["rate"], json!(c.rate));
    assert_eq!(v["full_rounds"], json!(c.full_rounds));
    assert_eq!(v["partial_rounds"], json!(c.partial_rounds));
    assert_eq!(v["alpha"], json!(c.alpha));
    assert_eq!(
        hex::encode(Sha256::digest(rows_le(&c.ark))),
        v["ark_sha256"].as_str().unwrap()
    );
    assert_eq!(
        hex::encode(Sha256::digest(rows_le(&c.mds))),
        v["mds_sha256"].as_str().unwrap()
    );
    let row = |name: &str| -> Vec<Fr> { v[name].as_array().unwrap().iter().map(fr_le).collect() };
    assert_eq!(row("ark_first_row"), c.ark[0]);
    assert_eq!(&row("ark_last_row"), c.ark.last().unwrap());
    assert_eq!(row("mds_first_row"), c.mds[0]);
    let tag = &v["domain_tag"];
    assert_eq!(
        circuits::poseidon::domain_tag(tag["label"].as_str().unwrap().as_bytes()),
        fr_le(&tag["element"])
    );
    for case in v["hashes"].as_array().unwrap() {
        let inputs: Vec<Fr> = case["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(fr_le)
            .collect();
        assert_eq!(
            circuits::poseidon::hash(&inputs),
            fr_le(&case["output"]),
            "{} inputs",
            inputs.len()
        );
    }
}

/// Hex is lower-case (spec/encodings.md §1): a scalar in upper case is refused.
#[test]
fn scalars_in_upper_case_are_refused() {
    let x = circuits::fr_to_hex(&Fr::from(0xabcdefu64));
    assert!(circuits::fr_from_hex(&x).is_ok());
    assert!(circuits::fr_from_hex(&x.to_uppercase()).is_err());
}

/// The batch coefficients `lo + lambda hi` of protocol.md §6.1 against `transcripts.json`
/// (computed by `transcript_vectors.py` from the curve parameter alone), and the zero rule.
#[test]
fn batch_coefficients_match_the_independent_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/transcripts.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let b = &v["groth16_batch"];
    let challenges = b["coefficients"].as_array().unwrap();
    let frs = b["coefficients_fr"].as_array().unwrap();
    assert_eq!(challenges.len(), frs.len());
    for (c, f) in challenges.iter().zip(frs) {
        let x: u128 = c.as_str().unwrap().parse().unwrap();
        let (lo, hi, r) = circuits::batch::coefficient(x);
        assert_eq!((lo, hi), (x as u64, (x >> 64) as u64));
        assert_eq!(r.into_bigint().to_string(), f.as_str().unwrap());
    }
    assert_eq!(circuits::batch::coefficient(0), (1, 0, Fr::from(1u64)));
}
