//! Proving on a cluster: one shard's slice of the stations (`prove --shard`), then `assemble`.

use super::progress_bar;
use clap::Args;
use prover::setup::KeyDir;
use prover::ProverError;
use std::path::{Path, PathBuf};

/// `prover prove --shard K/N --work DIR`: proves the shard's station rows into the work folder.
pub fn run_prove_shard(
    input: &Path,
    keys: &KeyDir,
    shard: &str,
    work: &Path,
) -> Result<(), ProverError> {
    let shard = prover::shard::Shard::parse(shard)?;
    let bar = progress_bar("station rows of this shard");
    if let Ok(def) = prover::seal::read_definition(input) {
        bar.set_length(
            def.stations
                .iter()
                .enumerate()
                .filter(|(i, _)| shard.takes(*i))
                .map(|(_, s)| s.contests.len() as u64)
                .sum(),
        );
    }
    let tick = || bar.inc(1);
    let s = prover::shard::prove_shard(&prover::shard::ShardOptions {
        input,
        keys,
        work,
        shard,
        on_progress: Some(&tick),
    })?;
    bar.finish_and_clear();
    for why in &s.replaced {
        eprintln!("proved again: {why}");
    }
    println!(
        "shard {}/{}: {} stations, {} rows: {} proved now, {} already proved and verified ({} of them failed and were proved again) -> {}",
        shard.index,
        shard.count,
        s.stations,
        s.rows,
        s.proved,
        s.kept,
        s.replaced.len(),
        work.display()
    );
    Ok(())
}

/// After every shard: check that the work folder holds each row of the election exactly
/// once and that each verifies, then sum, sign and write the bundle (reads the RO and
/// authority keys; no log, no salt).
#[derive(Args, Debug)]
pub struct AssembleArgs {
    /// Input folder (definition, close-of-poll statements, signing keys, public inputs).
    #[arg(long)]
    pub input: PathBuf,
    /// Key folder.
    #[arg(long)]
    pub keys: PathBuf,
    /// The shards' work folder.
    #[arg(long)]
    pub work: PathBuf,
    /// Bundle folder to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing bundle.
    #[arg(long)]
    pub force: bool,
}

/// `prover assemble`.
pub fn run_assemble(args: AssembleArgs) -> Result<(), ProverError> {
    let AssembleArgs {
        input,
        keys,
        work,
        out,
        force,
    } = args;
    let keys = KeyDir::open(&keys)?;
    let summary = prover::shard::assemble(&prover::shard::AssembleOptions {
        input: &input,
        keys: &keys,
        work: &work,
        out: &out,
        force,
    })?;
    println!(
        "assembled {} verified station rows in {} contests{}; bundle root {} -> {}",
        summary.rows,
        summary.contests,
        match summary.aggregates {
            0 => String::new(),
            k => format!(", {k} aggregate(s) of their proofs"),
        },
        summary.root,
        out.display()
    );
    Ok(())
}
