//! The audit's published statements (spec `audit.md` §2). Counts are integers; the risk limit is
//! in basis points, so no float is ever signed.

use bundle::{Signed, TieLot};
use serde::{Deserialize, Serialize};

/// Statement kinds of the audit (spec `protocol.md` §5).
pub mod kinds {
    /// A commitment to a seed share.
    pub const SEED_COMMITMENT: &str = "audit-seed-commitment";
    /// A revealed seed share.
    pub const SEED_REVEAL: &str = "audit-seed-reveal";
    /// The RO's audit record.
    pub const AUDIT_RECORD: &str = "audit-record";
}

/// Bundle paths of the audit.
pub mod paths {
    /// Seed commitments, `audit/commitments/<contest>.json`: published with the results.
    pub const COMMITMENTS: &str = "audit/commitments";
    /// Audit records, `audit/records/<contest>.json`: added after the draw.
    pub const RECORDS: &str = "audit/records";
}

/// Statement 5a: a party commits to a secret seed share before the results are published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCommitment {
    /// Spec version.
    pub spec_version: String,
    /// Election.
    pub election_id: String,
    /// Contest whose audit the share seeds.
    pub contest_id: String,
    /// Who commits (RO id, observer id or agent id); signs with the key of the statement.
    pub party_id: String,
    /// SHA-256 commitment to the share (spec `audit.md` §3), hex.
    pub commitment: String,
    /// Unix seconds.
    pub signed_at: u64,
}

/// Statement 5b: the share, revealed after the results are published, against the results it
/// saw: a reveal names the results root and the commitment it opens, so a share revealed for
/// one set of results cannot seed a draw over another (audit.md §3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedReveal {
    /// Election.
    pub election_id: String,
    /// Contest.
    pub contest_id: String,
    /// Who reveals.
    pub party_id: String,
    /// The results root (audit.md §3) the party saw published before revealing, hex.
    pub results_root: String,
    /// The party's commitment, as published under that root, hex.
    pub commitment: String,
    /// The 32-byte share, hex.
    pub share: String,
    /// Unix seconds.
    pub signed_at: u64,
}

/// Paper slips counted at one station.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlipCount {
    /// Station.
    pub station_id: String,
    /// Slips per candidate, NOTA last (the contest's ballot order).
    pub counts: Vec<u64>,
}

/// The risk-limiting (batch-comparison) part of an audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskLimited {
    /// Risk limit in basis points (500 = 5%).
    pub risk_limit_bp: u32,
    /// The stations drawn, per round, in draw order (with replacement: a station may repeat).
    pub rounds: Vec<Vec<String>>,
}

/// Statement 5c: the RO's audit record for one contest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// Spec version.
    pub spec_version: String,
    /// Election.
    pub election_id: String,
    /// Contest.
    pub contest_id: String,
    /// The results root the seed is drawn over (spec `audit.md` §3).
    pub results_root: String,
    /// The audit seed, hex (re-derived by every verifier).
    pub seed: String,
    /// Stations whose slips are counted per assembly segment by statute.
    pub per_segment: u32,
    /// The statutory sample, segment by segment (segments in id order), each in draw order.
    pub statutory: Vec<String>,
    /// The batch-comparison audit, when the contest has a risk limit.
    pub risk_limited: Option<RiskLimited>,
    /// Stations counted on a candidate's request (Rule 56D), in station order.
    pub requests: Vec<String>,
    /// Slip counts, one per station counted, in station order.
    pub slips: Vec<SlipCount>,
    /// Totals after the audit: the published totals with slip counts in place of the machine
    /// rows they contradict (slips prevail).
    pub final_totals: Vec<u64>,
    /// Winners on the final totals.
    pub winners: Vec<String>,
    /// The lot, if the final totals tie at the last seat.
    pub tie_lot: Option<TieLot>,
    /// Unix seconds.
    pub signed_at: u64,
}

/// `audit/records/<contest>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestAudit {
    /// Contest.
    pub contest_id: String,
    /// The revealed shares, in party order.
    pub reveals: Vec<Signed<SeedReveal>>,
    /// The RO's record.
    pub record: Signed<AuditRecord>,
}
