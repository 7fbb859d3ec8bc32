//! `prover simulate`: a realistic synthetic election, seeded so runs are reproducible.
//!
//! Writes the prover's inputs (spec `bundle.md` §8): the election definition, Form 17C Part I
//! per station, postal rows, lot records for tied contests, and, under `SECRET_*` folders, the
//! sealed EVM logs and the officers' signing keys. Three kinds: an assembly election
//! (single-member constituencies with VVPAT), a municipal election (multi-member wards, one
//! contest per seat, one seat uncontested) and a panchayat election (four posts on one device
//! set, no VVPAT). Stations include replaced control units, 49MA test votes, 49-O and 49M
//! entries, tendered ballots, and a late queue voting after 18:00 but before Close.

use crate::error::ProverError;
use crate::io::write_json;
use crate::layout;
use bundle::inputs::{ContestLog, EvmLog, UnitLog, Vote};
use bundle::tally::outcome;
use bundle::{
    Candidate, Contest, ContestKind, ElectionDefinition, ElectionKind, Form17C, Form17CContest,
    KeyPair, PostalRow, Role, Station, StationPoll, TestVote, TieLot, Unit,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// Parameters of a simulated election.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Kind of election.
    pub kind: ElectionKind,
    /// RNG seed.
    pub seed: u64,
    /// Constituencies (assembly), wards (municipal) or gram panchayats (panchayat).
    pub areas: usize,
    /// Polling stations per area.
    pub stations: usize,
    /// Most candidates in a contest, NOTA not counted.
    pub candidates: usize,
    /// Most electors at a station.
    pub electors: u64,
    /// Turnout, 0..1.
    pub turnout: f64,
    /// Poll date.
    pub poll_date: String,
    /// Risk limit (basis points) of the VVPAT audit rule that contests with a paper trail
    /// carry; `None`: the statutory sample only.
    pub risk_limit_bp: Option<u32>,
    /// The script of candidate, party and station names.
    pub script: Script,
    /// Observers named in every audit rule (audit.md §3): each gets a key under
    /// `SECRET_keys/parties/`, and the rule carries its public key.
    pub audit_observers: Vec<String>,
    /// Candidates' agents named in the audit rules; `{contest}` in an id is replaced by each
    /// contest's id (one agent per contest).
    pub audit_agents: Vec<String>,
    /// Totaliser groups of at least this many stations in every polled contest (protocol.md
    /// §7.7): results published per group, never per station. `None`: booth-wise.
    pub totaliser: Option<u32>,
}

/// The script the simulator writes names in (ids stay ASCII).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Script {
    /// Latin letters.
    #[default]
    Latin,
    /// Devanagari (Hindi, Marathi, ...).
    Devanagari,
    /// Gujarati.
    Gujarati,
}

impl Script {
    fn names(self) -> &'static [&'static str] {
        match self {
            Self::Latin => NAMES,
            Self::Devanagari => &[
                "आशा पटेल",
                "रवि कुमार",
                "मीना देवी",
                "सुरेश यादव",
                "फ़रहान शेख़",
                "लक्ष्मी अय्यर",
                "गुरप्रीत सिंह",
                "अनिल जोशी",
                "कविता राव",
                "दीपक वर्मा",
                "निर्मला दास",
                "इमरान ख़ान",
                "सुनीता भट्ट",
                "विजय नाइक",
                "पूजा मेहता",
            ],
            Self::Gujarati => &[
                "આશા પટેલ",
                "રવિ કુમાર",
                "મીના દેવી",
                "સુરેશ યાદવ",
                "ફરહાન શેખ",
                "લક્ષ્મી ઐયર",
                "ગુરપ્રીત સિંહ",
                "અનિલ જોશી",
                "કવિતા રાવ",
                "દીપક વર્મા",
                "નિર્મલા દાસ",
                "ઇમરાન ખાન",
                "સુનિતા ભટ્ટ",
                "વિજય નાયક",
                "પૂજા મહેતા",
            ],
        }
    }

    fn parties(self) -> &'static [&'static str] {
        match self {
            Self::Latin => PARTIES,
            Self::Devanagari => &["दल क", "दल ख", "दल ग", "दल घ", "निर्दलीय"],
            Self::Gujarati => &["પક્ષ ક", "પક્ષ ખ", "પક્ષ ગ", "પક્ષ ઘ", "અપક્ષ"],
        }
    }

    fn nota(self) -> &'static str {
        match self {
            Self::Latin => "None of the Above",
            Self::Devanagari => "इनमें से कोई नहीं (नोटा)",
            Self::Gujarati => "ઉપરમાંથી કોઈ નહીં (નોટા)",
        }
    }

    fn station(self, i: usize, area: &str) -> String {
        match self {
            Self::Latin => format!("Polling Station {i}, {area}"),
            Self::Devanagari => format!("मतदान केंद्र {i}, {area}"),
            Self::Gujarati => format!("મતદાન મથક {i}, {area}"),
        }
    }
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            kind: ElectionKind::Assembly,
            seed: 1,
            areas: 2,
            stations: 10,
            candidates: 6,
            electors: 1200,
            turnout: 0.65,
            poll_date: "2026-12-01".into(),
            risk_limit_bp: Some(500),
            script: Script::Latin,
            audit_observers: vec!["OBS-1".into()],
            audit_agents: Vec::new(),
            totaliser: None,
        }
    }
}

/// Poll opens at 07:00.
pub const POLL_OPENS: u32 = 7 * 3600;
/// Scheduled close at 18:00 (voters in the queue then still vote).
pub const SCHEDULED_CLOSE: u32 = 18 * 3600;

const NAMES: &[&str] = &[
    "Asha Patel",
    "Ravi Kumar",
    "Meena Devi",
    "Suresh Yadav",
    "Farhan Shaikh",
    "Lakshmi Iyer",
    "Gurpreet Singh",
    "Anil Joshi",
    "Kavita Rao",
    "Deepak Verma",
    "Nirmala Das",
    "Imran Khan",
    "Sunita Bhatt",
    "Vijay Naik",
    "Pooja Mehta",
];
const PARTIES: &[&str] = &["Party A", "Party B", "Party C", "Party D", "Independent"];

struct Sim {
    rng: ChaCha20Rng,
    opts: SimOptions,
}

/// Names the audit parties in every audit rule and writes their keys (`SECRET_keys/parties/`):
/// what each observer and agent does before the poll, giving the SEC its public key to fix in
/// the manifest. The keys come from their own stream (the seed and the party id), so the
/// election itself does not depend on who is named.
fn name_audit_parties(
    def: &mut ElectionDefinition,
    opts: &SimOptions,
    out: &Path,
) -> Result<(), ProverError> {
    let mut keys: BTreeMap<String, KeyPair> = BTreeMap::new();
    for c in &mut def.contests {
        let Some(rule) = c.audit.as_mut() else {
            continue;
        };
        let named = opts
            .audit_observers
            .iter()
            .map(|id| (id.clone(), Role::Observer))
            .chain(
                opts.audit_agents
                    .iter()
                    .map(|id| (id.replace("{contest}", &c.contest_id), Role::CandidateAgent)),
            );
        for (id, role) in named {
            if !bundle::tally::is_safe_id(&id) {
                return Err(ProverError::input(
                    "--audit-observer/--audit-agent",
                    None,
                    format!("{id:?} is not a safe id (1-64 characters of [A-Za-z0-9._-])"),
                ));
            }
            let key = keys.entry(id.clone()).or_insert_with(|| {
                let mut seed = [0u8; 32];
                seed[..8].copy_from_slice(&opts.seed.to_le_bytes());
                let digest = Sha256::digest(format!("audit party {id}").as_bytes());
                for (s, d) in seed.iter_mut().zip(digest) {
                    *s ^= d;
                }
                KeyPair::generate(&id, role, &mut ChaCha20Rng::from_seed(seed))
            });
            if key.role != role {
                return Err(ProverError::input(
                    "--audit-observer/--audit-agent",
                    None,
                    format!("{id} is named both as an observer and as an agent"),
                ));
            }
            if rule.party(&id).is_none() {
                rule.parties.push(bundle::AuditParty {
                    party_id: id,
                    role,
                    public_key: key.public_hex(),
                });
            }
        }
    }
    let dir = out.join(layout::SIGNING_KEYS).join("parties");
    for (id, k) in &keys {
        crate::io::write_bytes(
            &dir.join(format!("{id}.json")),
            k.to_secret_json()?.as_bytes(),
        )?;
    }
    Ok(())
}

/// Writes a simulated election into `out` and returns its definition.
pub fn simulate(opts: &SimOptions, out: &Path) -> Result<ElectionDefinition, ProverError> {
    if opts.candidates == 0
        || opts.areas == 0
        || opts.stations == 0
        || !(0.0..=1.0).contains(&opts.turnout)
    {
        return Err(ProverError::input(
            "simulate",
            None,
            "need at least one area, station and candidate, and turnout in 0..1",
        ));
    }
    let mut sim = Sim {
        rng: ChaCha20Rng::seed_from_u64(opts.seed),
        opts: opts.clone(),
    };
    let mut def = sim.definition()?;
    name_audit_parties(&mut def, opts, out)?;
    let mut logs = Vec::new();
    let mut forms = Vec::new();
    for station in &def.stations {
        let (form, log) = sim.poll(&def, station);
        forms.push(form);
        logs.push(log);
    }
    let mut totals: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (form, log) in forms.iter().zip(&logs) {
        for clog in &log.contests {
            let contest = def
                .contest(&clog.contest_id)
                .ok_or_else(|| ProverError::input("simulate", None, "contest"))?;
            let t = totals
                .entry(clog.contest_id.clone())
                .or_insert_with(|| vec![0; contest.candidates.len()]);
            for u in &clog.units {
                for v in &u.votes {
                    t[v.1 as usize] += 1;
                }
            }
            let entry = form
                .contests
                .iter()
                .find(|c| c.contest_id == clog.contest_id);
            for tv in entry.map(|e| e.test_votes.as_slice()).unwrap_or_default() {
                t[tv.choice as usize] -= tv.count;
            }
        }
    }
    for contest in def.contests.iter().filter(|c| !c.uncontested) {
        let n = contest.candidates.len();
        let big = matches!(
            def.kind,
            ElectionKind::Assembly | ElectionKind::Parliamentary
        );
        let counts: Vec<u64> = (0..n)
            .map(|_| sim.rng.gen_range(0..if big { 25 } else { 4 }))
            .collect();
        let postal = PostalRow {
            contest_id: contest.contest_id.clone(),
            counts,
            rejected: sim.rng.gen_range(0..4),
        };
        let t = totals
            .entry(contest.contest_id.clone())
            .or_insert_with(|| vec![0; n]);
        for (a, b) in t.iter_mut().zip(&postal.counts) {
            *a += b;
        }
        write_json(
            &out.join(layout::POSTAL)
                .join(format!("{}.json", contest.contest_id)),
            &postal,
        )?;
        let o = outcome(contest, t);
        if o.seats_by_lot > 0 {
            let tied: Vec<String> = o
                .tied
                .iter()
                .map(|&i| contest.candidates[i].candidate_id.clone())
                .collect();
            let chosen = tied
                .choose_multiple(&mut sim.rng, o.seats_by_lot)
                .cloned()
                .collect();
            let lot = TieLot {
                contest_id: contest.contest_id.clone(),
                tied,
                chosen,
                record: "Lot drawn by the Returning Officer before the candidates' agents and the observer".into(),
            };
            write_json(
                &out.join(layout::LOTS)
                    .join(format!("{}.json", contest.contest_id)),
                &lot,
            )?;
        }
    }
    write_json(&out.join(layout::ELECTION), &def)?;
    for form in &forms {
        write_json(
            &out.join(layout::FORM17C)
                .join(format!("{}.json", form.station_id)),
            form,
        )?;
    }
    for log in &logs {
        write_json(
            &out.join(layout::LOGS)
                .join(format!("{}.json", log.station_id)),
            log,
        )?;
    }
    sim.keys(&def, out)?;
    Ok(def)
}

impl Sim {
    fn candidates(&mut self, max: usize) -> Vec<Candidate> {
        let n = self.rng.gen_range(2.min(max)..=max);
        let script = self.opts.script;
        let mut names: Vec<&str> = script.names().to_vec();
        names.shuffle(&mut self.rng);
        let parties = script.parties();
        let mut out: Vec<Candidate> = (0..n)
            .map(|i| Candidate {
                candidate_id: format!("K{:02}", i + 1),
                name: names[i % names.len()].to_string(),
                party: parties[i % parties.len()].to_string(),
                nota: false,
            })
            .collect();
        out.push(Candidate {
            candidate_id: "NOTA".into(),
            name: script.nota().into(),
            party: String::new(),
            nota: true,
        });
        out
    }

    fn contest(
        &mut self,
        id: String,
        name: String,
        kind: ContestKind,
        group: Option<String>,
        ro: &str,
        vvpat: bool,
    ) -> Contest {
        let max = self.opts.candidates;
        Contest {
            contest_id: id,
            name,
            kind,
            group,
            seats: 1,
            candidates: self.candidates(max),
            uncontested: false,
            returning_officer: ro.into(),
            vvpat,
            audit: vvpat.then_some(bundle::AuditRule {
                statutory_per_segment: bundle::AuditRule::MIN_PER_SEGMENT,
                risk_limit_bp: self.opts.risk_limit_bp,
                parties: Vec::new(),
            }),
            totaliser: None,
        }
    }

    fn stations(&mut self, area: &str, contests: Vec<String>) -> Vec<Station> {
        (1..=self.opts.stations)
            .map(|i| {
                let electors = self
                    .rng
                    .gen_range(self.opts.electors / 2..=self.opts.electors)
                    .max(1);
                Station {
                    station_id: format!("{area}-PS{i:03}"),
                    name: self.opts.script.station(i, area),
                    segment_id: area.to_string(),
                    electors,
                    contests: contests.clone(),
                    presiding_officer: format!("PO-{area}-PS{i:03}"),
                }
            })
            .collect()
    }

    fn definition(&mut self) -> Result<ElectionDefinition, ProverError> {
        let o = self.opts.clone();
        let mut contests = Vec::new();
        let mut stations = Vec::new();
        let (name, id) = match o.kind {
            ElectionKind::Assembly | ElectionKind::Parliamentary => {
                for a in 1..=o.areas {
                    let ac = format!("AC{a:03}");
                    contests.push(self.contest(
                        ac.clone(),
                        format!("Assembly Constituency {a}"),
                        ContestKind::SingleMember,
                        None,
                        &format!("RO-{ac}"),
                        true,
                    ));
                    let s = self.stations(&ac, vec![ac.clone()]);
                    stations.extend(s);
                }
                ("Simulated Legislative Assembly election", "assembly")
            }
            ElectionKind::Municipal => {
                for w in 1..=o.areas {
                    let ward = format!("W{w:02}");
                    let seats = if w % 2 == 1 { 3 } else { 4 };
                    let mut polled = Vec::new();
                    for s in 0..seats {
                        let letter = (b'A' + s as u8) as char;
                        let mut c = self.contest(
                            format!("{ward}-{letter}"),
                            format!("Ward {w} seat {letter}"),
                            ContestKind::WardSeat,
                            Some(ward.clone()),
                            &format!("RO-{ward}"),
                            false,
                        );
                        // The last seat of the last ward is returned unopposed.
                        if w == o.areas && s + 1 == seats && o.areas > 1 {
                            c.uncontested = true;
                            c.candidates.truncate(1);
                        } else {
                            polled.push(c.contest_id.clone());
                        }
                        contests.push(c);
                    }
                    let s = self.stations(&ward, polled);
                    stations.extend(s);
                }
                (
                    "Simulated Municipal Corporation general election",
                    "municipal",
                )
            }
            ElectionKind::Panchayat => {
                let mut shared = Vec::new();
                for (post, name) in [
                    ("ZP", "Zila Parishad member"),
                    ("PS", "Panchayat Samiti member"),
                ] {
                    shared.push(self.contest(
                        format!("{post}-01"),
                        name.into(),
                        ContestKind::Post,
                        Some("panchayat-ballot".into()),
                        "RO-BLOCK",
                        false,
                    ));
                }
                let shared_ids: Vec<String> = shared.iter().map(|c| c.contest_id.clone()).collect();
                contests.extend(shared);
                for g in 1..=o.areas {
                    let gp = format!("GP{g:02}");
                    let mut polled = shared_ids.clone();
                    for (post, name) in [("SP", "Sarpanch (Mukhiya)"), ("WM", "Ward member")] {
                        let c = self.contest(
                            format!("{gp}-{post}"),
                            format!("{name}, Gram Panchayat {g}"),
                            ContestKind::Post,
                            Some("panchayat-ballot".into()),
                            &format!("RO-{gp}"),
                            false,
                        );
                        polled.push(c.contest_id.clone());
                        contests.push(c);
                    }
                    let s = self.stations(&gp, polled);
                    stations.extend(s);
                }
                ("Simulated Gram Panchayat general election", "panchayat")
            }
        };
        if let Some(k) = o.totaliser {
            for c in contests.iter_mut().filter(|c| !c.uncontested) {
                let of: Vec<&Station> = stations
                    .iter()
                    .filter(|s| s.contests.contains(&c.contest_id))
                    .collect();
                c.totaliser = Some(
                    bundle::totaliser::form_groups(&c.contest_id, &of, k)
                        .map_err(|e| ProverError::input("simulate", None, e.to_string()))?,
                );
            }
        }
        let midnight = crate::unix_midnight(&o.poll_date)
            .ok_or_else(|| ProverError::input("simulate", None, "poll date is not YYYY-MM-DD"))?;
        Ok(ElectionDefinition {
            spec_version: bundle::SPEC_VERSION.into(),
            election_id: format!("sim-{id}-{}", o.seed),
            name: name.into(),
            kind: o.kind,
            poll_date: o.poll_date.clone(),
            poll_opens: POLL_OPENS,
            counting_starts_at: midnight + 3 * 86_400 + 8 * 3600,
            publication: if o.totaliser.is_some() {
                "totaliser".into()
            } else {
                "booth-wise".into()
            },
            contests,
            stations,
        })
    }

    /// One station's poll: the voters' times, each contest's choices, the 17C Part I.
    fn poll(&mut self, def: &ElectionDefinition, station: &Station) -> (Form17C, EvmLog) {
        let rng = &mut self.rng;
        let turnout = (self.opts.turnout + rng.gen_range(-0.1..0.1)).clamp(0.0, 1.0);
        let voters = ((station.electors as f64) * turnout).round() as u64;
        let voters = voters.min(station.electors);
        let refused = u64::from(rng.gen_bool(0.1)).min(voters);
        let not_allowed = u64::from(rng.gen_bool(0.05)).min(voters - refused);
        let cast = (voters - refused - not_allowed) as usize;
        let late = rng.gen_bool(0.2);
        let end = if late {
            SCHEDULED_CLOSE + rng.gen_range(60..1800)
        } else {
            SCHEDULED_CLOSE
        };
        let mut times: Vec<u32> = (0..cast).map(|_| rng.gen_range(POLL_OPENS..end)).collect();
        times.sort_unstable();
        let closed_at = times
            .last()
            .copied()
            .unwrap_or(POLL_OPENS)
            .max(SCHEDULED_CLOSE)
            + rng.gen_range(30..300);
        let replaced = rng.gen_bool(0.06) && cast > 2;
        let split = if replaced {
            rng.gen_range(1..cast)
        } else {
            cast
        };
        let vvpat = station
            .contests
            .iter()
            .any(|c| def.contest(c).is_some_and(|c| c.vvpat));
        let tag = station.station_id.replace('-', "");
        let unit = |n: usize| Unit {
            cu: format!("CU-{tag}-{n}"),
            bu: vec![format!("BU-{tag}-{n}")],
            vvpat: vvpat.then(|| format!("VV-{tag}-{n}")),
            total: 0,
        };
        let mut form_contests = Vec::new();
        let mut log_contests = Vec::new();
        for cid in &station.contests {
            let Some(contest) = def.contest(cid) else {
                continue;
            };
            let n = contest.candidates.len();
            // Popularity: a contest-wide weight per candidate (squared, from the contest id),
            // NOTA small, times a station-level swing of +-30%.
            let weights: Vec<f64> = (0..n)
                .map(|i| {
                    if contest.candidates[i].nota {
                        0.3
                    } else {
                        let d = Sha256::digest(format!("{cid}/{i}").as_bytes());
                        let base = 1.0 + f64::from(d[0]) / 255.0 * 9.0;
                        base.powi(2) * rng.gen_range(0.7f64..1.3)
                    }
                })
                .collect();
            let sum: f64 = weights.iter().sum();
            let pick = |rng: &mut ChaCha20Rng| {
                let mut x = rng.gen_range(0.0..sum);
                for (i, w) in weights.iter().enumerate() {
                    if x < *w {
                        return i as u32;
                    }
                    x -= w;
                }
                (n - 1) as u32
            };
            let mut votes: Vec<Vote> = times.iter().map(|&t| Vote(t, pick(rng))).collect();
            let mut test_votes = Vec::new();
            if rng.gen_bool(0.03) && !votes.is_empty() {
                // Rule 49MA: an elector disputes the slip; a test vote is recorded beside theirs.
                let at = rng.gen_range(0..votes.len());
                let choice = votes[at].1;
                votes.insert(at + 1, Vote(votes[at].0, choice));
                test_votes.push(TestVote { choice, count: 1 });
            }
            let cut = if replaced {
                split.min(votes.len())
            } else {
                votes.len()
            };
            let mut units = vec![unit(1)];
            let mut ulogs = vec![UnitLog {
                cu: units[0].cu.clone(),
                votes: votes[..cut].to_vec(),
            }];
            units[0].total = cut as u64;
            if replaced {
                let mut u = unit(2);
                u.total = (votes.len() - cut) as u64;
                ulogs.push(UnitLog {
                    cu: u.cu.clone(),
                    votes: votes[cut..].to_vec(),
                });
                units.push(u);
            }
            form_contests.push(Form17CContest {
                contest_id: cid.clone(),
                total_recorded: votes.len() as u64,
                test_votes,
                units,
            });
            log_contests.push(ContestLog {
                contest_id: cid.clone(),
                units: ulogs,
            });
        }
        let form = Form17C {
            station_id: station.station_id.clone(),
            poll: StationPoll {
                electors: station.electors,
                voters_17a: voters,
                refused_49o: refused,
                not_allowed_49m: not_allowed,
                tendered: u64::from(rng.gen_bool(0.05)),
                closed_at,
                seals: vec![format!("SEAL-{tag}-1"), format!("SEAL-{tag}-2")],
                remarks: None,
            },
            contests: form_contests,
        };
        (
            form,
            EvmLog {
                station_id: station.station_id.clone(),
                contests: log_contests,
            },
        )
    }

    fn keys(&mut self, def: &ElectionDefinition, out: &Path) -> Result<(), ProverError> {
        let dir = out.join(layout::SIGNING_KEYS);
        let write = |path: std::path::PathBuf, k: &KeyPair| -> Result<(), ProverError> {
            let text = k.to_secret_json()?;
            crate::io::write_bytes(&path, text.as_bytes())
        };
        let a = KeyPair::generate("authority", Role::Authority, &mut self.rng);
        write(dir.join("authority.json"), &a)?;
        let mut ros: Vec<&str> = def
            .contests
            .iter()
            .map(|c| c.returning_officer.as_str())
            .collect();
        ros.sort_unstable();
        ros.dedup();
        for ro in ros {
            let k = KeyPair::generate(ro, Role::ReturningOfficer, &mut self.rng);
            write(dir.join("ro").join(format!("{ro}.json")), &k)?;
        }
        for s in &def.stations {
            let k = KeyPair::generate(&s.presiding_officer, Role::PresidingOfficer, &mut self.rng);
            write(
                dir.join("po").join(format!("{}.json", s.presiding_officer)),
                &k,
            )?;
        }
        // The authority's public key, to publish in advance.
        crate::io::write_bytes(
            &out.join("authority.pub"),
            format!("{}\n", a.public_hex()).as_bytes(),
        )
    }
}
