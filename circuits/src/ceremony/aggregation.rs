//! The aggregation powers (spec `ceremony.md` §2.5, `aggregation.md` §1): two more secrets,
//! `a` and `b`, that phase 1 carries when the ceremony is made for aggregated proofs. Each
//! phase-1 contribution multiplies its own fresh `a` and `b` into `[a^i]_1, [b^i]_1` (`i < 2N`)
//! and `[a^i]_2, [b^i]_2` (`i < N`), with a proof of knowledge of each, in the same record as its
//! powers of tau: the aggregation key is as sound as the Groth16 keys (one honest contributor
//! suffices) and independent of them (its secrets are drawn apart from `tau`, `alpha`, `beta`).
//!
//! A verifier needs only the first powers, `[a]_1, [b]_1, [a]_2, [b]_2`, which the last record
//! carries; the full powers are the prover's (the key folder's `aggregation.bin`), and every
//! contributor checks them (their structure, [`AggregationPowers::check`]) before adding to them.

use super::encoding::{g1_from_hex, g1_to_hex, g2_from_hex, g2_to_hex, put_g1, put_g2, Reader};
use super::{
    ceremony_err, in_subgroup, msm, pok_from_json, pok_json, powers, put_point, put_pok, scale_g1,
    scale_g2, small, Pok,
};
use crate::error::CircuitError;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use rand::{CryptoRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Largest aggregation power (`N = 2^16` proofs per aggregate).
pub const MAX_POWER: u32 = 16;

/// The proofs' tags, in order.
pub const TAGS: [&str; 2] = ["phase1/aggregation-a", "phase1/aggregation-b"];

/// Magic of the key folder's `aggregation.bin`.
pub const MAGIC: &[u8; 12] = b"VE-AGGPOW-1\n";

/// `[a^i]_1, [b^i]_1` for `i < 2N` and `[a^i]_2, [b^i]_2` for `i < N`, `N = 2^power`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregationPowers {
    /// `log2 N`.
    pub power: u32,
    /// `a^i G1`.
    pub a_g1: Vec<G1Affine>,
    /// `a^i G2`.
    pub a_g2: Vec<G2Affine>,
    /// `b^i G1`.
    pub b_g1: Vec<G1Affine>,
    /// `b^i G2`.
    pub b_g2: Vec<G2Affine>,
}

/// The first powers after a contribution: what a verifier's key is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregationEnd {
    /// `a G1`.
    pub a_g1: G1Affine,
    /// `a G2`.
    pub a_g2: G2Affine,
    /// `b G1`.
    pub b_g1: G1Affine,
    /// `b G2`.
    pub b_g2: G2Affine,
}

impl AggregationEnd {
    /// The aggregation verifying key these first powers make (with the generators).
    pub fn verifying_key(&self) -> crate::aggregate::AggregationVk {
        crate::aggregate::AggregationVk {
            g: G1Affine::generator(),
            h: G2Affine::generator(),
            g_a: self.a_g1,
            g_b: self.b_g1,
            h_a: self.a_g2,
            h_b: self.b_g2,
        }
    }

    /// Before any contribution (both secrets one).
    pub fn initial() -> Self {
        Self {
            a_g1: G1Affine::generator(),
            a_g2: G2Affine::generator(),
            b_g1: G1Affine::generator(),
            b_g2: G2Affine::generator(),
        }
    }
}

/// A phase-1 record's aggregation part: the new first powers and the proofs of knowledge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregationUpdate {
    /// The new first powers.
    pub end: AggregationEnd,
    /// Knowledge of this contribution's `a` and `b`.
    pub pok: [Pok; 2],
}

/// Bytes of the powers of `power` (without magic and header).
pub fn powers_bytes(power: u32) -> u64 {
    let n = 1u64 << power;
    2 * (2 * n * 96 + n * 192)
}

impl AggregationPowers {
    /// `N`.
    pub fn n(&self) -> usize {
        1usize << self.power
    }

    /// Before any contribution: every power the generator.
    pub fn initial(power: u32) -> Self {
        let n = 1usize << power;
        Self {
            power,
            a_g1: vec![G1Affine::generator(); 2 * n],
            a_g2: vec![G2Affine::generator(); n],
            b_g1: vec![G1Affine::generator(); 2 * n],
            b_g2: vec![G2Affine::generator(); n],
        }
    }

    /// The first powers.
    pub fn end(&self) -> AggregationEnd {
        AggregationEnd {
            a_g1: self.a_g1[1],
            a_g2: self.a_g2[1],
            b_g1: self.b_g1[1],
            b_g2: self.b_g2[1],
        }
    }

    /// Raw points: `a` in G1, `a` in G2, `b` in G1, `b` in G2.
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        out.reserve(powers_bytes(self.power) as usize);
        self.a_g1.iter().for_each(|p| put_g1(out, p));
        self.a_g2.iter().for_each(|p| put_g2(out, p));
        self.b_g1.iter().for_each(|p| put_g1(out, p));
        self.b_g2.iter().for_each(|p| put_g2(out, p));
    }

    /// Reads powers of `power` (each point on its curve; the structure is [`Self::check`]'s).
    pub(crate) fn read(r: &mut Reader<'_>, power: u32) -> Result<Self, CircuitError> {
        let n = 1usize << power;
        Ok(Self {
            power,
            a_g1: r.g1s(2 * n)?,
            a_g2: r.g2s(n)?,
            b_g1: r.g1s(2 * n)?,
            b_g2: r.g2s(n)?,
        })
    }

    /// The key folder's file: magic, power (u32 LE), powers.
    pub fn file_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + powers_bytes(self.power) as usize);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.power.to_le_bytes());
        self.to_bytes(&mut out);
        out
    }

    /// Reads the key folder's file (`what` names it in errors); the structure is checked by
    /// [`Self::check`].
    pub fn from_file_bytes(bytes: &[u8], what: &str) -> Result<Self, CircuitError> {
        if bytes.len() < 16 || &bytes[..12] != MAGIC {
            return Err(ceremony_err(format!(
                "{what}: not an aggregation powers file"
            )));
        }
        let power = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
        if power == 0 || power > MAX_POWER || bytes.len() as u64 != 16 + powers_bytes(power) {
            return Err(ceremony_err(format!(
                "{what}: power {power} and {} bytes do not agree",
                bytes.len()
            )));
        }
        let mut r = Reader::new(&bytes[16..], what);
        let p = Self::read(&mut r, power)?;
        r.done()?;
        Ok(p)
    }

    /// Multiplies in `a` and `b`.
    fn update(&mut self, a: &Fr, b: &Fr) {
        let n = self.n();
        for (x, g1, g2) in [
            (a, &mut self.a_g1, &mut self.a_g2),
            (b, &mut self.b_g1, &mut self.b_g2),
        ] {
            let p = Zeroizing::new(powers(*x, Fr::from(1u64), 2 * n));
            scale_g1(g1, &p);
            scale_g2(g2, &p[..n]);
        }
    }

    /// One contribution's part: draws `a` and `b`, multiplies them in, proves knowledge of each
    /// bound to the chain digest `prev`. The secrets are zeroised when this returns.
    pub(crate) fn contribute<R: RngCore + CryptoRng>(
        &mut self,
        prev: &super::Digest,
        rng: &mut R,
    ) -> Result<AggregationUpdate, CircuitError> {
        let a = Zeroizing::new(super::nonzero(rng));
        let b = Zeroizing::new(super::nonzero(rng));
        self.update(&a, &b);
        Ok(AggregationUpdate {
            end: self.end(),
            pok: [
                Pok::new(&a, prev, TAGS[0], rng)?,
                Pok::new(&b, prev, TAGS[1], rng)?,
            ],
        })
    }

    /// Checks that the powers are powers of the secrets the chain ends with: the first ones
    /// those of `last`, and, with independent 128-bit weights, for each secret `s` with powers
    /// `P_i` (G1) and `Q_i` (G2): `e(sum w_i P_i, [s]_2) = e(sum w_i P_(i+1), G2)` and
    /// `e(sum v_i P_i, G2) = e(G1, sum v_i Q_i)`, all in one multi-pairing; every combined point
    /// in its subgroup.
    pub fn check<R: RngCore + CryptoRng>(
        &self,
        last: &AggregationEnd,
        rng: &mut R,
    ) -> Result<(), CircuitError> {
        let n = self.n();
        let lengths = self.a_g1.len() == 2 * n
            && self.b_g1.len() == 2 * n
            && self.a_g2.len() == n
            && self.b_g2.len() == n;
        if !lengths || n < 2 {
            return Err(ceremony_err(
                "the aggregation powers have the wrong lengths",
            ));
        }
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        if self.a_g1[0] != g1 || self.b_g1[0] != g1 || self.a_g2[0] != g2 || self.b_g2[0] != g2 {
            return Err(ceremony_err(
                "the aggregation powers do not start with the generators",
            ));
        }
        if self.end() != *last {
            return Err(ceremony_err(
                "the aggregation powers are not the ones the last contribution made",
            ));
        }
        let mut left: Vec<G1Affine> = Vec::with_capacity(8);
        let mut right: Vec<G2Affine> = Vec::with_capacity(8);
        let mut gen_side = G1Projective::zero();
        let mut subgroups = true;
        for (g1s, g2s) in [(&self.a_g1, &self.a_g2), (&self.b_g1, &self.b_g2)] {
            let w: Vec<Fr> = (0..2 * n - 1).map(|_| small(rng)).collect();
            let lo = msm::<G1Projective>(&g1s[..2 * n - 1], &w).into_affine();
            let hi = msm::<G1Projective>(&g1s[1..], &w);
            subgroups &= in_subgroup(&lo);
            left.push(lo);
            right.push(g2s[1]);
            gen_side -= hi;
            let v: Vec<Fr> = (0..n).map(|_| small(rng)).collect();
            let p = msm::<G1Projective>(&g1s[..n], &v);
            let q = msm::<G2Projective>(&g2s[..], &v).into_affine();
            subgroups &= in_subgroup(&q);
            gen_side += p;
            left.push((-g1.into_group()).into_affine());
            right.push(q);
        }
        let gen_side = gen_side.into_affine();
        subgroups &= in_subgroup(&gen_side);
        left.push(gen_side);
        right.push(g2);
        if !subgroups || !Bls12_381::multi_pairing(left, right).is_zero() {
            return Err(ceremony_err(
                "the aggregation powers are not successive powers of the secrets a and b in G1 and G2 (random linear combination)",
            ));
        }
        Ok(())
    }
}

/// Feeds an aggregation update to the chain digest.
pub(crate) fn put_update(h: &mut Sha256, u: &AggregationUpdate) {
    super::put_str(h, "aggregation");
    put_point(h, &u.end.a_g1);
    put_point(h, &u.end.a_g2);
    put_point(h, &u.end.b_g1);
    put_point(h, &u.end.b_g2);
    u.pok.iter().for_each(|p| put_pok(h, p));
}

/// Checks one record's update against the end before it: each proof of knowledge against the
/// chain digest before the record, each first power changed by the proved secret, G2 matching
/// G1. Returns the new end.
pub(crate) fn verify_update(
    who: &str,
    prev: &super::Digest,
    old: &AggregationEnd,
    u: &AggregationUpdate,
) -> Result<AggregationEnd, CircuitError> {
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let pairs = [
        ("a", old.a_g1, u.end.a_g1, u.end.a_g2, &u.pok[0], TAGS[0]),
        ("b", old.b_g1, u.end.b_g1, u.end.b_g2, &u.pok[1], TAGS[1]),
    ];
    for (name, old1, new1, new2, pok, tag) in pairs {
        let base = pok.verify(prev, tag).ok_or_else(|| {
            ceremony_err(format!(
                "{who}: the proof of knowledge ({tag}) does not hold for the chain it extends"
            ))
        })?;
        if new1.is_zero() || new1 == old1 {
            return Err(ceremony_err(format!(
                "{who}: the aggregation secret {name} is not changed"
            )));
        }
        if !super::same_ratio((old1, new1), base) {
            return Err(ceremony_err(format!(
                "{who}: the aggregation secret {name} is not updated by the secret it proves knowledge of"
            )));
        }
        if !super::same_ratio((g1, new1), (g2, new2)) {
            return Err(ceremony_err(format!(
                "{who}: the aggregation secret {name}'s G2 power does not match its G1 power"
            )));
        }
    }
    if u.end.a_g1 == u.end.b_g1 {
        return Err(ceremony_err(format!(
            "{who}: the aggregation secrets a and b are equal"
        )));
    }
    Ok(u.end)
}

/// JSON form of an update (points as hex of their uncompressed encodings).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregationUpdateJson {
    /// `a G1`.
    pub a_g1: String,
    /// `a G2`.
    pub a_g2: String,
    /// `b G1`.
    pub b_g1: String,
    /// `b G2`.
    pub b_g2: String,
    /// Proofs of knowledge of a and b: `[g1_s, g1_s_x, g2_s_x]` each.
    pub pok: [[String; 3]; 2],
}

impl AggregationUpdate {
    /// To JSON form.
    pub fn to_json(&self) -> AggregationUpdateJson {
        AggregationUpdateJson {
            a_g1: g1_to_hex(&self.end.a_g1),
            a_g2: g2_to_hex(&self.end.a_g2),
            b_g1: g1_to_hex(&self.end.b_g1),
            b_g2: g2_to_hex(&self.end.b_g2),
            pok: [pok_json(&self.pok[0]), pok_json(&self.pok[1])],
        }
    }

    /// From JSON form (every point validated: on the curve, in the subgroup, canonical).
    pub fn from_json(j: &AggregationUpdateJson) -> Result<Self, CircuitError> {
        let w = "phase 1 record's aggregation update";
        Ok(Self {
            end: AggregationEnd {
                a_g1: g1_from_hex(&j.a_g1, w)?,
                a_g2: g2_from_hex(&j.a_g2, w)?,
                b_g1: g1_from_hex(&j.b_g1, w)?,
                b_g2: g2_from_hex(&j.b_g2, w)?,
            },
            pok: [pok_from_json(&j.pok[0], w)?, pok_from_json(&j.pok[1], w)?],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::phase1::{self, Accumulator};
    use super::super::Contributor;
    use super::*;
    use rand::SeedableRng;

    fn chain(
        n: usize,
    ) -> (
        AggregationPowers,
        Vec<phase1::Phase1Record>,
        rand_chacha::ChaCha20Rng,
    ) {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let mut acc = Accumulator::initial(2);
        let mut agg = AggregationPowers::initial(3);
        let mut prev = phase1::initial_digest(2, Some(3));
        let mut recs = Vec::new();
        for i in 0..n {
            let who = Contributor {
                name: format!("c{i}"),
                role: "test".into(),
            };
            let r = phase1::contribute(&mut acc, Some(&mut agg), &prev, who, &mut rng)
                .expect("contribute");
            prev = r.hash;
            recs.push(r);
        }
        (agg, recs, rng)
    }

    #[test]
    fn the_powers_and_the_chain_check_and_every_change_is_caught() {
        let (agg, recs, mut rng) = chain(2);
        let end = phase1::verify_chain(2, Some(3), &recs).expect("chain");
        let last = end.aggregation.expect("aggregation end");
        assert_eq!(last, agg.end());
        agg.check(&last, &mut rng).expect("powers");
        // Round trip of the key folder's file.
        let back = AggregationPowers::from_file_bytes(&agg.file_bytes(), "f").expect("file");
        assert_eq!(back, agg);
        // Any power out of place, in any list, low or high.
        type Change = fn(&mut AggregationPowers, usize);
        let changes: [(&str, Change); 4] = [
            ("a G1", |p, i| p.a_g1[i] = p.a_g1[i - 1]),
            ("a G2", |p, i| p.a_g2[i] = p.a_g2[i - 1]),
            ("b G1", |p, i| p.b_g1[i] = p.b_g1[i - 1]),
            ("b G2", |p, i| p.b_g2[i] = p.b_g2[i - 1]),
        ];
        for (what, change) in changes {
            for i in [2, agg.n() - 1] {
                let mut bad = agg.clone();
                change(&mut bad, i);
                assert!(bad.check(&last, &mut rng).is_err(), "{what} at {i}");
            }
        }
        let mut bad = agg.clone();
        bad.a_g1[2 * agg.n() - 1] = bad.a_g1[0];
        assert!(bad.check(&last, &mut rng).is_err(), "last G1 power");
        // a and b exchanged: other first powers than the chain's end.
        let mut bad = agg.clone();
        std::mem::swap(&mut bad.a_g1, &mut bad.b_g1);
        std::mem::swap(&mut bad.a_g2, &mut bad.b_g2);
        assert!(bad.check(&last, &mut rng).is_err(), "a and b exchanged");
    }

    #[test]
    fn a_record_without_its_update_or_with_a_false_one_breaks_the_chain() {
        let (_, recs, _) = chain(2);
        // The chain was made for aggregation: verifying it as one that was not fails, and so
        // does a record whose update is dropped.
        assert!(phase1::verify_chain(2, None, &recs).is_err());
        let mut dropped = recs.clone();
        dropped[1].aggregation = None;
        assert!(phase1::verify_chain(2, Some(3), &dropped).is_err());
        // The first powers exchanged, or a G2 power that does not match its G1 power.
        let mut swapped = recs.clone();
        if let Some(u) = swapped[1].aggregation.as_mut() {
            std::mem::swap(&mut u.end.a_g1, &mut u.end.b_g1);
        }
        assert!(phase1::verify_chain(2, Some(3), &swapped).is_err());
        let mut other_g2 = recs.clone();
        if let Some(u) = other_g2[1].aggregation.as_mut() {
            u.end.a_g2 = u.end.b_g2;
        }
        assert!(phase1::verify_chain(2, Some(3), &other_g2).is_err());
        // A proof of knowledge from the other record (bound to another chain digest).
        let mut replayed = recs.clone();
        if let (Some(u0), Some(u1)) = (recs[0].aggregation, replayed[1].aggregation.as_mut()) {
            u1.pok[0] = u0.pok[0];
        }
        assert!(phase1::verify_chain(2, Some(3), &replayed).is_err());
        // Another aggregation power: another initial digest.
        assert!(phase1::verify_chain(2, Some(4), &recs).is_err());
    }
}
