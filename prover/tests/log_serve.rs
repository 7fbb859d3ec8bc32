//! `prover log serve`: a log folder served over HTTP on localhost and read back whole by the
//! reader every verifier uses; nothing outside the folder is served.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use tlog::http::HttpFetch;
use tlog::note::KeyKind;
use tlog::reader::{read, Fetch};
use tlog::writer::LogWriter;
use tlog::NoteKey;

#[test]
fn a_served_log_reads_back_whole_and_nothing_else_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let key = NoteKey::generate("log.test/serve", KeyKind::Log, &mut rand_core::OsRng).unwrap();
    let public = key.public().clone();
    let log = dir.path().join("log");
    let mut w = LogWriter::init(&log, key).unwrap();
    let entries: Vec<Vec<u8>> = (0..300u32)
        .map(|i| format!("entry {i}").into_bytes())
        .collect();
    for e in &entries {
        w.append(e).unwrap();
    }
    w.publish(&mut []).unwrap();
    std::fs::write(dir.path().join("secret.txt"), b"not for the web").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_prover"))
        .args(["log", "serve", "--listen", "127.0.0.1:0", "--log"])
        .arg(&log)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    let fetch = HttpFetch::new(&url);
    let got = read(&fetch, &public);
    let outside = fetch.get("../secret.txt", 1000); // hostile path: must not be served
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(got.unwrap().entries, entries);
    assert!(matches!(outside, Ok(None)), "{outside:?}");
}

/// A witness reached by file (an offline machine): the log writes the request, the witness
/// answers from it, the log attaches the answer, refusing a line that is not that witness's
/// cosignature of the head.
#[test]
fn an_offline_witness_cosigns_from_a_request_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    let log = dir.path().join("log");
    let prover = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_prover"))
            .args(args)
            .output()
            .unwrap()
    };
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let out = prover(&[
        "log",
        "init",
        "--input",
        &s(&input),
        "--log",
        &s(&log),
        "--origin",
        "log.test/offline",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = NoteKey::read(&input.join("SECRET_keys/log.key")).unwrap();
    let public = key.public().clone();
    let mut w = LogWriter::open(&log, key).unwrap();
    for i in 0..5u32 {
        w.append(&i.to_be_bytes()).unwrap();
    }
    w.publish(&mut []).unwrap();
    let req = dir.path().join("request.txt");
    let out = prover(&[
        "log",
        "request",
        "--input",
        &s(&input),
        "--log",
        &s(&log),
        "--out",
        &s(&req),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The witness, elsewhere: `witness cosign --request request.txt` does exactly this.
    let wkey = NoteKey::generate(
        "offline.witness.test",
        KeyKind::Witness,
        &mut rand_core::OsRng,
    )
    .unwrap();
    let wpub = wkey.public().clone();
    let witness =
        tlog::witness::Witness::open(wkey, vec![public], &dir.path().join("wstate")).unwrap();
    let line = witness
        .add_checkpoint(&std::fs::read(&req).unwrap(), 1_800_000_000)
        .unwrap();
    let cos = dir.path().join("cosignature.txt");
    std::fs::write(&cos, &line).unwrap();
    // Another witness's key: refused.
    let other = NoteKey::generate(
        "other.witness.test",
        KeyKind::Witness,
        &mut rand_core::OsRng,
    )
    .unwrap();
    let out = prover(&[
        "log",
        "attach",
        "--input",
        &s(&input),
        "--log",
        &s(&log),
        "--witness",
        &other.public().to_vkey(),
        "--cosignature",
        &s(&cos),
    ]);
    assert!(!out.status.success());
    let out = prover(&[
        "log",
        "attach",
        "--input",
        &s(&input),
        "--log",
        &s(&log),
        "--witness",
        &wpub.to_vkey(),
        "--cosignature",
        &s(&cos),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head =
        tlog::SignedHead::parse("cp", &std::fs::read(log.join("checkpoint")).unwrap()).unwrap();
    let c = head.cosignatures(std::slice::from_ref(&wpub));
    assert!(matches!(&c[0], Some(Ok(x)) if x.time == 1_800_000_000));
    let hist =
        tlog::SignedHead::parse("h", &std::fs::read(log.join("checkpoints/0")).unwrap()).unwrap();
    assert!(matches!(hist.cosignatures(&[wpub])[0], Some(Ok(_))));
}
