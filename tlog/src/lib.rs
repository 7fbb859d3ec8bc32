//! The election's witnessed, append-only log (spec `log.md`).
//!
//! Every statement of an election is appended to a Merkle log as it is made; the log's heads are
//! cosigned by witnesses the authority does not control, who each promise never to cosign two
//! heads that are not one a prefix of the other. All formats are those of the transparency-log
//! ecosystem, so any of its tools reads this log:
//!
//! - RFC 6962 / RFC 9162 Merkle hashing, with the tree arithmetic of the `tlog_tiles` crate (a
//!   port of the Go checksum database's `tlog` package);
//! - c2sp.org/tlog-tiles: the tree as static files (`tile/<L>/<N>`, `tile/entries/<N>`);
//! - c2sp.org/tlog-checkpoint and c2sp.org/signed-note: the signed head (`checkpoint`), read with
//!   the `signed_note` crate;
//! - c2sp.org/tlog-cosignature: a witness's Ed25519 cosignature with its own timestamp;
//! - c2sp.org/tlog-witness: the `add-checkpoint` request and its answers.
//!
//! One addition of ours: every cosigned head the log ever publishes is kept, in order, at
//! `checkpoints/<k>`, so that a reader can learn when each entry was first witnessed.
#![deny(missing_docs)]

pub mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod note;
pub mod reader;
pub mod tiles;
pub mod tree;
pub mod witness;
pub mod writer;

pub use error::LogError;
pub use note::{Cosignature, NoteKey, PublicKey, SignedHead};
pub use tlog_tiles::{Checkpoint, Hash};
pub use tree::Tree;
