//! `prover`: simulate an election, make keys, seal at close of poll, prove on counting day;
//! import published sheets; run the key ceremony and the VVPAT audit. Each family of
//! subcommands is a module of `cli/`, its flags beside the code they drive.

mod cli;

use clap::{Parser, Subcommand};
use cli::{audit, ceremony, circuit, election, import, log, shard};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "prover",
    version,
    about = "Commitments, Groth16 station proofs and signed bundles from EVM logs and Form 17C"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a synthetic election's inputs (secret logs and keys under SECRET_ folders).
    Simulate(election::SimulateArgs),
    /// Import published booth-wise result sheets (Form 20 as CSV) into prover inputs, reporting
    /// every anomaly; the vote order is synthesised with a seeded shuffle.
    Import(import::ImportArgs),
    /// Generate Groth16 keys per shape (single-party setup: whoever runs it could forge proofs).
    Setup(election::SetupArgs),
    /// Before the poll: write the signed election manifest (definition, audit rules, station
    /// lists, verifying keys, RO certificates) exactly as the bundle will carry it, and print
    /// its SHA-256 for observers, parties and courts to pin (`verifier check --pin-manifest`).
    Manifest(election::ManifestArgs),
    /// Close of poll: check inputs, commit to every sealed log, sign the statements.
    Seal(election::SealArgs),
    /// Counting day: prove every station row and write the signed bundle; or, with --shard,
    /// one slice of the stations into a shared work folder (then `assemble`).
    Prove(election::ProveArgs),
    /// After every shard: check that the work folder holds each row of the election exactly
    /// once and that each verifies, then sum, sign and write the bundle (reads the RO and
    /// authority keys; no log, no salt, except for contests with totaliser groups, whose group
    /// proofs open their stations' count commitments).
    Assemble(shard::AssembleArgs),
    /// Under a court's order, in a contest with totaliser groups: one station's count opening
    /// (its counts and count salt, nothing of its log) for `verifier open --counts`.
    CountOpening(election::CountOpeningArgs),
    /// The VVPAT audit of a contest: seed shares, draws, slip counts, the RO's record.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The multi-party key ceremony: keys sound if any one contributor destroyed its secret.
    #[command(subcommand)]
    Ceremony(ceremony::CeremonyCommand),
    /// The station circuit as data: its R1CS in the iden3 `.r1cs` format, with the sizes and
    /// digests spec/vectors/circuit-shapes.json pins, for verifiers written from the spec.
    #[command(subcommand)]
    Circuit(circuit::CircuitCommand),
    /// The election's witnessed log: every statement as it is made, in an append-only Merkle
    /// log whose heads independent witnesses cosign with their own clocks.
    #[command(subcommand)]
    Log(log::LogCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 64 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let done = match cli.command {
        Command::Simulate(a) => election::run_simulate(a),
        Command::Import(a) => import::run_import(a),
        Command::Setup(a) => election::run_setup(a),
        Command::Manifest(a) => election::run_manifest(a),
        Command::Seal(a) => election::run_seal(a),
        Command::Prove(a) => election::run_prove(a),
        Command::Assemble(a) => shard::run_assemble(a),
        Command::CountOpening(a) => election::run_count_opening(a),
        Command::Audit(cmd) => audit::run_audit(cmd),
        Command::Ceremony(cmd) => ceremony::run_ceremony(cmd),
        Command::Circuit(cmd) => circuit::run_circuit(cmd),
        Command::Log(cmd) => log::run_log(cmd),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
