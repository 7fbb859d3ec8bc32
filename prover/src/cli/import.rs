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
    /// Publish the results per totaliser group of at least K stations (protocol.md §7): groups
    /// formed per assembly segment in booth order (protocol.md §7.7), every segment needing at
    /// least K stations.
    #[arg(long, value_name = "K")]
    pub totaliser: Option<u32>,
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
        totaliser,
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
    if let Some(k) = totaliser {
        group(&out, k)?;
    }
    println!(
        "\ninputs written to {} (report: import-report.txt, import-report.json)",
        out.display()
    );
    Ok(())
}

/// Declares totaliser groups of at least `k` stations on every polled contest of the imported
/// definition (`bundle::totaliser::form_groups`), rewriting `election.json`; a segment with
/// fewer than `k` stations is refused by name, and the definition is then left booth-wise.
fn group(out: &std::path::Path, k: u32) -> Result<(), ProverError> {
    let path = out.join(prover::layout::ELECTION);
    let mut def: bundle::ElectionDefinition = prover::io::read_json(&path)?;
    let mut grouped = Vec::new();
    for i in 0..def.contests.len() {
        if def.contests[i].uncontested {
            continue;
        }
        let cid = def.contests[i].contest_id.clone();
        let stations: Vec<&bundle::Station> = def
            .stations
            .iter()
            .filter(|s| s.contests.contains(&cid))
            .collect();
        let t = bundle::totaliser::form_groups(&cid, &stations, k).map_err(|e| {
            ProverError::input(
                path.display().to_string(),
                None,
                format!("--totaliser {k}: {e}; the inputs were written booth-wise, without groups"),
            )
        })?;
        grouped.push((i, t));
    }
    for (i, t) in grouped {
        println!(
            "contest {}: {} totaliser groups of at least {k} stations",
            def.contests[i].contest_id,
            t.groups.len()
        );
        def.contests[i].totaliser = Some(t);
    }
    def.publication = "totaliser".into();
    prover::io::write_json(&path, &def)
}
