//! The election pipeline: `simulate`, `setup`, `manifest`, `seal`, `prove` (the whole bundle;
//! a shard's slice is in [`super::shard`]).

use super::{parse_shapes, progress_bar};
use bundle::ElectionKind;
use circuits::shape::PRODUCTION_SHAPES;
use circuits::Shape;
use clap::{Args, ValueEnum};
use prover::prove::{prove, ProveOptions};
use prover::seal::seal;
use prover::setup::{setup, KeyDir};
use prover::simulate::{simulate, SimOptions};
use prover::ProverError;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    Assembly,
    Municipal,
    Panchayat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ScriptArg {
    Latin,
    Devanagari,
    Gujarati,
}

/// Write a synthetic election's inputs (secret logs and keys under SECRET_ folders).
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Kind of election.
    #[arg(long, value_enum, default_value = "assembly")]
    pub kind: Kind,
    /// RNG seed (same seed, same election).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Constituencies, wards or gram panchayats.
    #[arg(long, default_value_t = 2)]
    pub areas: usize,
    /// Polling stations per area.
    #[arg(long, default_value_t = 10)]
    pub stations: usize,
    /// Most candidates per contest (NOTA not counted).
    #[arg(long, default_value_t = 6)]
    pub candidates: usize,
    /// Most electors per station.
    #[arg(long, default_value_t = 1200)]
    pub electors: u64,
    /// Turnout between 0 and 1.
    #[arg(long, default_value_t = 0.65)]
    pub turnout: f64,
    /// Risk limit of the VVPAT audit rule fixed in the definition (contests with a paper
    /// trail), between 0 and 1.
    #[arg(long, default_value_t = 0.05)]
    pub risk_limit: f64,
    /// The audit rule has no risk-limiting audit: the statutory sample only.
    #[arg(long)]
    pub statutory_only: bool,
    /// Script of candidate, party and station names (ids stay ASCII).
    #[arg(long, value_enum, default_value = "latin")]
    pub script: ScriptArg,
    /// An observer named in every audit rule (repeatable; default OBS-1): it must commit to a
    /// seed share and reveal it. Its key is written under SECRET_keys/parties/.
    #[arg(long = "audit-observer")]
    pub audit_observers: Vec<String>,
    /// A candidate's agent named in the audit rules (repeatable); `{contest}` in the id is
    /// replaced by each contest's id, for example AGENT-{contest}-K01.
    #[arg(long = "audit-agent")]
    pub audit_agents: Vec<String>,
    /// Totaliser groups of at least K stations in every polled contest (protocol.md §7): the
    /// results are published per group, never per station. Every area needs K stations.
    #[arg(long, value_name = "K")]
    pub totaliser: Option<u32>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// `prover simulate`.
pub fn run_simulate(args: SimulateArgs) -> Result<(), ProverError> {
    let SimulateArgs {
        kind,
        seed,
        areas,
        stations,
        candidates,
        electors,
        turnout,
        risk_limit,
        statutory_only,
        script,
        audit_observers,
        audit_agents,
        totaliser,
        out,
    } = args;
    if !(risk_limit > 0.0 && risk_limit < 1.0) {
        return Err(ProverError::input(
            "--risk-limit",
            None,
            "a risk limit is between 0 and 1 (exclusive)",
        ));
    }
    let kind = match kind {
        Kind::Assembly => ElectionKind::Assembly,
        Kind::Municipal => ElectionKind::Municipal,
        Kind::Panchayat => ElectionKind::Panchayat,
    };
    let opts = SimOptions {
        kind,
        seed,
        areas,
        stations,
        candidates,
        electors,
        turnout,
        risk_limit_bp: (!statutory_only)
            .then(|| ((risk_limit * 10_000.0).round() as u32).clamp(1, 9_999)),
        audit_observers: if audit_observers.is_empty() {
            vec!["OBS-1".into()]
        } else {
            audit_observers
        },
        audit_agents,
        totaliser,
        script: match script {
            ScriptArg::Latin => prover::simulate::Script::Latin,
            ScriptArg::Devanagari => prover::simulate::Script::Devanagari,
            ScriptArg::Gujarati => prover::simulate::Script::Gujarati,
        },
        ..SimOptions::default()
    };
    let def = simulate(&opts, &out)?;
    println!(
        "simulated {}: {} contests, {} stations -> {}",
        def.election_id,
        def.contests.len(),
        def.stations.len(),
        out.display()
    );
    Ok(())
}

/// Generate Groth16 keys per shape (single-party setup: whoever runs it could forge proofs).
#[derive(Args, Debug)]
pub struct SetupArgs {
    /// Shapes as VOTESxCHOICES, comma-separated (default: the production shapes).
    #[arg(long, value_delimiter = ',')]
    pub shapes: Vec<String>,
    /// Who runs the setup (recorded in the manifest).
    #[arg(long, default_value = "election authority")]
    pub performed_by: String,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// `prover setup`.
pub fn run_setup(args: SetupArgs) -> Result<(), ProverError> {
    let SetupArgs {
        shapes,
        performed_by,
        out,
    } = args;
    let shapes: Vec<Shape> = if shapes.is_empty() {
        PRODUCTION_SHAPES.to_vec()
    } else {
        parse_shapes(&shapes)?
    };
    let dir = setup(&shapes, &performed_by, &out, &mut rand::rngs::OsRng)?;
    for s in &dir.setup.shapes {
        println!("{}  vk sha256 {}", s.shape, s.vk_sha256);
    }
    println!(
        "single-party setup: whoever ran it could forge proofs; keys in {}",
        out.display()
    );
    Ok(())
}

/// Before the poll: write the signed election manifest (definition, audit rules, station
/// lists, verifying keys, RO certificates) exactly as the bundle will carry it, and print
/// its SHA-256 for observers, parties and courts to pin (`verifier check --pin-manifest`).
#[derive(Args, Debug)]
pub struct ManifestArgs {
    /// Input folder (definition and signing keys).
    #[arg(long)]
    pub input: PathBuf,
    /// Key folder.
    #[arg(long)]
    pub keys: PathBuf,
    /// Output folder (publish its contents before the poll).
    #[arg(long)]
    pub out: PathBuf,
}

/// `prover manifest`.
pub fn run_manifest(args: ManifestArgs) -> Result<(), ProverError> {
    let ManifestArgs { input, keys, out } = args;
    let keys = KeyDir::open(&keys)?;
    let m = prover::prove::publish_manifest(&input, &keys, &out)?;
    println!(
        "manifest written to {} ({} files); publish it before the poll with its digest:",
        out.display(),
        m.files.len()
    );
    println!("manifest sha256 {}", m.digest);
    Ok(())
}

/// One station's count opening (a contest with totaliser groups), for a court.
#[derive(Args, Debug)]
pub struct CountOpeningArgs {
    /// Input folder (with the sealed logs and salts).
    #[arg(long)]
    pub input: PathBuf,
    /// Station.
    #[arg(long)]
    pub station: String,
    /// Contest.
    #[arg(long)]
    pub contest: String,
    /// Where to write the opening (it reveals the station's counts: hand it to the court only).
    #[arg(long)]
    pub out: PathBuf,
}

/// `prover count-opening`.
pub fn run_count_opening(args: CountOpeningArgs) -> Result<(), ProverError> {
    let f = prover::groups::count_opening_file(&args.input, &args.station, &args.contest)?;
    prover::io::write_json(&args.out, &f)?;
    println!(
        "count opening of station {}, contest {} written to {} (it reveals that station's counts)",
        args.station,
        args.contest,
        args.out.display()
    );
    Ok(())
}

/// Close of poll: check inputs, commit to every sealed log, sign the statements.
#[derive(Args, Debug)]
pub struct SealArgs {
    /// Input folder.
    #[arg(long)]
    pub input: PathBuf,
    /// Key folder (for the shapes).
    #[arg(long)]
    pub keys: PathBuf,
}

/// `prover seal`.
pub fn run_seal(args: SealArgs) -> Result<(), ProverError> {
    let SealArgs { input, keys } = args;
    let keys = KeyDir::open(&keys)?;
    let n = seal(&input, &keys, &mut rand::rngs::OsRng)?;
    println!(
        "sealed {n} contest logs; statements in {}",
        input.join(prover::layout::CLOSE_OF_POLL).display()
    );
    Ok(())
}

/// Counting day: prove every station row and write the signed bundle; or, with --shard,
/// one slice of the stations into a shared work folder (then `assemble`).
#[derive(Args, Debug)]
pub struct ProveArgs {
    /// Input folder (sealed).
    #[arg(long)]
    pub input: PathBuf,
    /// Key folder.
    #[arg(long)]
    pub keys: PathBuf,
    /// Bundle folder to write (not with --shard).
    #[arg(long, required_unless_present = "shard", conflicts_with = "shard")]
    pub out: Option<PathBuf>,
    /// Replace an existing bundle.
    #[arg(long, conflicts_with = "shard")]
    pub force: bool,
    /// Prove only shard K of N (`K/N`, 0 <= K < N; or `N`, with K from SLURM_ARRAY_TASK_ID
    /// or JOB_COMPLETION_INDEX): station i of election.json is shard i mod N's. Rows
    /// already in the work folder are verified and kept; a rerun proves only what is
    /// missing or fails. Needs no signing key, and only the shard's logs and salts.
    #[arg(long, requires = "work")]
    pub shard: Option<String>,
    /// Shared work folder of the shards (one file per station row).
    #[arg(long, requires = "shard")]
    pub work: Option<PathBuf>,
}

/// `prover prove`.
pub fn run_prove(args: ProveArgs) -> Result<(), ProverError> {
    let ProveArgs {
        input,
        keys,
        out,
        force,
        shard,
        work,
    } = args;
    let keys = KeyDir::open(&keys)?;
    if let (Some(shard), Some(work)) = (shard, work) {
        return super::shard::run_prove_shard(&input, &keys, &shard, &work);
    }
    let Some(out) = out else {
        return Err(ProverError::input("--out", None, "no bundle folder"));
    };
    let bar = progress_bar("station rows");
    if let Ok(def) = prover::seal::read_definition(&input) {
        bar.set_length(def.stations.iter().map(|s| s.contests.len() as u64).sum());
    }
    let tick = || bar.inc(1);
    let summary = prove(&ProveOptions {
        input: &input,
        keys: &keys,
        out: &out,
        force,
        on_progress: Some(&tick),
    })?;
    bar.finish_and_clear();
    println!(
        "proved {} station rows in {} contests{}; bundle root {} -> {}",
        summary.rows,
        summary.contests,
        match summary.aggregates {
            0 => String::new(),
            k => format!(", {k} aggregate(s) of their proofs"),
        },
        summary.root,
        out.display()
    );
    Ok(())
}
