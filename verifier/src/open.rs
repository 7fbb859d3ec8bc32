//! `verifier open`: a court's opening of one disputed station (spec `audit.md` §8). Given the
//! station's sealed log and salt, produced under the court's order, checks them against the
//! signed close-of-poll commitment, recomputes the counts, and compares them with the proved
//! machine counts, the published row and any slip recount. The report names every signed
//! statement it relied on and never prints the order of the votes.

use crate::check::{verify_bundle, Options};
use bundle::inputs::{CountOpeningFile, EvmLog, StationSalts};
use bundle::{paths, BundleIndex, CloseOfPoll, ContestShard, Signed};
use circuits::{fr_from_hex, log_commitment, station_binding, LogWitness, Salt, Shape};
use serde::Serialize;
use std::path::Path;

/// What check O3 establishes.
const O3: &str = "the opened log and salt open the signed log commitment";

/// What to open.
#[derive(Debug)]
pub struct OpenRequest<'a> {
    /// Bundle folder.
    pub bundle: &'a Path,
    /// Contest.
    pub contest: &'a str,
    /// Station.
    pub station: &'a str,
    /// What the court opens with.
    pub opening: Opening<'a>,
    /// A slip recount: a JSON array of counts per candidate, NOTA last.
    pub slips: Option<&'a Path>,
    /// Authority keys the court trusts.
    pub pinned_keys: Vec<String>,
}

/// What a court opens a station with.
#[derive(Debug, Clone, Copy)]
pub enum Opening<'a> {
    /// The sealed EVM log (`SECRET_logs/<station>.json` format) and the station's salts
    /// (`SECRET_salts/<station>.json` format).
    Log {
        /// The log.
        log: &'a Path,
        /// The salts.
        salts: &'a Path,
    },
    /// Only the station's count opening (`bundle::inputs::CountOpeningFile`), in a contest with
    /// totaliser groups (audit.md §7).
    Counts(&'a Path),
}

/// What check O3 establishes for a count opening.
const O3_COUNTS: &str = "the count opening opens the row's count commitment";

/// One check of the opening.
#[derive(Clone, Debug, Serialize)]
pub struct OpenCheck {
    /// Check id (O1-O7).
    pub id: &'static str,
    /// What is checked.
    pub what: &'static str,
    /// `Some(true)` holds, `Some(false)` fails, `None` could not be checked.
    pub holds: Option<bool>,
    /// Details (counts, ids; never the order of votes).
    pub detail: String,
}

/// The report a court can file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OpenReport {
    /// Bundle as given.
    pub bundle: String,
    /// Signed bundle root.
    pub root: Option<String>,
    /// Election.
    pub election_id: Option<String>,
    /// Contest.
    pub contest_id: String,
    /// Station.
    pub station_id: String,
    /// The signed statements relied on: kind, signer, key.
    pub statements: Vec<String>,
    /// Every check.
    pub checks: Vec<OpenCheck>,
    /// Counts from the opened log or count opening, net of test votes (per candidate, NOTA
    /// last), if it could be read.
    pub log_counts: Option<Vec<u64>>,
    /// The published row (none in a contest with totaliser groups: it publishes per group).
    pub published: Option<Vec<u64>>,
    /// The slip recount, if given.
    pub slips: Option<Vec<u64>>,
}

impl OpenReport {
    fn check(&mut self, id: &'static str, what: &'static str, holds: Option<bool>, detail: String) {
        self.checks.push(OpenCheck {
            id,
            what,
            holds,
            detail,
        });
    }

    /// 0 every check holds, 1 a check fails, 2 a check could not be made.
    pub fn exit_code(&self) -> u8 {
        if self.checks.iter().any(|c| c.holds == Some(false)) {
            1
        } else if self.checks.iter().any(|c| c.holds.is_none()) {
            2
        } else {
            0
        }
    }

    /// Plain text, for filing.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "COURT OPENING OF A POLLING STATION");
        let _ = writeln!(s, "bundle     {}", self.bundle);
        let _ = writeln!(
            s,
            "root       {}",
            self.root.as_deref().unwrap_or("(unreadable)")
        );
        let _ = writeln!(
            s,
            "election   {}",
            self.election_id.as_deref().unwrap_or("(unreadable)")
        );
        let _ = writeln!(s, "contest    {}", self.contest_id);
        let _ = writeln!(s, "station    {}", self.station_id);
        let _ = writeln!(s, "\nsigned statements relied on:");
        for st in &self.statements {
            let _ = writeln!(s, "  - {st}");
        }
        let _ = writeln!(s, "\nchecks:");
        for c in &self.checks {
            let mark = match c.holds {
                Some(true) => "HOLDS ",
                Some(false) => "FAILS ",
                None => "NOT CHECKED",
            };
            let _ = writeln!(s, "  {} {mark} {}", c.id, c.what);
            if !c.detail.is_empty() {
                let _ = writeln!(s, "       {}", c.detail);
            }
        }
        let row = |v: &Option<Vec<u64>>| v.as_ref().map_or("-".to_string(), |v| format!("{v:?}"));
        let _ = writeln!(s, "\ncounts per candidate (ballot order, NOTA last):");
        let _ = writeln!(
            s,
            "  opened (net of 49MA test votes)       {}",
            row(&self.log_counts)
        );
        let _ = writeln!(
            s,
            "  published row                         {}",
            row(&self.published)
        );
        let _ = writeln!(
            s,
            "  slip recount                          {}",
            row(&self.slips)
        );
        let verdict = match self.exit_code() {
            0 if self.published.is_none() => "every check holds: the opened counts are the ones the station committed to and proved from its sealed log (its contest publishes per totaliser group)",
            0 => "every check holds: the sealed log is the one committed at close of poll, and its count is the published row",
            1 => "FAILURE: at least one check fails (see above)",
            _ => "INCOMPLETE: at least one check could not be made (see above)",
        };
        let _ = writeln!(s, "\n{verdict}");
        s
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let folder = crate::source::Folder(path.parent().unwrap_or(Path::new(".")).to_path_buf());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let bytes = crate::check::read::read_capped(&folder, &name)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: not a valid file: {e}", path.display()))
}

/// Opens one station of one contest.
pub fn open(req: &OpenRequest<'_>) -> OpenReport {
    let mut r = OpenReport {
        bundle: req.bundle.display().to_string(),
        contest_id: req.contest.to_string(),
        station_id: req.station.to_string(),
        ..OpenReport::default()
    };
    // O1: the contest's part of the bundle verifies, against the signed root.
    let scoped = verify_bundle(
        req.bundle,
        &Options {
            pinned_keys: req.pinned_keys.clone(),
            contests: vec![req.contest.to_string()],
            ..Options::default()
        },
    );
    r.root = scoped.root.clone();
    r.election_id = scoped.election_id.clone();
    let bad = scoped
        .findings
        .iter()
        .filter(|f| f.severity != crate::Severity::Notice)
        .count();
    r.check(
        "O1",
        "the contest verifies against the signed bundle root (every step of verification.md, scoped to the contest)",
        Some(scoped.exit_code() == 0),
        if bad == 0 {
            format!(
                "{} proofs verified; authority key {}{}",
                scoped.proofs_verified,
                scoped.authority_key.as_deref().unwrap_or("?"),
                if scoped.authority_key_pinned { " (pinned)" } else { " (NOT pinned: pass --root-key)" }
            )
        } else {
            format!("{bad} findings; run `verifier check --contest {}` for them", req.contest)
        },
    );
    if let Ok(index) = read_json::<Signed<BundleIndex>>(&req.bundle.join(paths::INDEX)) {
        r.statements.push(format!(
            "bundle index (root {}), signed by {} key {}",
            index.body.root, index.signer, index.public_key
        ));
    }
    // O2: the station's close-of-poll statement and row.
    let shard: ContestShard = match read_json(
        &req.bundle
            .join(paths::CONTESTS)
            .join(format!("{}.json", req.contest)),
    ) {
        Ok(s) => s,
        Err(e) => {
            r.check(
                "O2",
                "the station's close-of-poll statement and published row are in the bundle",
                None,
                e,
            );
            return r;
        }
    };
    let cop: Option<&Signed<CloseOfPoll>> = shard
        .close_of_poll
        .iter()
        .find(|c| c.body.station_id == req.station);
    let row = shard.stations.iter().find(|s| s.station_id == req.station);
    let (Some(cop), Some(row)) = (cop, row) else {
        r.check(
            "O2",
            "the station's close-of-poll statement and published row are in the bundle",
            Some(false),
            "the station is not in this contest's shard".into(),
        );
        return r;
    };
    r.statements.push(format!(
        "close-of-poll statement of station {}, signed by PO {} key {} at {} (log commitment {})",
        req.station, cop.signer, cop.public_key, cop.body.signed_at, cop.body.log_commitment
    ));
    r.statements.push(format!(
        "contest result of {}, signed by RO {} key {}",
        req.contest, shard.result.signer, shard.result.public_key
    ));
    r.check(
        "O2",
        "the station's close-of-poll statement and published row are in the bundle",
        Some(true),
        String::new(),
    );
    // A grouped contest's row publishes no counts, only a count commitment (protocol.md §7).
    let grouped = row.count_commitment.is_some();
    if !grouped {
        r.published = Some(row.counts.clone());
    }
    let st = &cop.body;
    let n = shard.result.body.totals.len();
    let (log_path, salts_path) = match req.opening {
        Opening::Log { log, salts } => (log, salts),
        Opening::Counts(path) => {
            open_counts(&mut r, req, path, st, row, n);
            return r;
        }
    };

    // O3: the opened log and salt match the commitment.
    let log: EvmLog = match read_json(log_path) {
        Ok(l) => l,
        Err(e) => {
            r.check("O3", O3, None, e);
            return r;
        }
    };
    let salts: StationSalts = match read_json(salts_path) {
        Ok(s) => s,
        Err(e) => {
            r.check("O3", O3, None, e);
            return r;
        }
    };
    let clog = log.contests.iter().find(|c| c.contest_id == req.contest);
    let salt_entry = salts.contests.iter().find(|c| c.contest_id == req.contest);
    let (Some(clog), Some(salt)) = (clog, salt_entry) else {
        r.check(
            "O3",
            O3,
            None,
            "the log or salt file has no entry for this contest".into(),
        );
        return r;
    };
    let ids_ok = log.station_id == req.station && salts.station_id == req.station;
    let units_log: Vec<&str> = clog.units.iter().map(|u| u.cu.as_str()).collect();
    let units_17c: Vec<&str> = st.contest.units.iter().map(|u| u.cu.as_str()).collect();
    let mut choices = Vec::new();
    let mut times = Vec::new();
    for u in &clog.units {
        for v in &u.votes {
            choices.push(u16::try_from(v.1).unwrap_or(u16::MAX));
            times.push(v.0);
        }
    }
    let salt = match Salt::from_hex(&salt.salt) {
        Ok(s) => s,
        Err(e) => {
            r.check(
                "O3",
                O3,
                Some(false),
                format!("the salt does not decode: {e}"),
            );
            return r;
        }
    };
    let witness = LogWitness {
        choices,
        times,
        salt,
    };
    let kind = if grouped {
        circuits::Kind::Committed
    } else {
        circuits::Kind::Public
    };
    let shape = Shape::parse(&st.shape).ok().filter(|s| s.kind == kind);
    let binding = station_binding(&st.election_id, req.station, req.contest);
    let opened = shape.map(|s| log_commitment(&s, binding, st.poll.closed_at, &witness));
    let signed = fr_from_hex(&st.log_commitment).ok();
    let matches = ids_ok && matches!((&opened, signed), (Some(Ok(o)), Some(s)) if *o == s);
    r.check(
        "O3",
        O3,
        Some(matches),
        match opened {
            _ if matches => format!("{} votes on control units {:?}", witness.choices.len(), units_log),
            // A log that no commitment of its shape can hold (a vote after close, a choice
            // past the shape): say why.
            Some(Err(e)) => format!("the log does NOT match its commitment: {e}"),
            _ => "the log does NOT match its commitment: it is not the log sealed at close of poll (or the salt is not the one drawn then)".into(),
        },
    );
    r.check(
        "O4",
        "the log's control units are those of Form 17C, every vote before close of poll and in time order",
        Some(
            units_log == units_17c
                && witness.times.iter().all(|&t| t <= st.poll.closed_at)
                && witness.times.windows(2).all(|w| w[0] <= w[1]),
        ),
        format!("Form 17C units {units_17c:?}, close of poll at {} s", st.poll.closed_at),
    );
    // O5: the counts.
    let Some(shape) = shape else {
        r.check(
            "O5",
            "the log's count equals the proved machine counts",
            None,
            format!("unknown shape {}", st.shape),
        );
        return r;
    };
    let hist = witness.vartime_counts(&shape);
    if grouped {
        // The proved counts are committed: the log's histogram must open the row's count
        // commitment under the station's count salt.
        let opens = salt_entry
            .and_then(|c| c.count_salt.as_deref())
            .map(|h| opens_count_commitment(h, &hist, row));
        r.check(
            "O5",
            "the log's count equals the proved machine counts",
            opens.as_ref().map(|o| matches!(o, Ok(true))),
            match opens {
                None => "the salts file has no count salt for this contest".into(),
                Some(Ok(true)) => {
                    "the log's histogram and the count salt open the row's count commitment".into()
                }
                Some(Ok(false)) => {
                    "the log's histogram and the count salt do NOT open the row's count commitment"
                        .into()
                }
                Some(Err(e)) => e,
            },
        );
    } else {
        r.check(
            "O5",
            "the log's count equals the proved machine counts",
            Some(hist == row.machine_counts),
            format!(
                "log {:?}, proved {:?}",
                &hist[..n.min(hist.len())],
                &row.machine_counts[..n.min(row.machine_counts.len())]
            ),
        );
    }
    let net = net_counts(&hist, n, st);
    r.log_counts = Some(net.clone());
    r.check(
        "O6",
        "the log's count net of 49MA test votes equals the published row",
        Some(grouped || net == row.counts),
        if grouped {
            "the contest publishes per totaliser group: the station's row is its committed counts (O5)".into()
        } else {
            String::new()
        },
    );
    slip_check(&mut r, req, if grouped { &net } else { &row.counts });
    r
}

/// The first `n` counts of `hist` less the statement's 49MA test votes.
fn net_counts(hist: &[u64], n: usize, st: &CloseOfPoll) -> Vec<u64> {
    let mut net: Vec<u64> = hist.iter().take(n).copied().collect();
    for t in &st.contest.test_votes {
        if let Some(x) = net.get_mut(t.choice as usize) {
            *x = x.saturating_sub(t.count);
        }
    }
    net
}

/// Whether `counts` under the count salt `salt_hex` open the row's count commitment.
fn opens_count_commitment(
    salt_hex: &str,
    counts: &[u64],
    row: &bundle::StationResult,
) -> Result<bool, String> {
    let salt =
        Salt::from_hex(salt_hex).map_err(|e| format!("the count salt does not decode: {e}"))?;
    let want = row
        .count_commitment
        .as_deref()
        .and_then(|h| fr_from_hex(h).ok())
        .ok_or("the row's count commitment does not decode")?;
    Ok(circuits::totaliser::count_commitment(&salt, counts) == want)
}

/// O3 for a count opening, then its counts and the slips (audit.md §7).
fn open_counts(
    r: &mut OpenReport,
    req: &OpenRequest<'_>,
    path: &Path,
    st: &CloseOfPoll,
    row: &bundle::StationResult,
    n: usize,
) {
    let file: CountOpeningFile = match read_json(path) {
        Ok(f) => f,
        Err(e) => {
            r.check("O3", O3_COUNTS, None, e);
            return;
        }
    };
    if row.count_commitment.is_none() {
        r.check(
            "O3",
            O3_COUNTS,
            None,
            "the station's row publishes its counts (its contest has no totaliser groups): open it with its log and salts".into(),
        );
        return;
    }
    let slots = Shape::parse(&st.shape).map(|s| s.choices).unwrap_or(0);
    let ids_ok = file.station_id == req.station && file.contest_id == req.contest;
    let opened = opens_count_commitment(&file.count_salt, &file.counts, row);
    let holds = ids_ok && file.counts.len() == slots && matches!(opened, Ok(true));
    r.check(
        "O3",
        O3_COUNTS,
        Some(holds),
        match opened {
            Err(e) => e,
            _ if !ids_ok => "the opening names another station or contest".into(),
            _ if holds => format!(
                "{} votes; the station's proof shows these are the histogram of the log its PO sealed (V4.d)",
                file.counts.iter().sum::<u64>()
            ),
            _ => "the counts and salt do NOT open the row's count commitment: they are not the counts the station's proof and its group's were made over".into(),
        },
    );
    let total: u64 = file.counts.iter().sum();
    r.check(
        "O4",
        "the counts add up to Form 17C's total recorded",
        Some(total == st.contest.total_recorded),
        format!("{total} counted, {} recorded", st.contest.total_recorded),
    );
    let net = net_counts(&file.counts, n, st);
    r.log_counts = Some(net.clone());
    slip_check(r, req, &net);
}

/// O7: the slip recount against `row` (the published row, or a grouped station's opened counts).
fn slip_check(r: &mut OpenReport, req: &OpenRequest<'_>, row: &[u64]) {
    match req.slips {
        None => r.check(
            "O7",
            "a slip recount equals the published row",
            Some(true),
            "no recount given".into(),
        ),
        Some(p) => match read_json::<Vec<u64>>(p) {
            Ok(s) => {
                let same = s == row;
                r.check(
                    "O7",
                    "a slip recount equals the published row",
                    Some(same),
                    if same { String::new() } else { "slips and machine differ: slips prevail (the published row must be corrected)".into() },
                );
                r.slips = Some(s);
            }
            Err(e) => r.check("O7", "a slip recount equals the published row", None, e),
        },
    }
}
