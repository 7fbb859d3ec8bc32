//! The witnessed log's costs (run by `benches/log.sh`):
//!
//! 1. 1,050,000 close-of-poll entries, each a real signed statement (a sample's close of poll,
//!    one per station, signed by its own PO key), appended and published in heads of 10,000:
//!    appends per second (tree and tiles, fsync of each file included) and the size on disk;
//! 2. a `witness serve` on localhost asked to cosign 200 successive heads over HTTP: latency per
//!    add-checkpoint (the witness syncs its state to disk before it answers).
//!
//!   cargo run --release -p ve-benches --example log -- --witness target/release/witness --work DIR

use bundle::log::{station_subject, LogEntry};
use bundle::{kinds, CloseOfPoll, KeyPair, Role, Signed};
use rayon::prelude::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use tlog::http::HttpWitness;
use tlog::note::KeyKind;
use tlog::writer::{Cosigner, LogWriter};
use tlog::NoteKey;

const STATIONS: usize = 1_050_000;
const HEAD_EVERY: usize = 10_000;

type Error = Box<dyn std::error::Error>;

fn template() -> Result<Signed<CloseOfPoll>, Error> {
    let shard = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/samples/assembly/bundle/contests/AC001.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(shard)?)?;
    Ok(serde_json::from_value(v["close_of_poll"][0].clone())?)
}

fn entries(t: &CloseOfPoll, from: usize, n: usize) -> Result<Vec<Vec<u8>>, Error> {
    (from..from + n)
        .into_par_iter()
        .map(|i| {
            let mut body = t.clone();
            body.station_id = format!("S{i:07}");
            let po = KeyPair::generate(
                &format!("PO-{i}"),
                Role::PresidingOfficer,
                &mut rand_core::OsRng,
            );
            let s = po.sign(kinds::CLOSE_OF_POLL, body)?;
            let e = LogEntry::of(
                kinds::CLOSE_OF_POLL,
                &t.election_id,
                &station_subject("AC", &s.body.station_id),
                &s,
            )?;
            e.to_bytes()
        })
        .collect::<Result<Vec<_>, bundle::BundleError>>()
        .map_err(Into::into)
}

fn size_on_disk(dir: &Path) -> (u64, u64) {
    let (mut bytes, mut files) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
                files += 1;
            }
        }
    }
    (bytes, files)
}

struct Timed<'a> {
    inner: &'a mut HttpWitness,
    ms: Vec<f64>,
}

impl Cosigner for Timed<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn add_checkpoint(&mut self, body: &[u8]) -> Result<Vec<u8>, tlog::witness::Refusal> {
        let t = Instant::now();
        let r = self.inner.add_checkpoint(body);
        self.ms.push(t.elapsed().as_secs_f64() * 1000.0);
        r
    }
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .ok_or_else(|| format!("{name} is required"))
    };
    let witness_bin = PathBuf::from(arg("--witness")?);
    let work = PathBuf::from(arg("--work")?);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let t = template()?;

    // 1. Appends.
    let key = NoteKey::generate(
        "log.bench.example/appends",
        KeyKind::Log,
        &mut rand_core::OsRng,
    )?;
    let mut log = LogWriter::init(&work.join("log"), key)?;
    let (mut generate, mut append, mut publish, mut entry_bytes) = (0.0, 0.0, 0.0, 0u64);
    let mut done = 0;
    while done < STATIONS {
        let n = HEAD_EVERY.min(STATIONS - done);
        let t0 = Instant::now();
        let batch = entries(&t.body, done, n)?;
        generate += t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        for e in &batch {
            entry_bytes += e.len() as u64;
            log.append(e)?;
        }
        append += t1.elapsed().as_secs_f64();
        let t2 = Instant::now();
        log.publish(&mut [])?;
        publish += t2.elapsed().as_secs_f64();
        done += n;
    }
    let (bytes, files) = size_on_disk(&work.join("log"));
    println!(
        "appends: {STATIONS} close-of-poll entries ({:.0} bytes each) in heads of {HEAD_EVERY}: {:.1} s to append (tree) + {:.1} s to publish (tiles, checkpoints): {:.0} appends per second (signing them took {:.1} s on every core, not counted)",
        entry_bytes as f64 / STATIONS as f64,
        append,
        publish,
        STATIONS as f64 / (append + publish),
        generate
    );
    println!(
        "log on disk: {:.1} MiB in {files} files ({:.0} bytes per entry; the entries alone {:.1} MiB)",
        bytes as f64 / 1048576.0,
        bytes as f64 / STATIONS as f64,
        entry_bytes as f64 / 1048576.0
    );

    // 2. A witness on localhost.
    let wkey = work.join("SECRET_witness.key");
    NoteKey::generate("w.bench.example", KeyKind::Witness, &mut rand_core::OsRng)?.write(&wkey)?;
    let lkey = NoteKey::generate(
        "log.bench.example/witness",
        KeyKind::Log,
        &mut rand_core::OsRng,
    )?;
    let vkey = lkey.public().to_vkey();
    let mut log = LogWriter::init(&work.join("log2"), lkey)?;
    let mut child = Command::new(&witness_bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--log", &vkey, "--key"])
        .arg(&wkey)
        .arg("--state")
        .arg(work.join("wstate"))
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or("no address")?
        .to_string();
    let mut http = HttpWitness::new(&url);
    let mut timed = Timed {
        inner: &mut http,
        ms: Vec::new(),
    };
    let batch = entries(&t.body, 0, 2000)?;
    let mut refused = 0;
    for chunk in batch.chunks(10) {
        for e in chunk {
            log.append(e)?;
        }
        let p = log.publish(&mut [&mut timed as &mut dyn Cosigner])?;
        refused += p.answers.iter().filter(|a| a.1.is_err()).count();
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut ms = timed.ms;
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() - 1) as f64 * p) as usize];
    println!(
        "witness on localhost: {} heads cosigned ({refused} refused), add-checkpoint median {:.2} ms, 99th percentile {:.2} ms (state synced to disk before each answer)",
        ms.len(),
        pct(0.5),
        pct(0.99)
    );
    Ok(())
}
