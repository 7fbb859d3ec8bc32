//! Circuit shapes: one Groth16 key serves every station whose log fits its shape, and, for
//! totaliser groups, every group that fits its group shape.
//!
//! Spec: `spec/protocol.md` §4.1 and §7.

use crate::error::CircuitError;

/// Bits of a field element used to pack choices (BLS12-381 `Fr` has 255 bits; 252 keeps every
/// packed value below the modulus, so packing is injective).
pub const PACK_BITS: usize = 252;

/// Which circuit a shape is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The station circuit with public counts (§4), written `VOTESxCHOICES`.
    Public,
    /// The station circuit with committed counts (§7.2), written `VOTESxCHOICESc`.
    Committed,
    /// The group circuit (§7.3), written `gSLOTSxCHOICES`; `votes` holds the slots.
    Group,
}

/// A circuit shape: the maximum number of votes in a log (for a group shape, of stations in a
/// group) and the number of choice slots, and which circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shape {
    /// Maximum number of votes (the log is padded with choice 0 up to this length); for a group
    /// shape, the station slots ([`Shape::slots`]).
    pub votes: usize,
    /// Number of choice slots, a power of two (candidates in ballot order, NOTA, unused slots).
    pub choices: usize,
    /// The circuit.
    pub kind: Kind,
}

/// The shapes a production election may use (spec §4.1).
pub const PRODUCTION_SHAPES: &[Shape] = &[
    Shape {
        votes: 512,
        choices: 8,
        kind: Kind::Public,
    },
    Shape {
        votes: 512,
        choices: 16,
        kind: Kind::Public,
    },
    Shape {
        votes: 1024,
        choices: 8,
        kind: Kind::Public,
    },
    Shape {
        votes: 1024,
        choices: 16,
        kind: Kind::Public,
    },
    Shape {
        votes: 1024,
        choices: 32,
        kind: Kind::Public,
    },
    Shape {
        votes: 2048,
        choices: 8,
        kind: Kind::Public,
    },
    Shape {
        votes: 2048,
        choices: 16,
        kind: Kind::Public,
    },
    Shape {
        votes: 2048,
        choices: 32,
        kind: Kind::Public,
    },
    Shape {
        votes: 2048,
        choices: 64,
        kind: Kind::Public,
    },
];

/// Small shapes for tests and the sample election (spec §4.1: any power-of-two choices from 2 to
/// 64 and any vote count from 8 to 2048 that is a multiple of 8 is a valid shape).
pub const SMALL_SHAPES: &[Shape] = &[
    Shape {
        votes: 64,
        choices: 4,
        kind: Kind::Public,
    },
    Shape {
        votes: 128,
        choices: 8,
        kind: Kind::Public,
    },
    Shape {
        votes: 256,
        choices: 8,
        kind: Kind::Public,
    },
    Shape {
        votes: 256,
        choices: 16,
        kind: Kind::Public,
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
            Ok(Self {
                votes,
                choices,
                kind: Kind::Public,
            })
        } else {
            Err(CircuitError::UnsupportedShape { votes, choices })
        }
    }

    /// The committed-count shape of the same size (§7.2).
    pub fn committed(votes: usize, choices: usize) -> Result<Self, CircuitError> {
        Ok(Self {
            kind: Kind::Committed,
            ..Self::new(votes, choices)?
        })
    }

    /// A group shape (§7.3): `slots` stations (2 to 64) of `choices` choice slots.
    pub fn group(slots: usize, choices: usize) -> Result<Self, CircuitError> {
        let ok =
            (2..=64).contains(&choices) && choices.is_power_of_two() && (2..=64).contains(&slots);
        if ok {
            Ok(Self {
                votes: slots,
                choices,
                kind: Kind::Group,
            })
        } else {
            Err(CircuitError::UnsupportedShape {
                votes: slots,
                choices,
            })
        }
    }

    /// Parses `VOTESxCHOICES` (for example `2048x16`), `VOTESxCHOICESc` (committed counts,
    /// `2048x16c`) or `gSLOTSxCHOICES` (a group shape, `g32x16`).
    pub fn parse(s: &str) -> Result<Self, CircuitError> {
        let bad = || CircuitError::UnsupportedShape {
            votes: 0,
            choices: 0,
        };
        let s = s.trim();
        let (group, rest) = match s.strip_prefix('g') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (committed, rest) = match rest.strip_suffix('c') {
            Some(rest) if !group => (true, rest),
            _ => (false, rest),
        };
        let (v, c) = rest.split_once('x').ok_or_else(bad)?;
        let digits = |t: &str| -> Result<usize, CircuitError> {
            let t = t.trim();
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || t.starts_with('0') {
                return Err(bad());
            }
            t.parse().map_err(|_| bad())
        };
        let (votes, choices) = (digits(v)?, digits(c)?);
        match (group, committed) {
            (true, _) => Self::group(votes, choices),
            (false, true) => Self::committed(votes, choices),
            (false, false) => Self::new(votes, choices),
        }
    }

    /// A group shape's station slots (its `votes` field).
    pub fn slots(&self) -> usize {
        self.votes
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

    /// Number of public inputs: binding, commitment, `choices` counts, total, close of poll
    /// (§4.2); binding, commitment, count commitment, total, close of poll (§7.2); binding,
    /// `choices` counts, `slots` station commitments (§7.3).
    pub fn num_public_inputs(&self) -> usize {
        match self.kind {
            Kind::Public => self.choices + 4,
            Kind::Committed => 5,
            Kind::Group => 1 + self.choices + self.votes,
        }
    }

    /// The smallest public-count shape among `candidates` that holds `votes` votes and
    /// `choices` choices.
    pub fn smallest_fitting(candidates: &[Shape], votes: usize, choices: usize) -> Option<Shape> {
        candidates
            .iter()
            .copied()
            .filter(|s| s.kind == Kind::Public && s.votes >= votes && s.choices >= choices)
            .min_by_key(|s| (s.votes * s.choice_bits().max(1), s.choices))
    }
}

impl core::fmt::Display for Shape {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.kind {
            Kind::Public => write!(f, "{}x{}", self.votes, self.choices),
            Kind::Committed => write!(f, "{}x{}c", self.votes, self.choices),
            Kind::Group => write!(f, "g{}x{}", self.votes, self.choices),
        }
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
        for (text, kind) in [
            ("256x8c", Kind::Committed),
            ("g32x8", Kind::Group),
            ("g2x64", Kind::Group),
        ] {
            let s = Shape::parse(text).expect("a shape");
            assert_eq!((s.kind, s.to_string()), (kind, text.to_string()));
        }
        for bad in [
            "g32x8c", "gg32x8", "100x7c", "g1x8", "g65x8", "g32x6", "064x8", "64x08", "x8", "64x",
            "+64x8",
        ] {
            assert!(Shape::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn packing_fits_below_the_modulus() {
        for s in PRODUCTION_SHAPES {
            assert!(s.choices_per_element() * s.choice_bits() <= PACK_BITS);
        }
        let s = Shape {
            votes: 2048,
            choices: 16,
            kind: Kind::Public,
        };
        assert_eq!(s.choices_per_element(), 63);
        assert_eq!(s.packed_len(), 33);
    }
}
