//! Circuit shapes: one Groth16 key serves every station whose log fits its shape.
//!
//! Spec: `spec/protocol.md` §4.1.

use crate::error::CircuitError;

/// Bits of a field element used to pack choices (BLS12-381 `Fr` has 255 bits; 252 keeps every
/// packed value below the modulus, so packing is injective).
pub const PACK_BITS: usize = 252;

/// A circuit shape: the maximum number of votes in a log and the number of choice slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shape {
    /// Maximum number of votes (the log is padded with choice 0 up to this length).
    pub votes: usize,
    /// Number of choice slots, a power of two (candidates in ballot order, NOTA, unused slots).
    pub choices: usize,
}

/// The shapes a production election may use (spec §4.1).
pub const PRODUCTION_SHAPES: &[Shape] = &[
    Shape {
        votes: 512,
        choices: 8,
    },
    Shape {
        votes: 512,
        choices: 16,
    },
    Shape {
        votes: 1024,
        choices: 8,
    },
    Shape {
        votes: 1024,
        choices: 16,
    },
    Shape {
        votes: 1024,
        choices: 32,
    },
    Shape {
        votes: 2048,
        choices: 8,
    },
    Shape {
        votes: 2048,
        choices: 16,
    },
    Shape {
        votes: 2048,
        choices: 32,
    },
    Shape {
        votes: 2048,
        choices: 64,
    },
];

/// Small shapes for tests and the sample election (spec §4.1: any power-of-two choices from 2 to
/// 64 and any vote count from 8 to 2048 that is a multiple of 8 is a valid shape).
pub const SMALL_SHAPES: &[Shape] = &[
    Shape {
        votes: 64,
        choices: 4,
    },
    Shape {
        votes: 128,
        choices: 8,
    },
    Shape {
        votes: 256,
        choices: 8,
    },
    Shape {
        votes: 256,
        choices: 16,
    },
];

impl Shape {
    /// A shape, checked against the rules of spec §4.1.
    pub fn new(votes: usize, choices: usize) -> Result<Self, CircuitError> {
        let ok = (2..=64).contains(&choices)
            && choices.is_power_of_two()
            && (8..=2048).contains(&votes)
            && votes.is_multiple_of(8);
        if ok {
            Ok(Self { votes, choices })
        } else {
            Err(CircuitError::UnsupportedShape { votes, choices })
        }
    }

    /// Parses `VOTESxCHOICES`, for example `2048x16`.
    pub fn parse(s: &str) -> Result<Self, CircuitError> {
        let bad = || CircuitError::UnsupportedShape {
            votes: 0,
            choices: 0,
        };
        let (v, c) = s.split_once('x').ok_or_else(bad)?;
        let votes = v.trim().parse().map_err(|_| bad())?;
        let choices = c.trim().parse().map_err(|_| bad())?;
        Self::new(votes, choices)
    }

    /// Bits per choice: `log2(choices)`.
    pub fn choice_bits(&self) -> usize {
        self.choices.trailing_zeros() as usize
    }

    /// Choices packed into one field element.
    pub fn choices_per_element(&self) -> usize {
        PACK_BITS / self.choice_bits()
    }

    /// Number of field elements holding the packed, padded log.
    pub fn packed_len(&self) -> usize {
        self.votes.div_ceil(self.choices_per_element())
    }

    /// Number of public inputs: binding, commitment, `choices` counts, total, close of poll.
    pub fn num_public_inputs(&self) -> usize {
        self.choices + 4
    }

    /// The smallest shape among `candidates` that holds `votes` votes and `choices` choices.
    pub fn smallest_fitting(candidates: &[Shape], votes: usize, choices: usize) -> Option<Shape> {
        candidates
            .iter()
            .copied()
            .filter(|s| s.votes >= votes && s.choices >= choices)
            .min_by_key(|s| (s.votes * s.choice_bits().max(1), s.choices))
    }
}

impl core::fmt::Display for Shape {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}x{}", self.votes, self.choices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for s in PRODUCTION_SHAPES.iter().chain(SMALL_SHAPES) {
            assert_eq!(Shape::parse(&s.to_string()).ok(), Some(*s));
        }
        assert!(Shape::parse("100x7").is_err());
        assert!(Shape::parse("4096x16").is_err());
        assert!(Shape::parse("nonsense").is_err());
    }

    #[test]
    fn packing_fits_below_the_modulus() {
        for s in PRODUCTION_SHAPES {
            assert!(s.choices_per_element() * s.choice_bits() <= PACK_BITS);
        }
        let s = Shape {
            votes: 2048,
            choices: 16,
        };
        assert_eq!(s.choices_per_element(), 63);
        assert_eq!(s.packed_len(), 33);
    }
}
