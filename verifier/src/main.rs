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

/// mimalloc: a run allocates and frees every shard's statements (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        /// SHA-256 digests of election manifests published before the poll (`prover
        /// manifest` prints it): hex, or a file with one digest per line (# comments).
        /// Repeatable. The bundle's manifest must be one of them.
        #[arg(long = "pin-manifest")]
        pin_manifests: Vec<String>,
        /// Setup digests of keys and key ceremonies you have checked before (a run that checks
        /// a ceremony prints its "setup sha256"): hex, or a file with one digest per line (#
        /// comments). Repeatable. A bundle whose setup is one of them skips the ceremony's
        /// check (V2.h), which dominates a small bundle's time.
        #[arg(long = "checked-setup")]
        checked_setups: Vec<String>,
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
        /// Verify every station's Groth16 proof (V4.d) even where its contest's aggregate
        /// (V4.f) holds (a scoped run always does).
        #[arg(long = "per-station")]
        per_station: bool,
        /// Also write the court report (one self-contained printable HTML file, from the same
        /// report as --json) here. One bundle only.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Also write the court report as PDF here (printed by headless Chromium: Debian's
        /// `chromium`, or CHROMIUM=path). One bundle only.
        #[arg(long)]
        pdf: Option<PathBuf>,
        /// "Name, role" of a person who will attest the printed report: a signature block each
        /// (repeatable).
        #[arg(long = "signatory")]
        signatories: Vec<String>,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Counting day: follow a witnessed log as it grows, checking only what is new (each head
    /// an extension of the last one seen, cosigned by the quorum) and printing each counting
    /// round's tally per contest.
    Follow(verifier::follow::FollowArgs),
    /// Check that head B extends head A of the same log (a consistency proof from the log's
    /// tiles) and list, check and tally what was appended between them.
    Diff(verifier::follow::DiffArgs),
    /// A contributor's question: is my contribution in the ceremony that made this bundle's
    /// keys? Checks the index, the manifest, the keys and the ceremony (V1, V2.a-V2.h), and
    /// looks for the hash (at least 16 hex digits) among the contributions.
    Ceremony {
        /// Bundle folder.
        bundle: PathBuf,
        /// The contribution hash printed when you contributed (or its first 16+ hex digits).
        #[arg(long)]
        contribution: String,
        /// Your contributor public key (64 hex digits, as `prover ceremony keygen` printed it):
        /// also answers whether that key signed the contribution.
        #[arg(long)]
        key: Option<String>,
        /// Authority keys you trust (as for check).
        #[arg(long = "root-key")]
        root_keys: Vec<String>,
    },
    /// A court's opening of one station: check its sealed log and salt against the signed
    /// commitment and the published row (and a slip recount), and print a report to file. In a
    /// contest with totaliser groups, `--counts` opens the station's count commitment alone.
    Open {
        /// Bundle folder.
        bundle: PathBuf,
        #[arg(long)]
        contest: String,
        #[arg(long)]
        station: String,
        /// The sealed EVM log (SECRET_logs/<station>.json as the prover keeps it).
        #[arg(long, requires = "salts", required_unless_present = "counts")]
        log: Option<PathBuf>,
        /// The salts drawn at close of poll (SECRET_salts/<station>.json).
        #[arg(long, requires = "log")]
        salts: Option<PathBuf>,
        /// Only the station's count opening (`prover count-opening`), in a contest with
        /// totaliser groups: its counts and count salt, nothing of its log.
        #[arg(long, conflicts_with_all = ["log", "salts"])]
        counts: Option<PathBuf>,
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

/// The witnessed log to check a bundle against (V8).
#[derive(clap::Args, Clone, Default)]
struct LogArgs {
    /// The election's witnessed log: a folder (a mirror) or a URL; one per bundle, in the
    /// bundles' order (repeatable).
    #[arg(long = "log")]
    logs: Vec<String>,
    /// A witness you trust: its key, `<name>+<id>+<key>`, or a file of such lines (`#`
    /// comments). Repeatable. Needed with --log.
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// How many of the pinned witnesses must have cosigned the head (default: all of them).
    #[arg(long)]
    quorum: Option<usize>,
    /// A head of the log you were shown elsewhere (a checkpoint note file): it must be a
    /// prefix of the log's head (repeatable).
    #[arg(long = "head")]
    heads: Vec<PathBuf>,
}

/// The pinned keys, or the usage exit code after printing why.
fn pinned_keys(args: &[String]) -> Result<Vec<String>, ExitCode> {
    usage(hex_list("--root-key", "key", args))
}

fn usage<T>(r: Result<T, String>) -> Result<T, ExitCode> {
    r.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(64)
    })
}

/// 64-digit hex values given directly or in files of one per line (`#` comments).
fn hex_list(flag: &str, what: &str, args: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for a in args {
        let is_hex = a.len() == 64 && a.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex {
            out.push(a.to_ascii_lowercase());
            continue;
        }
        let text = std::fs::read_to_string(a)
            .map_err(|e| format!("{flag} {a}: not 64 hex digits and not a readable file: {e}"))?;
        out.extend(verifier::pins(&text, what).map_err(|e| format!("{flag} {a}: {e}"))?);
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
    let (
        bundles,
        root_keys,
        pin_manifests,
        json,
        (contests, stations, per_station, checked_setups),
        court,
        log,
    ) = match cli.command {
        Command::Check {
            bundles,
            root_keys,
            pin_manifests,
            checked_setups,
            json,
            contests,
            stations,
            per_station,
            html,
            pdf,
            signatories,
            log,
        } => (
            bundles,
            root_keys,
            pin_manifests,
            json,
            (contests, stations, per_station, checked_setups),
            (html, pdf, signatories),
            log,
        ),
        Command::Follow(a) => return ExitCode::from(verifier::follow::run_follow(&a)),
        Command::Diff(a) => return ExitCode::from(verifier::follow::run_diff(&a)),
        Command::Ceremony {
            bundle,
            contribution,
            key,
            root_keys,
        } => {
            let pinned = match pinned_keys(&root_keys) {
                Ok(k) => k,
                Err(code) => return code,
            };
            let report = verify_bundle(
                &bundle,
                &Options {
                    pinned_keys: pinned,
                    keys_only: true,
                    ..Options::default()
                },
            );
            let code = report.exit_code();
            let failures: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.severity != verifier::Severity::Notice)
                .collect();
            for f in &failures {
                println!("  {}  {}", f.step, f.rule);
            }
            let Some(c) = &report.ceremony else {
                println!(
                    "the keys of this bundle do not come from a verified multi-party ceremony"
                );
                return ExitCode::from(if code == 0 { 1 } else { code });
            };
            let found = verifier::ceremony::find(c, &contribution);
            if found.is_empty() {
                println!(
                    "contribution {contribution} is NOT in the ceremony that made these keys ({} contributions checked)",
                    c.contributions.len()
                );
                return ExitCode::from(1);
            }
            let mut signed_by_key = false;
            for l in &found {
                println!(
                    "contribution {} by {} ({}) is in phase {} of the ceremony; the chain through it verifies and ends in this bundle's keys{}",
                    l.hash,
                    l.name,
                    l.role,
                    l.phase,
                    if report.authority_key_pinned { "" } else { " (authority key not pinned: pass --root-key)" }
                );
                match (&l.key, &key) {
                    (Some(k), Some(mine)) if k.eq_ignore_ascii_case(mine.trim()) => {
                        signed_by_key = true;
                        println!("  it is signed by your key {k}: the bundle records it as yours");
                    }
                    (Some(k), Some(_)) => println!(
                        "  it is signed by key {k} (fingerprint {}), NOT by your key: someone else signed it in your name, or you gave another key",
                        circuits::ceremony::signatures::fingerprint(k)
                    ),
                    (None, Some(_)) => println!(
                        "  it is NOT signed: the bundle carries no signature of it, so the name on it is the coordinator's word"
                    ),
                    (Some(k), None) => println!(
                        "  signed by key {k} (fingerprint {}); pass --key to compare it with yours",
                        circuits::ceremony::signatures::fingerprint(k)
                    ),
                    (None, None) => println!("  unsigned"),
                }
            }
            if key.is_some() && !signed_by_key {
                return ExitCode::from(1);
            }
            return ExitCode::from(code);
        }
        Command::Open {
            bundle,
            contest,
            station,
            log,
            salts,
            counts,
            slips,
            root_keys,
            json,
        } => {
            let pinned = match pinned_keys(&root_keys) {
                Ok(k) => k,
                Err(code) => return code,
            };
            let report = verifier::open::open(&verifier::open::OpenRequest {
                bundle: &bundle,
                contest: &contest,
                station: &station,
                opening: match (&log, &salts, &counts) {
                    (Some(log), Some(salts), _) => verifier::open::Opening::Log { log, salts },
                    (_, _, Some(c)) => verifier::open::Opening::Counts(c),
                    _ => {
                        eprintln!("error: give --log and --salts, or --counts");
                        return ExitCode::from(2);
                    }
                },
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
        Err(code) => return code,
    };
    let manifests = match usage(hex_list("--pin-manifest", "digest", &pin_manifests)) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let checked_setups = match usage(hex_list("--checked-setup", "digest", &checked_setups)) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let (html, pdf, signatories) = court;
    let log_in = match usage(verifier::follow::LogPins::parse(
        &log.witnesses,
        log.quorum,
        &log.heads,
    )) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if !log.logs.is_empty() && log.logs.len() != bundles.len() {
        eprintln!(
            "error: --log is given once per bundle, in the bundles' order ({} bundles, {} logs)",
            bundles.len(),
            log.logs.len()
        );
        return ExitCode::from(64);
    }
    if !log.logs.is_empty() && log_in.witnesses.is_empty() {
        eprintln!("error: --log needs the witnesses you trust (--witness KEY or FILE)");
        return ExitCode::from(64);
    }
    let mut fetches = Vec::new();
    for l in &log.logs {
        match verifier::follow::log_source(l) {
            Ok(f) => fetches.push(f),
            Err(e) => {
                eprintln!("error: --log {l}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if (html.is_some() || pdf.is_some()) && bundles.len() != 1 {
        eprintln!("error: --html and --pdf write the report of one bundle: give exactly one");
        return ExitCode::from(64);
    }
    let mut worst = 0u8;
    let mut reports = Vec::new();
    for (k, b) in bundles.iter().enumerate() {
        let bar = if std::io::stderr().is_terminal() && !json {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} stations")
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
            pinned_manifests: manifests.clone(),
            checked_setups: checked_setups.clone(),
            keys_only: false,
            progress: Some(&progress),
            share: None,
            contests: contests.clone(),
            stations: stations.clone(),
            log: fetches.get(k).map(|f| log_in.input(f.as_ref())),
            per_station,
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
    if let (Some(report), true) = (reports.first(), html.is_some() || pdf.is_some()) {
        let page = verifier::html::court_report(
            report,
            &verifier::html::CourtMeta {
                signatories,
                generated: verifier::html::now_utc(),
            },
        );
        if let Some(path) = &html {
            if let Err(e) = std::fs::write(path, &page) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
            eprintln!("court report (HTML) -> {}", path.display());
        }
        if let Some(path) = &pdf {
            if let Err(e) = verifier::pdf::print_pdf(&page, path) {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            eprintln!("court report (PDF) -> {}", path.display());
        }
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
