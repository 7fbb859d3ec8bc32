//! `verifier open`: a court's opening of one disputed station (spec `audit.md` §8). Given the
//! station's sealed log and salt, produced under the court's order, checks them against the
//! signed close-of-poll commitment, recomputes the counts, and compares them with the proved
//! machine counts, the published row and any slip recount. The report names every signed
//! statement it relied on and never prints the order of the votes.

use crate::check::{verify_bundle, Options};
use bundle::inputs::{EvmLog, StationSalts};
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
    /// The sealed EVM log of the station (`SECRET_logs/<station>.json` format).
    pub log: &'a Path,
    /// The station's salts (`SECRET_salts/<station>.json` format).
    pub salts: &'a Path,
    /// A slip recount: a JSON array of counts per candidate, NOTA last.
    pub slips: Option<&'a Path>,
    /// Authority keys the court trusts.
    pub pinned_keys: Vec<String>,
}

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
    /// Counts from the opened log (per candidate, NOTA last), if it could be read.
    pub log_counts: Option<Vec<u64>>,
    /// The published row.
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
            "  opened log (net of 49MA test votes)  {}",
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
    r.published = Some(row.counts.clone());
    let st = &cop.body;
    let n = shard.result.body.totals.len();

    // O3: the opened log and salt match the commitment.
    let log: EvmLog = match read_json(req.log) {
        Ok(l) => l,
        Err(e) => {
            r.check("O3", O3, None, e);
            return r;
        }
    };
    let salts: StationSalts = match read_json(req.salts) {
        Ok(s) => s,
        Err(e) => {
            r.check("O3", O3, None, e);
            return r;
        }
    };
    let clog = log.contests.iter().find(|c| c.contest_id == req.contest);
    let salt = salts.contests.iter().find(|c| c.contest_id == req.contest);
    let (Some(clog), Some(salt)) = (clog, salt) else {
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
    let shape = Shape::parse(&st.shape)
        .ok()
        .filter(|s| s.kind == circuits::Kind::Public);
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
    let mut net: Vec<u64> = hist.iter().take(n).copied().collect();
    for t in &st.contest.test_votes {
        if let Some(x) = net.get_mut(t.choice as usize) {
            *x = x.saturating_sub(t.count);
        }
    }
    r.log_counts = Some(net.clone());
    r.check(
        "O6",
        "the log's count net of 49MA test votes equals the published row",
        Some(net == row.counts),
        String::new(),
    );
    // O7: the slips.
    match req.slips {
        None => r.check(
            "O7",
            "a slip recount equals the published row",
            Some(true),
            "no recount given".into(),
        ),
        Some(p) => match read_json::<Vec<u64>>(p) {
            Ok(s) => {
                let same = s == row.counts;
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
    r
}
