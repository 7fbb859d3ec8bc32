//! The prover: turns a polling authority's inputs (election definition, Form 17C Part I, sealed
//! EVM logs, postal rows) into signed close-of-poll statements, Groth16 station proofs and a
//! signed election bundle.
//!
//! Spec: `spec/protocol.md`, `spec/bundle.md`.
#![deny(missing_docs)]

pub mod audit;
pub mod ceremony;
pub mod error;
pub mod import;
pub mod io;
pub mod prove;
pub mod seal;
pub mod setup;
pub mod shard;
mod sheet;
pub mod simulate;
pub mod testdata;

pub use error::ProverError;

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
