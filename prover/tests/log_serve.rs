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
