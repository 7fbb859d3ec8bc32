//! `ceremony init | contribute | phase2 | verify | finalize`: the multi-party key ceremony
//! (spec `ceremony.md`).

use super::parse_shapes;
use clap::Subcommand;
use prover::ProverError;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum CeremonyCommand {
    /// The initial state for the election's shapes (deterministic: no secret in it).
    Init {
        /// Shapes as VOTESxCHOICES, comma-separated (the election's key shapes).
        #[arg(long, value_delimiter = ',', required = true)]
        shapes: Vec<String>,
        /// Phase-1 power (2^power powers of tau); default: what the largest shape needs.
        #[arg(long)]
        power: Option<u32>,
        /// Make the ceremony for aggregated proofs: aggregation powers for up to this many
        /// stations of one shape in one contest (rounded up to a power of two; each
        /// contribution then also adds the two aggregation secrets, spec aggregation.md §1).
        #[arg(long)]
        aggregate: Option<u64>,
        /// The state file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// One contribution (offline, on your own machine): checks the state received, mixes
    /// operating-system entropy with anything you type, writes the next state and prints the
    /// contribution hash to publish. The secret never leaves memory and is erased.
    Contribute {
        /// The state received.
        #[arg(long = "in")]
        input: PathBuf,
        /// The state to pass on.
        #[arg(long)]
        out: PathBuf,
        /// Your name as it will be published.
        #[arg(long)]
        name: String,
        /// Your role (for example "observer", "agent of party X", "State Election Commission").
        #[arg(long)]
        role: String,
        /// Extra entropy typed in (mixed with the operating system's; optional).
        #[arg(long)]
        entropy: Option<String>,
        /// Your contributor key (`ceremony keygen`): signs the contribution, written beside the
        /// new state as OUT.sig.json; hand both to the coordinator.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// A contributor's own Ed25519 key, to sign its contributions (publish the public key it
    /// prints before the ceremony; keep the file to yourself).
    Keygen {
        /// The secret key file to write (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Closes phase 1 and derives each shape's initial phase-2 state (deterministic, slow).
    Phase2 {
        #[arg(long = "in")]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Checks the whole chain so far and lists the contributions.
    Verify {
        #[arg(long = "in")]
        input: PathBuf,
    },
    /// Writes the key folder (keys, setup.json, the ceremony files for the bundle).
    Finalize {
        #[arg(long = "in")]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// The contributors' signature files (`contribute --key`), each checked against the
        /// ceremony; the bundle then carries them.
        #[arg(long, value_delimiter = ',')]
        signatures: Vec<PathBuf>,
    },
}

fn print_contributions(r: &circuits::ceremony::CeremonyReport) {
    for c in &r.contributions {
        let key = c.key.as_deref().map_or_else(
            || "unsigned".to_string(),
            |k| {
                format!(
                    "signed by key {}",
                    circuits::ceremony::signatures::fingerprint(k)
                )
            },
        );
        println!(
            "  phase {}  {}  {} ({}), {key}",
            c.phase, c.hash, c.name, c.role
        );
    }
}

/// `prover ceremony ...`.
pub fn run_ceremony(cmd: CeremonyCommand) -> Result<(), ProverError> {
    use prover::ceremony;
    match cmd {
        CeremonyCommand::Init {
            shapes,
            power,
            aggregate,
            out,
        } => {
            let shapes = parse_shapes(&shapes)?;
            let agg = aggregate.map(|n| n.max(2).next_power_of_two().trailing_zeros());
            let p = ceremony::init(&shapes, power, agg, &out)?;
            if let Some(a) = agg {
                println!(
                    "aggregation powers for up to {} proofs per aggregate",
                    1u64 << a
                );
            }
            println!(
                "initial state for {} shape(s), phase 1 of 2^{p} powers -> {}",
                shapes.len(),
                out.display()
            );
        }
        CeremonyCommand::Contribute {
            input,
            out,
            name,
            role,
            entropy,
            key,
        } => {
            let who = circuits::ceremony::Contributor { name, role };
            let (phase, hash) = ceremony::contribute(
                &input,
                &out,
                who,
                entropy.as_deref().unwrap_or("").as_bytes(),
            )?;
            let n = if phase == circuits::ceremony::Phase::One {
                1
            } else {
                2
            };
            println!("contributed to phase {n}; new state -> {}", out.display());
            println!("contribution hash {hash}");
            if let Some(key) = key {
                let (sig, public_key) = ceremony::sign_last(&out, &key)?;
                println!(
                    "signed with your key {} (fingerprint {}) -> {}",
                    public_key,
                    circuits::ceremony::signatures::fingerprint(&public_key),
                    sig.display()
                );
            }
            println!("publish it; anyone can later find it with: verifier ceremony --contribution {} BUNDLE", &hash[..16]);
        }
        CeremonyCommand::Phase2 { input, out } => {
            ceremony::begin_phase2(&input, &out)?;
            println!("phase 1 closed; phase 2 open -> {}", out.display());
        }
        CeremonyCommand::Verify { input } => {
            let (phase, r) = ceremony::verify(&input)?;
            println!(
                "the ceremony holds so far ({} contributions, phase {} open):",
                r.contributions.len(),
                if phase == circuits::ceremony::Phase::One {
                    1
                } else {
                    2
                }
            );
            print_contributions(&r);
        }
        CeremonyCommand::Keygen { out } => {
            let public_key = ceremony::keygen(&out)?;
            println!("contributor key -> {} (keep it to yourself)", out.display());
            println!(
                "public key {public_key} (fingerprint {}): publish it before the ceremony",
                circuits::ceremony::signatures::fingerprint(&public_key)
            );
        }
        CeremonyCommand::Finalize {
            input,
            out,
            signatures,
        } => {
            let r = ceremony::finalize(&input, &out, &signatures)?;
            println!(
                "keys for {} from a ceremony of {} contributions by {} contributors -> {}",
                r.shapes.join(", "),
                r.contributions.len(),
                r.contributors(),
                out.display()
            );
            print_contributions(&r);
        }
    }
    Ok(())
}
