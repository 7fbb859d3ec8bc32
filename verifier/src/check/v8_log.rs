//! V8, the witnessed log (spec `verification.md` V8, `log.md`): the bundle's statements are the
//! ones an append-only log recorded as they were made, and the order and times the evidence
//! relies on are the witnesses' word, not the signers'.
//!
//! - V8.a the log's head is signed by the key the manifest certifies; its tiles hold its entries;
//!   each entry is a well-formed entry of this election.
//! - V8.b the head is cosigned by at least the quorum of pinned witnesses; every head the log
//!   published, and every head the reader was shown, is a prefix of it (two heads that are not
//!   are proof of a fork, printed with both notes).
//! - V8.c every statement of the bundle is in the log.
//! - V8.d every logged statement of the election is in the bundle, none is logged twice with
//!   different contents, the counting rounds are the bundle's rows, and the bundle's index is the
//!   last one logged.
//! - V8.e the witnesses' times: the manifest before the poll opened; each close of poll before
//!   counting began and within the manifest's bound of its close; seed commitments before the
//!   result; rounds after their stations' close of poll and before the result; reveals after
//!   the result; the audit record after the reveals.

use super::read::read;
use super::v2_manifest::Context;
use crate::report::{At, Findings, LogLine, Severity, WitnessLine};
use crate::source::Source;
use crate::time::utc_text;
use audit::model::{kinds as audit_kinds, paths as audit_paths, ContestAudit, SeedCommitment};
use bundle::log::{carries_statement, station_subject, CountingRound, LogEntry};
use bundle::{
    kinds, paths, BundleIndex, ContestShard, ElectionDefinition, ElectionManifest, Role, Signed,
    StationResult,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tlog::reader::{read as read_log, Fetch, ReadLog};
use tlog::{LogError, PublicKey, SignedHead};

/// What the reader gives to check a bundle against its log.
pub struct LogInput<'a> {
    /// Where the log is read from (a folder, a URL, files in memory).
    pub fetch: &'a dyn Fetch,
    /// The witnesses the reader trusts, pinned as the root key is.
    pub witnesses: Vec<PublicKey>,
    /// How many of them must have cosigned the head.
    pub quorum: usize,
    /// Heads the reader was shown elsewhere (name, note bytes), to check against this log.
    pub heads: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for LogInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LogInput({}, {} witnesses)",
            self.fetch.place(),
            self.witnesses.len()
        )
    }
}

const LOG_FILE: &str = "log";

/// Every kind of statement a log entry may have (log.md §2).
const KINDS: &[&str] = &[
    kinds::MANIFEST,
    kinds::CLOSE_OF_POLL,
    kinds::COUNTING_ROUND,
    kinds::CONTEST_RESULT,
    audit_kinds::SEED_COMMITMENT,
    audit_kinds::SEED_REVEAL,
    audit_kinds::AUDIT_RECORD,
    kinds::BUNDLE_INDEX,
];

fn at_log(path: &str) -> At {
    At::file(&format!("{LOG_FILE}/{path}"))
}

/// A statement the bundle holds, as the log must hold it.
pub(crate) struct Expected {
    kind: String,
    subject: String,
    sha256: String,
    at: At,
    /// A close of poll's `poll.closed_at`, Unix seconds (from the bundle's statement).
    closed_at: Option<u64>,
}

fn expected<T: serde::Serialize>(
    kind: &str,
    subject: String,
    s: &Signed<T>,
    at: At,
    out: &mut Vec<Expected>,
) {
    // A statement whose message cannot be built fails its own step; the log check skips it.
    if let Ok(e) = LogEntry::of(kind, "", &subject, s) {
        out.push(Expected {
            kind: kind.into(),
            subject,
            sha256: e.sha256,
            at,
            closed_at: None,
        });
    }
}

/// The bundle's statements of the contests in scope, and each contest's rows by station.
fn bundle_statements(
    src: &dyn Source,
    manifest: &Signed<ElectionManifest>,
    index: Option<&Signed<BundleIndex>>,
    contests: &[String],
    mut made: BTreeMap<String, ShardStatements>,
) -> (
    Vec<Expected>,
    BTreeMap<String, BTreeMap<String, StationResult>>,
) {
    let mut out = Vec::new();
    let mut rows = BTreeMap::new();
    expected(
        kinds::MANIFEST,
        String::new(),
        manifest,
        At::file(paths::MANIFEST),
        &mut out,
    );
    if let Some(i) = index {
        expected(
            kinds::BUNDLE_INDEX,
            String::new(),
            i,
            At::file(paths::INDEX),
            &mut out,
        );
    }
    // One contest's files per worker: their statements and rows, then merged in contest order.
    let parts: Vec<(&String, Option<ShardStatements>)> =
        contests.iter().map(|cid| (cid, made.remove(cid))).collect();
    let per: Vec<ContestStatements> = parts
        .into_par_iter()
        .map(|(cid, part)| contest_statements(src, manifest, cid, part))
        .collect();
    for (e, r) in per {
        out.extend(e);
        rows.extend(r);
    }
    (out, rows)
}

/// A contest's statements, and its station rows by station (when its shard was read).
type ContestStatements = (
    Vec<Expected>,
    Option<(String, BTreeMap<String, StationResult>)>,
);

/// A contest shard's statements (close of poll, result) and its station rows, made by the
/// contest's own checks from the shard they read (so V8 does not read and parse it again), or
/// by V8 itself. `None` when the shard could not be read (its own step's finding).
pub(crate) type ShardStatements =
    Option<(Vec<Expected>, (String, BTreeMap<String, StationResult>))>;

/// The statements and rows of `shard` (contest `cid`), for V8.
pub(crate) fn shard_statements(
    manifest: &Signed<ElectionManifest>,
    cid: &str,
    shard: ContestShard,
) -> (Vec<Expected>, (String, BTreeMap<String, StationResult>)) {
    let mut out = Vec::new();
    let file = format!("{}/{cid}.json", paths::CONTESTS);
    {
        for c in &shard.close_of_poll {
            let sid = &c.body.station_id;
            let at = At::station(&file, cid, sid);
            expected(
                kinds::CLOSE_OF_POLL,
                station_subject(cid, sid),
                c,
                at,
                &mut out,
            );
            if let (Some(last), Some(midnight)) = (
                out.last_mut(),
                bundle::inputs::unix_midnight(&manifest.body.definition.poll_date),
            ) {
                last.closed_at = Some(midnight + u64::from(c.body.poll.closed_at));
            }
        }
        expected(
            kinds::CONTEST_RESULT,
            cid.to_string(),
            &shard.result,
            At::contest(&file, cid),
            &mut out,
        );
    }
    let rows = (
        cid.to_string(),
        shard
            .stations
            .into_iter()
            .map(|r| (r.station_id.clone(), r))
            .collect(),
    );
    (out, rows)
}

/// One contest's statements (close of poll, result, seed commitments, reveals, record) and its
/// station rows, from its files (the shard's part given when the contest's checks made it); a
/// file that cannot be read is its own step's finding.
fn contest_statements(
    src: &dyn Source,
    manifest: &Signed<ElectionManifest>,
    cid: &String,
    made: Option<ShardStatements>,
) -> ContestStatements {
    let file = format!("{}/{cid}.json", paths::CONTESTS);
    let part = match made {
        Some(p) => p,
        None => read::<ContestShard>(src, &file)
            .ok()
            .map(|(_, shard)| shard_statements(manifest, cid, shard)),
    };
    let (mut out, rows) = match part {
        Some((e, r)) => (e, Some(r)),
        None => (Vec::new(), None),
    };
    let cfile = format!("{}/{cid}.json", audit_paths::COMMITMENTS);
    if let Ok((_, list)) = read::<Vec<Signed<SeedCommitment>>>(src, &cfile) {
        for c in &list {
            let subject = format!("{cid}/{}", c.body.party_id);
            expected(
                audit_kinds::SEED_COMMITMENT,
                subject,
                c,
                At::contest(&cfile, cid),
                &mut out,
            );
        }
    }
    let rfile = format!("{}/{cid}.json", audit_paths::RECORDS);
    if let Ok((_, a)) = read::<ContestAudit>(src, &rfile) {
        for r in &a.reveals {
            let subject = format!("{cid}/{}", r.body.party_id);
            expected(
                audit_kinds::SEED_REVEAL,
                subject,
                r,
                At::contest(&rfile, cid),
                &mut out,
            );
        }
        expected(
            audit_kinds::AUDIT_RECORD,
            cid.clone(),
            &a.record,
            At::contest(&rfile, cid),
            &mut out,
        );
    }
    (out, rows)
}

/// When each entry was first witnessed: per pinned witness, the earliest time it cosigned a
/// head holding the entry; the entry's witnessed time is the quorum-th smallest of these, so
/// that at least one witness outside any q-1 who lie saw it by then.
struct Times {
    /// Per witness (pinned order): (head size, time) of every valid cosignature, by size.
    per_witness: Vec<Vec<(u64, u64)>>,
    quorum: usize,
    /// Sizes of the published heads cosigned by at least the quorum, in order.
    quorum_heads: Vec<u64>,
}

impl Times {
    fn new(witnesses: usize, quorum: usize) -> Self {
        Self {
            per_witness: vec![Vec::new(); witnesses],
            quorum,
            quorum_heads: Vec::new(),
        }
    }

    fn add(&mut self, head: &SignedHead, pinned: &[PublicKey]) {
        let size = head.checkpoint.size();
        let mut valid = 0;
        for (w, c) in head.cosignatures(pinned).into_iter().enumerate() {
            if let Some(Ok(c)) = c {
                self.per_witness[w].push((size, c.time));
                valid += 1;
            }
        }
        if valid >= self.quorum.max(1) {
            self.quorum_heads.push(size);
        }
    }

    /// Whether a head cosigned by the quorum holds entry `a` and not entry `b` (`a < b`): then
    /// `a` was witnessed before `b` existed, whatever order one append put them in.
    fn separated(&self, a: u64, b: u64) -> bool {
        self.quorum_heads.iter().any(|&s| a < s && s <= b)
    }

    /// For each witness, the suffix minimum over sizes, ready for lookups.
    fn finish(&mut self) {
        self.quorum_heads.sort_unstable();
        for list in &mut self.per_witness {
            list.sort_unstable();
            let mut best = u64::MAX;
            for e in list.iter_mut().rev() {
                best = best.min(e.1);
                e.1 = best;
            }
        }
    }

    /// Each witness's first time for entry `i` (a head of size > i), if it ever covered it.
    fn of(&self, i: u64) -> Vec<Option<u64>> {
        self.per_witness
            .iter()
            .map(|list| {
                let p = list.partition_point(|&(size, _)| size <= i);
                list.get(p).map(|e| e.1)
            })
            .collect()
    }

    /// The entry's witnessed time: the quorum-th smallest witness time.
    fn witnessed(&self, i: u64) -> Option<u64> {
        let mut t: Vec<u64> = self.of(i).into_iter().flatten().collect();
        t.sort_unstable();
        t.get(self.quorum.max(1) - 1).copied()
    }
}

fn describe_times(times: &Times, pinned: &[PublicKey], i: u64) -> String {
    let parts: Vec<String> = times
        .of(i)
        .iter()
        .zip(pinned)
        .map(|(t, w)| match t {
            Some(t) => format!("{} at {}", w.name, utc_text(*t)),
            None => format!("{} never", w.name),
        })
        .collect();
    parts.join(", ")
}

/// V8: checks the bundle against its log. Returns the report's log line, if the log was read.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_log(
    src: &dyn Source,
    manifest: &Signed<ElectionManifest>,
    def: &ElectionDefinition,
    ctx: &Context,
    index: Option<&Signed<BundleIndex>>,
    scope: Option<&BTreeSet<String>>,
    input: Option<&LogInput<'_>>,
    made: BTreeMap<String, ShardStatements>,
    f: &mut Findings,
) -> Option<LogLine> {
    let certified = manifest.body.log.as_ref();
    let Some(input) = input else {
        f.checked("V8.a");
        let what = match certified {
            Some(l) => format!(
                "the manifest certifies the log {} but none was given (--log): the times of the close-of-poll statements, seed commitments and reveals are their signers' claims",
                l.origin
            ),
            None => "no witnessed log: the times of the close-of-poll statements, seed commitments and reveals are their signers' claims (spec log.md)".into(),
        };
        f.push(Severity::Notice, "V8.a", &At::file(paths::MANIFEST), what);
        return None;
    };
    // V8.a: the log the manifest certifies, read whole.
    let Some(certified) = certified else {
        f.error(
            "V8.a",
            &At::file(paths::MANIFEST),
            "a log was given, but the manifest certifies none: the log's key cannot be known"
                .into(),
        );
        return None;
    };
    let log_key = match PublicKey::parse(&certified.key) {
        Ok(k) if k.name == certified.origin => k,
        _ => {
            f.fail(
                "V8.a",
                &At::file(paths::MANIFEST),
                "the manifest's log key is not a log key named by the log's origin".into(),
            );
            return None;
        }
    };
    let log = match read_log(input.fetch, &log_key) {
        Ok(l) => l,
        Err(e) => {
            let place = input.fetch.place();
            match e {
                LogError::Unreachable { .. } | LogError::Io { .. } | LogError::Missing { .. } => {
                    f.error("V8.a", &at_log(""), format!("{place}: {e}"))
                }
                _ => f.fail("V8.a", &at_log(""), format!("{place}: {e}")),
            }
            return None;
        }
    };
    f.checked("V8.a");
    let mut line = LogLine {
        origin: certified.origin.clone(),
        place: input.fetch.place(),
        size: log.head.checkpoint.size(),
        root: log.head.checkpoint.hash().to_string(),
        quorum: input.quorum,
        witnesses: Vec::new(),
        rounds: 0,
        statements: 0,
    };
    let entries = parse_entries(&log, &def.election_id, f);
    let times = check_heads(&log, &log_key, input, &mut line, f);
    let contests: Vec<String> = def
        .contests
        .iter()
        .map(|c| c.contest_id.clone())
        .filter(|c| scope.is_none_or(|s| s.contains(c)))
        .collect();
    let (want, rows) = bundle_statements(src, manifest, index, &contests, made);
    line.statements = want.len() as u64;
    // Log entries by (kind, subject).
    let mut by_key: BTreeMap<(&str, &str), Vec<(u64, &LogEntry)>> = BTreeMap::new();
    for (i, e) in &entries {
        by_key
            .entry((e.kind.as_str(), e.subject.as_str()))
            .or_default()
            .push((*i, e));
    }
    // V8.c: every statement of the bundle is in the log.
    let mut found: HashMap<(String, String), u64> = HashMap::new();
    for w in &want {
        let logged = by_key.get(&(w.kind.as_str(), w.subject.as_str()));
        let same = logged.and_then(|l| l.iter().find(|(_, e)| e.sha256 == w.sha256));
        match (same, logged) {
            (Some((i, _)), _) => {
                f.checked("V8.c");
                found.insert((w.kind.clone(), w.subject.clone()), *i);
            }
            (None, Some(l)) => f.fail(
                "V8.c",
                &w.at,
                format!(
                    "this {} is not in the log, which holds another one for the same {} (entry {}, witnessed {}): the bundle's was made or changed after the log recorded the first",
                    w.kind,
                    subject_words(&w.kind),
                    l[0].0,
                    describe_times(&times, &input.witnesses, l[0].0)
                ),
            ),
            (None, None) => f.fail(
                "V8.c",
                &w.at,
                format!("this {} is not in the log (head of {} entries)", w.kind, line.size),
            ),
        }
    }
    // V8.d: every logged statement is in the bundle, once; rounds; the latest index.
    let in_scope = |subject: &str| {
        let contest = subject.split('/').next().unwrap_or("");
        contest.is_empty() || contests.iter().any(|c| c == contest)
    };
    let wanted: BTreeSet<(&str, &str)> = want
        .iter()
        .map(|w| (w.kind.as_str(), w.subject.as_str()))
        .collect();
    for ((kind, subject), list) in &by_key {
        if !in_scope(subject) {
            continue;
        }
        f.checked("V8.d");
        let distinct: BTreeSet<&str> = list.iter().map(|(_, e)| e.sha256.as_str()).collect();
        let at = at_entry(kind, subject);
        if distinct.len() > 1 && *kind != kinds::BUNDLE_INDEX {
            let both: Vec<String> = list
                .iter()
                .map(|(i, _)| {
                    format!(
                        "entry {i} (witnessed {})",
                        describe_times(&times, &input.witnesses, *i)
                    )
                })
                .collect();
            f.fail(
                "V8.d",
                &at,
                format!(
                    "{} different {} statements for {} are in the log: {}; a statement is made once",
                    distinct.len(),
                    kind,
                    if subject.is_empty() { "the election" } else { subject },
                    both.join(" and ")
                ),
            );
        }
        if *kind != kinds::COUNTING_ROUND
            && *kind != kinds::BUNDLE_INDEX
            && !wanted.contains(&(*kind, *subject))
        {
            f.fail(
                "V8.d",
                &at,
                format!(
                    "the log holds a {kind} for {} (entry {}) that the bundle does not: a logged statement was left out of the bundle",
                    if subject.is_empty() { "the election" } else { subject },
                    list[0].0
                ),
            );
        }
    }
    if let Some(last) = entries
        .iter()
        .rev()
        .find(|(_, e)| e.kind == kinds::BUNDLE_INDEX)
    {
        let ours = found.get(&(kinds::BUNDLE_INDEX.to_string(), String::new()));
        f.expect("V8.d", ours == Some(&last.0), &At::file(paths::INDEX), || {
            format!(
                "the log's latest bundle index is entry {} (witnessed {}), not this bundle's: this bundle is not the latest the authority published",
                last.0,
                describe_times(&times, &input.witnesses, last.0)
            )
        });
    }
    line.rounds = check_rounds(def, ctx, &contests, &by_key, &rows, &found, f);
    // V8.e: the witnesses' times.
    check_times(
        def,
        certified.close_of_poll_within,
        &found,
        &times,
        input,
        &want,
        f,
    );
    Some(line)
}

fn subject_words(kind: &str) -> &'static str {
    match kind {
        kinds::CLOSE_OF_POLL => "station and contest",
        kinds::MANIFEST | kinds::BUNDLE_INDEX => "election",
        _ if kind.starts_with("audit-seed") => "contest and party",
        _ => "contest",
    }
}

fn at_entry(kind: &str, subject: &str) -> At {
    let mut parts = subject.splitn(2, '/');
    let contest = parts.next().filter(|c| !c.is_empty()).map(str::to_string);
    let station = (kind == kinds::CLOSE_OF_POLL)
        .then(|| parts.next().map(str::to_string))
        .flatten();
    At {
        file: Some(LOG_FILE.into()),
        contest,
        station,
    }
}

/// V8.a: every entry parses, in canonical form, for this election.
fn parse_entries(log: &ReadLog, election: &str, f: &mut Findings) -> Vec<(u64, LogEntry)> {
    let mut out = Vec::with_capacity(log.entries.len());
    // Parsed (and inline statements matched to their digests) on every core, judged in order.
    let parsed: Vec<_> = log
        .entries
        .par_iter()
        .map(|b| {
            LogEntry::parse(b).map(|e| {
                let matches = e.statement.is_none() || e.statement::<serde_json::Value>().is_ok();
                (e, matches)
            })
        })
        .collect();
    for (i, p) in parsed.into_iter().enumerate() {
        let at = at_log(&format!("entry {i}"));
        match p {
            Ok((e, _)) if e.election_id != election => f.fail(
                "V8.a",
                &at,
                format!("entry {i} is of another election ({:?})", e.election_id),
            ),
            Ok((e, _)) if !KINDS.contains(&e.kind.as_str()) => f.fail(
                "V8.a",
                &at,
                format!("entry {i} is of a kind no statement has ({:?})", e.kind),
            ),
            Ok((e, _)) if carries_statement(&e.kind) != e.statement.is_some() => f.fail(
                "V8.a",
                &at,
                format!(
                    "entry {i} ({}) {} the statement (log.md §2)",
                    e.kind,
                    if e.statement.is_some() {
                        "carries"
                    } else {
                        "lacks"
                    }
                ),
            ),
            Ok((_, false)) => f.fail(
                "V8.a",
                &at,
                format!("entry {i} carries a statement that is not the one its sha256 names"),
            ),
            Ok((e, true)) => out.push((i as u64, e)),
            Err(e) => f.fail("V8.a", &at, format!("entry {i} is not a log entry: {e}")),
        }
    }
    out
}

/// V8.b: the head's cosignatures and the history's consistency. Returns the witness times.
fn check_heads(
    log: &ReadLog,
    log_key: &PublicKey,
    input: &LogInput<'_>,
    line: &mut LogLine,
    f: &mut Findings,
) -> Times {
    let pinned = &input.witnesses;
    let mut times = Times::new(pinned.len(), input.quorum);
    let head = &log.head;
    let cos = head.cosignatures(pinned);
    let mut valid = 0;
    for (w, c) in pinned.iter().zip(&cos) {
        let (cosigned, time) = match c {
            Some(Ok(c)) => {
                valid += 1;
                (true, Some(c.time))
            }
            Some(Err(())) => {
                f.fail(
                    "V8.b",
                    &at_log("checkpoint"),
                    format!(
                        "the cosignature under the name of witness {} does not verify",
                        w.name
                    ),
                );
                (false, None)
            }
            None => (false, None),
        };
        line.witnesses.push(WitnessLine {
            name: w.name.clone(),
            key: w.to_vkey(),
            fingerprint: w.fingerprint(),
            cosigned,
            time,
        });
    }
    f.expect("V8.b", input.quorum > 0 && valid >= input.quorum, &at_log("checkpoint"), || {
        format!(
            "the log's head is cosigned by {valid} of the {} pinned witnesses, fewer than the quorum {}: the log could be showing this head to you alone",
            pinned.len(),
            input.quorum
        )
    });
    let others = head.other_signers(log_key, pinned);
    if !others.is_empty() {
        f.push(
            Severity::Notice,
            "V8.b",
            &at_log("checkpoint"),
            format!(
                "cosigned also by keys you did not pin (not counted): {}",
                others.join(", ")
            ),
        );
    }
    times.add(head, pinned);
    let size = head.checkpoint.size();
    let mut shown: Vec<(String, Vec<u8>)> = log
        .history
        .iter()
        .filter_map(|(p, h)| match h {
            Ok(h) => Some((format!("{LOG_FILE}/{p}"), h.bytes.clone())),
            Err(e) => {
                f.fail(
                    "V8.b",
                    &at_log(p),
                    format!("a published head that cannot be read: {e}"),
                );
                None
            }
        })
        .collect();
    let from_history = shown.len();
    shown.extend(input.heads.iter().cloned());
    for (k, (name, bytes)) in shown.iter().enumerate() {
        f.checked("V8.b");
        let at = At::file(name);
        let Ok(h) = SignedHead::parse(name, bytes) else {
            f.fail("V8.b", &at, "not a checkpoint note".into());
            continue;
        };
        if !h.signed_by_log(log_key) {
            f.fail("V8.b", &at, "a head not signed by the log's key".into());
            continue;
        }
        let n = h.checkpoint.size();
        let consistent = n <= size && log.tree.root(n) == Some(*h.checkpoint.hash());
        if !consistent {
            let theirs = if n <= size {
                format!(
                    "the log's own entries give root {} for size {n}",
                    log.tree.root(n).map(|r| r.to_string()).unwrap_or_default()
                )
            } else {
                format!("the log's head now has only {size} entries")
            };
            f.fail(
                "V8.b",
                &at,
                format!(
                    "proof of a fork: the log signed this head of size {n} that is not a prefix of its current head ({theirs}); both notes, each signed by the log:\n--- {name}\n{}--- {LOG_FILE}/checkpoint\n{}",
                    String::from_utf8_lossy(bytes),
                    String::from_utf8_lossy(&head.bytes)
                ),
            );
            continue;
        }
        if k < from_history {
            times.add(&h, pinned);
        }
    }
    times.finish();
    times
}

/// V8.d: each contest's counting rounds are signed by its RO and hold the bundle's rows, every
/// station in exactly one round. Returns how many rounds were checked.
fn check_rounds(
    def: &ElectionDefinition,
    ctx: &Context,
    contests: &[String],
    by_key: &BTreeMap<(&str, &str), Vec<(u64, &LogEntry)>>,
    rows: &BTreeMap<String, BTreeMap<String, StationResult>>,
    found: &HashMap<(String, String), u64>,
    f: &mut Findings,
) -> u64 {
    let mut checked = 0;
    for cid in contests {
        let Some(contest) = def.contest(cid) else {
            continue;
        };
        let Some(shard_rows) = rows.get(cid) else {
            continue;
        };
        let ro_key = ctx.ro_keys.get(&contest.returning_officer);
        let prefix = format!("{cid}/");
        let mut seen: BTreeMap<String, u64> = BTreeMap::new();
        let mut numbers = Vec::new();
        for ((kind, subject), list) in by_key.range((kinds::COUNTING_ROUND, prefix.as_str())..) {
            if *kind != kinds::COUNTING_ROUND || !subject.starts_with(&prefix) {
                break;
            }
            let (i, e) = list[0];
            let at = at_entry(kind, subject);
            checked += 1;
            f.checked("V8.d");
            let round: Signed<CountingRound> = match e.statement() {
                Ok(r) => r,
                Err(err) => {
                    f.fail("V8.d", &at, format!("counting round entry {i}: {err}"));
                    continue;
                }
            };
            let b = &round.body;
            let signed_ok = ro_key == Some(&round.public_key)
                && round.signer == contest.returning_officer
                && round.role == Role::ReturningOfficer
                && round.verify(kinds::COUNTING_ROUND).is_ok();
            if !signed_ok {
                f.fail(
                    "V8.d",
                    &at,
                    format!("counting round entry {i} is not signed by the contest's certified RO"),
                );
                continue;
            }
            if b.contest_id != *cid
                || subject[prefix.len()..] != b.round.to_string()
                || b.election_id != def.election_id
            {
                f.fail("V8.d", &at, format!("counting round entry {i} names another contest, round or election than its subject"));
                continue;
            }
            numbers.push(b.round);
            if let Some(r_at) = found.get(&(kinds::CONTEST_RESULT.to_string(), cid.clone())) {
                if *r_at < i {
                    f.fail("V8.e", &at, format!("round {} was logged (entry {i}) after the contest result (entry {r_at})", b.round));
                }
            }
            for r in &b.stations {
                let sid = &r.station_id;
                if let Some(prev) = seen.insert(sid.clone(), b.round) {
                    f.fail(
                        "V8.d",
                        &at,
                        format!(
                            "station {sid} is counted in round {prev} and again in round {}",
                            b.round
                        ),
                    );
                }
                match shard_rows.get(sid) {
                    Some(row) if row == r => {}
                    Some(_) => f.fail(
                        "V8.d",
                        &At::station(LOG_FILE, cid, sid),
                        format!("round {} announced another row for this station than the bundle's (counts, test votes or proof differ)", b.round),
                    ),
                    None => f.fail(
                        "V8.d",
                        &At::station(LOG_FILE, cid, sid),
                        format!("round {} counted a station the bundle has no row for", b.round),
                    ),
                }
                // The round comes after the station's close of poll.
                if let Some(c_at) =
                    found.get(&(kinds::CLOSE_OF_POLL.to_string(), station_subject(cid, sid)))
                {
                    if *c_at > i {
                        f.fail("V8.e", &At::station(LOG_FILE, cid, sid), format!("round {} (entry {i}) counted this station before its close of poll was logged (entry {c_at})", b.round));
                    }
                }
            }
        }
        if !shard_rows.is_empty() {
            f.checked("V8.d");
            let missing: Vec<&String> = shard_rows
                .keys()
                .filter(|s| !seen.contains_key(*s))
                .collect();
            if !missing.is_empty() {
                let shown: Vec<&str> = missing.iter().take(10).map(|s| s.as_str()).collect();
                f.fail(
                    "V8.d",
                    &At::contest(LOG_FILE, cid),
                    format!(
                        "{} stations of the bundle were never announced in a logged counting round ({}{}): the result is not the sum of the rounds",
                        missing.len(),
                        shown.join(", "),
                        if missing.len() > 10 { ", ..." } else { "" }
                    ),
                );
            }
            numbers.sort_unstable();
            let consecutive = numbers.iter().enumerate().all(|(k, n)| *n == k as u64 + 1);
            f.expect("V8.d", consecutive, &At::contest(LOG_FILE, cid), || {
                format!("the logged rounds are numbered {numbers:?}, not 1, 2, 3, ...")
            });
        }
    }
    checked
}

/// V8.e: the order and times the evidence relies on, by the witnesses.
#[allow(clippy::too_many_arguments)]
fn check_times(
    def: &ElectionDefinition,
    close_within: u64,
    found: &HashMap<(String, String), u64>,
    times: &Times,
    input: &LogInput<'_>,
    want: &[Expected],
    f: &mut Findings,
) {
    let midnight = bundle::inputs::unix_midnight(&def.poll_date).unwrap_or(0);
    let opens = midnight + u64::from(def.poll_opens);
    let counting = def.counting_starts_at;
    let pinned = &input.witnesses;
    let q = input.quorum;
    let index_of =
        |kind: &str, subject: &str| found.get(&(kind.to_string(), subject.to_string())).copied();
    for w in want {
        let Some(i) = index_of(&w.kind, &w.subject) else {
            continue;
        };
        let when = times.witnessed(i);
        let who = || describe_times(times, pinned, i);
        let Some(t) = when else {
            f.fail(
                "V8.e",
                &w.at,
                format!(
                    "this {} (entry {i}) was never cosigned by {q} pinned witnesses",
                    w.kind
                ),
            );
            continue;
        };
        match w.kind.as_str() {
            kinds::MANIFEST => {
                f.expect("V8.e", t <= opens, &w.at, || {
                    format!("the manifest was first witnessed (by {q}) at {}, after the poll opened at {} ({})", utc_text(t), utc_text(opens), who())
                });
            }
            kinds::CLOSE_OF_POLL => {
                let closed = w.closed_at;
                f.expect("V8.e", t < counting, &w.at, || {
                    format!(
                        "this close-of-poll statement was first witnessed (by {q}) at {}, after counting began at {} ({}): it could have been made to fit the count",
                        utc_text(t), utc_text(counting), who()
                    )
                });
                if let Some(closed) = closed {
                    f.expect("V8.e", t <= closed + close_within, &w.at, || {
                        format!(
                            "this close-of-poll statement was first witnessed (by {q}) at {}, more than the manifest's {} s after the close at {} ({})",
                            utc_text(t), close_within, utc_text(closed), who()
                        )
                    });
                }
            }
            audit_kinds::SEED_COMMITMENT => {
                let contest = w.subject.split('/').next().unwrap_or("");
                if let Some(r) = index_of(kinds::CONTEST_RESULT, contest) {
                    f.expect("V8.e", i < r && times.separated(i, r), &w.at, || {
                        format!("this seed commitment was not witnessed before the contest result (it is entry {i}, witnessed {}; the result is entry {r}, and no head cosigned by {q} holds the commitment without the result): it may have been made after the contest result was known", who())
                    });
                }
            }
            audit_kinds::SEED_REVEAL => {
                let contest = w.subject.split('/').next().unwrap_or("");
                if let Some(r) = index_of(kinds::CONTEST_RESULT, contest) {
                    f.expect("V8.e", i > r && times.separated(r, i), &w.at, || {
                        format!("this share was not revealed after the contest result was witnessed: it is entry {i}, the result entry {r}, and no head cosigned by {q} holds the result without the reveal")
                    });
                }
            }
            audit_kinds::AUDIT_RECORD => {
                let last_reveal = want
                    .iter()
                    .filter(|x| {
                        x.kind == audit_kinds::SEED_REVEAL
                            && x.subject.starts_with(&format!("{}/", w.subject))
                    })
                    .filter_map(|x| index_of(&x.kind, &x.subject))
                    .max();
                if let Some(r) = last_reveal {
                    f.expect("V8.e", i > r && times.separated(r, i), &w.at, || {
                        format!("the audit record (entry {i}) was not made after the last reveal (entry {r}) was witnessed: no head cosigned by {q} holds the reveal without the record")
                    });
                }
            }
            _ => f.checked("V8.e"),
        }
    }
}
