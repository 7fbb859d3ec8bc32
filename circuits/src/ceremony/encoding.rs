//! Byte encodings of the ceremony: points uncompressed (arkworks' uncompressed form: G1 96
//! bytes, G2 192 bytes, coordinates big-endian, the identity flagged in the first byte), as hex
//! in JSON records and raw in binary files. Records' points are few and fully validated (on the
//! curve, in the subgroup); the many points of a state are checked to be on the curve only, and
//! then checked together by random linear combinations whose results are subgroup-checked.

use super::ceremony_err;
use crate::error::CircuitError;
use ark_bls12_381::{G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// Uncompressed G1 size.
pub const G1_BYTES: usize = 96;
/// Uncompressed G2 size.
pub const G2_BYTES: usize = 192;

pub(crate) fn put_g1(out: &mut Vec<u8>, p: &G1Affine) {
    // Writing an affine point into a vector cannot fail.
    let _ = p.serialize_uncompressed(out);
}

pub(crate) fn put_g2(out: &mut Vec<u8>, p: &G2Affine) {
    let _ = p.serialize_uncompressed(out);
}

/// Hex of a G1 point's uncompressed encoding.
pub fn g1_to_hex(p: &G1Affine) -> String {
    let mut v = Vec::with_capacity(G1_BYTES);
    put_g1(&mut v, p);
    hex::encode(v)
}

/// Hex of a G2 point's uncompressed encoding.
pub fn g2_to_hex(p: &G2Affine) -> String {
    let mut v = Vec::with_capacity(G2_BYTES);
    put_g2(&mut v, p);
    hex::encode(v)
}

fn full<P: CanonicalDeserialize + CanonicalSerialize + Eq>(
    s: &str,
    len: usize,
    what: &str,
) -> Result<P, CircuitError> {
    let bytes = hex::decode(s).map_err(|_| ceremony_err(format!("{what}: not hex")))?;
    if bytes.len() != len {
        return Err(ceremony_err(format!(
            "{what}: {} bytes, a point is {len}",
            bytes.len()
        )));
    }
    let p = P::deserialize_with_mode(&bytes[..], Compress::No, Validate::Yes)
        .map_err(|e| ceremony_err(format!("{what}: not a point of the group ({e})")))?;
    let mut canon = Vec::with_capacity(len);
    let _ = p.serialize_uncompressed(&mut canon);
    if canon != bytes {
        return Err(ceremony_err(format!("{what}: not the canonical encoding")));
    }
    Ok(p)
}

/// A G1 point from hex, on the curve and in the subgroup, canonical.
pub fn g1_from_hex(s: &str, what: &str) -> Result<G1Affine, CircuitError> {
    full(s, G1_BYTES, what)
}

/// A G2 point from hex, on the curve and in the subgroup, canonical.
pub fn g2_from_hex(s: &str, what: &str) -> Result<G2Affine, CircuitError> {
    full(s, G2_BYTES, what)
}

/// Reads points from a binary file whose length was checked against its header first.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'a str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'a str) -> Self {
        Self {
            bytes,
            pos: 0,
            what,
        }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], CircuitError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| ceremony_err(format!("{}: truncated", self.what)))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn done(&self) -> Result<(), CircuitError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(ceremony_err(format!(
                "{}: {} bytes after the last point",
                self.what,
                self.bytes.len() - self.pos
            )))
        }
    }

    /// `n` points of `len` bytes each, decoded in parallel, each on the curve (not
    /// subgroup-checked one by one).
    fn many<C>(&mut self, n: usize, len: usize) -> Result<Vec<Affine<C>>, CircuitError>
    where
        C: SWCurveConfig,
        Affine<C>: CanonicalDeserialize,
    {
        use rayon::prelude::*;
        let what = self.what;
        let bytes = self.take(
            n.checked_mul(len)
                .ok_or_else(|| ceremony_err(format!("{what}: too many points")))?,
        )?;
        bytes
            .par_chunks(len)
            .map(|b| {
                let p = Affine::<C>::deserialize_with_mode(b, Compress::No, Validate::No)
                    .map_err(|e| ceremony_err(format!("{what}: malformed point ({e})")))?;
                if p.is_on_curve() {
                    Ok(p)
                } else {
                    Err(ceremony_err(format!("{what}: a point is not on the curve")))
                }
            })
            .collect()
    }

    /// `n` G1 points, each on the curve.
    pub(crate) fn g1s(&mut self, n: usize) -> Result<Vec<G1Affine>, CircuitError> {
        self.many(n, G1_BYTES)
    }

    /// `n` G2 points, each on the curve.
    pub(crate) fn g2s(&mut self, n: usize) -> Result<Vec<G2Affine>, CircuitError> {
        self.many(n, G2_BYTES)
    }

    /// One G1 point, on the curve and in the subgroup.
    pub(crate) fn g1(&mut self) -> Result<G1Affine, CircuitError> {
        let p = self.g1s(1)?[0];
        if !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(ceremony_err(format!("{}: a point is not in G1", self.what)));
        }
        Ok(p)
    }

    /// One G2 point, on the curve and in the subgroup.
    pub(crate) fn g2(&mut self) -> Result<G2Affine, CircuitError> {
        let p = self.g2s(1)?[0];
        if !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(ceremony_err(format!("{}: a point is not in G2", self.what)));
        }
        Ok(p)
    }
}
