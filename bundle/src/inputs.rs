//! The prover's secret inputs (spec `bundle.md` §8). They never enter a bundle: they live under
//! `SECRET_*` folders and their types have no public `Debug` of their contents.

use serde::{Deserialize, Serialize};

/// One vote as the EVM memory records it: `[seconds after 00:00, choice index]`.
#[derive(Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Vote(pub u32, pub u32);

/// The votes one control unit recorded for one contest, in order.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitLog {
    /// Control unit id.
    pub cu: String,
    /// Votes in order.
    pub votes: Vec<Vote>,
}

/// One contest's log at a station: its control units in the order used.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestLog {
    /// Contest.
    pub contest_id: String,
    /// Units in order.
    pub units: Vec<UnitLog>,
}

/// `SECRET_logs/<station>.json`: the sealed EVM log of one station.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvmLog {
    /// Station.
    pub station_id: String,
    /// Per contest.
    pub contests: Vec<ContestLog>,
}

impl core::fmt::Debug for EvmLog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "EvmLog({}, <secret>)", self.station_id)
    }
}

/// One contest's salt (hex scalar).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestSalt {
    /// Contest.
    pub contest_id: String,
    /// Salt, 64 hex digits.
    pub salt: String,
}

/// `SECRET_salts/<station>.json`: the salts drawn at close of poll.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationSalts {
    /// Station.
    pub station_id: String,
    /// Per contest.
    pub contests: Vec<ContestSalt>,
}

impl core::fmt::Debug for StationSalts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "StationSalts({}, <secret>)", self.station_id)
    }
}

macro_rules! secret_debug {
    ($($t:ty),*) => {$(
        impl core::fmt::Debug for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($t), "(<secret>)"))
            }
        }
    )*};
}
secret_debug!(Vote, UnitLog, ContestLog, ContestSalt);
