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
        /// Election id.
        #[arg(long, default_value = "ls2014-gujarat-pc01")]
        election_id: String,
        /// Contest id.
        #[arg(long, default_value = "PC01")]
        contest_id: String,
        /// Contest name.
        #[arg(long, default_value = "1 Kachchh (SC), Lok Sabha 2014")]
        contest_name: String,
        /// Poll date.
        #[arg(long, default_value = "2014-04-30")]
        poll_date: String,
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
    /// Close of poll: check inputs, commit to every sealed log, sign the statements.
    Seal {
        /// Input folder.
        #[arg(long)]
        input: PathBuf,
        /// Key folder (for the shapes).
        #[arg(long)]
        keys: PathBuf,
    },
    /// Counting day: prove every station row and write the signed bundle.
    Prove {
        /// Input folder (sealed).
        #[arg(long)]
        input: PathBuf,
        /// Key folder.
        #[arg(long)]
        keys: PathBuf,
        /// Bundle folder to write.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing bundle.
        #[arg(long)]
        force: bool,
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
            out,
        } => {
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
                shapes
                    .iter()
                    .map(|s| {
                        Shape::parse(s).map_err(|source| prover::ProverError::Circuit {
                            context: format!("--shapes {s}"),
                            source,
                        })
                    })
                    .collect::<Result<_, _>>()?
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
        } => {
            let keys = KeyDir::open(&keys)?;
            let bar = ProgressBar::new(0);
            if std::io::stderr().is_terminal() {
                bar.set_style(
                    ProgressStyle::with_template("{bar:40} {pos}/{len} station rows {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
            } else {
                bar.set_draw_target(ProgressDrawTarget::hidden());
            }
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
    }
    Ok(())
}
