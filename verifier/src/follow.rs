//! Counting day: `verifier follow` checks a witnessed log as it grows, reading only what is new,
//! and prints each counting round's tally; `verifier diff` checks that one head extends another
//! and lists what was appended between them (spec `log.md` §6). The pins (witnesses, quorum,
//! heads shown elsewhere) are shared with `check --log`.

use crate::check::v8_log::LogInput;
use crate::time::utc_text;
use bundle::log::{CountingRound, LogEntry, LogRef};
use bundle::{kinds, ContestResult, ElectionManifest, RoCertificate, Role, Signed};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tlog::reader::{read_entries, read_head, DirFetch, Fetch};
use tlog::{PublicKey, SignedHead, Tree};

/// The witnesses a reader pins, the quorum and the heads it was shown elsewhere.
#[derive(Debug, Clone, Default)]
pub struct LogPins {
    /// Pinned witnesses.
    pub witnesses: Vec<PublicKey>,
    /// Cosignatures needed.
    pub quorum: usize,
    /// Heads shown elsewhere: (file name, bytes).
    pub heads: Vec<(String, Vec<u8>)>,
}

impl LogPins {
    /// From the command line: witness keys or files of keys, the quorum (default: all), head
    /// files.
    pub fn parse(
        witnesses: &[String],
        quorum: Option<usize>,
        heads: &[PathBuf],
    ) -> Result<Self, String> {
        // Keys given directly and the lines of key files, read as one pin file.
        let mut text = String::new();
        for a in witnesses {
            let p = Path::new(a);
            if p.is_file() {
                text += &std::fs::read_to_string(p).map_err(|e| format!("--witness {a}: {e}"))?;
            } else {
                text += a;
            }
            text.push('\n');
        }
        let mut pins =
            Self::from_text(&text, quorum).map_err(|e| format!("--witness, --quorum: {e}"))?;
        let mut shown = Vec::new();
        for h in heads {
            let bytes = std::fs::read(h).map_err(|e| format!("--head {}: {e}", h.display()))?;
            shown.push((h.display().to_string(), bytes));
        }
        pins.heads = shown;
        Ok(pins)
    }

    /// From a pin file's text (one witness key per line, `#` comments) and the quorum
    /// (default: all): what the web page's fields hold.
    pub fn from_text(text: &str, quorum: Option<usize>) -> Result<Self, String> {
        let mut keys = Vec::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                let k = parse_witness(line)?;
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        let quorum = quorum.unwrap_or(keys.len());
        if !keys.is_empty() && (quorum == 0 || quorum > keys.len()) {
            return Err(format!(
                "quorum {quorum}: between 1 and the {} witnesses pinned",
                keys.len()
            ));
        }
        Ok(Self {
            witnesses: keys,
            quorum,
            heads: Vec::new(),
        })
    }

    /// The input of V8 for one log.
    pub fn input<'a>(&self, fetch: &'a dyn Fetch) -> LogInput<'a> {
        LogInput {
            fetch,
            witnesses: self.witnesses.clone(),
            quorum: self.quorum,
            heads: self.heads.clone(),
        }
    }
}

fn parse_witness(s: &str) -> Result<PublicKey, String> {
    let k = PublicKey::parse(s).map_err(|e| e.to_string())?;
    if k.kind != tlog::note::KeyKind::Witness {
        return Err(format!("{} is not a witness (cosignature) key", k.name));
    }
    Ok(k)
}

/// A log at a folder or (with the `http` feature) a URL.
pub fn log_source(arg: &str) -> Result<Box<dyn Fetch>, String> {
    if arg.starts_with("http://") || arg.starts_with("https://") {
        #[cfg(feature = "http")]
        return Ok(Box::new(tlog::http::HttpFetch::new(arg)));
        #[cfg(not(feature = "http"))]
        return Err("this build reads logs from folders only".into());
    }
    DirFetch::new(Path::new(arg))
        .map(|d| Box::new(d) as Box<dyn Fetch>)
        .map_err(|e| e.to_string())
}

/// `verifier follow`.
#[derive(clap::Args, Debug)]
pub struct FollowArgs {
    /// The log: a folder or a URL.
    pub log: String,
    /// The election manifest (election.json, whose digest you pinned before the poll): gives
    /// the log's key, the contests and the RO certificates.
    #[arg(long)]
    pub manifest: PathBuf,
    /// Witnesses you trust (as for check).
    #[arg(long = "witness", required = true)]
    pub witnesses: Vec<String>,
    /// Cosignatures needed (default: all pinned witnesses).
    #[arg(long)]
    pub quorum: Option<usize>,
    /// Seconds between looks at the log.
    #[arg(long, default_value_t = 30)]
    pub interval: u64,
    /// Look once and exit (what is there now, checked and tallied).
    #[arg(long)]
    pub once: bool,
}

/// `verifier diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The older head (a checkpoint note file).
    pub head_a: PathBuf,
    /// The newer head.
    pub head_b: PathBuf,
    /// The log (folder or URL) holding the entries.
    #[arg(long)]
    pub log: String,
    /// The election manifest (as for follow).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Witnesses you trust (as for check); B must be cosigned by the quorum.
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// Cosignatures needed on B (default: all pinned witnesses).
    #[arg(long)]
    pub quorum: Option<usize>,
}

/// What the manifest gives a follower.
struct Election {
    manifest: ElectionManifest,
    log_key: PublicKey,
    ro_keys: BTreeMap<String, String>,
}

fn load_election(path: &Path) -> Result<Election, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let m: Signed<ElectionManifest> = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not a manifest: {e}", path.display()))?;
    m.verify(kinds::MANIFEST)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let LogRef { key, origin, .. } = m
        .body
        .log
        .clone()
        .ok_or_else(|| format!("{}: the manifest certifies no log", path.display()))?;
    let log_key = PublicKey::parse(&key).map_err(|e| e.to_string())?;
    if log_key.name != origin {
        return Err("the manifest's log key is not named by its origin".into());
    }
    let mut ro_keys = BTreeMap::new();
    for c in &m.body.ro_certificates {
        let ok: Result<(), _> = Signed::<RoCertificate>::verify(c, kinds::RO_CERT);
        if ok.is_ok() && c.public_key == m.public_key {
            ro_keys.insert(c.body.ro_id.clone(), c.body.public_key.clone());
        }
    }
    Ok(Election {
        manifest: m.body,
        log_key,
        ro_keys,
    })
}

/// Tallies of the rounds seen so far, per contest.
#[derive(Default)]
struct Tally {
    rounds: BTreeMap<String, (u64, Vec<u64>)>,
    failures: u64,
}

impl Tally {
    fn fail(&mut self, msg: String) {
        self.failures += 1;
        println!("  FAIL  {msg}");
    }

    /// Checks and prints one entry.
    fn entry(&mut self, e: &Election, i: u64, bytes: &[u8]) {
        let entry = match LogEntry::parse(bytes) {
            Ok(x) => x,
            Err(err) => return self.fail(format!("entry {i}: {err}")),
        };
        let def = &e.manifest.definition;
        if entry.election_id != def.election_id {
            return self.fail(format!("entry {i} is of another election"));
        }
        match entry.kind.as_str() {
            kinds::COUNTING_ROUND => self.round(e, i, &entry),
            kinds::CONTEST_RESULT => {
                match entry.statement::<ContestResult>() {
                    Ok(r) => {
                        let c = &r.body.contest_id;
                        let rounds = self.rounds.get(c).map(|x| x.1.clone()).unwrap_or_default();
                        let sum: Vec<u64> = (0..r.body.totals.len())
                            .map(|k| {
                                rounds.get(k).copied().unwrap_or(0)
                                    + r.body.postal.counts.get(k).copied().unwrap_or(0)
                            })
                            .collect();
                        let signed = e.ro_keys.get(
                            def.contest(c)
                                .map(|x| x.returning_officer.as_str())
                                .unwrap_or(""),
                        ) == Some(&r.public_key)
                            && r.verify(kinds::CONTEST_RESULT).is_ok();
                        if !signed {
                            return self.fail(format!(
                                "entry {i}: the result of {c} is not signed by its certified RO"
                            ));
                        }
                        if sum == r.body.totals {
                            println!("entry {i}: result of {c}: totals = the rounds + postal; winners {}", r.body.winners.join(", "));
                        } else {
                            self.fail(format!("entry {i}: the result of {c} is not the sum of its rounds and the postal row: {:?} vs {:?}", r.body.totals, sum));
                        }
                    }
                    Err(err) => self.fail(format!("entry {i}: {err}")),
                }
            }
            other => println!("entry {i}: {other} {}", entry.subject),
        }
    }

    fn round(&mut self, e: &Election, i: u64, entry: &LogEntry) {
        let r: Signed<CountingRound> = match entry.statement() {
            Ok(r) => r,
            Err(err) => return self.fail(format!("entry {i}: {err}")),
        };
        let def = &e.manifest.definition;
        let b = &r.body;
        let Some(contest) = def.contest(&b.contest_id) else {
            return self.fail(format!("entry {i}: round of a contest not in the manifest"));
        };
        let ok = e.ro_keys.get(&contest.returning_officer) == Some(&r.public_key)
            && r.signer == contest.returning_officer
            && r.role == Role::ReturningOfficer
            && r.verify(kinds::COUNTING_ROUND).is_ok();
        if !ok {
            return self.fail(format!(
                "entry {i}: round {} of {} is not signed by its certified RO",
                b.round, b.contest_id
            ));
        }
        let Some(t) = self.add_round(contest, b) else {
            let last = self.rounds.get(&b.contest_id).map_or(0, |t| t.0);
            return self.fail(format!(
                "entry {i}: round {} of {} follows round {last}",
                b.round, b.contest_id
            ));
        };
        let parts: Vec<String> = contest
            .candidates
            .iter()
            .zip(&t.1)
            .map(|(c, n)| format!("{} {n}", c.name))
            .collect();
        println!(
            "entry {i}: {} round {} ({} stations, signed {}): after it {}",
            b.contest_id,
            b.round,
            b.stations.len(),
            utc_text(b.signed_at),
            parts.join(", ")
        );
    }
}

fn quorum_holds(head: &SignedHead, pins: &LogPins) -> (usize, bool) {
    let n = head
        .cosignatures(&pins.witnesses)
        .into_iter()
        .filter(|c| matches!(c, Some(Ok(_))))
        .count();
    (n, n >= pins.quorum && pins.quorum > 0)
}

/// The pins and the election a follower or a diff needs, or the exit code after saying why.
fn prepare(
    witnesses: &[String],
    quorum: Option<usize>,
    manifest: &Path,
) -> Result<(LogPins, Election), u8> {
    let pins = LogPins::parse(witnesses, quorum, &[]).map_err(|e| {
        eprintln!("error: {e}");
        64
    })?;
    let e = load_election(manifest).map_err(|err| {
        eprintln!("error: {err}");
        2
    })?;
    Ok((pins, e))
}

/// `verifier follow`: exit 0 when everything seen holds, 1 on a failure (fork, bad
/// signature, a result that is not its rounds), 2 when the log cannot be read, 64 usage.
pub fn run_follow(a: &FollowArgs) -> u8 {
    let (pins, e) = match prepare(&a.witnesses, a.quorum, &a.manifest) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let fetch = match log_source(&a.log) {
        Ok(f) => f,
        Err(err) => {
            eprintln!("error: {}: {err}", a.log);
            return 2;
        }
    };
    let mut tree = Tree::new();
    let mut entries = Vec::new();
    let mut last: Option<SignedHead> = None;
    let mut tally = Tally::default();
    loop {
        let head = match read_head(fetch.as_ref(), &e.log_key) {
            Ok(h) => h,
            Err(err) => {
                eprintln!("error: {}: {err}", fetch.place());
                return if matches!(
                    err,
                    tlog::LogError::Unreachable { .. } | tlog::LogError::Missing { .. }
                ) {
                    2
                } else {
                    1
                };
            }
        };
        let size = head.checkpoint.size();
        let (n, ok) = quorum_holds(&head, &pins);
        if let Some(prev) = &last {
            let old = prev.checkpoint.size();
            if size < old || (size == old && head.checkpoint.hash() != prev.checkpoint.hash()) {
                println!(
                    "  FAIL  proof of a fork or rollback: two heads signed by the log that do not extend one another:\n--- seen before\n{}--- now\n{}",
                    String::from_utf8_lossy(&prev.bytes),
                    String::from_utf8_lossy(&head.bytes)
                );
                return 1;
            }
        }
        if !ok {
            println!("head of {size} entries cosigned by {n} pinned witnesses, fewer than {}: not taken (waiting)", pins.quorum);
        } else if size > tree.size() {
            let from = tree.size();
            if let Err(err) = read_entries(fetch.as_ref(), size, &mut tree, &mut entries) {
                eprintln!("error: {}: {err}", fetch.place());
                return 1;
            }
            if tree.root(size) != Some(*head.checkpoint.hash()) {
                println!(
                    "  FAIL  the head of {size} entries is not an extension of the {from} entries seen before (or its entries do not give its root):\n{}",
                    String::from_utf8_lossy(&head.bytes)
                );
                return 1;
            }
            println!(
                "head of {size} entries, cosigned by {n} of {} pinned witnesses; {} new",
                pins.witnesses.len(),
                size - from
            );
            for i in from..size {
                tally.entry(&e, i, &entries[i as usize]);
            }
            last = Some(head);
        }
        if a.once {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(a.interval.max(1)));
    }
    u8::from(tally.failures > 0)
}

/// `verifier diff`: exit 0 when B extends A and everything appended holds, 1 otherwise, 2 when
/// the log or a head cannot be read.
pub fn run_diff(a: &DiffArgs) -> u8 {
    let (pins, e) = match prepare(&a.witnesses, a.quorum, &a.manifest) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let read_note = |p: &Path| -> Result<SignedHead, String> {
        let bytes = std::fs::read(p).map_err(|x| format!("{}: {x}", p.display()))?;
        let h = SignedHead::parse(&p.display().to_string(), &bytes).map_err(|x| x.to_string())?;
        if !h.signed_by_log(&e.log_key) {
            return Err(format!("{}: not signed by the log's key", p.display()));
        }
        Ok(h)
    };
    let (ha, hb) = match (read_note(&a.head_a), read_note(&a.head_b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("error: {err}");
            return 2;
        }
    };
    let fetch = match log_source(&a.log) {
        Ok(f) => f,
        Err(err) => {
            eprintln!("error: {}: {err}", a.log);
            return 2;
        }
    };
    let (na, nb) = (ha.checkpoint.size(), hb.checkpoint.size());
    if nb < na {
        println!("FAIL  B ({nb} entries) is smaller than A ({na}): B does not extend A");
        return 1;
    }
    let mut tree = Tree::new();
    let mut entries = Vec::new();
    if let Err(err) = read_entries(fetch.as_ref(), nb, &mut tree, &mut entries) {
        eprintln!("error: {}: {err}", fetch.place());
        return 2;
    }
    let proof = tree.consistency(na, nb).unwrap_or_default();
    let consistent = tree.root(nb) == Some(*hb.checkpoint.hash())
        && tlog::tree::verify_consistency(
            &proof,
            na,
            *ha.checkpoint.hash(),
            nb,
            *hb.checkpoint.hash(),
        );
    if !consistent {
        println!(
            "FAIL  proof of a fork: B does not extend A (RFC 9162 consistency from {na} to {nb} fails); both signed by the log:\n--- A\n{}--- B\n{}",
            String::from_utf8_lossy(&ha.bytes),
            String::from_utf8_lossy(&hb.bytes)
        );
        return 1;
    }
    let (n, ok) = quorum_holds(&hb, &pins);
    println!(
        "B ({nb} entries) extends A ({na} entries): consistency proof of {} hashes holds; B cosigned by {n} of {} pinned witnesses{}",
        proof.len(),
        pins.witnesses.len(),
        if ok { "" } else { " (fewer than the quorum)" }
    );
    let mut tally = Tally::default();
    // Rounds before A count toward the tallies, silently.
    for bytes in entries.iter().take(na as usize) {
        if let Ok(x) = LogEntry::parse(bytes) {
            if x.kind == kinds::COUNTING_ROUND {
                tally.round_quiet(&e, &x);
            }
        }
    }
    println!("appended between A and B ({}):", nb - na);
    for i in na..nb {
        tally.entry(&e, i, &entries[i as usize]);
    }
    u8::from(tally.failures > 0 || (!pins.witnesses.is_empty() && !ok))
}

impl Tally {
    /// Adds a round's rows to its contest's tally; `None` (nothing added) when it is not the
    /// round after the last one seen.
    fn add_round(
        &mut self,
        contest: &bundle::Contest,
        b: &CountingRound,
    ) -> Option<&(u64, Vec<u64>)> {
        let t = self
            .rounds
            .entry(b.contest_id.clone())
            .or_insert_with(|| (0, vec![0; contest.candidates.len()]));
        if b.round != t.0 + 1 {
            return None;
        }
        t.0 = b.round;
        for s in &b.stations {
            for (k, v) in s.counts.iter().enumerate() {
                if let Some(x) = t.1.get_mut(k) {
                    *x += v;
                }
            }
        }
        Some(t)
    }

    /// A round logged before the first head of a diff: counted, not printed.
    fn round_quiet(&mut self, e: &Election, entry: &LogEntry) {
        let Ok(r) = entry.statement::<CountingRound>() else {
            return;
        };
        if let Some(contest) = e.manifest.definition.contest(&r.body.contest_id) {
            self.add_round(contest, &r.body);
        }
    }
}
