//! `audit commit | reveal | draw | slips | record | plan`: the VVPAT audit (spec `audit.md`).

use clap::{Subcommand, ValueEnum};
use prover::ProverError;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PartyArg {
    Ro,
    Observer,
    Agent,
}

impl From<PartyArg> for prover::audit::Party {
    fn from(p: PartyArg) -> Self {
        match p {
            PartyArg::Ro => Self::ReturningOfficer,
            PartyArg::Observer => Self::Observer,
            PartyArg::Agent => Self::CandidateAgent,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Before the results: commit to a secret seed share (published by `prove`).
    Commit {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        contest: String,
        /// Party id (for the RO, the contest's RO id).
        #[arg(long)]
        party: String,
        #[arg(long, value_enum)]
        role: PartyArg,
        /// Unix seconds of the statement (default: one hour into counting).
        #[arg(long)]
        at: Option<u64>,
    },
    /// After the results: reveal the share.
    Reveal {
        #[arg(long)]
        input: PathBuf,
        /// The published bundle: the share is revealed against its results root, once.
        #[arg(long)]
        bundle: PathBuf,
        #[arg(long)]
        contest: String,
        #[arg(long)]
        party: String,
        #[arg(long, value_enum)]
        role: PartyArg,
        /// Unix seconds (default: ten minutes after the results are signed).
        #[arg(long)]
        at: Option<u64>,
    },
    /// Form the seed, draw the statutory sample and the first risk-limiting round (or, with
    /// --more, one more round).
    Draw {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        bundle: PathBuf,
        #[arg(long)]
        contest: String,
        /// Add a round of this many draws to the existing plan.
        #[arg(long)]
        more: Option<u64>,
    },
    /// Simulation: count the slips of the drawn stations (an honest machine), optionally
    /// planting a discrepancy at one of them.
    Slips {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        bundle: PathBuf,
        #[arg(long)]
        contest: String,
        /// Stations counted on a candidate's request (Rule 56D), comma-separated.
        #[arg(long, value_delimiter = ',')]
        requests: Vec<String>,
        /// Count every station (a full count).
        #[arg(long)]
        all: bool,
        /// Station where the paper differs from the machine.
        #[arg(long)]
        plant: Option<String>,
        /// Votes moved from the winner to the runner-up on paper at the planted station.
        #[arg(long, default_value_t = 3)]
        shift: u64,
    },
    /// Sign the RO's audit record (slips prevail) into the bundle and re-sign its index.
    Record {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        bundle: PathBuf,
        #[arg(long)]
        contest: String,
        /// Stations counted on request (Rule 56D), comma-separated.
        #[arg(long, value_delimiter = ',')]
        requests: Vec<String>,
        /// Every station was counted (a full count, `slips --all`): each is recorded as counted
        /// on request.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        at: Option<u64>,
    },
    /// Before counting: how many stations a batch-comparison audit needs (and how many ballots
    /// a ballot-polling audit would), from a published contest or from round numbers.
    Plan {
        #[arg(long)]
        risk_limit: f64,
        #[arg(long, requires = "bundle")]
        input: Option<PathBuf>,
        #[arg(long, requires = "contest")]
        bundle: Option<PathBuf>,
        #[arg(long)]
        contest: Option<String>,
        /// Winner's votes (without a bundle).
        #[arg(long)]
        winner: Option<u64>,
        /// Runner-up's votes.
        #[arg(long)]
        runner_up: Option<u64>,
        /// Votes cast.
        #[arg(long)]
        ballots: Option<u64>,
        /// Polling stations.
        #[arg(long)]
        stations: Option<u64>,
    },
}

/// `prover audit ...`.
pub fn run_audit(cmd: AuditCommand) -> Result<(), ProverError> {
    use prover::audit;
    match cmd {
        AuditCommand::Commit {
            input,
            contest,
            party,
            role,
            at,
        } => {
            let c = audit::commit(&input, &contest, &party, role.into(), at)?;
            println!("{party} committed to a share for {contest}: {c} (the share stays under SECRET_audit until reveal)");
        }
        AuditCommand::Reveal {
            input,
            bundle,
            contest,
            party,
            role,
            at,
        } => {
            let root = audit::reveal(&input, &bundle, &contest, &party, role.into(), at)?;
            println!("{party} revealed its share for {contest} against results root {root}");
        }
        AuditCommand::Draw {
            input,
            bundle,
            contest,
            more,
        } => {
            let plan = audit::draw(&input, &bundle, &contest, more)?;
            let grouped = prover::seal::read_definition(&input)?
                .contest(&contest)
                .is_some_and(|c| c.totaliser.is_some());
            println!("seed {} over results root {}", plan.seed, plan.results_root);
            println!(
                "statutory sample ({} stations per segment{}): {}",
                plan.per_segment,
                if grouped {
                    ", drawn as whole totaliser groups"
                } else {
                    ""
                },
                plan.statutory.join(" ")
            );
            if let Some(rl) = &plan.risk_limited {
                for (i, r) in rl.rounds.iter().enumerate() {
                    println!(
                        "risk-limiting round {} ({} draws): {}",
                        i + 1,
                        r.len(),
                        r.join(" ")
                    );
                }
                if rl.rounds.iter().all(Vec::is_empty) {
                    println!("the risk limit needs more draws than there are stations (or the contest is tied): count every station (slips --all)");
                }
            }
        }
        AuditCommand::Slips {
            input,
            bundle,
            contest,
            requests,
            all,
            plant,
            shift,
        } => {
            let s = audit::simulate_slips(
                &input,
                &bundle,
                &contest,
                &requests,
                all,
                plant.as_deref().map(|p| (p, shift)),
            )?;
            println!(
                "slips of {} batches (stations, or totaliser groups) written",
                s.len()
            );
        }
        AuditCommand::Record {
            input,
            bundle,
            contest,
            requests,
            all,
            at,
        } => {
            let a = audit::record(&input, &bundle, &contest, &requests, all, at)?;
            for d in &a.discrepancies {
                println!(
                    "discrepancy at {}: machine {:?}, slips {:?} (slips prevail)",
                    d.station_id, d.published, d.slips
                );
            }
            println!("{contest}: {}", a.conclusion);
        }
        AuditCommand::Plan {
            risk_limit,
            input,
            bundle,
            contest,
            winner,
            runner_up,
            ballots,
            stations,
        } => {
            let plan = match (input, bundle, contest, winner, runner_up, ballots, stations) {
                (Some(i), Some(b), Some(c), ..) => audit::plan_from_bundle(&i, &b, &c, risk_limit)?,
                (_, _, _, Some(w), Some(r), Some(b), Some(s)) => audit::plan_from_numbers(w, r, b, s, risk_limit)?,
                _ => {
                    return Err(ProverError::input(
                        "audit plan",
                        None,
                        "give --input, --bundle and --contest, or --winner, --runner-up, --ballots and --stations",
                    ))
                }
            };
            print!("{}", plan.to_text(risk_limit));
        }
    }
    Ok(())
}
