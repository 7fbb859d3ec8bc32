//! `import`: published Form 20 sheets in, prover inputs out (spec `import.md`).

use clap::Args;
use prover::ProverError;
use std::path::PathBuf;

/// Import published booth-wise result sheets (Form 20 as CSV) into prover inputs, reporting
/// every anomaly; the vote order is synthesised with a seeded shuffle.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Folder of per-segment sheets AC<nnn>.csv.
    #[arg(long)]
    pub raw: PathBuf,
    /// Booth list with electors (CSV with ac_no, ps_no, electors).
    #[arg(long)]
    pub electors: Option<PathBuf>,
    /// Declared result (CSV Candidate,Party,Votes), postal ballots included.
    #[arg(long)]
    pub declared: Option<PathBuf>,
    /// Segments to import, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    pub segments: Vec<u32>,
    /// Refuse to write inputs when a finding may change a vote figure (a class of severity
    /// `votes`: rows dropped or unread, stations missing, totals that disagree, a postal
    /// remainder beyond its bound); notes (spellings, electors, summary columns) pass.
    #[arg(long)]
    pub strict: bool,
    /// With --strict: accept this class's findings after reading them (repeatable).
    #[arg(long = "allow", value_name = "CLASS")]
    pub allow: Vec<String>,
    /// Seed of the synthesised vote order.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Election id (no default: every constituency names its own).
    #[arg(long)]
    pub election_id: String,
    /// Contest id, e.g. PC01.
    #[arg(long)]
    pub contest_id: String,
    /// Contest name, e.g. "1 Kachchh (SC), Lok Sabha 2014".
    #[arg(long)]
    pub contest_name: String,
    /// Poll date, YYYY-MM-DD.
    #[arg(long)]
    pub poll_date: String,
    /// Whether the constituency voted with VVPAT: yes, no, or auto (from the sheets: a
    /// test-votes column is printed only for VVPAT polls).
    #[arg(long, default_value = "auto", value_parser = ["yes", "no", "auto"])]
    pub vvpat: String,
    /// Output folder (prover inputs).
    #[arg(long)]
    pub out: PathBuf,
}

/// `prover import`.
pub fn run_import(args: ImportArgs) -> Result<(), ProverError> {
    let ImportArgs {
        raw,
        electors,
        declared,
        segments,
        strict,
        allow,
        seed,
        election_id,
        contest_id,
        contest_name,
        poll_date,
        vvpat,
        out,
    } = args;
    let opts = importer::ImportOptions {
        raw_dir: raw,
        electors,
        declared,
        segments,
        strict,
        allow,
        seed,
        election_id,
        contest_id,
        contest_name,
        poll_date,
        vvpat: match vvpat.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
    };
    let report = importer::import(&opts, &out)?;
    print!("{}", report.to_text());
    println!(
        "\ninputs written to {} (report: import-report.txt, import-report.json)",
        out.display()
    );
    Ok(())
}
