//! `prover audit`: the VVPAT audit of a contest after its results are published (spec
//! `audit.md`). Parties commit to seed shares before the results (`commit`, published with the
//! bundle by `prove`), reveal them after (`reveal`); `draw` forms the seed over the results root
//! and draws the statutory sample and the risk-limiting rounds; the slips of those stations are
//! counted (`slips` simulates that count from the bundle, optionally planting a discrepancy);
//! `record` signs the RO's audit record, slips prevailing, into the bundle and re-signs its
//! index. `plan` answers how many stations (or ballots) an audit needs before counting.

use crate::error::ProverError;
use crate::io::{read_json, write_bytes, write_json};
use crate::layout;
use crate::prove::{pretty, result_signed_at};
use crate::seal::{read_definition, signing_key};
use audit::model::{kinds as audit_kinds, paths as audit_paths};
use audit::seed::{audit_seed, commit_share, hex32, opens};
use audit::stats;
use audit::{
    Assessment, AuditRecord, Batch, ContestAudit, Frame, RiskLimited, SeedCommitment, SeedReveal,
    SlipCount,
};
use bundle::digest::{bundle_root, sha256_hex};
use bundle::tally::outcome;
use bundle::{
    kinds, paths, BundleIndex, Contest, ContestShard, ElectionDefinition, FileEntry, KeyPair, Role,
    Signed, TieLot,
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A party to the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The contest's Returning Officer (signs with the certified RO key).
    ReturningOfficer,
    /// An election observer (own key, created on first use).
    Observer,
    /// A candidate's counting agent (own key, created on first use).
    CandidateAgent,
}

impl Party {
    fn role(self) -> Role {
        match self {
            Party::ReturningOfficer => Role::ReturningOfficer,
            Party::Observer => Role::Observer,
            Party::CandidateAgent => Role::CandidateAgent,
        }
    }
}

/// A share file under `SECRET_audit/` (never in a bundle).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareFile {
    party_id: String,
    share: String,
}

/// The stations to count, as drawn: `audit/draws/<contest>.json` in the input folder.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DrawPlan {
    /// Contest.
    pub contest_id: String,
    /// The results root the seed was drawn over.
    pub results_root: String,
    /// The seed, hex.
    pub seed: String,
    /// Statutory stations per segment.
    pub per_segment: u32,
    /// The statutory sample.
    pub statutory: Vec<String>,
    /// The risk limit (basis points) and the rounds drawn so far.
    pub risk_limited: Option<RiskLimited>,
}

fn contest_of<'a>(def: &'a ElectionDefinition, cid: &str) -> Result<&'a Contest, ProverError> {
    def.contest(cid)
        .ok_or_else(|| ProverError::input(layout::ELECTION, None, format!("no contest {cid}")))
}

fn party_key(
    input: &Path,
    contest: &Contest,
    party_id: &str,
    party: Party,
    create: bool,
) -> Result<KeyPair, ProverError> {
    if !bundle::tally::is_safe_id(party_id) {
        return Err(ProverError::input(
            "--party",
            None,
            "party ids are 1-64 characters of [A-Za-z0-9._-]",
        ));
    }
    if party == Party::ReturningOfficer {
        if party_id != contest.returning_officer {
            return Err(ProverError::input(
                "--party",
                None,
                format!(
                    "the RO of contest {} is {}",
                    contest.contest_id, contest.returning_officer
                ),
            ));
        }
        return signing_key(input, &format!("ro/{party_id}.json"));
    }
    let rel = format!("parties/{party_id}.json");
    let path = input.join(layout::SIGNING_KEYS).join(&rel);
    // A rule that names its parties fixes their keys before the poll: only they commit, each
    // with the key it gave. A rule that names none takes any observer or agent (a new key).
    let named = contest.audit.as_ref().filter(|r| !r.parties.is_empty());
    if let Some(rule) = named {
        let Some(p) = rule.party(party_id).filter(|p| p.role == party.role()) else {
            let names: Vec<String> = rule
                .parties
                .iter()
                .map(|p| format!("{} ({})", p.party_id, p.role))
                .collect();
            return Err(ProverError::input(
                "--party",
                None,
                format!(
                    "the audit rule of {} names {}; {party_id} as a {} is not one of them",
                    contest.contest_id,
                    names.join(", "),
                    party.role()
                ),
            ));
        };
        let k = signing_key(input, &rel)?;
        if k.public_hex() != p.public_key {
            return Err(ProverError::input(
                path.display().to_string(),
                None,
                format!(
                    "this key of {party_id} is not the one the audit rule names ({})",
                    p.public_key
                ),
            ));
        }
        return Ok(k);
    }
    if !path.exists() && create {
        let k = KeyPair::generate(party_id, party.role(), &mut OsRng);
        write_bytes(&path, k.to_secret_json()?.as_bytes())?;
    }
    let k = signing_key(input, &rel)?;
    if k.role != party.role() {
        return Err(ProverError::input(
            path.display().to_string(),
            None,
            format!("key of {party_id} is a {} key", k.role),
        ));
    }
    Ok(k)
}

/// `audit commit`: draws a secret share, writes it under `SECRET_audit/`, and writes the signed
/// commitment that `prove` publishes with the results. Returns the commitment.
pub fn commit(
    input: &Path,
    contest_id: &str,
    party_id: &str,
    party: Party,
    at: Option<u64>,
) -> Result<String, ProverError> {
    let def = read_definition(input)?;
    let contest = contest_of(&def, contest_id)?;
    if !contest.vvpat || contest.uncontested {
        return Err(ProverError::input(
            layout::ELECTION,
            None,
            format!("contest {contest_id} has no paper trail to audit"),
        ));
    }
    let key = party_key(input, contest, party_id, party, true)?;
    let share_path = input
        .join(layout::AUDIT_SHARES)
        .join(contest_id)
        .join(format!("{party_id}.json"));
    if share_path.exists() {
        return Err(ProverError::input(
            share_path.display().to_string(),
            None,
            "this party has already committed a share for this contest (a share is committed once)",
        ));
    }
    let mut share = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(share.as_mut());
    let c = commit_share(&def.election_id, contest_id, party_id, &share);
    let file = ShareFile {
        party_id: party_id.into(),
        share: hex::encode(share.as_ref()),
    };
    write_json(&share_path, &file)?;
    let body = SeedCommitment {
        spec_version: bundle::SPEC_VERSION.into(),
        election_id: def.election_id.clone(),
        contest_id: contest_id.into(),
        party_id: party_id.into(),
        commitment: hex::encode(c),
        signed_at: at.unwrap_or(def.counting_starts_at + 3600),
    };
    let signed = key.sign(audit_kinds::SEED_COMMITMENT, body)?;
    write_json(
        &input
            .join(layout::AUDIT_COMMITMENTS)
            .join(contest_id)
            .join(format!("{party_id}.json")),
        &signed,
    )?;
    Ok(hex::encode(c))
}

/// `audit reveal`: signs the share against the published results, to be published after them.
///
/// The party first checks what it is revealing against: the bundle's signed index gives the
/// results root, and the party's own commitment must be among the commitments published under
/// it. A share is revealed once: if this party already revealed against another results root
/// (results re-issued after the reveals), it refuses, since revealing again would let whoever
/// re-issued the results choose among seeds. Returns the results root revealed against.
pub fn reveal(
    input: &Path,
    bundle_dir: &Path,
    contest_id: &str,
    party_id: &str,
    party: Party,
    at: Option<u64>,
) -> Result<String, ProverError> {
    let def = read_definition(input)?;
    let contest = contest_of(&def, contest_id)?;
    let key = party_key(input, contest, party_id, party, false)?;
    let share_path = input
        .join(layout::AUDIT_SHARES)
        .join(contest_id)
        .join(format!("{party_id}.json"));
    let file: ShareFile = read_json(&share_path)?;
    let index: Signed<BundleIndex> = read_json(&bundle_dir.join(paths::INDEX))?;
    index.verify(kinds::BUNDLE_INDEX)?;
    let root = audit::results_root_of(&index.body);
    let cpath = bundle_dir
        .join(audit_paths::COMMITMENTS)
        .join(format!("{contest_id}.json"));
    let cfile = cpath.display().to_string();
    let cbytes = std::fs::read(&cpath).map_err(|e| ProverError::Io {
        path: cfile.clone(),
        reason: format!("{e} (no seed commitments were published with these results)"),
    })?;
    let listed = index
        .body
        .files
        .iter()
        .find(|e| e.path == format!("{}/{contest_id}.json", audit_paths::COMMITMENTS));
    if listed.map(|e| e.sha256.as_str()) != Some(sha256_hex(&cbytes).as_str()) {
        return Err(ProverError::input(
            &cfile,
            None,
            "the published commitments are not the ones the signed index lists",
        ));
    }
    let commitments: Vec<Signed<SeedCommitment>> = serde_json::from_slice(&cbytes)
        .map_err(|e| ProverError::input(&cfile, None, e.to_string()))?;
    let mine = commitments
        .iter()
        .find(|c| c.body.party_id == party_id && c.public_key == key.public_hex())
        .ok_or_else(|| {
            ProverError::input(
                &cfile,
                None,
                format!("the commitment of {party_id} is not among those published with the results: do not reveal"),
            )
        })?;
    let share = hex32(&file.share).ok_or_else(|| {
        ProverError::input(
            share_path.display().to_string(),
            None,
            "share is not 32 bytes of hex",
        )
    })?;
    let commitment = hex::decode(&mine.body.commitment).unwrap_or_default();
    if !opens(&def.election_id, contest_id, party_id, &share, &commitment) {
        return Err(ProverError::input(
            &cfile,
            None,
            format!("the published commitment of {party_id} is not the one its share opens: do not reveal"),
        ));
    }
    let out = input
        .join(layout::AUDIT_REVEALS)
        .join(contest_id)
        .join(format!("{party_id}.json"));
    if out.exists() {
        let earlier: Signed<SeedReveal> = read_json(&out)?;
        if earlier.body.results_root != root {
            return Err(ProverError::input(
                out.display().to_string(),
                None,
                format!(
                    "{party_id} already revealed its share against results root {}; these results have root {root}. \
                     A share is revealed once: results re-issued after the reveals could otherwise be re-signed until the seed suits",
                    earlier.body.results_root
                ),
            ));
        }
        return Ok(root);
    }
    let body = SeedReveal {
        election_id: def.election_id.clone(),
        contest_id: contest_id.into(),
        party_id: party_id.into(),
        results_root: root.clone(),
        commitment: mine.body.commitment.clone(),
        share: file.share,
        signed_at: at.unwrap_or(result_signed_at(&def) + 600),
    };
    let signed = key.sign(audit_kinds::SEED_REVEAL, body)?;
    write_json(&out, &signed)?;
    Ok(root)
}

/// A published contest, as the audit needs it.
struct Published {
    def: ElectionDefinition,
    contest: Contest,
    index: Signed<BundleIndex>,
    /// (batch, segment, published row), in id order: stations, or the groups of a contest with
    /// totaliser groups.
    rows: Vec<(String, String, Vec<u64>)>,
    totals: Vec<u64>,
    winners: Vec<usize>,
}

impl Published {
    fn load(input: &Path, bundle_dir: &Path, cid: &str) -> Result<Self, ProverError> {
        let def = read_definition(input)?;
        let contest = contest_of(&def, cid)?.clone();
        let index: Signed<BundleIndex> = read_json(&bundle_dir.join(paths::INDEX))?;
        let shard: ContestShard =
            read_json(&bundle_dir.join(paths::CONTESTS).join(format!("{cid}.json")))?;
        let segment: BTreeMap<&str, &str> = def
            .stations
            .iter()
            .map(|s| (s.station_id.as_str(), s.segment_id.as_str()))
            .collect();
        // The batches: stations, or a grouped contest's groups (audit.md §4).
        let rows: Vec<(String, String, Vec<u64>)> =
            audit::contest_batches(&contest, &shard, |sid| segment.get(sid).copied())
                .into_iter()
                .map(|b| {
                    (
                        b.station_id.to_string(),
                        b.segment_id.to_string(),
                        b.counts.to_vec(),
                    )
                })
                .collect();
        let totals = shard.result.body.totals.clone();
        let winners = shard
            .result
            .body
            .winners
            .iter()
            .filter_map(|w| contest.candidates.iter().position(|c| &c.candidate_id == w))
            .collect();
        Ok(Self {
            def,
            contest,
            index,
            rows,
            totals,
            winners,
        })
    }

    fn batches(&self) -> Vec<Batch<'_>> {
        self.rows
            .iter()
            .map(|(s, g, c)| Batch {
                station_id: s,
                segment_id: g,
                counts: c,
            })
            .collect()
    }

    fn results_root(&self) -> String {
        audit::results_root_of(&self.index.body)
    }

    fn frame(&self) -> Frame {
        Frame::new(&self.contest, &self.batches(), &self.totals, &self.winners)
    }
}

/// The published commitments and the revealed shares; every commitment must be opened.
fn seed_inputs(
    input: &Path,
    bundle_dir: &Path,
    p: &Published,
) -> Result<(Vec<Signed<SeedReveal>>, [u8; 32]), ProverError> {
    let cid = &p.contest.contest_id;
    let cpath = bundle_dir
        .join(audit_paths::COMMITMENTS)
        .join(format!("{cid}.json"));
    if !cpath.exists() {
        return Err(ProverError::input(
            cpath.display().to_string(),
            None,
            "no seed commitment was published with the results: run `prover audit commit` before `prove`",
        ));
    }
    let commitments: Vec<Signed<SeedCommitment>> = read_json(&cpath)?;
    // Every party the rule names formed the seed, or there is no seed (audit.md §3).
    for named in p.contest.audit.iter().flat_map(|r| &r.parties) {
        if !commitments
            .iter()
            .any(|c| c.body.party_id == named.party_id)
        {
            return Err(ProverError::input(
                cpath.display().to_string(),
                None,
                format!(
                    "the audit rule names {} ({}), whose seed commitment was not published with the results: no seed can be formed without it",
                    named.party_id, named.role
                ),
            ));
        }
    }
    let mut reveals = Vec::new();
    let mut shares = Vec::new();
    for c in &commitments {
        let rpath = input
            .join(layout::AUDIT_REVEALS)
            .join(cid)
            .join(format!("{}.json", c.body.party_id));
        let r: Signed<SeedReveal> = read_json(&rpath).map_err(|_| {
            ProverError::input(
                rpath.display().to_string(),
                None,
                format!("party {} has not revealed its share", c.body.party_id),
            )
        })?;
        let share = hex32(&r.body.share).ok_or_else(|| {
            ProverError::input(
                rpath.display().to_string(),
                None,
                "share is not 32 bytes of hex",
            )
        })?;
        if r.body.results_root != p.results_root() || r.body.commitment != c.body.commitment {
            return Err(ProverError::input(
                rpath.display().to_string(),
                None,
                format!(
                    "the share of {} was revealed against results root {}, not these results ({})",
                    c.body.party_id,
                    r.body.results_root,
                    p.results_root()
                ),
            ));
        }
        let commitment = hex::decode(&c.body.commitment).unwrap_or_default();
        if !opens(
            &p.def.election_id,
            cid,
            &c.body.party_id,
            &share,
            &commitment,
        ) {
            return Err(ProverError::input(
                rpath.display().to_string(),
                None,
                format!(
                    "the share of {} does not open its commitment",
                    c.body.party_id
                ),
            ));
        }
        shares.push((c.body.party_id.clone(), share));
        reveals.push(r);
    }
    let root = hex32(&p.results_root())
        .ok_or_else(|| ProverError::input(paths::INDEX, None, "root is not 32 bytes of hex"))?;
    Ok((reveals, audit_seed(&p.def.election_id, cid, &root, &shares)))
}

/// `audit draw`: forms the seed and draws the statutory sample and the first risk-limiting
/// round, at the sizes the contest's audit rule fixed in the manifest before the poll; or
/// (`more`) adds a round of that many draws to the plan. Writes and returns the plan.
pub fn draw(
    input: &Path,
    bundle_dir: &Path,
    cid: &str,
    more: Option<u64>,
) -> Result<DrawPlan, ProverError> {
    let p = Published::load(input, bundle_dir, cid)?;
    let rule = p.contest.audit.clone().ok_or_else(|| {
        ProverError::input(
            layout::ELECTION,
            None,
            format!("contest {cid} has no VVPAT audit rule (no paper trail to audit)"),
        )
    })?;
    let per_segment = rule.statutory_per_segment;
    let (_, seed) = seed_inputs(input, bundle_dir, &p)?;
    let plan_path = input.join(layout::AUDIT_DRAWS).join(format!("{cid}.json"));
    let batches = p.batches();
    let frame = p.frame();
    let plan = if let Some(extra) = more {
        let mut plan: DrawPlan = read_json(&plan_path)?;
        if plan.seed != hex::encode(seed) {
            return Err(ProverError::input(
                plan_path.display().to_string(),
                None,
                "the plan was drawn from another seed (the bundle or a share changed)",
            ));
        }
        let rl = plan.risk_limited.as_mut().ok_or_else(|| {
            ProverError::input(
                plan_path.display().to_string(),
                None,
                "this audit has no risk limit",
            )
        })?;
        let done: usize = rl.rounds.iter().map(Vec::len).sum();
        let all = frame.draws(&seed, cid, &batches, done + extra as usize);
        rl.rounds.push(all[done..].to_vec());
        plan
    } else {
        let risk_limited = match rule.risk_limit_bp {
            None => None,
            Some(bp) => {
                let n = stats::km_sample_size(frame.u_total, f64::from(bp) / 10_000.0);
                let first = match n {
                    // Beyond the number of stations, counting them all is cheaper: no draws.
                    Some(n) if n as usize <= batches.len() => {
                        frame.draws(&seed, cid, &batches, n as usize)
                    }
                    _ => Vec::new(),
                };
                Some(RiskLimited {
                    risk_limit_bp: bp,
                    rounds: vec![first],
                })
            }
        };
        DrawPlan {
            contest_id: cid.into(),
            results_root: p.results_root(),
            seed: hex::encode(seed),
            per_segment,
            statutory: audit::statutory_sample(
                &seed,
                &batches,
                audit::statutory_batches(&p.contest, per_segment),
            ),
            risk_limited,
        }
    };
    write_json(&plan_path, &plan)?;
    Ok(plan)
}

/// `audit slips` (simulation): the slip counts of every station to count (the plan, the
/// requests, or `all`), taken as the published rows, i.e. an honest machine; `plant` moves
/// `shift` votes from the winner to the runner-up on paper at one station, as if its machine had
/// recorded them for the winner.
pub fn simulate_slips(
    input: &Path,
    bundle_dir: &Path,
    cid: &str,
    requests: &[String],
    all: bool,
    plant: Option<(&str, u64)>,
) -> Result<BTreeMap<String, Vec<u64>>, ProverError> {
    let p = Published::load(input, bundle_dir, cid)?;
    let plan: DrawPlan = read_json(&input.join(layout::AUDIT_DRAWS).join(format!("{cid}.json")))?;
    let mut wanted: Vec<&str> = plan.statutory.iter().map(String::as_str).collect();
    if let Some(rl) = &plan.risk_limited {
        wanted.extend(rl.rounds.iter().flatten().map(String::as_str));
    }
    wanted.extend(requests.iter().map(String::as_str));
    let mut out = BTreeMap::new();
    for (sid, _, counts) in &p.rows {
        if all || wanted.contains(&sid.as_str()) {
            out.insert(sid.clone(), counts.clone());
        }
    }
    if let Some((station, shift)) = plant {
        let row = out.get_mut(station).ok_or_else(|| {
            ProverError::input(
                "--plant",
                Some(station),
                "this station's slips are not being counted",
            )
        })?;
        let w = p.winners.first().copied().unwrap_or(0);
        let mut order: Vec<usize> = (0..p.contest.candidates.len())
            .filter(|&i| i != w && !p.contest.candidates[i].nota)
            .collect();
        order.sort_by_key(|&i| std::cmp::Reverse(p.totals.get(i).copied().unwrap_or(0)));
        let l = order.first().copied().unwrap_or(w);
        let moved = shift.min(row[w]);
        row[w] -= moved;
        row[l] += moved;
    }
    write_json(
        &input.join(layout::AUDIT_SLIPS).join(format!("{cid}.json")),
        &out,
    )?;
    Ok(out)
}

/// `audit record`: the RO's signed audit record, slips prevailing, written into the bundle as
/// `audit/records/<contest>.json` with the shares revealed; the bundle index is re-signed.
/// `requests` are the stations counted beyond the draw (Rule 56D); `all` records a full count.
/// Slips of any other station are refused (V7.f).
pub fn record(
    input: &Path,
    bundle_dir: &Path,
    cid: &str,
    requests: &[String],
    all: bool,
    at: Option<u64>,
) -> Result<Assessment, ProverError> {
    let p = Published::load(input, bundle_dir, cid)?;
    let (reveals, seed) = seed_inputs(input, bundle_dir, &p)?;
    let plan_path = input.join(layout::AUDIT_DRAWS).join(format!("{cid}.json"));
    let plan: DrawPlan = read_json(&plan_path)?;
    if plan.seed != hex::encode(seed) || plan.results_root != p.results_root() {
        return Err(ProverError::input(
            plan_path.display().to_string(),
            None,
            "the plan was drawn over another results root or seed: draw again",
        ));
    }
    let slips_path = input.join(layout::AUDIT_SLIPS).join(format!("{cid}.json"));
    let slips: BTreeMap<String, Vec<u64>> = read_json(&slips_path)?;
    let n = p.contest.candidates.len();
    for (sid, c) in &slips {
        if c.len() != n || !p.rows.iter().any(|r| &r.0 == sid) {
            return Err(ProverError::input(
                slips_path.display().to_string(),
                Some(sid),
                format!("slips must be {n} counts for a station of contest {cid}"),
            ));
        }
    }
    let mut requests: Vec<String> = requests.to_vec();
    if all {
        // A full count: every station of the contest is counted, the draw's and the rest.
        requests.extend(p.rows.iter().map(|r| r.0.clone()));
    }
    requests.sort();
    requests.dedup();
    let mut body = AuditRecord {
        spec_version: bundle::SPEC_VERSION.into(),
        election_id: p.def.election_id.clone(),
        contest_id: cid.into(),
        results_root: plan.results_root.clone(),
        seed: plan.seed.clone(),
        per_segment: plan.per_segment,
        statutory: plan.statutory.clone(),
        risk_limited: plan.risk_limited.clone(),
        requests,
        slips: slips
            .iter()
            .map(|(s, c)| SlipCount {
                station_id: s.clone(),
                counts: c.clone(),
            })
            .collect(),
        final_totals: Vec::new(),
        winners: Vec::new(),
        tie_lot: None,
        signed_at: at.unwrap_or(result_signed_at(&p.def) + 7200),
    };
    let to_count = audit::stations_to_count(&body);
    for &sid in &to_count {
        if !slips.contains_key(sid) {
            return Err(ProverError::input(
                slips_path.display().to_string(),
                Some(sid),
                "this station was drawn or requested but its slips are not recorded",
            ));
        }
    }
    if let Some(sid) = slips.keys().find(|s| !to_count.contains(s.as_str())) {
        return Err(ProverError::input(
            slips_path.display().to_string(),
            Some(sid),
            "slips of a station neither drawn nor requested: name it with --request (Rule 56D)",
        ));
    }
    let batches = p.batches();
    let slip_rows: BTreeMap<&str, &[u64]> = slips
        .iter()
        .map(|(s, c)| (s.as_str(), c.as_slice()))
        .collect();
    let final_totals = audit::final_totals(&p.totals, &batches, &slip_rows).ok_or_else(|| {
        ProverError::input(
            slips_path.display().to_string(),
            None,
            "slips leave a total out of range",
        )
    })?;
    let o = outcome(&p.contest, &final_totals);
    let mut winners: Vec<String> = o
        .elected
        .iter()
        .map(|&i| p.contest.candidates[i].candidate_id.clone())
        .collect();
    if !o.tied.is_empty() {
        let lot_path = input.join(layout::LOTS).join(format!("{cid}.audit.json"));
        let lot: TieLot = read_json(&lot_path).map_err(|_| {
            ProverError::input(
                lot_path.display().to_string(),
                None,
                "the slips leave a tie at the last seat: record the lot drawn in this file",
            )
        })?;
        winners.extend(lot.chosen.iter().cloned());
        body.tie_lot = Some(lot);
    }
    body.final_totals = final_totals;
    body.winners = winners;
    let ro = signing_key(input, &format!("ro/{}.json", p.contest.returning_officer))?;
    let assessment = audit::assess(&p.contest, &batches, &p.totals, &p.winners, &body);
    let signed = ro.sign(audit_kinds::AUDIT_RECORD, body.clone())?;
    let file = ContestAudit {
        contest_id: cid.into(),
        reveals,
        record: signed,
    };
    let rel = format!("{}/{cid}.json", audit_paths::RECORDS);
    write_bytes(&bundle_dir.join(&rel), &pretty(&file)?)?;
    let authority = signing_key(input, "authority.json")?;
    reindex(bundle_dir, &authority, body.signed_at + 600)?;
    Ok(assessment)
}

/// Re-lists every file of the bundle, recomputes the root and re-signs the index.
pub fn reindex(
    bundle_dir: &Path,
    authority: &KeyPair,
    signed_at: u64,
) -> Result<String, ProverError> {
    let old: Signed<BundleIndex> = read_json(&bundle_dir.join(paths::INDEX))?;
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = vec![bundle_dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| ProverError::Io {
            path: d.display().to_string(),
            reason: e.to_string(),
        })?;
        for e in rd.flatten() {
            let path = e.path();
            let rel = path
                .strip_prefix(bundle_dir)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if rel.split('/').any(|c| c.starts_with("SECRET_")) {
                return Err(ProverError::input(
                    rel,
                    None,
                    "secret material inside the bundle",
                ));
            }
            if path.is_dir() {
                stack.push(path);
            } else if rel != paths::INDEX {
                let bytes = std::fs::read(&path).map_err(|e| ProverError::Io {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                files.push(FileEntry {
                    path: rel,
                    sha256: sha256_hex(&bytes),
                    bytes: bytes.len() as u64,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let root = bundle_root(files.iter().map(|e| (e.path.as_str(), e.sha256.as_str())));
    let index = BundleIndex {
        files,
        root: root.clone(),
        signed_at: signed_at.max(old.body.signed_at),
        ..old.body
    };
    write_bytes(
        &bundle_dir.join(paths::INDEX),
        &pretty(&authority.sign(kinds::BUNDLE_INDEX, index)?)?,
    )?;
    Ok(root)
}

/// What an audit of a contest will need, before counting.
#[derive(Clone, Debug, Serialize)]
pub struct AuditPlan {
    /// Stations.
    pub stations: u64,
    /// Votes cast at the stations.
    pub ballots: u64,
    /// Smallest winner-loser margin, votes.
    pub margin: u64,
    /// Total error bound `U`.
    pub total_error_bound: f64,
    /// Kaplan-Markov draws (stations, with replacement) if no error is found; `None` for a tie.
    pub km_draws: Option<u64>,
    /// BRAVO's average number of ballots for the closest pair; `None` for a tie.
    pub bravo_ballots: Option<f64>,
}

/// `audit plan` from a published contest.
pub fn plan_from_bundle(
    input: &Path,
    bundle_dir: &Path,
    cid: &str,
    alpha: f64,
) -> Result<AuditPlan, ProverError> {
    check_risk_limit(alpha)?;
    let p = Published::load(input, bundle_dir, cid)?;
    let frame = p.frame();
    let ballots: u64 = p.rows.iter().map(|r| r.2.iter().sum::<u64>()).sum();
    let closest = frame.pairs.iter().min_by_key(|q| q.margin);
    let (vw, vl) = closest
        .map(|q| (p.totals[q.winner], p.totals[q.loser]))
        .unwrap_or((0, 0));
    Ok(AuditPlan {
        stations: p.rows.len() as u64,
        ballots,
        margin: vw.saturating_sub(vl),
        total_error_bound: frame.u_total,
        km_draws: stats::km_sample_size(frame.u_total, alpha),
        bravo_ballots: stats::bravo_asn(vw, vl, ballots, alpha),
    })
}

/// `audit plan` from round numbers: `stations` of equal size, the winner and runner-up's votes
/// among `ballots`. Each station's error bound is then `(ballots + margin) / (stations * margin)`.
pub fn plan_from_numbers(
    winner: u64,
    runner_up: u64,
    ballots: u64,
    stations: u64,
    alpha: f64,
) -> Result<AuditPlan, ProverError> {
    check_risk_limit(alpha)?;
    let bad = |rule: String| Err(ProverError::input("audit plan", None, rule));
    if winner < runner_up {
        return bad(format!(
            "--winner ({winner}) has fewer votes than --runner-up ({runner_up}): give the winner's votes first"
        ));
    }
    if winner.saturating_add(runner_up) > ballots {
        return bad(format!(
            "--ballots ({ballots}) is fewer than the winner's and runner-up's votes together ({})",
            winner.saturating_add(runner_up)
        ));
    }
    if stations == 0 {
        return bad("--stations must be at least 1".into());
    }
    let margin = winner.saturating_sub(runner_up);
    let u_total = if margin == 0 {
        f64::INFINITY
    } else {
        (ballots as f64 + margin as f64) / margin as f64
    };
    Ok(AuditPlan {
        stations,
        ballots,
        margin,
        total_error_bound: u_total,
        km_draws: stats::km_sample_size(u_total, alpha),
        bravo_ballots: stats::bravo_asn(winner, runner_up, ballots, alpha),
    })
}

/// A risk limit is a fraction strictly between 0 and 1 (0.05 for 5%).
fn check_risk_limit(alpha: f64) -> Result<(), ProverError> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(ProverError::input(
            "audit plan",
            None,
            format!(
                "--risk-limit is a fraction strictly between 0 and 1 (0.05 for 5%), not {alpha}"
            ),
        ))
    }
}

impl AuditPlan {
    /// The plan in words, at risk limit `alpha`.
    pub fn to_text(&self, alpha: f64) -> String {
        let mut s = format!(
            "{} stations, {} votes, closest margin {} votes, total error bound U = {:.2}\n",
            self.stations, self.ballots, self.margin, self.total_error_bound
        );
        s += &match self.km_draws {
            None => "batch-comparison: a tie; only a full count confirms the outcome\n".into(),
            Some(n) if n >= self.stations => format!(
                "batch-comparison (Kaplan-Markov, PPEB): {n} station draws at risk limit {alpha}, as many as or more than the {} stations: count every station (a full count)\n",
                self.stations
            ),
            Some(n) => format!(
                "batch-comparison (Kaplan-Markov, PPEB): {n} station draws at risk limit {alpha} if no error is found\n"
            ),
        };
        s += &match self.bravo_ballots {
            Some(n) if n >= self.ballots as f64 => format!(
                "ballot polling (BRAVO), for comparison: about {:.0} slips on average, more than the {} cast: a full count\n",
                n.ceil(),
                self.ballots
            ),
            Some(n) => format!(
                "ballot polling (BRAVO), for comparison: about {:.0} individual slips on average\n",
                n.ceil()
            ),
            None => "ballot polling (BRAVO): a tie; polling cannot confirm it\n".into(),
        };
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(r: Result<AuditPlan, ProverError>) -> String {
        match r {
            Ok(p) => panic!("accepted: {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn plan_refuses_what_it_cannot_mean() {
        for alpha in [5.0, 0.0, 1.0, -0.1, f64::NAN] {
            let e = refused(plan_from_numbers(52_000, 48_000, 110_000, 100, alpha));
            assert!(
                e.contains("--risk-limit") && e.contains("between 0 and 1"),
                "{e}"
            );
        }
        let e = refused(plan_from_numbers(48_000, 52_000, 110_000, 100, 0.05));
        assert!(
            e.contains("--winner (48000)") && e.contains("--runner-up (52000)"),
            "{e}"
        );
        let e = refused(plan_from_numbers(52_000, 48_000, 90_000, 100, 0.05));
        assert!(
            e.contains("--ballots (90000)") && e.contains("100000"),
            "{e}"
        );
        let e = refused(plan_from_numbers(52_000, 48_000, 110_000, 0, 0.05));
        assert!(e.contains("--stations"), "{e}");
    }

    #[test]
    fn plan_says_a_tie_and_a_full_count() {
        let tie = plan_from_numbers(50_000, 50_000, 110_000, 100, 0.05).unwrap();
        assert!(tie.to_text(0.05).contains("a tie; only a full count"));
        // A margin of 200 in 100,000 votes over 100 stations needs more draws than stations.
        let close = plan_from_numbers(50_100, 49_900, 100_000, 100, 0.05).unwrap();
        assert!(close.km_draws.unwrap() >= 100);
        let t = close.to_text(0.05);
        assert!(t.contains("count every station (a full count)"), "{t}");
        let wide = plan_from_numbers(60_000, 40_000, 100_000, 100, 0.05).unwrap();
        let t = wide.to_text(0.05);
        assert!(
            t.contains("if no error is found") && !t.contains("full count"),
            "{t}"
        );
    }
}
