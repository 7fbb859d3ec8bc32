//! What every step reads with: documents capped in size, safe paths, batched signatures.

use crate::report::{At, Findings};
use crate::source::Source;
use bundle::{verify_many, Signed};
use rayon::prelude::*;
use serde::de::DeserializeOwned;

/// The largest JSON document the verifier parses (a national manifest is about 200 MB). Larger
/// files are refused before they are read, so no input can exhaust memory.
pub const MAX_DOCUMENT: u64 = 1 << 30;

/// Reads a whole file, refusing one larger than [`MAX_DOCUMENT`] before reading it.
pub(crate) fn read_capped(src: &dyn Source, rel: &str) -> Result<Vec<u8>, String> {
    let len = src.len(rel).map_err(|e| format!("cannot read: {e}"))?;
    if len > MAX_DOCUMENT {
        return Err(format!(
            "{len} bytes, larger than the {MAX_DOCUMENT} bytes a bundle document may have"
        ));
    }
    src.read(rel).map_err(|e| format!("cannot read: {e}"))
}

/// Why a document could not be used, and the secret material found in it, if any.
#[derive(Debug)]
pub(super) struct Unread {
    reason: String,
    secret: Option<String>,
}

impl Unread {
    /// The same, with what the document is put before the reason.
    pub(super) fn context(mut self, what: &str) -> Self {
        self.reason = format!("{what}: {}", self.reason);
        self
    }

    /// An ERROR of `step`: the document is unusable. But when it holds secret material, a
    /// FAIL of V1.c instead, whichever file it is (spec `verification.md` V1.c): the material is
    /// named by its place in the document, never by its value, and the finding says that the
    /// checks needing the document were not made.
    pub(super) fn report(self, f: &mut Findings, step: &'static str, at: &At) {
        match self.secret {
            Some(secret) => f.fail("V1.c", at, secret_rule(&secret, step, &self.reason)),
            None => f.error(step, at, self.reason),
        }
    }
}

/// Reads and parses a JSON document. A document that does not parse as `T` is searched for
/// secret material (see [`secret_in`]).
pub(super) fn read<T: DeserializeOwned>(
    src: &dyn Source,
    rel: &str,
) -> Result<(Vec<u8>, T), Unread> {
    let bytes = read_capped(src, rel).map_err(|reason| Unread {
        reason,
        secret: None,
    })?;
    match serde_json::from_slice(&bytes) {
        Ok(value) => Ok((bytes, value)),
        Err(e) => Err(Unread {
            reason: format!("not a valid document: {e}"),
            secret: secret_in(&bytes),
        }),
    }
}

/// The rule a document holding secret material breaks, with what it means for `step`.
pub(super) fn secret_rule(secret: &str, step: &str, reason: &str) -> String {
    format!(
        "secret material in the bundle: {secret}; the document is unusable ({reason}), so {step} and the checks that need it were not made"
    )
}

/// Secret material in a JSON document, described by where it is: a salt, a signing key, or a
/// sealed EVM log (a control unit with its votes). `None` for anything else, or for bytes that
/// are not JSON. Only documents that fail to parse as their type are searched: the types the
/// bundle format defines refuse unknown fields, and free text is V3.f's.
pub(crate) fn secret_in(bytes: &[u8]) -> Option<String> {
    // Cheap first: none of the names at all, no parse.
    let names: [&[u8]; 4] = [
        b"\"salt",
        b"\"secret_key\"",
        b"\"signing_key\"",
        b"\"votes\"",
    ];
    if !names
        .iter()
        .any(|n| bytes.windows(n.len()).any(|w| w == *n))
    {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    find_secret(&value, "")
}

fn find_secret(v: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    let place = |at: &str| {
        if at.is_empty() {
            "the document".to_string()
        } else {
            at.to_string()
        }
    };
    match v {
        Value::Object(map) => {
            for key in ["salt", "salts", "secret_key", "signing_key"] {
                if map.contains_key(key) {
                    return Some(format!("a {key:?} field at {}", place(at)));
                }
            }
            if map.contains_key("cu") && map.get("votes").is_some_and(Value::is_array) {
                return Some(format!(
                    "a sealed EVM log (a control unit's votes in order) at {}",
                    place(at)
                ));
            }
            map.iter().find_map(|(k, x)| {
                find_secret(
                    x,
                    &if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    },
                )
            })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| find_secret(x, &format!("{at}[{i}]"))),
        _ => None,
    }
}

/// Whether a bundle path is a plain relative path of safe components.
pub(super) fn safe_path(p: &str) -> bool {
    !p.is_empty() && p.split('/').all(bundle::tally::is_safe_id)
}

/// Signatures per Ed25519 batch.
pub(super) const SIG_BATCH: usize = 256;

/// Verdicts for a list of signed statements of one kind, batch-verified in parallel: whether
/// each signature of `list` holds, for the statements `mine` selects; the others are taken as
/// holding (a share leaves them to the share that checks them, report::SHARED_STEPS).
pub(super) fn signatures_hold_where<T: serde::Serialize + Sync>(
    list: &[Signed<T>],
    kind: &'static str,
    mine: impl Fn(&Signed<T>) -> bool + Sync,
) -> Vec<bool> {
    list.par_chunks(SIG_BATCH)
        .flat_map_iter(|chunk| {
            let checked: Vec<&Signed<T>> = chunk.iter().filter(|s| mine(s)).collect();
            // A statement whose key or signature does not even decode is invalid on its own.
            // A key that signs many of them (an RO's, on PO certificates) is decoded once.
            let mut keys: std::collections::HashMap<&str, Option<bundle::VerifyingKey>> =
                std::collections::HashMap::new();
            let decoded: Vec<Option<bundle::PendingSignature>> = checked
                .iter()
                .map(|s| {
                    let key = *keys
                        .entry(s.public_key.as_str())
                        .or_insert_with(|| bundle::public_key_from_hex(&s.public_key).ok());
                    s.pending_with(kind, key?).ok()
                })
                .collect();
            let good: Vec<bundle::PendingSignature> = decoded.iter().flatten().cloned().collect();
            let mut verdicts = verify_many(&good).into_iter();
            let mut own = decoded
                .into_iter()
                .map(|d| d.is_some() && verdicts.next().unwrap_or(false));
            chunk
                .iter()
                .map(|s| !mine(s) || own.next().unwrap_or(false))
                .collect::<Vec<_>>()
        })
        .collect()
}
