//! The election's log entries (spec `log.md` §2): one per published statement, in the order
//! they were made. An entry is the RFC 8785 canonical JSON of [`LogEntry`]: the statement's
//! kind, the election, its subject (which statement of the election it is), the SHA-256 of the
//! bytes its signature covers, and (for the statements whose size is bounded) the signed
//! statement itself, so that a reader of the log alone can check and tally it.

use crate::error::BundleError;
pub use crate::model::LogRef;
use crate::model::{kinds, StationResult};
use crate::signing::Signed;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Statement 3r: one counting round of a contest: the station results counted in it, signed by
/// the contest's RO as the round is announced (logged, not in the bundle: the bundle holds the
/// same rows in its shard).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountingRound {
    /// Protocol version.
    pub spec_version: String,
    /// Election.
    pub election_id: String,
    /// Contest.
    pub contest_id: String,
    /// Round number, from 1.
    pub round: u64,
    /// The stations counted in this round, in station order, each row with its proof.
    pub stations: Vec<StationResult>,
    /// Unix seconds.
    pub signed_at: u64,
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    /// The statement's kind, as signed.
    pub kind: String,
    /// The election.
    pub election_id: String,
    /// Which statement of its kind (log.md §2): `""`, `<contest>`, `<contest>/<station>`,
    /// `<contest>/<round>` or `<contest>/<party>`.
    pub subject: String,
    /// SHA-256 of the bytes the statement's signature covers (protocol.md §5), hex.
    pub sha256: String,
    /// The signed statement as published, for every kind but the manifest, the audit record
    /// and the bundle index (which the bundle holds, and whose size is not bounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<Value>,
}

/// Whether a kind's entries carry the statement itself.
pub fn carries_statement(kind: &str) -> bool {
    !matches!(kind, kinds::MANIFEST | kinds::BUNDLE_INDEX | AUDIT_RECORD)
}

/// The audit record's kind (crate `audit` defines the audit's statements).
pub const AUDIT_RECORD: &str = "audit-record";

impl LogEntry {
    /// The entry for a signed statement.
    pub fn of<T: Serialize>(
        kind: &str,
        election_id: &str,
        subject: &str,
        signed: &Signed<T>,
    ) -> Result<Self, BundleError> {
        let msg = signed.message(kind)?;
        Ok(Self {
            kind: kind.into(),
            election_id: election_id.into(),
            subject: subject.into(),
            sha256: hex::encode(Sha256::digest(&msg)),
            statement: if carries_statement(kind) {
                Some(signed.as_published()?)
            } else {
                None
            },
        })
    }

    /// The entry's bytes: RFC 8785 canonical JSON.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BundleError> {
        use canon_json::CanonJsonSerialize;
        serde_json::to_value(self)
            .map_err(|e| encoding(e.to_string()))?
            .to_canon_json_vec()
            .map_err(|e| encoding(e.to_string()))
    }

    /// Parses an entry, which must be in its canonical form.
    pub fn parse(bytes: &[u8]) -> Result<Self, BundleError> {
        let e: Self = serde_json::from_slice(bytes).map_err(|e| encoding(e.to_string()))?;
        if e.to_bytes()? != bytes {
            return Err(encoding("not in RFC 8785 canonical form".into()));
        }
        Ok(e)
    }

    /// The inline statement read as `Signed<T>`, checked to be the statement the entry's digest
    /// names.
    pub fn statement<T: Serialize + serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Signed<T>, BundleError> {
        let v = self
            .statement
            .as_ref()
            .ok_or_else(|| encoding("the entry carries no statement".into()))?;
        let s: Signed<T> =
            serde_json::from_value(v.clone()).map_err(|e| encoding(e.to_string()))?;
        let msg = s.message(&self.kind)?;
        if hex::encode(Sha256::digest(&msg)) != self.sha256 {
            return Err(encoding(
                "the statement it carries is not the one its sha256 names".into(),
            ));
        }
        Ok(s)
    }
}

fn encoding(reason: String) -> BundleError {
    BundleError::Encoding {
        what: "log entry",
        reason,
    }
}

/// The subject of a station's statement in a contest.
pub fn station_subject(contest: &str, station: &str) -> String {
    format!("{contest}/{station}")
}
