//! The witness as its own program on localhost: cosigns over HTTP, refuses a fork, and keeps its
//! state when killed between persisting and answering.

#![allow(clippy::expect_used)] // helpers of the tests
use rand::rngs::OsRng;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use tlog::http::HttpWitness;
use tlog::note::KeyKind;
use tlog::witness::{request, Refusal};
use tlog::writer::{Cosigner, LogWriter};
use tlog::NoteKey;

struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(key: &Path, state: &Path, log_vkey: &str, failpoint: bool) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_witness"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--key"])
        .arg(key)
        .arg("--state")
        .arg(state)
        .args(["--log", log_vkey])
        .stdout(Stdio::piped());
    if failpoint {
        cmd.env("VE_WITNESS_FAILPOINT", "after-persist");
    }
    let mut child = cmd.spawn().expect("the witness starts");
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("a first line");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the address")
        .to_string();
    Running { child, url }
}

#[test]
fn a_witness_on_localhost_cosigns_refuses_a_fork_and_survives_a_crash() {
    let dir = tempfile::tempdir().expect("tmp");
    let wkey = NoteKey::generate("witness.test", KeyKind::Witness, &mut OsRng).expect("key");
    let wkey_path = dir.path().join("SECRET_witness.key");
    wkey.write(&wkey_path).expect("write key");
    let log_key = NoteKey::generate("log.test/e", KeyKind::Log, &mut OsRng).expect("key");
    let vkey = log_key.public().to_vkey();
    let state = dir.path().join("state");
    let mut log = LogWriter::init(&dir.path().join("log"), log_key).expect("init");

    let w = start(&wkey_path, &state, &vkey, false);
    let mut http = HttpWitness::new(&w.url);
    for i in 0..5u32 {
        log.append(&i.to_be_bytes()).expect("append");
    }
    let p = log
        .publish(&mut [&mut http as &mut dyn Cosigner])
        .expect("publish");
    assert!(p.answers[0].1.is_ok(), "{:?}", p.answers);
    let got = p.head.cosignatures(&[wkey.public().clone()]);
    assert!(matches!(got[0], Some(Ok(_))));
    // A head of another tree of the same size, signed by the same log key: refused (422) and
    // kept; a rollback to a smaller tree: refused.
    let r = http.add_checkpoint(&request(5, &[tlog::Hash([1; 32])], &p.head.bytes));
    assert!(matches!(r, Err(Refusal::BadProof(_))), "{r:?}");
    drop(w);

    // Killed after persisting and before answering: the log gets no answer...
    let w = start(&wkey_path, &state, &vkey, true);
    let mut http = HttpWitness::new(&w.url);
    log.append(b"six").expect("append");
    let p = log
        .publish(&mut [&mut http as &mut dyn Cosigner])
        .expect("publish");
    assert!(p.answers[0].1.is_err(), "{:?}", p.answers);
    drop(w);
    // ...and after a restart the witness knows it cosigned size 6 (state intact): a request
    // from size 5 gets 409 with 6, and the writer's retry is cosigned.
    let w = start(&wkey_path, &state, &vkey, false);
    let mut http = HttpWitness::new(&w.url);
    let r = http.add_checkpoint(&request(5, &[], &p.head.bytes));
    assert_eq!(r, Err(Refusal::Conflict(6)));
    let p = log
        .publish(&mut [&mut http as &mut dyn Cosigner])
        .expect("publish");
    assert!(p.answers[0].1.is_ok(), "{:?}", p.answers);
}

#[test]
fn an_unreachable_witness_is_a_clear_refusal() {
    let mut http = HttpWitness::new("http://127.0.0.1:9");
    let r = http.add_checkpoint(b"old 0\n\n");
    assert!(
        matches!(r, Err(Refusal::Internal(ref m)) if m.contains("unreachable")),
        "{r:?}"
    );
}

#[test]
fn offline_a_witness_answers_a_request_file_and_refuses_a_stale_one() {
    let dir = tempfile::tempdir().unwrap();
    let wkey = NoteKey::generate("offline.test", KeyKind::Witness, &mut OsRng).unwrap();
    let kpath = dir.path().join("SECRET_witness.key");
    wkey.write(&kpath).unwrap();
    let lkey = NoteKey::generate("log.test/offline", KeyKind::Log, &mut OsRng).unwrap();
    let vkey = lkey.public().to_vkey();
    let mut log = LogWriter::init(&dir.path().join("log"), lkey).unwrap();
    log.append(b"one").unwrap();
    log.publish(&mut []).unwrap();
    let req = dir.path().join("req");
    std::fs::write(&req, log.request(0).unwrap()).unwrap();
    let cosign = || {
        Command::new(env!("CARGO_BIN_EXE_witness"))
            .args(["cosign", "--time", "1800000000", "--log", &vkey, "--key"])
            .arg(&kpath)
            .arg("--state")
            .arg(dir.path().join("state"))
            .arg("--request")
            .arg(&req)
            .output()
            .unwrap()
    };
    let out = cosign();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = log.attach(&out.stdout, wkey.public()).unwrap();
    assert!(
        matches!(head.cosignatures(&[wkey.public().clone()])[0], Some(Ok(ref c)) if c.time == 1_800_000_000)
    );
    // The same request again: the witness has moved on to size 1; refused (409), exit 1.
    let out = cosign();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("last cosigned size 1"));
}
