//! Findings and the report: typed values, sorted deterministically, rendered afterwards as
//! text or JSON. No check prints anything.

use crate::steps::{Step, STEPS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The evidence contradicts the result.
    Failure,
    /// The evidence is missing or unreadable.
    Error,
    /// Something a reader must know that is not a failure (a trust assumption, a recorded
    /// discrepancy).
    Notice,
}

/// One finding, located as precisely as the evidence allows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Spec step id, for example `V4.d`.
    pub step: &'static str,
    /// Contest, when the finding is about one.
    pub contest: Option<String>,
    /// Station, when the finding is about one.
    pub station: Option<String>,
    /// File inside the bundle.
    pub file: Option<String>,
    /// The rule broken, in words.
    pub rule: String,
}

/// A contest's declared outcome, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct ContestLine {
    /// Contest id.
    pub contest_id: String,
    /// Contest name.
    pub name: String,
    /// Winners as `id name (party): votes`.
    pub winners: Vec<String>,
    /// Stations counted.
    pub stations: u64,
    /// Total valid votes including postal.
    pub total_votes: u128,
    /// Uncontested.
    pub uncontested: bool,
    /// Per candidate in ballot order (NOTA last): station sum, postal row, proved total (empty
    /// when a station row could not be used).
    pub candidates: Vec<CandidateLine>,
    /// Reconciliation with a declared result, per candidate, when the result states one.
    pub reconciliation: Vec<ReconLine>,
    /// Where the declared result comes from.
    pub declared_source: Option<String>,
    /// The VVPAT audit (V7), for a contested contest.
    pub audit: Option<AuditLine>,
    /// A contest with totaliser groups (protocol.md §7): its groups' published rows, the
    /// finest counts it publishes (no station's). Empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupLine>,
}

/// One totaliser group's published row, as the shard carries it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupLine {
    /// Group id.
    pub group_id: String,
    /// Assembly segment or ward.
    pub segment_id: String,
    /// Its stations, in the manifest's order.
    pub stations: Vec<String>,
    /// Votes per candidate (NOTA last), net of test votes; empty when the shard has no row
    /// for the group.
    pub counts: Vec<u64>,
}

/// What the VVPAT audit of a contest shows (V7).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AuditLine {
    /// Whether the poll had a paper trail.
    pub paper_trail: bool,
    /// Parties that committed to seed shares.
    pub parties: Vec<String>,
    /// Parties outside the SEC, named in the manifest's audit rule, whose commitments are in the
    /// bundle (each must also reveal, V7.b): who, besides the SEC, formed the seed.
    pub outside_sec: Vec<String>,
    /// Whether the audit rule names its parties at all (if not, the SEC alone may have chosen
    /// the sample).
    pub parties_named: bool,
    /// The seed re-derived from the shares and the results root.
    pub seed: Option<String>,
    /// Statutory sample, as recorded.
    pub statutory: Vec<String>,
    /// Risk-limiting draws, as recorded (with repeats).
    pub draws: Vec<String>,
    /// The statistics and discrepancies.
    pub assessment: Option<audit::Assessment>,
    /// In plain words.
    pub conclusion: String,
}

impl AuditLine {
    /// Who formed the seed, in words: how many parties outside the SEC, named in the pinned
    /// rule, or a warning that none did.
    pub fn seed_parties(&self) -> String {
        match (self.parties_named, self.outside_sec.len()) {
            (false, _) => format!(
                "{} (WARNING: the audit rule names no party outside the SEC, so the sample may have been chosen by the SEC alone)",
                self.parties.join(", ")
            ),
            (true, 0) => "the SEC alone (WARNING: none of the parties the audit rule names committed)".into(),
            (true, n) => format!(
                "{} ({n} part{} outside the SEC, named in the manifest's audit rule: {})",
                self.parties.join(", "),
                if n == 1 { "y" } else { "ies" },
                self.outside_sec.join(", ")
            ),
        }
    }
}

/// One candidate's result: the sum of the station rows, the postal row, the signed total.
#[derive(Clone, Debug, Serialize)]
pub struct CandidateLine {
    /// Candidate id.
    pub candidate_id: String,
    /// Name.
    pub name: String,
    /// Party.
    pub party: String,
    /// Sum of the station rows.
    pub stations: u128,
    /// Postal row.
    pub postal: u64,
    /// The total the RO signed (V5.a checks it is stations + postal).
    pub total: u64,
}

/// One candidate's reconciliation: stations + postal = total, against the declared total.
#[derive(Clone, Debug, Serialize)]
pub struct ReconLine {
    /// Candidate id.
    pub candidate_id: String,
    /// Sum of station rows.
    pub stations: u128,
    /// Postal row.
    pub postal: u64,
    /// Proved total.
    pub total: u64,
    /// Declared total.
    pub declared: u64,
    /// Declared minus stations (what postal ballots must explain).
    pub declared_minus_stations: i128,
}

/// Per-step tally.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StepTally {
    /// Spec id.
    pub step: &'static str,
    /// What the step checks.
    pub title: &'static str,
    /// Items checked.
    pub checked: u64,
    /// Failures and errors.
    pub failed: u64,
}

/// The whole report of one bundle.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Bundle path as given.
    pub bundle: String,
    /// Verifier version.
    pub verifier_version: &'static str,
    /// Spec version the verifier implements.
    pub spec_version: &'static str,
    /// Election id, if the manifest could be read.
    pub election_id: Option<String>,
    /// Election name.
    pub election_name: Option<String>,
    /// The signed bundle root.
    pub root: Option<String>,
    /// The authority key that signed the bundle.
    pub authority_key: Option<String>,
    /// Whether that key was pinned by the caller.
    pub authority_key_pinned: bool,
    /// SHA-256 of `election.json`, hex.
    pub manifest_digest: Option<String>,
    /// Whether the manifest equals a digest the caller pinned.
    pub manifest_pinned: bool,
    /// The multi-party key ceremony, when the keys come from one and it holds (V2.h).
    pub ceremony: Option<circuits::ceremony::CeremonyReport>,
    /// Per step.
    pub steps: Vec<StepTally>,
    /// Every finding, sorted.
    pub findings: Vec<Finding>,
    /// Declared outcomes.
    pub contests: Vec<ContestLine>,
    /// Counts of stations and proofs.
    pub stations: u64,
    /// Proofs verified.
    pub proofs_verified: u64,
    /// What the cryptography does not cover.
    pub out_of_scope: Vec<&'static str>,
    /// Contests of a scoped run (`None`: the whole bundle).
    pub scope: Option<Vec<String>>,
    /// The witnessed log the bundle was checked against (V8), if one was read.
    pub log: Option<LogLine>,
}

/// The witnessed log a bundle was checked against (V8).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LogLine {
    /// The log's origin, as the manifest certifies it.
    pub origin: String,
    /// Where it was read (folder or URL).
    pub place: String,
    /// Entries in the head checked against.
    pub size: u64,
    /// The head's root (base64, as in the checkpoint).
    pub root: String,
    /// Cosignatures the reader asked for.
    pub quorum: usize,
    /// Every pinned witness, and whether and when it cosigned the head.
    pub witnesses: Vec<WitnessLine>,
    /// Counting rounds checked.
    pub rounds: u64,
    /// Statements of the bundle looked up in the log.
    pub statements: u64,
}

impl LogLine {
    /// How many pinned witnesses cosigned the head.
    pub fn cosigned(&self) -> usize {
        self.witnesses.iter().filter(|w| w.cosigned).count()
    }
}

/// One pinned witness.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WitnessLine {
    /// Its name.
    pub name: String,
    /// Its key, note format.
    pub key: String,
    /// A short fingerprint of the key.
    pub fingerprint: String,
    /// Whether it cosigned the head.
    pub cosigned: bool,
    /// Its timestamp on the head.
    pub time: Option<u64>,
}

/// What one share of a run adds to share 0's report (`Options::share`): its verdicts on the
/// proofs (V4.d) and on the signatures (V2.d, V3.a) of its stations, and what it saw of the
/// bundle, so that shares run on different copies are noticed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SharePart {
    /// Which share, of how many.
    pub share: (u32, u32),
    /// The signed root the share read.
    pub root: Option<String>,
    /// SHA-256 of the manifest the share read.
    pub manifest_digest: Option<String>,
    /// The contests the share checked.
    pub scope: Option<Vec<String>>,
    /// Proofs the share verified.
    pub proofs_verified: u64,
    /// V4.d items checked.
    pub checked: u64,
    /// Findings of the shared steps ([`SHARED_STEPS`]).
    pub findings: Vec<ShareFinding>,
}

/// A finding of a share, in one of the [`SHARED_STEPS`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShareFinding {
    /// Severity.
    pub severity: Severity,
    /// The step.
    pub step: String,
    /// Contest.
    pub contest: Option<String>,
    /// Station.
    pub station: Option<String>,
    /// File.
    pub file: Option<String>,
    /// The rule broken.
    pub rule: String,
}

/// The signed index, where a share's disagreement is reported.
const INDEX_FILE: &str = bundle::paths::INDEX;

/// The step whose items are counted by the share that checks them.
const SHARED_STEP: &str = "V4.d";

/// The steps whose work is split between shares: the proofs (V4.d), and the signatures of the PO
/// certificates (V2.d) and close-of-poll statements (V3.a). Every share makes V2.d's and V3.a's
/// other checks for every station and counts them; a signature it leaves to another share it
/// takes as holding, which can only hide a failure that share reports, never add one. Share 0
/// adds the other shares' findings of these steps to its own (the same finding from two shares
/// is one).
pub const SHARED_STEPS: [&str; 3] = ["V2.d", "V3.a", SHARED_STEP];

/// Accumulates findings and per-step counts; one per parallel task, merged at the end.
#[derive(Debug, Default)]
pub struct Findings {
    /// Findings so far.
    pub list: Vec<Finding>,
    /// Checked items per step.
    pub checked: BTreeMap<&'static str, u64>,
}

/// Where a finding is.
#[derive(Clone, Debug, Default)]
pub struct At {
    /// Contest.
    pub contest: Option<String>,
    /// Station.
    pub station: Option<String>,
    /// File.
    pub file: Option<String>,
}

impl At {
    /// A file.
    pub fn file(f: &str) -> Self {
        Self {
            file: Some(f.into()),
            ..Self::default()
        }
    }
    /// A contest in a file.
    pub fn contest(f: &str, c: &str) -> Self {
        Self {
            file: Some(f.into()),
            contest: Some(c.into()),
            station: None,
        }
    }
    /// A station of a contest in a file.
    pub fn station(f: &str, c: &str, s: &str) -> Self {
        Self {
            file: Some(f.into()),
            contest: Some(c.into()),
            station: Some(s.into()),
        }
    }
}

impl Findings {
    /// Counts one item checked by `step`.
    pub fn checked(&mut self, step: &'static str) {
        *self.checked.entry(step).or_default() += 1;
    }

    /// Runs one check of `step`: counts it, and records a failure if `ok` is false.
    pub fn expect(
        &mut self,
        step: &'static str,
        ok: bool,
        at: &At,
        rule: impl FnOnce() -> String,
    ) -> bool {
        self.checked(step);
        if !ok {
            self.push(Severity::Failure, step, at, rule());
        }
        ok
    }

    /// Records a finding.
    pub fn push(&mut self, severity: Severity, step: &'static str, at: &At, rule: String) {
        self.list.push(Finding {
            severity,
            step,
            contest: at.contest.clone(),
            station: at.station.clone(),
            file: at.file.clone(),
            rule,
        });
    }

    /// Records a failure.
    pub fn fail(&mut self, step: &'static str, at: &At, rule: String) {
        self.checked(step);
        self.push(Severity::Failure, step, at, rule);
    }

    /// Records an error (evidence missing or unreadable).
    pub fn error(&mut self, step: &'static str, at: &At, rule: String) {
        self.checked(step);
        self.push(Severity::Error, step, at, rule);
    }

    /// Merges another accumulator.
    pub fn merge(&mut self, other: Findings) {
        self.list.extend(other.list);
        for (k, v) in other.checked {
            *self.checked.entry(k).or_default() += v;
        }
    }
}

impl Report {
    /// This report's part for share 0 (`share` is its `(k, n)`).
    pub fn share_part(&self, share: (u32, u32)) -> SharePart {
        SharePart {
            share,
            root: self.root.clone(),
            manifest_digest: self.manifest_digest.clone(),
            scope: self.scope.clone(),
            proofs_verified: self.proofs_verified,
            checked: self
                .steps
                .iter()
                .find(|t| t.step == SHARED_STEP)
                .map_or(0, |t| t.checked),
            findings: self
                .findings
                .iter()
                .filter(|x| SHARED_STEPS.contains(&x.step))
                .map(|x| ShareFinding {
                    severity: x.severity,
                    step: x.step.to_string(),
                    contest: x.contest.clone(),
                    station: x.station.clone(),
                    file: x.file.clone(),
                    rule: x.rule.clone(),
                })
                .collect(),
        }
    }

    /// Adds the parts of shares 1 to n-1 to this report, share 0's of `n` (`Options::share`),
    /// which then reports the whole run. A share missing or given twice, or a part that read a
    /// different bundle (another root, manifest or scope), is an error finding (V1.a), never
    /// silently merged: the proofs it holds are then not counted.
    pub fn absorb_shares(&mut self, n: u32, parts: &[SharePart]) {
        let mut seen = std::collections::BTreeSet::new();
        for p in parts {
            if p.share.1 == n && seen.insert(p.share.0) {
                self.absorb(p);
            } else {
                self.absorb(&SharePart {
                    share: p.share,
                    ..SharePart::default()
                });
            }
        }
        let missing: Vec<u32> = (1..n).filter(|k| !seen.contains(k)).collect();
        if !missing.is_empty() {
            let mut f = self.reopen();
            f.error(
                "V1.a",
                &At::file(INDEX_FILE),
                format!("the run was split in {n} shares but shares {missing:?} did not report: their proofs were not verified"),
            );
            self.finish(f);
        }
    }

    /// The findings and counts of a finished report, to add to and finish again.
    fn reopen(&mut self) -> Findings {
        Findings {
            list: std::mem::take(&mut self.findings),
            checked: self
                .steps
                .iter()
                .filter(|t| t.checked > 0)
                .map(|t| (t.step, t.checked))
                .collect(),
        }
    }

    fn absorb(&mut self, part: &SharePart) {
        let mut f = self.reopen();
        let same = part.root == self.root
            && part.manifest_digest == self.manifest_digest
            && part.scope == self.scope;
        if same && part.share.0 != 0 && part.share.0 < part.share.1 {
            *f.checked.entry(SHARED_STEP).or_default() += part.checked;
            self.proofs_verified += part.proofs_verified;
            for x in &part.findings {
                // A step outside the shared ones is not a share's to report.
                let Some(step) = SHARED_STEPS.iter().find(|s| **s == x.step) else {
                    f.error(
                        "V1.a",
                        &At::file(INDEX_FILE),
                        format!(
                            "share {} of {} reported a finding of step {}, which is not split between shares",
                            part.share.0, part.share.1, x.step
                        ),
                    );
                    continue;
                };
                f.list.push(Finding {
                    severity: x.severity,
                    step,
                    contest: x.contest.clone(),
                    station: x.station.clone(),
                    file: x.file.clone(),
                    rule: x.rule.clone(),
                });
            }
        } else {
            f.error(
                "V1.a",
                &At::file(INDEX_FILE),
                format!(
                    "share {} of {} of this run read a different bundle, or is not a share to add (root {}): its proofs are not counted",
                    part.share.0,
                    part.share.1,
                    part.root.as_deref().unwrap_or("unknown")
                ),
            );
        }
        self.finish(f);
    }

    /// Fills steps and sorted findings from an accumulator.
    pub fn finish(&mut self, mut f: Findings) {
        f.list.sort();
        f.list.dedup();
        self.steps = STEPS
            .iter()
            .map(|Step { id, title, .. }| StepTally {
                step: id,
                title,
                checked: f.checked.get(id).copied().unwrap_or(0),
                failed: f
                    .list
                    .iter()
                    .filter(|x| x.step == *id && x.severity != Severity::Notice)
                    .count() as u64,
            })
            .collect();
        self.findings = f.list;
    }

    /// Failures.
    pub fn failures(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Failure)
            .count()
    }

    /// Errors.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Exit code: 0 all hold, 1 a failure, 2 an error and no failure.
    pub fn exit_code(&self) -> u8 {
        if self.failures() > 0 {
            1
        } else if self.errors() > 0 {
            2
        } else {
            0
        }
    }

    /// The text report for people.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "verifier {} (spec {})",
            self.verifier_version, self.spec_version
        );
        let _ = writeln!(s, "bundle    {}", self.bundle);
        if let Some(e) = &self.election_id {
            let _ = writeln!(
                s,
                "election  {e}  {}",
                self.election_name.as_deref().unwrap_or("")
            );
        }
        if let Some(r) = &self.root {
            let _ = writeln!(s, "root      {r}");
        }
        if let Some(k) = &self.authority_key {
            let pin = if self.authority_key_pinned {
                "pinned by you"
            } else {
                "NOT pinned: compare it with the key the authority published"
            };
            let _ = writeln!(s, "authority {k} ({pin})");
        }
        if let Some(d) = &self.manifest_digest {
            let pin = if self.manifest_pinned {
                "pinned by you: stations, keys and audit rules are those published before the poll"
            } else {
                "NOT pinned: compare it with the digest the authority published before the poll"
            };
            let _ = writeln!(s, "manifest  {d} ({pin})");
        }
        if let Some(c) = &self.ceremony {
            let _ = writeln!(
                s,
                "keys      multi-party ceremony, {} contributions by {} contributors: sound if at least one of them destroyed their secret",
                c.contributions.len(),
                c.contributors()
            );
            for line in &c.contributions {
                let _ = writeln!(
                    s,
                    "          phase {}  {}  {} ({}), {}",
                    line.phase,
                    line.hash,
                    line.name,
                    line.role,
                    line.key.as_deref().map_or_else(
                        || "unsigned".to_string(),
                        |k| format!("key {}", circuits::ceremony::signatures::fingerprint(k))
                    )
                );
            }
        }
        if let Some(l) = &self.log {
            let _ = writeln!(
                s,
                "log       {}: head of {} entries (root {}), witnessed by {} of {} pinned witnesses (quorum {})",
                l.origin,
                l.size,
                l.root,
                l.cosigned(),
                l.witnesses.len(),
                l.quorum
            );
            for w in &l.witnesses {
                let _ = writeln!(
                    s,
                    "          {} (key {}): {}",
                    w.name,
                    w.fingerprint,
                    w.time.map_or_else(
                        || "did not cosign this head".to_string(),
                        |t| format!("cosigned at {}", crate::time::utc_text(t))
                    )
                );
            }
        }
        if let Some(scope) = &self.scope {
            let _ = writeln!(s, "scope     contests {} only", scope.join(", "));
        }
        let _ = writeln!(
            s,
            "stations  {}   proofs verified {}",
            self.stations, self.proofs_verified
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "step   result   checked  what");
        for t in &self.steps {
            let res = if t.failed > 0 {
                "FAILS"
            } else if t.checked == 0 {
                "n/a"
            } else {
                "holds"
            };
            let _ = writeln!(s, "{:<6} {:<8} {:>7}  {}", t.step, res, t.checked, t.title);
        }
        let notices: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Notice)
            .collect();
        let bad: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Notice)
            .collect();
        if !bad.is_empty() {
            let _ = writeln!(s, "\nfindings ({}):", bad.len());
            for f in bad {
                let _ = writeln!(s, "  {}", render(f));
            }
        }
        if !notices.is_empty() {
            let _ = writeln!(s, "\nnotices:");
            for f in notices {
                let _ = writeln!(s, "  {}", render(f));
            }
        }
        if !self.contests.is_empty() {
            let _ = writeln!(
                s,
                "\ndeclared results (as signed by the Returning Officers):"
            );
            for c in &self.contests {
                let how = if c.uncontested {
                    "elected unopposed".to_string()
                } else {
                    format!(
                        "{} stations + postal, {} valid votes",
                        c.stations, c.total_votes
                    )
                };
                let _ = writeln!(
                    s,
                    "  {:<10} {:<40} {} [{}]",
                    c.contest_id,
                    c.name,
                    c.winners.join("; "),
                    how
                );
                if let Some(a) = &c.audit {
                    let _ = writeln!(s, "    VVPAT audit: {}", a.conclusion);
                    if a.paper_trail && !a.parties.is_empty() {
                        let _ = writeln!(s, "      seed formed by {}", a.seed_parties());
                    }
                    if let Some(x) = &a.assessment {
                        let _ = writeln!(
                            s,
                            "      slips counted at {} of {} {}s (statutory {}, risk-limiting draws {}); total error bound U = {:.2}",
                            x.counted, x.stations, x.unit, x.statutory, x.draws, x.total_error_bound
                        );
                        for d in &x.discrepancies {
                            let _ = writeln!(
                                s,
                                "      discrepancy at {}: machine {:?}, slips {:?} (slips prevail)",
                                d.station_id, d.published, d.slips
                            );
                        }
                    }
                }
                if !c.groups.is_empty() {
                    let _ = writeln!(
                        s,
                        "    totaliser groups (results per group; no station's counts are published):"
                    );
                    for g in &c.groups {
                        let _ = writeln!(
                            s,
                            "      {:<8} {:<10} {:>3} stations  {}",
                            g.group_id,
                            g.segment_id,
                            g.stations.len(),
                            g.counts
                                .iter()
                                .map(u64::to_string)
                                .collect::<Vec<_>>()
                                .join(" / ")
                        );
                    }
                }
                if !c.candidates.is_empty() && c.reconciliation.is_empty() {
                    let _ = writeln!(
                        s,
                        "    {:<6} {:>10} {:>8} {:>10}  name (party)",
                        "cand", "stations", "postal", "total"
                    );
                    for r in &c.candidates {
                        let _ = writeln!(
                            s,
                            "    {:<6} {:>10} {:>8} {:>10}  {} ({})",
                            r.candidate_id, r.stations, r.postal, r.total, r.name, r.party
                        );
                    }
                }
                if !c.reconciliation.is_empty() {
                    let src = c.declared_source.as_deref().unwrap_or("");
                    let _ = writeln!(s, "    reconciliation with the declared result ({src}):");
                    let _ = writeln!(
                        s,
                        "    {:<6} {:>10} {:>8} {:>10} {:>10} {:>18}",
                        "cand", "stations", "postal", "total", "declared", "declared-stations"
                    );
                    for r in &c.reconciliation {
                        let flag = if r.declared_minus_stations < 0 {
                            "  <-- stations exceed the declared total"
                        } else if r.total != r.declared {
                            "  <-- differs"
                        } else {
                            ""
                        };
                        let _ = writeln!(
                            s,
                            "    {:<6} {:>10} {:>8} {:>10} {:>10} {:>18}{flag}",
                            r.candidate_id,
                            r.stations,
                            r.postal,
                            r.total,
                            r.declared,
                            r.declared_minus_stations
                        );
                    }
                }
            }
        }
        let _ = writeln!(s, "\nnot covered by the cryptography:");
        for o in &self.out_of_scope {
            let _ = writeln!(s, "  - {o}");
        }
        let verdict = match self.exit_code() {
            0 => "PASS: every check holds".to_string(),
            1 => format!(
                "FAIL: {} failures, {} errors: the evidence contradicts the published result",
                self.failures(),
                self.errors()
            ),
            _ => format!(
                "ERROR: {} errors: evidence is missing or unreadable, the result is not verified",
                self.errors()
            ),
        };
        let _ = writeln!(s, "\n{verdict}");
        s
    }
}

fn render(f: &Finding) -> String {
    let sev = match f.severity {
        Severity::Failure => "FAIL ",
        Severity::Error => "ERROR",
        Severity::Notice => "note ",
    };
    let mut loc = Vec::new();
    if let Some(c) = &f.contest {
        loc.push(format!("contest {c}"));
    }
    if let Some(st) = &f.station {
        loc.push(format!("station {st}"));
    }
    if let Some(file) = &f.file {
        loc.push(file.clone());
    }
    format!("{sev} {:<5} [{}] {}", f.step, loc.join(", "), f.rule)
}
