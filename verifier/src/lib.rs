//! The verifier: checks an election bundle step by step (spec `verification.md`) and reports
//! every finding with its step id, contest, station and file.
//!
//! It trusts the verifying keys' setup, the authority's root key (pinned by the reader) and
//! arithmetic; nothing else that the bundle says. It never depends on the prover.
#![deny(missing_docs)]

pub mod check;
pub mod follow;
pub mod html;
pub mod open;
pub mod pdf;
pub mod report;
pub mod source;
pub mod steps;
pub mod time;

pub use check::v2_ceremony as ceremony;
pub use check::{verify_bundle, verify_source, Options};
pub use report::{Finding, Report, Severity};
pub use source::{Folder, Memory, Source};

/// What the cryptography does not establish (spec `protocol.md` §1), printed in every report.
pub const OUT_OF_SCOPE: &[&str] = &[
    "that each EVM recorded what the voter pressed (the VVPAT paper audit measures that)",
    "the integrity of the electoral roll, and freedom from coercion",
    "that Form 17C Part I counts the voters truly (the PO signs it; agents hold copies)",
    "the times in signed statements are the signers' own clocks",
    "that this bundle is the latest the authority issued: an earlier bundle of the same election, validly signed (before its audit record, say), verifies on its own; compare its root with the root the authority published, or with the root of any other bundle you were shown",
];

/// What the cryptography does not cover when the bundle was checked against its witnessed log
/// (V8): the signers' clocks and the latest bundle are then the witnesses' word.
pub const OUT_OF_SCOPE_WITH_LOG: &[&str] = &[
    "that each EVM recorded what the voter pressed (the VVPAT paper audit measures that)",
    "the integrity of the electoral roll, and freedom from coercion",
    "that Form 17C Part I counts the voters truly (the PO signs it; agents hold copies)",
    "the times in signed statements are the signers' own clocks; the witnesses' times bound when each was made, if fewer than the quorum of the pinned witnesses lie",
    "what happened between a station's close of poll and the first witnessed head holding its statement (at most the manifest's bound): the agents' copies of Form 17C and the circuit's check that no vote is after close still hold there",
];

/// Pinned keys or digests as a pin file holds them: one 64-digit hex value per line, `#`
/// starting a comment, blank lines ignored; returned in lower case. `what` names the values
/// in the error ("key", "manifest digest").
pub fn pins(text: &str, what: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line.len() != 64 || !line.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{line:?} is not a 64-digit hex {what}"));
        }
        out.push(line.to_ascii_lowercase());
    }
    Ok(out)
}
