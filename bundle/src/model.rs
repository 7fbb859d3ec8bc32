//! The published statements and the bundle files (spec `bundle.md` §4-§7).
//!
//! Every struct refuses unknown fields, so a file cannot carry anything the spec does not name
//! (a stray salt or vote log included). Counts are integers.

use crate::signing::{Role, Signed};
use serde::{Deserialize, Serialize};

/// What kind of election the manifest describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElectionKind {
    /// Lok Sabha (parliamentary constituency).
    Parliamentary,
    /// Vidhan Sabha (assembly constituency).
    Assembly,
    /// Municipal corporation or council (wards, possibly multi-member).
    Municipal,
    /// Panchayat (several posts on one device set).
    Panchayat,
}

/// How a contest sits in the election.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContestKind {
    /// One seat, one contest (assembly, parliamentary, single-member ward).
    SingleMember,
    /// One seat of a multi-member ward; `group` names the ward, every voter votes once per seat.
    WardSeat,
    /// One post of a multi-post ballot; `group` names the ballot (device set).
    Post,
}

/// A candidate, in ballot order. NOTA is the last entry of every polled contest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Unique within the contest.
    pub candidate_id: String,
    /// Name as on the ballot.
    pub name: String,
    /// Party or "Independent"; empty for NOTA.
    pub party: String,
    /// True for "None of the above".
    pub nota: bool,
}

/// One contest (one seat or one post).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contest {
    /// Unique within the election.
    pub contest_id: String,
    /// Human name (for example "Ward 7 seat B").
    pub name: String,
    /// Single member, ward seat or post.
    pub kind: ContestKind,
    /// Ward (for ward seats) or ballot (for posts) this contest belongs to.
    pub group: Option<String>,
    /// Seats to fill (1 in every contest of v0.1: a multi-member ward is one contest per seat).
    pub seats: u32,
    /// Candidates in ballot order, NOTA last.
    pub candidates: Vec<Candidate>,
    /// No poll: the only candidate is declared elected.
    pub uncontested: bool,
    /// The Returning Officer responsible.
    pub returning_officer: String,
    /// Whether VVPAT slips exist for this contest (SEC polls usually have none).
    pub vvpat: bool,
    /// The VVPAT audit rule, fixed before the poll: present exactly when the contest is polled
    /// with a paper trail (`vvpat` and not uncontested), `null` otherwise (bundle.md §4.1 D7).
    pub audit: Option<AuditRule>,
    /// Totaliser groups (protocol.md §7), fixed before the poll: the contest's results are then
    /// published per group, never per station (bundle.md §4.1 D9). Omitted when the contest
    /// publishes every station's counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totaliser: Option<Totaliser>,
}

/// A contest's totaliser groups (protocol.md §7.7; rules in [`crate::totaliser`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totaliser {
    /// k: the fewest stations in a group (the SEC's rule, for example 14).
    pub min_stations: u32,
    /// The groups, each once.
    pub groups: Vec<TotaliserGroup>,
}

/// One group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotaliserGroup {
    /// Unique within the contest.
    pub group_id: String,
    /// The assembly segment (or ward) every station of the group belongs to.
    pub segment_id: String,
    /// Station ids in the order of the contest's station list.
    pub stations: Vec<String>,
}

/// How a contest's VVPAT slips are audited, fixed in the manifest before the poll so that no
/// one chooses it after the seed is known (audit.md §1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRule {
    /// Stations whose slips are counted per assembly segment (statutory sample; at least 5).
    pub statutory_per_segment: u32,
    /// Risk limit of the batch-comparison audit in basis points (500 = 5%), 1 to 9,999; `null`:
    /// no risk-limiting audit, the statutory sample only.
    pub risk_limit_bp: Option<u32>,
    /// The parties outside the SEC who must each commit to a seed share and reveal it (audit.md
    /// §3): observers and candidates' agents, each with the Ed25519 key it gave before the poll.
    /// Pinning the manifest pins them: a named party's commitment cannot be dropped, and no
    /// unnamed observer or agent can add a share. Omitted when empty: the rule names none, and
    /// the report warns that the sample may have been chosen by the SEC alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<AuditParty>,
}

/// A party outside the SEC named in an audit rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParty {
    /// Its id (a safe id), as its commitment and reveal name it.
    pub party_id: String,
    /// `observer` or `candidate-agent`.
    pub role: Role,
    /// The Ed25519 public key it commits and reveals with, 64 lower-case hex digits.
    pub public_key: String,
}

impl AuditRule {
    /// Stations per segment counted by statute (ECI practice since 2019): the least a rule may set.
    pub const MIN_PER_SEGMENT: u32 = 5;

    /// Whether the rule is within the spec's bounds (D7): at least the statutory sample, a risk
    /// limit strictly between 0 and 1, and named parties that are observers or agents with
    /// distinct safe ids and valid public keys.
    pub fn in_bounds(&self) -> bool {
        let mut ids = std::collections::BTreeSet::new();
        self.statutory_per_segment >= Self::MIN_PER_SEGMENT
            && self
                .risk_limit_bp
                .is_none_or(|bp| (1..10_000).contains(&bp))
            && self.parties.iter().all(|p| {
                crate::text::is_safe_id(&p.party_id)
                    && ids.insert(p.party_id.as_str())
                    && matches!(p.role, Role::Observer | Role::CandidateAgent)
                    && crate::signing::public_key_from_hex(&p.public_key).is_ok()
            })
    }

    /// The named party with this id, if any.
    pub fn party(&self, party_id: &str) -> Option<&AuditParty> {
        self.parties.iter().find(|p| p.party_id == party_id)
    }
}

/// A polling station.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Station {
    /// Unique within the election.
    pub station_id: String,
    /// Name and locality.
    pub name: String,
    /// Assembly segment or ward the station belongs to.
    pub segment_id: String,
    /// Electors on the roll part assigned to this station.
    pub electors: u64,
    /// Contests polled here (several for a multi-post ballot or a multi-member ward).
    pub contests: Vec<String>,
    /// The Presiding Officer's id.
    pub presiding_officer: String,
}

/// The election as defined before the poll (input of the prover; the body of the manifest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionDefinition {
    /// Protocol version.
    pub spec_version: String,
    /// Unique id, also bound into every station proof.
    pub election_id: String,
    /// Human name.
    pub name: String,
    /// Kind of election.
    pub kind: ElectionKind,
    /// Poll date, `YYYY-MM-DD`.
    pub poll_date: String,
    /// Poll opens, seconds after 00:00 of the poll day.
    pub poll_opens: u32,
    /// When counting begins, Unix seconds.
    pub counting_starts_at: u64,
    /// Publication policy (v0.1: "booth-wise").
    pub publication: String,
    /// Contests.
    pub contests: Vec<Contest>,
    /// Polling stations. In a bundle the manifest carries none: each contest's stations are in
    /// its own station list (`stations/<contest>.json`, bundle.md §4.2), so that checking one
    /// contest reads only its stations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stations: Vec<Station>,
}

/// A circuit shape used by the election and the digest of its verifying key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeKey {
    /// `VOTESxCHOICES`.
    pub shape: String,
    /// Bundle path of the verifying key file.
    pub path: String,
    /// SHA-256 of the verifying key's canonical bytes, hex.
    pub vk_sha256: String,
}

/// How the Groth16 keys were made (spec §4.4, ceremony.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupRecord {
    /// "single-party" or "multi-party".
    pub kind: String,
    /// Who ran it (single party) or a summary of the ceremony.
    pub performed_by: String,
    /// For a multi-party ceremony, the ceremony files the bundle carries, bound by digest
    /// (`ceremony/transcript.json`, `ceremony/phase1.bin`, `ceremony/<shape>.bin`); null for a
    /// single-party setup.
    pub ceremony: Option<Vec<FileRef>>,
}

/// A bundle file bound by its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// Bundle path.
    pub path: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// A Returning Officer's key, certified by the authority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoCertificate {
    /// Election.
    pub election_id: String,
    /// RO id.
    pub ro_id: String,
    /// RO's Ed25519 key, hex.
    pub public_key: String,
}

/// A Presiding Officer's key, certified by the station's Returning Officer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoCertificate {
    /// Election.
    pub election_id: String,
    /// PO id.
    pub po_id: String,
    /// The station the PO runs.
    pub station_id: String,
    /// PO's Ed25519 key, hex.
    pub public_key: String,
}

/// One Presiding Officer of a contest's roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterEntry {
    /// The station the PO runs.
    pub station_id: String,
    /// PO id.
    pub po_id: String,
    /// PO's Ed25519 key, hex.
    pub public_key: String,
}

/// The Presiding Officers of every station of one contest, certified together by the contest's
/// Returning Officer (one signature where `PoCertificate` needs one per station; spec
/// `bundle.md` §6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoRoster {
    /// Election.
    pub election_id: String,
    /// The contest whose stations it lists.
    pub contest_id: String,
    /// One entry per station of the contest, in station-id order.
    pub officers: Vec<RosterEntry>,
}

/// Statement 1: the election manifest, signed by the authority.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionManifest {
    /// The election as defined.
    pub definition: ElectionDefinition,
    /// Shapes and verifying-key digests.
    pub shapes: Vec<ShapeKey>,
    /// How the keys were made.
    pub setup: SetupRecord,
    /// RO certificates (signed by the authority).
    pub ro_certificates: Vec<Signed<RoCertificate>>,
    /// One station list per contest, in contest order, bound by its digest.
    pub station_lists: Vec<StationListRef>,
    /// Unix seconds.
    pub signed_at: u64,
    /// The election's witnessed log (spec `log.md`), when it has one: fixed before the poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogRef>,
}

/// A contest's station list as the manifest binds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationListRef {
    /// Contest.
    pub contest_id: String,
    /// Bundle path: `stations/<contest_id>.json`.
    pub path: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Number of stations in the list.
    pub stations: u64,
}

/// The polling stations of one contest (bundle.md §4.2): every station whose `contests` names it,
/// in definition order. A station polled in several contests is in each of their lists, the
/// same entry in each.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationList {
    /// Protocol version.
    pub spec_version: String,
    /// Election.
    pub election_id: String,
    /// Contest.
    pub contest_id: String,
    /// The stations.
    pub stations: Vec<Station>,
}

/// One control unit (with its ballot units and VVPAT) used at a station for a contest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Control unit id.
    pub cu: String,
    /// Ballot unit ids.
    pub bu: Vec<String>,
    /// VVPAT id, if any.
    pub vvpat: Option<String>,
    /// Votes this CU recorded for the contest.
    pub total: u64,
}

/// Test votes under Rule 49MA for one choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestVote {
    /// Choice index in ballot order.
    pub choice: u32,
    /// How many.
    pub count: u64,
}

/// Form 17C Part I for one contest at one station (spec `bundle.md` §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form17CContest {
    /// Contest.
    pub contest_id: String,
    /// Total votes recorded by the machine(s), test votes included.
    pub total_recorded: u64,
    /// Test votes under 49MA (to be deducted).
    pub test_votes: Vec<TestVote>,
    /// Control units used, in order (several when a machine was replaced).
    pub units: Vec<Unit>,
}

impl Form17CContest {
    /// The 49MA test votes recorded, summed without overflow.
    pub fn test_vote_total(&self) -> u128 {
        self.test_votes.iter().map(|t| u128::from(t.count)).sum()
    }
}

/// Form 17C Part I's figures for the station as a whole, which every contest polled at it
/// shares (spec `bundle.md` §5). One type, used by the prover's input and by every signed
/// close-of-poll statement, so the two cannot drift apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationPoll {
    /// Electors assigned.
    pub electors: u64,
    /// Voters entered in the register (Form 17A).
    pub voters_17a: u64,
    /// Decided not to record a vote (Rule 49-O).
    pub refused_49o: u64,
    /// Not allowed to vote (Rule 49M).
    pub not_allowed_49m: u64,
    /// Tendered ballots (never in any total).
    pub tendered: u64,
    /// Close pressed, seconds after 00:00 of the poll day.
    pub closed_at: u32,
    /// Seal numbers.
    pub seals: Vec<String>,
    /// Discrepancies recorded by the PO, if any (`null` when none).
    pub remarks: Option<String>,
}

/// Form 17C Part I of one station, as the PO fills it at close of poll (prover input).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form17C {
    /// Station.
    pub station_id: String,
    /// The station's figures.
    pub poll: StationPoll,
    /// Per contest.
    pub contests: Vec<Form17CContest>,
}

/// Statement 2: close of poll for one contest at one station, signed by its PO.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseOfPoll {
    /// Protocol version.
    pub spec_version: String,
    /// Election.
    pub election_id: String,
    /// Station.
    pub station_id: String,
    /// The station's Form 17C Part I figures, as in the PO's Form 17C.
    pub poll: StationPoll,
    /// The contest's 17C Part I fields.
    pub contest: Form17CContest,
    /// Circuit shape the log is committed in.
    pub shape: String,
    /// Salted Poseidon commitment to the sealed log, 32 bytes hex (spec §3.3).
    pub log_commitment: String,
    /// Unix seconds.
    pub signed_at: u64,
}

/// Statement 3: one station's row in a contest, with its proof.
///
/// A row of a contest with totaliser groups (protocol.md §7) publishes no counts: its
/// `machine_counts`, `test_votes` and `counts` are empty and absent from the JSON, and it
/// carries `count_commitment` instead; a row of any other contest carries the counts and no
/// commitment (bundle.md §6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationResult {
    /// Station.
    pub station_id: String,
    /// Shape of the proof.
    pub shape: String,
    /// Histogram of the log over every choice slot of the shape (proved).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub machine_counts: Vec<u64>,
    /// 49MA test votes deducted, per candidate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_votes: Vec<u64>,
    /// The published row: votes per candidate in ballot order (NOTA last).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counts: Vec<u64>,
    /// The hiding commitment to the station's machine counts (protocol.md §7.1), 32 bytes hex:
    /// only in a contest with totaliser groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_commitment: Option<String>,
    /// Groth16 proof, 384 bytes (A, B, C uncompressed), hex.
    pub proof: String,
}

/// Statement 6: one totaliser group's row in a contest (protocol.md §7.3), with its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupResult {
    /// The group, as the manifest declares it.
    pub group_id: String,
    /// Shape of the group proof (`gSLOTSxCHOICES`).
    pub shape: String,
    /// The sum of the group's stations' machine counts, per choice slot (proved).
    pub machine_counts: Vec<u64>,
    /// 49MA test votes deducted, per candidate: the sum of the group's stations' (public in
    /// their close-of-poll statements).
    pub test_votes: Vec<u64>,
    /// The published row: the group's votes per candidate in ballot order (NOTA last).
    pub counts: Vec<u64>,
    /// Groth16 proof, 384 bytes (A, B, C uncompressed), hex.
    pub proof: String,
}

/// Postal ballots counted at the RO's table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostalRow {
    /// Contest (in the prover's input file).
    pub contest_id: String,
    /// Valid postal votes per candidate.
    pub counts: Vec<u64>,
    /// Rejected postal ballots.
    pub rejected: u64,
}

/// A tie decided by lot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TieLot {
    /// Contest (in the prover's input file).
    pub contest_id: String,
    /// Candidates tied at the last seat.
    pub tied: Vec<String>,
    /// Candidates the lot chose.
    pub chosen: Vec<String>,
    /// How and before whom the lot was drawn.
    pub record: String,
}

/// Statement 4: the contest result, signed by the RO.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestResult {
    /// Protocol version.
    pub spec_version: String,
    /// Election.
    pub election_id: String,
    /// Contest.
    pub contest_id: String,
    /// Stations whose rows are summed.
    pub stations_counted: u64,
    /// Postal row.
    pub postal: PostalRow,
    /// Totals per candidate = station rows + postal.
    pub totals: Vec<u64>,
    /// Declared winners (candidate ids).
    pub winners: Vec<String>,
    /// The lot, when the last seat was tied.
    pub tie_lot: Option<TieLot>,
    /// Unix seconds.
    pub signed_at: u64,
    /// A result declared elsewhere (for example an imported Form 21 or the ECI's published
    /// totals), to reconcile against. Absent from the JSON when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<DeclaredResult>,
}

/// A declared result to reconcile the proved totals with (spec `bundle.md` §6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredResult {
    /// Contest (in the prover's input file).
    pub contest_id: String,
    /// Where the figures come from.
    pub source: String,
    /// Declared totals per candidate, postal ballots included.
    pub totals: Vec<u64>,
}

/// A contest shard file: `contests/<contest_id>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestShard {
    /// Contest.
    pub contest_id: String,
    /// The contest's PO roster, signed by its RO (what the prover writes). Absent from the
    /// JSON in a shard that certifies its POs one by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_roster: Option<Signed<PoRoster>>,
    /// PO certificates (each signed by an RO of a contest polled at the station), one per
    /// station, in station order: the earlier form, which a shard with a roster does not carry
    /// (absent from its JSON). A station polling several contests has the same certificate in
    /// each of their shards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub po_certificates: Vec<Signed<PoCertificate>>,
    /// Close-of-poll statements, one per station, in station order.
    pub close_of_poll: Vec<Signed<CloseOfPoll>>,
    /// Station results, one per station, in station order.
    pub stations: Vec<StationResult>,
    /// Totaliser group results, one per group of the manifest, in its order: only in a contest
    /// with totaliser groups (absent from the JSON otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupResult>,
    /// The RO's result.
    pub result: Signed<ContestResult>,
}

/// A contest's aggregated proofs: `aggregates/<contest_id>.json` (bundle.md §6.1), one
/// aggregate per shape the contest's stations are proved in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestAggregates {
    /// Contest.
    pub contest_id: String,
    /// One per shape, in shape order.
    pub aggregates: Vec<ShapeAggregate>,
}

/// The aggregate of every station proof of one shape in a contest's shard, in shard order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeAggregate {
    /// The shape (`VOTESxCHOICES`).
    pub shape: String,
    /// How many station proofs it aggregates.
    pub stations: u64,
    /// The aggregate proof (aggregation.md §5), hex.
    pub proof: String,
}

/// One file of the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Path inside the bundle, `/`-separated.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Length in bytes.
    pub bytes: u64,
}

/// `bundle.json`: the index of files and the root, signed by the authority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleIndex {
    /// Protocol version.
    pub spec_version: String,
    /// Election.
    pub election_id: String,
    /// Every file of the bundle except `bundle.json`.
    pub files: Vec<FileEntry>,
    /// Bundle root (spec `bundle.md` §2).
    pub root: String,
    /// Unix seconds.
    pub signed_at: u64,
}

/// The log as the manifest fixes it before the poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRef {
    /// The log's origin (the first line of its checkpoints; its key's name).
    pub origin: String,
    /// The log's public key, in the note format `<origin>+<key id>+<base64>`.
    pub key: String,
    /// How long after its `poll.closed_at` a close-of-poll statement may first be witnessed,
    /// in seconds (the SEC's rule, fixed before the poll).
    pub close_of_poll_within: u64,
}

/// Statement kinds, as signed (domain separation of signatures).
pub mod kinds {
    /// The election manifest.
    pub const MANIFEST: &str = "election-manifest";
    /// An RO certificate.
    pub const RO_CERT: &str = "ro-certificate";
    /// A PO certificate.
    pub const PO_CERT: &str = "po-certificate";
    /// A contest's PO roster.
    pub const PO_ROSTER: &str = "po-roster";
    /// A close-of-poll statement.
    pub const CLOSE_OF_POLL: &str = "close-of-poll";
    /// A contest result.
    pub const CONTEST_RESULT: &str = "contest-result";
    /// The bundle index.
    pub const BUNDLE_INDEX: &str = "bundle-index";
    /// One counting round's station results (logged, spec `log.md` §2).
    pub const COUNTING_ROUND: &str = "counting-round";
}

/// Bundle file names.
pub mod paths {
    /// The signed index.
    pub const INDEX: &str = "bundle.json";
    /// The signed election manifest.
    pub const MANIFEST: &str = "election.json";
    /// Folder of verifying keys.
    pub const KEYS: &str = "keys";
    /// Folder of contest shards.
    pub const CONTESTS: &str = "contests";
    /// Folder of station lists, one per contest.
    pub const STATIONS: &str = "stations";
    /// Folder of contests' aggregated proofs (optional).
    pub const AGGREGATES: &str = "aggregates";
}

impl ElectionDefinition {
    /// The contest with this id.
    pub fn contest(&self, id: &str) -> Option<&Contest> {
        self.contests.iter().find(|c| c.contest_id == id)
    }

    /// The station with this id.
    pub fn station(&self, id: &str) -> Option<&Station> {
        self.stations.iter().find(|s| s.station_id == id)
    }
}
