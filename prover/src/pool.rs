//! The proving threads: workers with room for the synthesis of the largest shapes.

use crate::error::ProverError;

/// Stack of each proving thread.
pub const PROVER_STACK: usize = 256 << 20;

/// Workers with room for the synthesis of the largest shapes (the default 2 MiB thread stack
/// overflows at 2,048 votes).
pub(crate) fn prover_pool() -> Result<rayon::ThreadPool, ProverError> {
    rayon::ThreadPoolBuilder::new()
        .stack_size(PROVER_STACK)
        .build()
        .map_err(|e| ProverError::Io {
            path: "<thread pool>".into(),
            reason: e.to_string(),
        })
}
