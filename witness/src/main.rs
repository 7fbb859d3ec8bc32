//! `witness`: run by a party, an observer, a court or anyone else on their own machine. It
//! cosigns an election log's heads (c2sp.org/tlog-witness over HTTP, or offline from a request
//! file), each only if it extends the last head this witness cosigned for that log, with its own
//! clock's time. Its state is synced to disk before every answer. See `spec/log.md` §4.

use clap::{Parser, Subcommand};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tlog::note::KeyKind;
use tlog::witness::{Witness, MAX_REQUEST};
use tlog::{LogError, NoteKey, PublicKey};

#[derive(Parser)]
#[command(
    name = "witness",
    version,
    about = "Cosigns election log heads; never two that disagree"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args)]
struct Common {
    /// The witness's secret key file (from `witness keygen`).
    #[arg(long)]
    key: PathBuf,
    /// The folder of the witness's state (the last head cosigned per log, fork evidence).
    #[arg(long)]
    state: PathBuf,
    /// A log this witness follows: its key, `<origin>+<id>+<key>` (repeatable), or a file of
    /// such lines (`#` comments allowed).
    #[arg(long = "log", required = true)]
    logs: Vec<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Makes a witness key: writes the secret key file and prints the public key to publish.
    Keygen {
        /// The witness's name (no spaces or '+'), e.g. `witness.party-a.example`.
        #[arg(long)]
        name: String,
        /// Where to write the secret key (a new file).
        #[arg(long)]
        out: PathBuf,
    },
    /// Serves tlog-witness: `POST /add-checkpoint` on the address given.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on, e.g. 127.0.0.1:7380 (port 0: any free port, printed).
        #[arg(long)]
        listen: String,
    },
    /// Answers one add-checkpoint request from a file (or `-` for standard input), offline:
    /// prints the cosignature line, or the refusal on standard error (exit 1).
    Cosign {
        #[command(flatten)]
        common: Common,
        /// The request file.
        #[arg(long)]
        request: PathBuf,
        /// The time to cosign at, Unix seconds, instead of this machine's clock: only for drills
        /// and sample elections (a witness's timestamp is its own word).
        #[arg(long)]
        time: Option<u64>,
    },
    /// Shows the last head cosigned for each log followed, and any fork evidence kept.
    Show {
        #[command(flatten)]
        common: Common,
    },
}

fn log_keys(args: &[String]) -> Result<Vec<PublicKey>, LogError> {
    let mut out = Vec::new();
    for a in args {
        let p = Path::new(a);
        if p.is_file() {
            let text = std::fs::read_to_string(p).map_err(|e| LogError::io(p.display(), e))?;
            for line in text.lines() {
                let line = line.split('#').next().unwrap_or("").trim();
                if !line.is_empty() {
                    out.push(PublicKey::parse(line)?);
                }
            }
        } else {
            out.push(PublicKey::parse(a)?);
        }
    }
    Ok(out)
}

fn open(c: &Common) -> Result<Witness, LogError> {
    Witness::open(NoteKey::read(&c.key)?, log_keys(&c.logs)?, &c.state)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn serve(w: &Witness, listen: &str) -> Result<(), LogError> {
    let server = tiny_http::Server::http(listen).map_err(|e| LogError::Unreachable {
        place: listen.into(),
        reason: e.to_string(),
    })?;
    let addr = match server.server_addr() {
        tiny_http::ListenAddr::IP(a) => format!(" on http://{a}"),
        #[allow(unreachable_patterns)]
        _ => String::new(),
    };
    // One write, errors ignored: whoever started the witness may stop reading its output.
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = write!(
        out,
        "witness {} listening{addr}\npublic key: {}\n",
        w.public().name,
        w.public().to_vkey()
    );
    let _ = out.flush();
    for mut req in server.incoming_requests() {
        let path_ok = req.url().trim_end_matches('/').ends_with("/add-checkpoint");
        let (status, body) = if !path_ok {
            (
                404,
                "not found: POST /add-checkpoint\n".to_string().into_bytes(),
            )
        } else if *req.method() != tiny_http::Method::Post {
            (405, b"use POST\n".to_vec())
        } else {
            let mut body = Vec::new();
            let read = req
                .as_reader()
                .take(MAX_REQUEST as u64 + 1)
                .read_to_end(&mut body);
            if read.is_err() || body.len() > MAX_REQUEST {
                (400, b"request unreadable or too large\n".to_vec())
            } else {
                match w.add_checkpoint(&body, now()) {
                    Ok(lines) => (200, lines),
                    Err(r) => (r.status(), r.body().into_bytes()),
                }
            }
        };
        let ctype = if status == 409 {
            "text/x.tlog.size"
        } else {
            "text/plain; charset=utf-8"
        };
        let header = tiny_http::Header::from_bytes("Content-Type", ctype)
            .map_err(|()| LogError::malformed("header", "content type"))?;
        let resp = tiny_http::Response::from_data(body)
            .with_status_code(status)
            .with_header(header);
        if let Err(e) = req.respond(resp) {
            eprintln!("witness: could not answer a request: {e}");
        }
    }
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode, LogError> {
    match cli.cmd {
        Cmd::Keygen { name, out } => {
            let key = NoteKey::generate(&name, KeyKind::Witness, &mut rand_core::OsRng)?;
            key.write(&out)?;
            println!("{}", key.public().to_vkey());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Serve { common, listen } => {
            let w = open(&common)?;
            serve(&w, &listen)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Cosign {
            common,
            request,
            time,
        } => {
            let w = open(&common)?;
            let mut body = Vec::new();
            if request.as_os_str() == "-" {
                std::io::stdin()
                    .take(MAX_REQUEST as u64 + 1)
                    .read_to_end(&mut body)
                    .map_err(|e| LogError::io("standard input", e))?;
            } else {
                body = std::fs::read(&request).map_err(|e| LogError::io(request.display(), e))?;
            }
            match w.add_checkpoint(&body, time.unwrap_or_else(now)) {
                Ok(lines) => {
                    print!("{}", String::from_utf8_lossy(&lines));
                    Ok(ExitCode::SUCCESS)
                }
                Err(r) => {
                    eprintln!("witness: refused: {r}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Cmd::Show { common } => {
            let w = open(&common)?;
            for l in log_keys(&common.logs)? {
                let last = w.last(&l.name)?;
                println!("{}: last cosigned size {}", l.name, last.size);
            }
            let forks = w.forks()?;
            println!("fork evidence kept: {}", forks.len());
            for (name, text) in forks {
                println!("--- {name}\n{}", String::from_utf8_lossy(&text));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("witness: {e}");
            ExitCode::from(2)
        }
    }
}
