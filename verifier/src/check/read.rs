//! What every step reads with: documents capped in size, safe paths, batched signatures.

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

pub(super) fn read<T: DeserializeOwned>(
    src: &dyn Source,
    rel: &str,
) -> Result<(Vec<u8>, T), String> {
    let bytes = read_capped(src, rel)?;
    let value = serde_json::from_slice(&bytes).map_err(|e| format!("not a valid document: {e}"))?;
    Ok((bytes, value))
}

/// Whether a bundle path is a plain relative path of safe components.
pub(super) fn safe_path(p: &str) -> bool {
    !p.is_empty() && p.split('/').all(bundle::tally::is_safe_id)
}

/// Signatures per Ed25519 batch.
pub(super) const SIG_BATCH: usize = 256;

/// Verdicts for a list of signed statements of one kind, batch-verified in parallel.
pub(super) fn signatures_hold<T: serde::Serialize + Sync>(
    list: &[Signed<T>],
    kind: &'static str,
) -> Vec<bool> {
    list.par_chunks(SIG_BATCH)
        .flat_map_iter(|chunk| {
            // A statement whose key or signature does not even decode is invalid on its own.
            let decoded: Vec<Option<bundle::PendingSignature>> =
                chunk.iter().map(|s| s.pending(kind).ok()).collect();
            let good: Vec<bundle::PendingSignature> = decoded.iter().flatten().cloned().collect();
            let mut verdicts = verify_many(&good).into_iter();
            decoded
                .into_iter()
                .map(|d| d.is_some() && verdicts.next().unwrap_or(false))
                .collect::<Vec<_>>()
        })
        .collect()
}
