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
    /// The salt of the station's count commitment (protocol.md §7.1), 64 hex digits: drawn at
    /// sealing for a contest with totaliser groups, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_salt: Option<String>,
}

/// One station's count opening in a contest with totaliser groups (protocol.md §7.1): its
/// machine counts per choice slot with the count commitment's salt. Shows that station's counts
/// and nothing of its log; what a court needs for a dispute over one station's count
/// (`verifier open --counts`, audit.md §7). Secret until a court orders it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountOpeningFile {
    /// Station.
    pub station_id: String,
    /// Contest.
    pub contest_id: String,
    /// Votes per choice slot of the station's shape (49MA test votes included).
    pub counts: Vec<u64>,
    /// The count commitment's salt, 64 hex digits.
    pub count_salt: String,
}

impl core::fmt::Debug for CountOpeningFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "CountOpeningFile({}, {}, <secret>)",
            self.station_id, self.contest_id
        )
    }
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

/// Input folder layout (spec `bundle.md` §8).
pub mod layout {
    /// Election definition.
    pub const ELECTION: &str = "election.json";
    /// Form 17C Part I, one file per station.
    pub const FORM17C: &str = "form17c";
    /// Postal rows, one file per contest.
    pub const POSTAL: &str = "postal";
    /// Declared results to reconcile with, one file per contest (optional).
    pub const DECLARED: &str = "declared";
    /// Tie lots, one file per tied contest.
    pub const LOTS: &str = "lots";
    /// Sealed EVM logs (secret).
    pub const LOGS: &str = "SECRET_logs";
    /// Signing keys (secret).
    pub const SIGNING_KEYS: &str = "SECRET_keys";
    /// Salts drawn at close of poll (secret).
    pub const SALTS: &str = "SECRET_salts";
    /// Signed close-of-poll statements (public, written by `seal`).
    pub const CLOSE_OF_POLL: &str = "close_of_poll";
    /// Audit seed commitments, `audit/commitments/<contest>/<party>.json` (public: published
    /// with the results).
    pub const AUDIT_COMMITMENTS: &str = "audit/commitments";
    /// Revealed shares, `audit/reveals/<contest>/<party>.json`.
    pub const AUDIT_REVEALS: &str = "audit/reveals";
    /// Draw plans, `audit/draws/<contest>.json`: the stations whose slips are to be counted.
    pub const AUDIT_DRAWS: &str = "audit/draws";
    /// Slip counts, `audit/slips/<contest>.json`: `{ station_id: [counts] }`.
    pub const AUDIT_SLIPS: &str = "audit/slips";
    /// Seed shares until they are revealed (secret), `SECRET_audit/<contest>/<party>.json`.
    pub const AUDIT_SHARES: &str = "SECRET_audit";
}

/// Unix seconds of 00:00 (IST is ignored: times are the poll day's civil clock, spec §5.1) on a
/// `YYYY-MM-DD` date.
pub fn unix_midnight(date: &str) -> Option<u64> {
    let mut it = date.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_midnight_known_values() {
        assert_eq!(super::unix_midnight("1970-01-01"), Some(0));
        assert_eq!(super::unix_midnight("2024-06-04"), Some(1_717_459_200));
        assert_eq!(super::unix_midnight("2024-13-01"), None);
    }
}
