//! The verifier's integration tests, as one test binary: the small simulated elections of
//! [`fixture`] are proved once for all of them (not once per file), and the binary is linked
//! once. Each module is one concern: the samples, every tampering of a step (`tamper`,
//! `malformed`), the audit, the key ceremony, the command line, the court report, sharded
//! proving, split runs; `mutations` and `real` hold the heavy tests (`#[ignore]`, run by
//! `scripts/test-all.sh`).

mod aggregates;
mod audit;
mod ceremony;
mod cli;
mod court;
mod fixture;
mod log;
mod malformed;
mod mutations;
mod real;
mod samples;
mod shard;
mod shares;
mod tamper;
mod totaliser;
