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
