//! A log written, cosigned by witnesses, read back and checked; and every way a witness must
//! refuse.

use rand::rngs::OsRng;
use tlog::note::KeyKind;
use tlog::reader::{read, DirFetch};
use tlog::tiles::{entries_path, tile_path};
use tlog::witness::{request, Refusal, Witness};
use tlog::writer::{LocalWitness, LogWriter};
use tlog::{LogError, NoteKey, PublicKey};

struct Setup {
    dir: tempfile::TempDir,
    log_key: PublicKey,
    witnesses: Vec<Witness>,
}

fn setup(n: usize) -> Result<(Setup, LogWriter), LogError> {
    let dir = tempfile::tempdir().map_err(|e| LogError::io("tmp", e))?;
    let key = NoteKey::generate("log.example/test-election", KeyKind::Log, &mut OsRng)?;
    let log_key = key.public().clone();
    let mut witnesses = Vec::new();
    for i in 0..n {
        let wk = NoteKey::generate(
            &format!("witness-{i}.example"),
            KeyKind::Witness,
            &mut OsRng,
        )?;
        witnesses.push(Witness::open(
            wk,
            vec![log_key.clone()],
            &dir.path().join(format!("w{i}")),
        )?);
    }
    let writer = LogWriter::init(&dir.path().join("log"), key)?;
    Ok((
        Setup {
            dir,
            log_key,
            witnesses,
        },
        writer,
    ))
}

fn publish(w: &mut LogWriter, s: &Setup, now: u64) -> Result<usize, LogError> {
    let mut locals: Vec<LocalWitness> = s
        .witnesses
        .iter()
        .map(|witness| LocalWitness { witness, now })
        .collect();
    let mut refs: Vec<&mut dyn tlog::writer::Cosigner> = locals
        .iter_mut()
        .map(|l| l as &mut dyn tlog::writer::Cosigner)
        .collect();
    let p = w.publish(&mut refs)?;
    Ok(p.answers.iter().filter(|a| a.1.is_ok()).count())
}

#[test]
fn a_log_grows_is_cosigned_at_every_head_and_reads_back_whole() -> Result<(), LogError> {
    let (s, mut w) = setup(3)?;
    let mut all = Vec::new();
    for (round, count) in [(1u64, 3usize), (2, 300), (3, 0), (4, 250)] {
        for i in 0..count {
            let e = format!("round {round} entry {i}").into_bytes();
            w.append(&e)?;
            all.push(e);
        }
        assert_eq!(publish(&mut w, &s, 1_000 * round)?, 3, "round {round}");
    }
    // Reopened from its files, the writer goes on.
    let key = NoteKey::generate("x", KeyKind::Log, &mut OsRng)?;
    assert!(LogWriter::open(&s.dir.path().join("log"), key).is_err());
    let fetch = DirFetch::new(&s.dir.path().join("log"))?;
    let log = read(&fetch, &s.log_key)?;
    assert_eq!(log.entries, all);
    // The first head's partial bundle is gone (its tile is full); a reader of that head reads
    // the full bundle's first entries.
    assert!(!s.dir.path().join("log").join(entries_path(0, 3)).exists());
    let (mut t, mut e) = (tlog::Tree::new(), Vec::new());
    tlog::reader::read_entries(&fetch, 3, &mut t, &mut e)?;
    assert_eq!(e, all[..3].to_vec());
    assert_eq!(log.history.len(), 4);
    let pinned: Vec<PublicKey> = s.witnesses.iter().map(|w| w.public().clone()).collect();
    for (k, (_, h)) in log.history.iter().enumerate() {
        let h = h.as_ref().map_err(|e| LogError::malformed("history", e))?;
        let times: Vec<u64> = h
            .cosignatures(&pinned)
            .into_iter()
            .map(|c| c.and_then(|r| r.ok()).map_or(0, |c| c.time))
            .collect();
        assert_eq!(times, vec![1_000 * (k as u64 + 1); 3]);
    }
    Ok(())
}

#[test]
fn a_witness_refuses_a_fork_a_rollback_and_a_stranger_and_keeps_the_evidence(
) -> Result<(), LogError> {
    let (s, mut w) = setup(1)?;
    for i in 0..10u32 {
        w.append(&i.to_be_bytes())?;
    }
    assert_eq!(publish(&mut w, &s, 10)?, 1);
    let witness = &s.witnesses[0];
    // The same log key signs another tree of the same size (a split view).
    let log_dir2 = s.dir.path().join("fork");
    let forged_key = NoteKey::generate("log.example/test-election", KeyKind::Log, &mut OsRng)?;
    let mut fork = LogWriter::init(&log_dir2, forged_key)?;
    for i in 0..10u32 {
        fork.append(&(i + 1).to_be_bytes())?;
    }
    let p = fork.publish(&mut [])?;
    // Not the log's key: refused as forbidden.
    let r = witness.add_checkpoint(&request(10, &[], &p.head.bytes), 20);
    assert!(matches!(r, Err(Refusal::Forbidden(_))), "{r:?}");
    // A stranger's log: unknown.
    let stranger = NoteKey::generate("stranger.example/log", KeyKind::Log, &mut OsRng)?;
    let mut sw = LogWriter::init(&s.dir.path().join("stranger"), stranger)?;
    let p = sw.publish(&mut [])?;
    let r = witness.add_checkpoint(&request(0, &[], &p.head.bytes), 20);
    assert!(matches!(r, Err(Refusal::UnknownLog(_))), "{r:?}");
    // Stale `old`: the witness says what it last cosigned.
    w.append(b"eleven")?;
    let head = w.publish(&mut [])?.head;
    let r = witness.add_checkpoint(&request(3, &[], &head.bytes), 30);
    assert_eq!(r, Err(Refusal::Conflict(10)));
    // A wrong proof: refused, and both log-signed heads kept.
    let r = witness.add_checkpoint(&request(10, &[tlog::Hash([9; 32])], &head.bytes), 30);
    assert!(matches!(r, Err(Refusal::BadProof(_))), "{r:?}");
    assert_eq!(witness.forks()?.len(), 1);
    // With the right proof it cosigns.
    let proof = w.tree().consistency(10, 11).unwrap_or_default();
    assert!(witness
        .add_checkpoint(&request(10, &proof, &head.bytes), 30)
        .is_ok());
    // Rollback: a head of size 10 after 11.
    let r = witness.add_checkpoint(&request(11, &[], &s_first_head(&s)?), 40);
    assert!(matches!(r, Err(Refusal::BadRequest(_))), "{r:?}");
    Ok(())
}

fn s_first_head(s: &Setup) -> Result<Vec<u8>, LogError> {
    std::fs::read(s.dir.path().join("log/checkpoints/0")).map_err(|e| LogError::io("cp", e))
}

#[test]
fn damaged_or_oversized_tiles_are_refused() -> Result<(), LogError> {
    let (s, mut w) = setup(1)?;
    for i in 0..300u32 {
        w.append(&i.to_be_bytes())?;
    }
    publish(&mut w, &s, 5)?;
    let root = s.dir.path().join("log");
    let fetch = DirFetch::new(&root)?;
    assert!(read(&fetch, &s.log_key).is_ok());
    let io = |e| LogError::io("tile", e);
    // A hash tile that lies.
    let t = root.join(tile_path(0, 0, 256));
    let good = std::fs::read(&t).map_err(io)?;
    let mut bad = good.clone();
    bad[5] ^= 1;
    std::fs::write(&t, &bad).map_err(io)?;
    assert!(matches!(
        read(&fetch, &s.log_key),
        Err(LogError::Inconsistent { .. })
    ));
    std::fs::write(&t, &good).map_err(io)?;
    // A truncated entry bundle.
    let e = root.join(entries_path(1, 44));
    let good = std::fs::read(&e).map_err(io)?;
    std::fs::write(&e, &good[..good.len() - 1]).map_err(io)?;
    assert!(matches!(
        read(&fetch, &s.log_key),
        Err(LogError::Malformed { .. })
    ));
    // An oversized one, refused before being read whole.
    std::fs::write(&e, vec![0u8; 3 * 1024 * 1024]).map_err(io)?;
    assert!(matches!(
        read(&fetch, &s.log_key),
        Err(LogError::TooLarge { .. })
    ));
    std::fs::write(&e, &good).map_err(io)?;
    // A garbage checkpoint.
    std::fs::write(root.join("checkpoint"), b"not a note").map_err(io)?;
    assert!(matches!(
        read(&fetch, &s.log_key),
        Err(LogError::Malformed { .. })
    ));
    // No such folder.
    assert!(matches!(
        DirFetch::new(&root.join("nowhere")),
        Err(LogError::Unreachable { .. })
    ));
    Ok(())
}

proptest::proptest! {
    /// Untrusted bytes as a checkpoint, an entry bundle or a witness request: parsed or
    /// refused, never a panic.
    #[test]
    fn parsers_refuse_garbage_without_panicking(data in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
        let _ = tlog::SignedHead::parse("checkpoint", &data);
        let _ = tlog::tiles::decode_bundle("b", &data, 2);
        let _ = tlog::witness::parse_request(&data);
        let mut req = b"old 3\n".to_vec();
        req.extend_from_slice(&data);
        let _ = tlog::witness::parse_request(&req);
    }
}
