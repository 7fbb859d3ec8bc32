//! `prover`: simulate an election, make keys, seal at close of poll, prove on counting day.

use bundle::ElectionKind;
use circuits::shape::PRODUCTION_SHAPES;
use circuits::Shape;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use prover::prove::{prove, ProveOptions};
use prover::seal::seal;
use prover::setup::{setup, KeyDir};
use prover::simulate::{simulate, SimOptions};
use std::io::IsTerminal;
use std::path::PathBuf;
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

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Assembly,
    Municipal,
    Panchayat,
}

#[derive(Subcommand)]
enum Command {
    /// Write a synthetic election's inputs (secret logs and keys under SECRET_ folders).
    Simulate {
        /// Kind of election.
        #[arg(long, value_enum, default_value = "assembly")]
        kind: Kind,
        /// RNG seed (same seed, same election).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Constituencies, wards or gram panchayats.
        #[arg(long, default_value_t = 2)]
        areas: usize,
        /// Polling stations per area.
        #[arg(long, default_value_t = 10)]
        stations: usize,
        /// Most candidates per contest (NOTA not counted).
        #[arg(long, default_value_t = 6)]
        candidates: usize,
        /// Most electors per station.
        #[arg(long, default_value_t = 1200)]
        electors: u64,
        /// Turnout between 0 and 1.
        #[arg(long, default_value_t = 0.65)]
        turnout: f64,
        /// Risk limit of the VVPAT audit rule fixed in the definition (contests with a paper
        /// trail), between 0 and 1.
        #[arg(long, default_value_t = 0.05)]
        risk_limit: f64,
        /// The audit rule has no risk-limiting audit: the statutory sample only.
        #[arg(long)]
        statutory_only: bool,
        /// Script of candidate, party and station names (ids stay ASCII).
        #[arg(long, value_enum, default_value = "latin")]
        script: ScriptArg,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import published booth-wise result sheets (Form 20 as CSV) into prover inputs, reporting
    /// every anomaly; the vote order is synthesised with a seeded shuffle.
    Import {
        /// Folder of per-segment sheets AC<nnn>.csv.
        #[arg(long)]
        raw: PathBuf,
        /// Booth list with electors (CSV with ac_no, ps_no, electors).
        #[arg(long)]
        electors: Option<PathBuf>,
        /// Declared result (CSV Candidate,Party,Votes), postal ballots included.
        #[arg(long)]
        declared: Option<PathBuf>,
        /// Segments to import, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        segments: Vec<u32>,
        /// Refuse to write inputs when the importer had to choose anything.
        #[arg(long)]
        strict: bool,
        /// Seed of the synthesised vote order.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Election id (no default: every constituency names its own).
        #[arg(long)]
        election_id: String,
        /// Contest id, e.g. PC01.
        #[arg(long)]
        contest_id: String,
        /// Contest name, e.g. "1 Kachchh (SC), Lok Sabha 2014".
        #[arg(long)]
        contest_name: String,
        /// Poll date, YYYY-MM-DD.
        #[arg(long)]
        poll_date: String,
        /// Whether the constituency voted with VVPAT: yes, no, or auto (from the sheets: a
        /// test-votes column is printed only for VVPAT polls).
        #[arg(long, default_value = "auto", value_parser = ["yes", "no", "auto"])]
        vvpat: String,
        /// Output folder (prover inputs).
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate Groth16 keys per shape (single-party setup: whoever runs it could forge proofs).
    Setup {
        /// Shapes as VOTESxCHOICES, comma-separated (default: the production shapes).
        #[arg(long, value_delimiter = ',')]
        shapes: Vec<String>,
        /// Who runs the setup (recorded in the manifest).
        #[arg(long, default_value = "election authority")]
        performed_by: String,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Before the poll: write the signed election manifest (definition, audit rules, station
    /// lists, verifying keys, RO certificates) exactly as the bundle will carry it, and print
    /// its SHA-256 for observers, parties and courts to pin (`verifier check --pin-manifest`).
    Manifest {
        /// Input folder (definition and signing keys).
        #[arg(long)]
        input: PathBuf,
        /// Key folder.
        #[arg(long)]
        keys: PathBuf,
        /// Output folder (publish its contents before the poll).
        #[arg(long)]
        out: PathBuf,
    },
    /// Close of poll: check inputs, commit to every sealed log, sign the statements.
    Seal {
        /// Input folder.
        #[arg(long)]
        input: PathBuf,
        /// Key folder (for the shapes).
        #[arg(long)]
        keys: PathBuf,
    },
    /// Counting day: prove every station row and write the signed bundle; or, with --shard,
    /// one slice of the stations into a shared work folder (then `assemble`).
    Prove {
        /// Input folder (sealed).
        #[arg(long)]
        input: PathBuf,
        /// Key folder.
        #[arg(long)]
        keys: PathBuf,
        /// Bundle folder to write (not with --shard).
        #[arg(long, required_unless_present = "shard", conflicts_with = "shard")]
        out: Option<PathBuf>,
        /// Replace an existing bundle.
        #[arg(long, conflicts_with = "shard")]
        force: bool,
        /// Prove only shard K of N (`K/N`, 0 <= K < N; or `N`, with K from SLURM_ARRAY_TASK_ID
        /// or JOB_COMPLETION_INDEX): station i of election.json is shard i mod N's. Rows
        /// already in the work folder are verified and kept; a rerun proves only what is
        /// missing or fails. Needs no signing key, and only the shard's logs and salts.
        #[arg(long, requires = "work")]
        shard: Option<String>,
        /// Shared work folder of the shards (one file per station row).
        #[arg(long, requires = "shard")]
        work: Option<PathBuf>,
    },
    /// After every shard: check that the work folder holds each row of the election exactly
    /// once and that each verifies, then sum, sign and write the bundle (reads the RO and
    /// authority keys; no log, no salt).
    Assemble {
        /// Input folder (definition, close-of-poll statements, signing keys, public inputs).
        #[arg(long)]
        input: PathBuf,
        /// Key folder.
        #[arg(long)]
        keys: PathBuf,
        /// The shards' work folder.
        #[arg(long)]
        work: PathBuf,
        /// Bundle folder to write.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing bundle.
        #[arg(long)]
        force: bool,
    },
    /// The VVPAT audit of a contest: seed shares, draws, slip counts, the RO's record.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The multi-party key ceremony: keys sound if any one contributor destroyed its secret.
    #[command(subcommand)]
    Ceremony(CeremonyCommand),
}

#[derive(Clone, Copy, ValueEnum)]
enum ScriptArg {
    Latin,
    Devanagari,
    Gujarati,
}

#[derive(Clone, Copy, ValueEnum)]
enum PartyArg {
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

#[derive(Subcommand)]
enum CeremonyCommand {
    /// The initial state for the election's shapes (deterministic: no secret in it).
    Init {
        /// Shapes as VOTESxCHOICES, comma-separated (the election's key shapes).
        #[arg(long, value_delimiter = ',', required = true)]
        shapes: Vec<String>,
        /// Phase-1 power (2^power powers of tau); default: what the largest shape needs.
        #[arg(long)]
        power: Option<u32>,
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
    },
}

#[derive(Subcommand)]
enum AuditCommand {
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 64 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<(), prover::ProverError> {
    match cli.command {
        Command::Simulate {
            kind,
            seed,
            areas,
            stations,
            candidates,
            electors,
            turnout,
            risk_limit,
            statutory_only,
            script,
            out,
        } => {
            if !(risk_limit > 0.0 && risk_limit < 1.0) {
                return Err(prover::ProverError::input(
                    "--risk-limit",
                    None,
                    "a risk limit is between 0 and 1 (exclusive)",
                ));
            }
            let kind = match kind {
                Kind::Assembly => ElectionKind::Assembly,
                Kind::Municipal => ElectionKind::Municipal,
                Kind::Panchayat => ElectionKind::Panchayat,
            };
            let opts = SimOptions {
                kind,
                seed,
                areas,
                stations,
                candidates,
                electors,
                turnout,
                risk_limit_bp: (!statutory_only)
                    .then(|| ((risk_limit * 10_000.0).round() as u32).clamp(1, 9_999)),
                script: match script {
                    ScriptArg::Latin => prover::simulate::Script::Latin,
                    ScriptArg::Devanagari => prover::simulate::Script::Devanagari,
                    ScriptArg::Gujarati => prover::simulate::Script::Gujarati,
                },
                ..SimOptions::default()
            };
            let def = simulate(&opts, &out)?;
            println!(
                "simulated {}: {} contests, {} stations -> {}",
                def.election_id,
                def.contests.len(),
                def.stations.len(),
                out.display()
            );
        }
        Command::Import {
            raw,
            electors,
            declared,
            segments,
            strict,
            seed,
            election_id,
            contest_id,
            contest_name,
            poll_date,
            vvpat,
            out,
        } => {
            let opts = prover::import::ImportOptions {
                raw_dir: raw,
                electors,
                declared,
                segments,
                strict,
                seed,
                election_id,
                contest_id,
                contest_name,
                poll_date,
                vvpat: match vvpat.as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                },
            };
            let report = prover::import::import(&opts, &out)?;
            print!("{}", report.to_text());
            println!(
                "\ninputs written to {} (report: import-report.txt, import-report.json)",
                out.display()
            );
        }
        Command::Setup {
            shapes,
            performed_by,
            out,
        } => {
            let shapes: Vec<Shape> = if shapes.is_empty() {
                PRODUCTION_SHAPES.to_vec()
            } else {
                parse_shapes(&shapes)?
            };
            let dir = setup(&shapes, &performed_by, &out, &mut rand::rngs::OsRng)?;
            for s in &dir.setup.shapes {
                println!("{}  vk sha256 {}", s.shape, s.vk_sha256);
            }
            println!(
                "single-party setup: whoever ran it could forge proofs; keys in {}",
                out.display()
            );
        }
        Command::Manifest { input, keys, out } => {
            let keys = KeyDir::open(&keys)?;
            let m = prover::prove::publish_manifest(&input, &keys, &out)?;
            println!(
                "manifest written to {} ({} files); publish it before the poll with its digest:",
                out.display(),
                m.files.len()
            );
            println!("manifest sha256 {}", m.digest);
        }
        Command::Seal { input, keys } => {
            let keys = KeyDir::open(&keys)?;
            let n = seal(&input, &keys, &mut rand::rngs::OsRng)?;
            println!(
                "sealed {n} contest logs; statements in {}",
                input.join(prover::layout::CLOSE_OF_POLL).display()
            );
        }
        Command::Prove {
            input,
            keys,
            out,
            force,
            shard,
            work,
        } => {
            let keys = KeyDir::open(&keys)?;
            if let (Some(shard), Some(work)) = (shard, work) {
                let shard = prover::shard::Shard::parse(&shard)?;
                let bar = progress_bar("station rows of this shard");
                if let Ok(def) = prover::seal::read_definition(&input) {
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
                    input: &input,
                    keys: &keys,
                    work: &work,
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
                return Ok(());
            }
            let Some(out) = out else {
                return Err(prover::ProverError::input(
                    "--out",
                    None,
                    "no bundle folder",
                ));
            };
            let bar = progress_bar("station rows");
            if let Ok(def) = prover::seal::read_definition(&input) {
                bar.set_length(def.stations.iter().map(|s| s.contests.len() as u64).sum());
            }
            let tick = || bar.inc(1);
            let summary = prove(&ProveOptions {
                input: &input,
                keys: &keys,
                out: &out,
                force,
                on_progress: Some(&tick),
            })?;
            bar.finish_and_clear();
            println!(
                "proved {} station rows in {} contests; bundle root {} -> {}",
                summary.rows,
                summary.contests,
                summary.root,
                out.display()
            );
        }
        Command::Assemble {
            input,
            keys,
            work,
            out,
            force,
        } => {
            let keys = KeyDir::open(&keys)?;
            let summary = prover::shard::assemble(&prover::shard::AssembleOptions {
                input: &input,
                keys: &keys,
                work: &work,
                out: &out,
                force,
            })?;
            println!(
                "assembled {} verified station rows in {} contests; bundle root {} -> {}",
                summary.rows,
                summary.contests,
                summary.root,
                out.display()
            );
        }
        Command::Audit(cmd) => run_audit(cmd)?,
        Command::Ceremony(cmd) => run_ceremony(cmd)?,
    }
    Ok(())
}

/// A progress bar on a terminal, hidden otherwise (batch jobs log only the summary).
fn progress_bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what} {{elapsed}}"))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

fn parse_shapes(shapes: &[String]) -> Result<Vec<Shape>, prover::ProverError> {
    shapes
        .iter()
        .map(|s| {
            Shape::parse(s).map_err(|source| prover::ProverError::Circuit {
                context: format!("--shapes {s}"),
                source,
            })
        })
        .collect()
}

fn print_contributions(r: &circuits::ceremony::CeremonyReport) {
    for c in &r.contributions {
        println!("  phase {}  {}  {} ({})", c.phase, c.hash, c.name, c.role);
    }
}

fn run_ceremony(cmd: CeremonyCommand) -> Result<(), prover::ProverError> {
    use prover::ceremony;
    match cmd {
        CeremonyCommand::Init { shapes, power, out } => {
            let shapes = parse_shapes(&shapes)?;
            let p = ceremony::init(&shapes, power, &out)?;
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
        CeremonyCommand::Finalize { input, out } => {
            let r = ceremony::finalize(&input, &out)?;
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

fn run_audit(cmd: AuditCommand) -> Result<(), prover::ProverError> {
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
            println!("seed {} over results root {}", plan.seed, plan.results_root);
            println!(
                "statutory sample ({} per segment): {}",
                plan.per_segment,
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
            println!("slips of {} stations written", s.len());
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
                    return Err(prover::ProverError::input(
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
