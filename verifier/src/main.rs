//! `verifier`: check an election bundle and report every finding.
//!
//! Exit codes: 0 every check holds; 1 a failure (the evidence contradicts the result);
//! 2 an error (evidence missing or unreadable); 64 usage.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use verifier::{verify_bundle, Options};

#[derive(Parser)]
#[command(
    name = "verifier",
    version,
    about = "Check a verifiable election bundle, step by step"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check one or more bundles.
    Check {
        /// Bundle folders.
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// Authority keys you trust: hex, or a file with one hex key per line (# comments).
        /// Repeatable.
        #[arg(long = "root-key")]
        root_keys: Vec<String>,
        /// Print the report as JSON (one object per bundle, in an array).
        #[arg(long)]
        json: bool,
        /// Check only this contest (repeatable): reads its shard, the manifest, the keys and
        /// the signed index, nothing else.
        #[arg(long = "contest")]
        contests: Vec<String>,
        /// Check only the contests polled at this station (repeatable).
        #[arg(long = "station")]
        stations: Vec<String>,
    },
    /// A court's opening of one station: check its sealed log and salt against the signed
    /// commitment and the published row (and a slip recount), and print a report to file.
    Open {
        /// Bundle folder.
        bundle: PathBuf,
        #[arg(long)]
        contest: String,
        #[arg(long)]
        station: String,
        /// The sealed EVM log (SECRET_logs/<station>.json as the prover keeps it).
        #[arg(long)]
        log: PathBuf,
        /// The salts drawn at close of poll (SECRET_salts/<station>.json).
        #[arg(long)]
        salts: PathBuf,
        /// A slip recount: JSON array of counts per candidate, NOTA last.
        #[arg(long)]
        slips: Option<PathBuf>,
        /// Authority keys the court trusts (as for check).
        #[arg(long = "root-key")]
        root_keys: Vec<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn pinned_keys(args: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for a in args {
        let is_hex = a.len() == 64 && a.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex {
            out.push(a.to_ascii_lowercase());
            continue;
        }
        let text = std::fs::read_to_string(a).map_err(|e| {
            format!("--root-key {a}: not 64 hex digits and not a readable file: {e}")
        })?;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if line.len() != 64 || !line.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "--root-key {a}: {line:?} is not a 64-digit hex key"
                ));
            }
            out.push(line.to_ascii_lowercase());
        }
    }
    Ok(out)
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
    let (bundles, root_keys, json, contests, stations) = match cli.command {
        Command::Check {
            bundles,
            root_keys,
            json,
            contests,
            stations,
        } => (bundles, root_keys, json, contests, stations),
        Command::Open {
            bundle,
            contest,
            station,
            log,
            salts,
            slips,
            root_keys,
            json,
        } => {
            let pinned = match pinned_keys(&root_keys) {
                Ok(k) => k,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(64);
                }
            };
            let report = verifier::open::open(&verifier::open::OpenRequest {
                bundle: &bundle,
                contest: &contest,
                station: &station,
                log: &log,
                salts: &salts,
                slips: slips.as_deref(),
                pinned_keys: pinned,
            });
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                }
            } else {
                print!("{}", report.to_text());
            }
            return ExitCode::from(report.exit_code());
        }
    };
    let pinned = match pinned_keys(&root_keys) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(64);
        }
    };
    let mut worst = 0u8;
    let mut reports = Vec::new();
    for b in &bundles {
        let bar = if std::io::stderr().is_terminal() && !json {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} contests")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(b.display().to_string());
            Some(bar)
        } else {
            None
        };
        let progress = |done: u64, total: u64| {
            if let Some(bar) = &bar {
                bar.set_length(total);
                bar.set_position(done);
            }
        };
        let opts = Options {
            pinned_keys: pinned.clone(),
            progress: Some(&progress),
            contests: contests.clone(),
            stations: stations.clone(),
        };
        let report = verify_bundle(b, &opts);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        // Failure (1) outranks error (2) across bundles.
        worst = match (worst, report.exit_code()) {
            (1, _) | (_, 1) => 1,
            (a, b) => a.max(b),
        };
        if !json {
            println!("{}", report.to_text());
        }
        reports.push(report);
    }
    if json {
        match serde_json::to_string_pretty(&reports) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::from(worst)
}
