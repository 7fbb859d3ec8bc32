//! The election's witnessed log (spec `log.md`): made before the poll, appended as statements
//! are published, cosigned by witnesses over tlog-witness, served as static files.

use clap::Subcommand;
use prover::log::{self as elog, Timed};
use prover::ProverError;
use std::path::{Path, PathBuf};
use tlog::http::HttpWitness;
use tlog::witness::Witness;
use tlog::writer::Cosigner;
use tlog::NoteKey;

/// `prover log ...`
#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// Before the poll: make the log key (SECRET_keys/log.key), write log.json (which the
    /// manifest certifies) into the input folder, and an empty log into --log.
    Init {
        /// Input folder.
        #[arg(long)]
        input: PathBuf,
        /// The log folder to create (served as it is by any static web server).
        #[arg(long)]
        log: PathBuf,
        /// The log's origin: the first line of its checkpoints, e.g. `log.sec.example.in/ge-2026`.
        #[arg(long)]
        origin: String,
        /// How long after close of poll a close-of-poll statement may first be witnessed, in
        /// seconds (the SEC's rule; 12 hours unless set).
        #[arg(long, default_value_t = prover::log::CLOSE_WITHIN)]
        close_within: u64,
    },
    /// Append what has been published and is not yet in the log: the manifest (before the
    /// poll), the close-of-poll statements of the input folder (poll night), or a whole
    /// bundle's statements in the order they were made, with its counting rounds signed by each
    /// RO. Entries already logged are skipped.
    Append {
        /// Input folder (the log key, the ROs' keys for the rounds).
        #[arg(long)]
        input: PathBuf,
        /// The log folder.
        #[arg(long)]
        log: PathBuf,
        /// A bundle to log (manifest, close of poll, rounds, results, audit, index).
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// The manifest (`election.json` as `prover manifest` wrote it), before the poll.
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Log the input folder's close-of-poll statements (from `seal`).
        #[arg(long)]
        close_of_poll: bool,
        /// Log the input folder's audit seed commitments (from `audit commit`), before the
        /// results.
        #[arg(long)]
        audit_commitments: bool,
        /// Log the input folder's revealed shares (from `audit reveal`), after the results and
        /// before the draw.
        #[arg(long)]
        audit_reveals: bool,
        /// Stations per counting round.
        #[arg(long, default_value_t = prover::log::ROUND_SIZE)]
        round_size: usize,
    },
    /// Publish a new head: write the tiles, sign the checkpoint and ask each witness to cosign
    /// it (tlog-witness); fails unless at least --quorum witnesses cosigned.
    Publish {
        /// Input folder (the log key).
        #[arg(long)]
        input: PathBuf,
        /// The log folder.
        #[arg(long)]
        log: PathBuf,
        /// A witness's URL (repeatable); `add-checkpoint` is POSTed under it.
        #[arg(long = "witness")]
        witnesses: Vec<String>,
        /// Cosignatures needed.
        #[arg(long, default_value_t = 1)]
        quorum: usize,
    },
    /// For a witness reached by file (an offline machine): write the add-checkpoint request
    /// for the published head, from the size the witness last cosigned (0 for a new witness).
    Request {
        /// Input folder (the log key).
        #[arg(long)]
        input: PathBuf,
        /// The log folder.
        #[arg(long)]
        log: PathBuf,
        /// The size the witness last cosigned.
        #[arg(long, default_value_t = 0)]
        old: u64,
        /// Where to write the request (hand it to `witness cosign --request`).
        #[arg(long)]
        out: PathBuf,
    },
    /// Add a witness's cosignature (the line `witness cosign` printed, in a file) to the
    /// published head; refused unless it is that witness's valid cosignature of this head.
    Attach {
        /// Input folder (the log key).
        #[arg(long)]
        input: PathBuf,
        /// The log folder.
        #[arg(long)]
        log: PathBuf,
        /// The witness's public key, `<name>+<id>+<key>`.
        #[arg(long)]
        witness: String,
        /// The file holding its cosignature line.
        #[arg(long)]
        cosignature: PathBuf,
    },
    /// A drill or a sample election: log a whole bundle in its timeline's order, publishing a
    /// head at every step, cosigned by witnesses run in this process whose clocks follow the
    /// timeline (real witnesses run `witness serve` on their own machines and clocks).
    Replay {
        /// Input folder.
        #[arg(long)]
        input: PathBuf,
        /// The log folder (from `log init`).
        #[arg(long)]
        log: PathBuf,
        /// The bundle.
        #[arg(long)]
        bundle: PathBuf,
        /// A witness's secret key file (repeatable).
        #[arg(long = "witness-key", required = true)]
        witness_keys: Vec<PathBuf>,
        /// Where the drill's witnesses keep their state (one subfolder each).
        #[arg(long)]
        witness_state: PathBuf,
        /// Stations per counting round.
        #[arg(long, default_value_t = prover::log::ROUND_SIZE)]
        round_size: usize,
        /// Seconds between a statement and the witnesses' cosignature of the head holding it.
        #[arg(long, default_value_t = 120)]
        delay: u64,
    },
    /// Serve a log folder over HTTP (static files, GET only) on --listen.
    Serve {
        /// The log folder.
        #[arg(long)]
        log: PathBuf,
        /// Address, e.g. 127.0.0.1:7381 (port 0: any free port, printed).
        #[arg(long)]
        listen: String,
    },
}

/// `prover log ...`
pub fn run_log(cmd: LogCommand) -> Result<(), ProverError> {
    match cmd {
        LogCommand::Init {
            input,
            log,
            origin,
            close_within,
        } => {
            let r = elog::init(&input, &log, &origin, close_within)?;
            println!("log {} created in {}", r.origin, log.display());
            println!("log key (certified in the manifest): {}", r.key);
            Ok(())
        }
        LogCommand::Append {
            input,
            log,
            bundle,
            manifest,
            close_of_poll,
            audit_commitments,
            audit_reveals,
            round_size,
        } => {
            let mut entries: Vec<Timed> = Vec::new();
            if let Some(m) = manifest {
                entries.extend(elog::manifest_entry(&m)?);
            }
            if close_of_poll {
                entries.extend(elog::close_of_poll_entries(&input)?);
            }
            if audit_commitments {
                entries.extend(elog::audit_entries(&input, false)?);
            }
            if audit_reveals {
                entries.extend(elog::audit_entries(&input, true)?);
            }
            if let Some(b) = bundle {
                entries.extend(elog::election_entries(&b, &input, round_size)?);
            }
            if entries.is_empty() {
                return Err(ProverError::input(
                    "prover log append",
                    None,
                    "nothing to log: give --manifest FILE, --close-of-poll, --audit-commitments, --audit-reveals or --bundle DIR",
                ));
            }
            let mut w = elog::open(&input, &log)?;
            let added = elog::append(&mut w, &entries)?;
            println!(
                "{added} entries appended ({} already in the log); {} entries, the last head covers {}: run `prover log publish`",
                entries.len() - added,
                w.size(),
                w.published()
            );
            Ok(())
        }
        LogCommand::Publish {
            input,
            log,
            witnesses,
            quorum,
        } => {
            let mut w = elog::open(&input, &log)?;
            let mut http: Vec<HttpWitness> =
                witnesses.iter().map(|u| HttpWitness::new(u)).collect();
            let mut refs: Vec<&mut dyn Cosigner> =
                http.iter_mut().map(|h| h as &mut dyn Cosigner).collect();
            let p = w.publish(&mut refs)?;
            let mut ok = 0;
            for (name, a) in &p.answers {
                match a {
                    Ok(()) => {
                        ok += 1;
                        println!("cosigned by {name}");
                    }
                    Err(r) => eprintln!("not cosigned by {name}: {r}"),
                }
            }
            println!("head of size {} published with {ok} cosignatures", w.size());
            if ok < quorum {
                return Err(ProverError::input(
                    log.display().to_string(),
                    None,
                    format!("{ok} witnesses cosigned, fewer than the quorum {quorum}"),
                ));
            }
            Ok(())
        }
        LogCommand::Replay {
            input,
            log,
            bundle,
            witness_keys,
            witness_state,
            round_size,
            delay,
        } => {
            let def = prover::seal::read_definition(&input)?;
            let log_key = elog::log_ref(&input)?.ok_or_else(|| {
                ProverError::input(
                    input.display().to_string(),
                    None,
                    "no log.json: run `prover log init` before the manifest",
                )
            })?;
            let log_pub = tlog::PublicKey::parse(&log_key.key)?;
            let mut witnesses = Vec::new();
            for (i, k) in witness_keys.iter().enumerate() {
                witnesses.push(Witness::open(
                    NoteKey::read(k)?,
                    vec![log_pub.clone()],
                    &witness_state.join(format!("w{i}")),
                )?);
            }
            let entries = elog::election_entries(&bundle, &input, round_size)?;
            let mut w = elog::open(&input, &log)?;
            let r = elog::replay(&mut w, &entries, &witnesses, delay)?;
            println!(
                "{}: {} entries in {} heads, each cosigned by {} witnesses",
                def.election_id,
                r.entries,
                r.heads,
                witnesses.len()
            );
            Ok(())
        }
        LogCommand::Request {
            input,
            log,
            old,
            out,
        } => {
            let w = elog::open(&input, &log)?;
            prover::io::write_bytes(&out, &w.request(old)?)?;
            println!(
                "request for the head of {} entries, from size {old} -> {}",
                w.published(),
                out.display()
            );
            Ok(())
        }
        LogCommand::Attach {
            input,
            log,
            witness,
            cosignature,
        } => {
            let mut w = elog::open(&input, &log)?;
            let key = tlog::PublicKey::parse(&witness)?;
            let lines = std::fs::read(&cosignature).map_err(|e| ProverError::Io {
                path: cosignature.display().to_string(),
                reason: e.to_string(),
            })?;
            let head = w.attach(&lines, &key)?;
            println!(
                "the head of {} entries now carries {}'s cosignature",
                head.checkpoint.size(),
                key.name
            );
            Ok(())
        }
        LogCommand::Serve { log, listen } => serve(&log, &listen),
    }
}

fn safe(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|c| {
            !c.is_empty()
                && !c.starts_with('.')
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
}

fn serve(dir: &Path, listen: &str) -> Result<(), ProverError> {
    let io = |reason: String| ProverError::Io {
        path: listen.into(),
        reason,
    };
    if !dir.join(tlog::tiles::CHECKPOINT).is_file() {
        return Err(ProverError::input(
            dir.display().to_string(),
            None,
            "not a log folder (no checkpoint)",
        ));
    }
    let server = tiny_http::Server::http(listen).map_err(|e| io(e.to_string()))?;
    let addr = match server.server_addr() {
        tiny_http::ListenAddr::IP(a) => format!(" on http://{a}"),
        #[allow(unreachable_patterns)]
        _ => String::new(),
    };
    // Errors ignored: whoever started the server may stop reading its output.
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "serving {}{addr}", dir.display());
    let _ = out.flush();
    for req in server.incoming_requests() {
        let rel = req
            .url()
            .split('?')
            .next()
            .unwrap_or("")
            .trim_start_matches('/')
            .to_string();
        let resp = if *req.method() != tiny_http::Method::Get {
            tiny_http::Response::from_data(b"GET only\n".to_vec()).with_status_code(405)
        } else if !safe(&rel) {
            tiny_http::Response::from_data(b"not found\n".to_vec()).with_status_code(404)
        } else {
            match std::fs::read(dir.join(&rel)) {
                Ok(data) => tiny_http::Response::from_data(data),
                Err(_) => {
                    tiny_http::Response::from_data(b"not found\n".to_vec()).with_status_code(404)
                }
            }
        };
        if let Err(e) = req.respond(resp) {
            eprintln!("log server: could not answer a request: {e}");
        }
    }
    Ok(())
}
