//! Phase 1: powers of tau on BLS12-381 (spec `ceremony.md` §2).
//!
//! The accumulator of power `p` (`n = 2^p`) holds `tau^i G1` for `i < 2n - 1`, `tau^i G2`,
//! `alpha tau^i G1` and `beta tau^i G1` for `i < n`, and `beta G2`; it starts with every secret
//! equal to one (all generators). A contribution with secrets `(t, a, b)` multiplies them in.

use super::aggregation::{self, AggregationEnd, AggregationPowers, AggregationUpdate};
use super::encoding::{g1_from_hex, g1_to_hex, g2_from_hex, g2_to_hex, put_g1, put_g2, Reader};
use super::{
    ceremony_err, hasher, nonzero, pok_from_json, pok_json, powers, put_point, put_pok, put_str,
    same_ratio, scale_g1, scale_g2, Contributor, Digest, Pok,
};
use crate::error::CircuitError;
use ark_bls12_381::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use rand::{CryptoRng, RngCore};
use sha2::Digest as _;
use zeroize::Zeroizing;

/// Largest power a ceremony may have (`2^20`: a million constraints, far past any shape).
pub const MAX_POWER: u32 = 20;

/// The powers of tau.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accumulator {
    /// `n = 2^power`.
    pub power: u32,
    /// `tau^i G1`, `i < 2n - 1`.
    pub tau_g1: Vec<G1Affine>,
    /// `tau^i G2`, `i < n`.
    pub tau_g2: Vec<G2Affine>,
    /// `alpha tau^i G1`, `i < n`.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// `beta tau^i G1`, `i < n`.
    pub beta_tau_g1: Vec<G1Affine>,
    /// `beta G2`.
    pub beta_g2: G2Affine,
}

/// The points a phase-1 contribution changes first, and its proofs of knowledge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase1Record {
    /// Who.
    pub contributor: Contributor,
    /// New `tau G1`.
    pub tau_g1: G1Affine,
    /// New `tau G2`.
    pub tau_g2: G2Affine,
    /// New `alpha G1`.
    pub alpha_g1: G1Affine,
    /// New `beta G1`.
    pub beta_g1: G1Affine,
    /// New `beta G2`.
    pub beta_g2: G2Affine,
    /// Knowledge of `t`, `a`, `b`.
    pub pok: [Pok; 3],
    /// The aggregation secrets' update, in a ceremony made for aggregated proofs (every record
    /// of such a ceremony has one; no record of another).
    pub aggregation: Option<AggregationUpdate>,
    /// Chain digest after this contribution (the contribution hash).
    pub hash: Digest,
}

/// The proofs' tags, in order.
pub const TAGS: [&str; 3] = ["phase1/tau", "phase1/alpha", "phase1/beta"];

/// Number of bytes of an accumulator of `power` in a binary file.
pub fn accumulator_bytes(power: u32) -> u64 {
    let n = 1u64 << power;
    (2 * n - 1) * 96 + n * 192 + 2 * n * 96 + 192
}

impl Accumulator {
    /// `n`.
    pub fn n(&self) -> usize {
        1usize << self.power
    }

    /// The accumulator before any contribution: every secret one.
    pub fn initial(power: u32) -> Self {
        let n = 1usize << power;
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        Self {
            power,
            tau_g1: vec![g1; 2 * n - 1],
            tau_g2: vec![g2; n],
            alpha_tau_g1: vec![g1; n],
            beta_tau_g1: vec![g1; n],
            beta_g2: g2,
        }
    }

    /// The first powers, for a smaller domain (what a bundle carries).
    pub fn truncate(&self, power: u32) -> Self {
        let n = 1usize << power.min(self.power);
        Self {
            power: power.min(self.power),
            tau_g1: self.tau_g1[..2 * n - 1].to_vec(),
            tau_g2: self.tau_g2[..n].to_vec(),
            alpha_tau_g1: self.alpha_tau_g1[..n].to_vec(),
            beta_tau_g1: self.beta_tau_g1[..n].to_vec(),
            beta_g2: self.beta_g2,
        }
    }

    /// Raw points, in the order of the fields.
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        out.reserve(accumulator_bytes(self.power) as usize);
        self.tau_g1.iter().for_each(|p| put_g1(out, p));
        self.tau_g2.iter().for_each(|p| put_g2(out, p));
        self.alpha_tau_g1.iter().for_each(|p| put_g1(out, p));
        self.beta_tau_g1.iter().for_each(|p| put_g1(out, p));
        put_g2(out, &self.beta_g2);
    }

    /// Reads an accumulator of `power` (each point on the curve; its structure is checked by
    /// [`Accumulator::check`]).
    pub(crate) fn read(r: &mut Reader<'_>, power: u32) -> Result<Self, CircuitError> {
        let n = 1usize << power;
        Ok(Self {
            power,
            tau_g1: r.g1s(2 * n - 1)?,
            tau_g2: r.g2s(n)?,
            alpha_tau_g1: r.g1s(n)?,
            beta_tau_g1: r.g1s(n)?,
            beta_g2: r.g2()?,
        })
    }

    /// Multiplies in the secrets `(t, a, b)`.
    fn update(&mut self, t: &Fr, a: &Fr, b: &Fr) {
        let n = self.n();
        let pt = Zeroizing::new(powers(*t, Fr::from(1u64), 2 * n - 1));
        scale_g1(&mut self.tau_g1, &pt);
        scale_g2(&mut self.tau_g2, &pt[..n]);
        let pa = Zeroizing::new(powers(*t, *a, n));
        scale_g1(&mut self.alpha_tau_g1, &pa);
        let pb = Zeroizing::new(powers(*t, *b, n));
        scale_g1(&mut self.beta_tau_g1, &pb);
        self.beta_g2 = (self.beta_g2 * b).into_affine();
    }
}

/// The points at the end of the phase-1 chain, and its digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainEnd {
    /// `tau G1`.
    pub tau_g1: G1Affine,
    /// `tau G2`.
    pub tau_g2: G2Affine,
    /// `alpha G1`.
    pub alpha_g1: G1Affine,
    /// `beta G1`.
    pub beta_g1: G1Affine,
    /// `beta G2`.
    pub beta_g2: G2Affine,
    /// The aggregation secrets' first powers, in a ceremony made for aggregated proofs.
    pub aggregation: Option<AggregationEnd>,
    /// Chain digest.
    pub hash: Digest,
}

/// The digest the phase-1 chain starts from; a ceremony made for aggregated proofs binds the
/// aggregation power `aggregation` too.
pub fn initial_digest(power: u32, aggregation: Option<u32>) -> Digest {
    let mut h = hasher("ve/ceremony/phase1/v1");
    put_str(&mut h, "initial");
    h.update(u64::from(power).to_le_bytes());
    if let Some(p) = aggregation {
        put_str(&mut h, "aggregation");
        h.update(u64::from(p).to_le_bytes());
    }
    h.finalize().into()
}

/// The chain digest through a record (spec `ceremony.md` §2.3).
pub fn record_digest(prev: &Digest, r: &Phase1Record) -> Digest {
    let mut h = hasher("ve/ceremony/phase1/v1");
    put_str(&mut h, "contribution");
    h.update(prev);
    put_str(&mut h, &r.contributor.name);
    put_str(&mut h, &r.contributor.role);
    put_point(&mut h, &r.tau_g1);
    put_point(&mut h, &r.tau_g2);
    put_point(&mut h, &r.alpha_g1);
    put_point(&mut h, &r.beta_g1);
    put_point(&mut h, &r.beta_g2);
    r.pok.iter().for_each(|p| put_pok(&mut h, p));
    if let Some(u) = &r.aggregation {
        aggregation::put_update(&mut h, u);
    }
    h.finalize().into()
}

/// One contribution: draws `(t, a, b)` from `rng`, multiplies them into `acc` (and the
/// aggregation secrets into `agg`, when the ceremony has them), and returns the record. The
/// secrets are zeroised when this returns.
pub fn contribute<R: RngCore + CryptoRng>(
    acc: &mut Accumulator,
    agg: Option<&mut AggregationPowers>,
    prev: &Digest,
    contributor: Contributor,
    rng: &mut R,
) -> Result<Phase1Record, CircuitError> {
    contributor.check()?;
    let t = Zeroizing::new(nonzero(rng));
    let a = Zeroizing::new(nonzero(rng));
    let b = Zeroizing::new(nonzero(rng));
    acc.update(&t, &a, &b);
    let pok = [
        Pok::new(&t, prev, TAGS[0], rng)?,
        Pok::new(&a, prev, TAGS[1], rng)?,
        Pok::new(&b, prev, TAGS[2], rng)?,
    ];
    let mut rec = Phase1Record {
        contributor,
        tau_g1: acc.tau_g1[1],
        tau_g2: acc.tau_g2[1],
        alpha_g1: acc.alpha_tau_g1[0],
        beta_g1: acc.beta_tau_g1[0],
        beta_g2: acc.beta_g2,
        pok,
        aggregation: match agg {
            Some(agg) => Some(agg.contribute(prev, rng)?),
            None => None,
        },
        hash: [0; 32],
    };
    rec.hash = record_digest(prev, &rec);
    Ok(rec)
}

/// Checks the chain of records from the initial accumulator of `power`: each proof of
/// knowledge against the digest before it, each update of tau, alpha and beta by the proved
/// secret (same-ratio checks), G1 and G2 agreeing, nothing left unchanged, and each hash.
/// In a ceremony made for aggregated proofs (`aggregation` its power), each record's update of
/// the aggregation secrets too ([`aggregation::verify_update`]). Returns the end of the chain.
pub fn verify_chain(
    power: u32,
    aggregation: Option<u32>,
    records: &[Phase1Record],
) -> Result<ChainEnd, CircuitError> {
    if aggregation.is_some_and(|p| p == 0 || p > aggregation::MAX_POWER) {
        return Err(ceremony_err(format!(
            "phase 1: aggregation power outside 1..={}",
            aggregation::MAX_POWER
        )));
    }
    if power == 0 || power > MAX_POWER {
        return Err(ceremony_err(format!(
            "phase 1: power {power} is outside 1..={MAX_POWER}"
        )));
    }
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let mut end = ChainEnd {
        tau_g1: g1,
        tau_g2: g2,
        alpha_g1: g1,
        beta_g1: g1,
        beta_g2: g2,
        aggregation: aggregation.map(|_| AggregationEnd::initial()),
        hash: initial_digest(power, aggregation),
    };
    for (i, r) in records.iter().enumerate() {
        let who = format!("phase 1 contribution {} ({})", i + 1, r.contributor.name);
        r.contributor.check()?;
        let mut pairs = Vec::with_capacity(3);
        for (pok, tag) in r.pok.iter().zip(TAGS) {
            pairs.push(pok.verify(&end.hash, tag).ok_or_else(|| {
                ceremony_err(format!(
                    "{who}: the proof of knowledge ({tag}) does not hold for the chain it extends"
                ))
            })?);
        }
        let updates = [
            ("tau", end.tau_g1, r.tau_g1, pairs[0]),
            ("alpha", end.alpha_g1, r.alpha_g1, pairs[1]),
            ("beta", end.beta_g1, r.beta_g1, pairs[2]),
        ];
        for (name, old, new, base) in updates {
            if new.is_zero() || new == old {
                return Err(ceremony_err(format!("{who}: {name} is not changed")));
            }
            if !same_ratio((old, new), base) {
                return Err(ceremony_err(format!(
                    "{who}: {name} is not updated by the secret it proves knowledge of"
                )));
            }
        }
        if !same_ratio((g1, r.tau_g1), (g2, r.tau_g2))
            || !same_ratio((g1, r.beta_g1), (g2, r.beta_g2))
        {
            return Err(ceremony_err(format!(
                "{who}: its G2 points do not match its G1 points"
            )));
        }
        let agg_end = match (&end.aggregation, &r.aggregation) {
            (None, None) => None,
            (Some(old), Some(u)) => Some(aggregation::verify_update(&who, &end.hash, old, u)?),
            (Some(_), None) => {
                return Err(ceremony_err(format!(
                    "{who}: the ceremony is made for aggregated proofs, the record has no aggregation update"
                )))
            }
            (None, Some(_)) => {
                return Err(ceremony_err(format!(
                    "{who}: an aggregation update in a ceremony not made for aggregated proofs"
                )))
            }
        };
        let hash = record_digest(&end.hash, r);
        if hash != r.hash {
            return Err(ceremony_err(format!(
                "{who}: its hash is not the digest of the chain through it"
            )));
        }
        end = ChainEnd {
            tau_g1: r.tau_g1,
            tau_g2: r.tau_g2,
            alpha_g1: r.alpha_g1,
            beta_g1: r.beta_g1,
            beta_g2: r.beta_g2,
            aggregation: agg_end,
            hash,
        };
    }
    Ok(end)
}

/// JSON form of a record (points as hex of their uncompressed encodings).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase1RecordJson {
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// `tau G1`.
    pub tau_g1: String,
    /// `tau G2`.
    pub tau_g2: String,
    /// `alpha G1`.
    pub alpha_g1: String,
    /// `beta G1`.
    pub beta_g1: String,
    /// `beta G2`.
    pub beta_g2: String,
    /// Proofs of knowledge of t, a, b: `[g1_s, g1_s_x, g2_s_x]` each.
    pub pok: [[String; 3]; 3],
    /// The aggregation secrets' update (omitted when the ceremony has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<aggregation::AggregationUpdateJson>,
    /// The contribution hash.
    pub hash: String,
}

pub(crate) fn digest_from_hex(s: &str, what: &str) -> Result<Digest, CircuitError> {
    hex::decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ceremony_err(format!("{what}: not 32 bytes of hex")))
}

impl Phase1Record {
    /// To JSON form.
    pub fn to_json(&self) -> Phase1RecordJson {
        Phase1RecordJson {
            name: self.contributor.name.clone(),
            role: self.contributor.role.clone(),
            tau_g1: g1_to_hex(&self.tau_g1),
            tau_g2: g2_to_hex(&self.tau_g2),
            alpha_g1: g1_to_hex(&self.alpha_g1),
            beta_g1: g1_to_hex(&self.beta_g1),
            beta_g2: g2_to_hex(&self.beta_g2),
            pok: [
                pok_json(&self.pok[0]),
                pok_json(&self.pok[1]),
                pok_json(&self.pok[2]),
            ],
            aggregation: self.aggregation.as_ref().map(AggregationUpdate::to_json),
            hash: hex::encode(self.hash),
        }
    }

    /// From JSON form (every point validated).
    pub fn from_json(j: &Phase1RecordJson) -> Result<Self, CircuitError> {
        let w = "phase 1 record";
        Ok(Self {
            contributor: Contributor {
                name: j.name.clone(),
                role: j.role.clone(),
            },
            tau_g1: g1_from_hex(&j.tau_g1, w)?,
            tau_g2: g2_from_hex(&j.tau_g2, w)?,
            alpha_g1: g1_from_hex(&j.alpha_g1, w)?,
            beta_g1: g1_from_hex(&j.beta_g1, w)?,
            beta_g2: g2_from_hex(&j.beta_g2, w)?,
            pok: [
                pok_from_json(&j.pok[0], w)?,
                pok_from_json(&j.pok[1], w)?,
                pok_from_json(&j.pok[2], w)?,
            ],
            aggregation: j
                .aggregation
                .as_ref()
                .map(AggregationUpdate::from_json)
                .transpose()?,
            hash: digest_from_hex(&j.hash, w)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn contributions_chain_and_the_accumulator_checks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let mut acc = Accumulator::initial(4);
        let mut recs = Vec::new();
        let mut prev = initial_digest(4, None);
        for name in ["a", "b"] {
            let who = Contributor {
                name: name.into(),
                role: "test".into(),
            };
            let r = contribute(&mut acc, None, &prev, who, &mut rng).expect("contribute");
            prev = r.hash;
            recs.push(r);
        }
        let end = verify_chain(4, None, &recs).expect("chain");
        acc.check(&end, &mut rng).expect("structure");
        acc.truncate(2).check(&end, &mut rng).expect("truncated");
        // Any one power out of place, in any sequence, low or high: the equation fails.
        let n = acc.n();
        type Change = fn(&mut Accumulator, usize);
        let tampered: [(&str, Change); 4] = [
            ("tau G1", |a, i| a.tau_g1[i] = a.tau_g1[i - 1]),
            ("tau G2", |a, i| a.tau_g2[i] = a.tau_g2[i - 1]),
            ("alpha tau G1", |a, i| {
                a.alpha_tau_g1[i] = a.alpha_tau_g1[i - 1]
            }),
            ("beta tau G1", |a, i| {
                a.beta_tau_g1[i] = a.beta_tau_g1[i - 1]
            }),
        ];
        for (what, change) in tampered {
            for i in [2, n - 1] {
                let mut bad = acc.clone();
                change(&mut bad, i);
                assert!(bad.check(&end, &mut rng).is_err(), "{what} at {i}");
            }
        }
        for i in [n, n + 1, 2 * n - 2] {
            let mut bad = acc.clone();
            bad.tau_g1[i] = (bad.tau_g1[i] + bad.tau_g1[0]).into();
            assert!(bad.check(&end, &mut rng).is_err(), "tau G1 at {i}");
        }
        // Records swapped: the proofs are bound to the chain before them.
        recs.swap(0, 1);
        assert!(verify_chain(4, None, &recs).is_err());
    }
}
