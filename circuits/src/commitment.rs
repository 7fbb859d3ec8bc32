//! The salted Poseidon commitment to a sealed EVM log, and the public values derived from it
//! (native side; `station.rs` holds the constraint twin).
//!
//! Spec: `spec/protocol.md` §3.

use crate::error::CircuitError;
use crate::poseidon::{domain_tag, hash};
use crate::shape::Shape;
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Domain tag of the log commitment (spec §3.3).
pub const TAG_LOG: &[u8] = b"ve/log-commitment/v2";
/// Domain tag of the in-circuit multiset challenge (spec §4.3).
pub const TAG_CHALLENGE: &[u8] = b"ve/logup-challenge/v1";
/// Domain separator of the station binding (spec §3.4).
pub const TAG_BINDING: &[u8] = b"ve/station-binding/v1";
/// Bits of a vote's offset before close of poll (spec §3.2): 2^17 s is more than 36 hours, so
/// every time of the poll day before a close on that day or the next morning fits.
pub const OFFSET_BITS: usize = 17;
/// Offsets packed into one field element (14 x 17 = 238 bits, below the modulus).
pub const OFFSETS_PER_ELEMENT: usize = 14;

/// The commitment salt: a uniformly random scalar, kept secret with the log.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Salt([u8; 32]);

impl Salt {
    /// A fresh salt from a cryptographic RNG (64 bytes reduced, so the bias is below 2^-128).
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        let s = Fr::from_le_bytes_mod_order(&wide);
        wide.zeroize();
        Self::from_fr(&s)
    }

    fn from_fr(s: &Fr) -> Self {
        let mut b = [0u8; 32];
        b.copy_from_slice(&s.into_bigint().to_bytes_le());
        Self(b)
    }

    /// Decodes a salt from 64 hex digits (the canonical little-endian encoding of a scalar).
    pub fn from_hex(s: &str) -> Result<Self, CircuitError> {
        let fr = crate::encoding::fr_from_hex(s)?;
        Ok(Self::from_fr(&fr))
    }

    /// Hex encoding, for the sealed (secret) store only.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The salt as a scalar.
    pub fn to_fr(&self) -> Fr {
        Fr::from_le_bytes_mod_order(&self.0)
    }
}

impl core::fmt::Debug for Salt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Salt(<secret>)")
    }
}

/// The secret witness of one (station, contest) log: votes in the order cast and their times.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct LogWitness {
    /// Choice index of every vote, in order (0 = first candidate in ballot order).
    pub choices: Vec<u16>,
    /// Time of every vote, in seconds after 00:00 of the poll day, in order.
    pub times: Vec<u32>,
    /// The commitment salt.
    pub salt: Salt,
}

impl core::fmt::Debug for LogWitness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "LogWitness({} votes, <secret>)", self.choices.len())
    }
}

impl LogWitness {
    /// Checks that the log fits `shape` and closes at `closed_at`: length, choices in range, one
    /// time per vote, every time at or before the close and less than 2^17 s before it.
    pub fn check_fits(&self, shape: &Shape, closed_at: u32) -> Result<(), CircuitError> {
        let fail = |reason: String| CircuitError::DoesNotFit {
            shape: shape.to_string(),
            reason,
        };
        if self.choices.len() > shape.votes {
            return Err(fail(format!("{} votes", self.choices.len())));
        }
        if self.times.len() != self.choices.len() {
            return Err(fail("one time per vote is required".into()));
        }
        if let Some(c) = self
            .choices
            .iter()
            .find(|&&c| usize::from(c) >= shape.choices)
        {
            return Err(fail(format!("choice index {c}")));
        }
        // Times are not secret one by one, but which vote is late is: no index in the message.
        if self.times.iter().any(|&t| t > closed_at) {
            return Err(fail(format!(
                "a vote was recorded after close of poll ({closed_at} s)"
            )));
        }
        if self
            .times
            .iter()
            .any(|&t| closed_at - t >= 1 << OFFSET_BITS)
        {
            return Err(fail(format!(
                "a vote was recorded 2^{OFFSET_BITS} s or more before close of poll"
            )));
        }
        Ok(())
    }

    /// The histogram of the log over the shape's choice slots (variable time: the counts are
    /// public once proved).
    pub fn vartime_counts(&self, shape: &Shape) -> Vec<u64> {
        let mut counts = vec![0u64; shape.choices];
        for &c in &self.choices {
            if let Some(slot) = counts.get_mut(usize::from(c)) {
                *slot += 1;
            }
        }
        counts
    }
}

/// The public value binding a proof to one station and contest of one election (spec §3.4):
/// SHA-512 over the tag and the length-prefixed ids, reduced modulo r.
pub fn station_binding(election_id: &str, station_id: &str, contest_id: &str) -> Fr {
    binding(TAG_BINDING, &[election_id, station_id, contest_id])
}

/// SHA-512 over `tag` and each of `parts` as its byte length (u64 little-endian) and its UTF-8
/// bytes, read little-endian and reduced modulo r: the form of every binding (§3.4, §7.3).
pub(crate) fn binding(tag: &[u8], parts: &[&str]) -> Fr {
    let mut h = Sha512::new();
    h.update(tag);
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    Fr::from_le_bytes_mod_order(&h.finalize())
}

/// The offset before close of slot `i` of the padded log: `closed_at - time` for a vote, 0 for
/// padding. The one definition the native packing and the circuit's witness share.
pub(crate) fn offset_before_close(times: &[u32], closed_at: u32, i: usize) -> u32 {
    times.get(i).map_or(0, |&t| closed_at.saturating_sub(t))
}

/// Packs the padded offsets before close, `closed_at - time` of every vote in order and 0 for
/// every padding slot, [`OFFSETS_PER_ELEMENT`] of [`OFFSET_BITS`] bits per field element,
/// little-endian (spec §3.2). The log must fit (`check_fits`).
pub fn pack_offsets(shape: &Shape, closed_at: u32, times: &[u32]) -> Vec<Fr> {
    let offset = |i: usize| offset_before_close(times, closed_at, i);
    (0..shape.votes.div_ceil(OFFSETS_PER_ELEMENT))
        .map(|k| {
            let mut limbs = [0u64; 4];
            for j in 0..OFFSETS_PER_ELEMENT {
                let i = k * OFFSETS_PER_ELEMENT + j;
                if i >= shape.votes {
                    break;
                }
                let d = u64::from(offset(i));
                let pos = j * OFFSET_BITS;
                limbs[pos / 64] |= d << (pos % 64);
                if pos % 64 + OFFSET_BITS > 64 {
                    limbs[pos / 64 + 1] |= d >> (64 - pos % 64);
                }
            }
            Fr::from_bigint(ark_ff::BigInt(limbs)).unwrap_or_default()
        })
        .collect()
}

/// Packs the padded choice sequence, `choices_per_element` per field element, little-endian
/// (spec §3.3).
pub fn pack_choices(shape: &Shape, choices: &[u16]) -> Vec<Fr> {
    let bits = shape.choice_bits();
    let per = shape.choices_per_element();
    let mut out = Vec::with_capacity(shape.packed_len());
    for k in 0..shape.packed_len() {
        let mut bytes = vec![0u8; 32];
        for j in 0..per {
            let i = k * per + j;
            if i >= shape.votes {
                break;
            }
            let v = choices.get(i).copied().unwrap_or(0);
            for b in 0..bits {
                if (v >> b) & 1 == 1 {
                    let pos = j * bits + b;
                    bytes[pos / 8] |= 1 << (pos % 8);
                }
            }
        }
        out.push(Fr::from_le_bytes_mod_order(&bytes));
    }
    out
}

/// The log commitment of spec §3.3, for a log closed at `closed_at` (seconds after 00:00 of the
/// poll day, the close-of-poll statement's `closed_at`).
pub fn log_commitment(
    shape: &Shape,
    binding: Fr,
    closed_at: u32,
    witness: &LogWitness,
) -> Result<Fr, CircuitError> {
    witness.check_fits(shape, closed_at)?;
    let mut inputs = vec![
        domain_tag(TAG_LOG),
        binding,
        witness.salt.to_fr(),
        Fr::from(witness.choices.len() as u64),
        Fr::from(closed_at),
    ];
    inputs.extend(pack_choices(shape, &witness.choices));
    inputs.extend(pack_offsets(shape, closed_at, &witness.times));
    Ok(hash(&inputs))
}

/// The multiset challenge of spec §4.3, from public values only (so the verifier's twin may run
/// it in variable time).
pub fn vartime_challenge(binding: Fr, commitment: Fr, counts: &[u64], total: u64) -> Fr {
    let mut inputs = vec![
        domain_tag(TAG_CHALLENGE),
        binding,
        commitment,
        Fr::from(total),
    ];
    inputs.extend(counts.iter().map(|&c| Fr::from(c)));
    hash(&inputs)
}

/// Bits of an `Fr` as little-endian booleans (helper for tests of packing).
#[cfg(test)]
pub(crate) fn fr_bits(x: &Fr) -> Vec<bool> {
    x.into_bigint().to_bits_le()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Kind;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn packing_is_injective_and_little_endian() {
        let shape = Shape::new(64, 4).unwrap_or(Shape {
            votes: 64,
            choices: 4,
            kind: Kind::Public,
        });
        let packed = pack_choices(&shape, &[1, 2, 3]);
        let bits = fr_bits(&packed[0]);
        // 1 = 01, 2 = 10, 3 = 11 in two bits each, little-endian.
        assert_eq!(&bits[..6], &[true, false, false, true, true, true]);
        assert_ne!(pack_choices(&shape, &[1, 2]), pack_choices(&shape, &[2, 1]));
    }

    #[test]
    fn commitment_binds_salt_order_times_and_station() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let shape = Shape {
            votes: 64,
            choices: 4,
            kind: Kind::Public,
        };
        let w = LogWitness {
            choices: vec![0, 1, 2, 3],
            times: vec![25_200, 25_260, 25_300, 25_400],
            salt: Salt::random(&mut rng),
        };
        let b = station_binding("E", "S1", "C1");
        let c = log_commitment(&shape, b, 25_400, &w).unwrap_or_default();
        let mut reordered = w.clone();
        reordered.choices.swap(0, 1);
        let mut retimed = w.clone();
        retimed.times[2] += 1;
        let mut resalted = w.clone();
        resalted.salt = Salt::random(&mut rng);
        for other in [&reordered, &retimed, &resalted] {
            assert_ne!(
                log_commitment(&shape, b, 25_400, other).unwrap_or_default(),
                c
            );
        }
        // The same offsets from another close are other times.
        assert_ne!(log_commitment(&shape, b, 25_401, &w).unwrap_or_default(), c);
        let elsewhere = station_binding("E", "S2", "C1");
        assert_ne!(
            log_commitment(&shape, elsewhere, 25_400, &w).unwrap_or_default(),
            c
        );
        // Ids are length-prefixed: ("S1", "C1") and ("S1C", "1") differ.
        assert_ne!(station_binding("E", "S1C", "1"), b);
    }

    #[test]
    fn log_that_does_not_fit_is_refused() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let shape = Shape {
            votes: 8,
            choices: 4,
            kind: Kind::Public,
        };
        let w = LogWitness {
            choices: vec![4],
            times: vec![1],
            salt: Salt::random(&mut rng),
        };
        assert!(log_commitment(&shape, Fr::from(1u64), 10, &w).is_err());
        let w = LogWitness {
            choices: vec![0; 9],
            times: vec![1; 9],
            salt: Salt::random(&mut rng),
        };
        assert!(log_commitment(&shape, Fr::from(1u64), 10, &w).is_err());
        // A vote after close, and one too long before it.
        let late = LogWitness {
            choices: vec![0, 1],
            times: vec![100, 101],
            salt: Salt::random(&mut rng),
        };
        assert!(log_commitment(&shape, Fr::from(1u64), 100, &late).is_err());
        assert!(log_commitment(&shape, Fr::from(1u64), 101, &late).is_ok());
        assert!(log_commitment(&shape, Fr::from(1u64), 100 + (1 << OFFSET_BITS), &late).is_err());
        assert!(log_commitment(&shape, Fr::from(1u64), 99 + (1 << OFFSET_BITS), &late).is_ok());
    }

    #[test]
    fn offsets_pack_seventeen_bits_little_endian() {
        let shape = Shape {
            votes: 16,
            choices: 4,
            kind: Kind::Public,
        };
        // Offsets 1, 2^17 - 1 and 3, from a close late enough to hold them.
        let close = 1u32 << 18;
        let times = [close - 1, close - ((1 << OFFSET_BITS) - 1), close - 3];
        let packed = pack_offsets(&shape, close, &times);
        assert_eq!(packed.len(), 2);
        let bits = fr_bits(&packed[0]);
        let value = |j: usize| {
            (0..OFFSET_BITS).fold(0u64, |acc, b| {
                acc | (u64::from(bits[j * OFFSET_BITS + b]) << b)
            })
        };
        assert_eq!(value(0), 1);
        assert_eq!(value(1), (1 << OFFSET_BITS) - 1);
        assert_eq!(value(2), 3);
        // Padding slots are offset 0, and the element holds 14 offsets.
        assert!((3..OFFSETS_PER_ELEMENT).all(|j| value(j) == 0));
        assert!(bits[OFFSETS_PER_ELEMENT * OFFSET_BITS..].iter().all(|b| !b));
    }
}
