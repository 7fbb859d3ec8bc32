//! The importer (`prover import`): reads published booth-wise result sheets (Form 20, as converted to CSV) and
//! writes the prover's inputs, reporting every anomaly instead of guessing (spec `import.md`).
//!
//! The sheets mix station rows with header rows, column-number rows, page footers, labelled and
//! unlabelled page subtotals, total and postal rows, in layouts that differ by segment. The
//! importer recognises each kind of row, never changes a vote figure, and says so whenever it
//! must choose (a subtotal row not imported, a duplicated station number kept under a suffix,
//! electors raised to the votes recorded). `--strict` refuses to write anything then.
//!
//! The real order of votes is secret and unknown: the sealed logs it writes hold each station's
//! published counts in an order drawn by a seeded shuffle, at plausible times of the poll day.
#![deny(missing_docs)]

mod sheet;
pub mod testdata;

use std::fmt;

use bundle::inputs::layout;
use bundle::inputs::{ContestLog, EvmLog, UnitLog, Vote};
use bundle::{
    Candidate, Contest, ContestKind, DeclaredResult, ElectionDefinition, ElectionKind, Form17C,
    Form17CContest, KeyPair, PostalRow, Role, Station, StationPoll, Unit,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What stops the importer: the file (sheet, booth list, declared result or an input it
/// writes), the station when the rule is about one, and the rule broken.
#[derive(Debug)]
pub enum ImportError {
    /// A sheet or list breaks a rule of `import.md`.
    Input {
        /// The file at fault.
        file: String,
        /// The station, when the rule is about one.
        station: Option<String>,
        /// The rule broken, in words.
        rule: String,
    },
    /// A file could not be read or written.
    Io {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A key for the pilot's officers could not be written.
    Bundle(bundle::BundleError),
}

impl From<bundle::BundleError> for ImportError {
    fn from(e: bundle::BundleError) -> Self {
        Self::Bundle(e)
    }
}

impl ImportError {
    /// An input error.
    pub fn input(file: impl Into<String>, station: Option<&str>, rule: impl Into<String>) -> Self {
        Self::Input {
            file: file.into(),
            station: station.map(str::to_string),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Input {
                file,
                station: Some(s),
                rule,
            } => write!(f, "{file} (station {s}): {rule}"),
            Self::Input { file, rule, .. } => write!(f, "{file}: {rule}"),
            Self::Io { path, reason } => write!(f, "{path}: {reason}"),
            Self::Bundle(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ImportError {}

/// Writes a value as pretty JSON, creating parent folders.
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ImportError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| ImportError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    write_bytes(path, text.as_bytes())
}

/// Writes bytes, creating parent folders.
fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), ImportError> {
    let io = |e: std::io::Error| ImportError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

/// What to import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Folder of per-segment sheets `AC<nnn>.csv`.
    pub raw_dir: PathBuf,
    /// Booth list with electors: CSV with columns `ac_no`, `ps_no`, `electors`.
    pub electors: Option<PathBuf>,
    /// Declared result: CSV `Candidate,Party,Votes`, postal ballots included.
    pub declared: Option<PathBuf>,
    /// Segments to import (all when empty).
    pub segments: Vec<u32>,
    /// Refuse to write when an anomaly of a class that may change a vote figure was found
    /// (spec `import.md`, "Anomaly classes": severity `votes`), unless its class is allowed.
    pub strict: bool,
    /// Classes `--strict` accepts (`--allow CLASS`), after reading their findings.
    pub allow: Vec<String>,
    /// Seed of the synthesised vote order.
    pub seed: u64,
    /// Election id.
    pub election_id: String,
    /// Contest id (the parliamentary constituency).
    pub contest_id: String,
    /// Contest name.
    pub contest_name: String,
    /// Poll date.
    pub poll_date: String,
    /// Whether the constituency voted with VVPAT: `None` takes it from the sheets (a test-votes
    /// column is printed only where VVPAT was used); `Some` states it (spec `import.md`).
    pub vvpat: Option<bool>,
}

impl ImportOptions {
    /// Options for the sheets in `raw_dir`, naming the election and its contest: no booth list,
    /// no declared result, every segment, not strict, seed 1, VVPAT from the sheets.
    pub fn new(
        raw_dir: PathBuf,
        election_id: &str,
        contest_id: &str,
        contest_name: &str,
        poll_date: &str,
    ) -> Self {
        Self {
            raw_dir,
            electors: None,
            declared: None,
            segments: Vec::new(),
            strict: false,
            allow: Vec::new(),
            seed: 1,
            election_id: election_id.into(),
            contest_id: contest_id.into(),
            contest_name: contest_name.into(),
            poll_date: poll_date.into(),
            vvpat: None,
        }
    }
}

/// One anomaly found in the sheets (in `import-report.json` with its `severity` too).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Anomaly {
    /// Class (see spec `import.md`).
    pub class: &'static str,
    /// Segment (assembly constituency number).
    pub segment: u32,
    /// Station number as printed, if any.
    pub station: Option<String>,
    /// Sheet file name.
    pub file: String,
    /// 1-based line in the sheet, if the anomaly is one row.
    pub line: Option<u64>,
    /// What was found and what the importer did.
    pub detail: String,
    /// Whether the importer had to choose.
    pub choice: bool,
}

/// The most postal ballots a constituency's result may hold, in percent of the votes at its
/// stations (spec `import.md`): 2014's Gujarat constituencies hold 0.15-0.71%.
pub const POSTAL_BOUND_PERCENT: u64 = 2;

/// The classes whose findings may mean a vote figure of the contest is wrong or missing (spec
/// `import.md`, severity `votes`): `--strict` refuses them unless allowed. Every other class
/// is a `note`: the sheet's own inconsistency, or a figure that is not a vote (electors).
pub const VOTE_CLASSES: &[&str] = &[
    "row_without_station_number",
    "unreadable_row",
    "duplicate_ps_no",
    "missing_ps_no",
    "station_in_booth_list_without_row",
    "page_subtotal_mismatch",
    "segment_total_mismatch",
    "booth_sum_exceeds_declared",
    "postal_remainder_implausible",
    "postal_column_mismatch",
    "not_in_declared_result",
];

impl Serialize for Anomaly {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Anomaly", 8)?;
        st.serialize_field("class", self.class)?;
        st.serialize_field("severity", self.severity())?;
        st.serialize_field("segment", &self.segment)?;
        st.serialize_field("station", &self.station)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("detail", &self.detail)?;
        st.serialize_field("choice", &self.choice)?;
        st.end()
    }
}

impl Anomaly {
    /// `votes` when the finding may mean a vote figure is wrong or missing, else `note`.
    /// A negative figure or a page subtotal is `votes` only where it made the importer leave
    /// out a candidate's figures (a candidate's cell; a row printed with a station number).
    pub fn severity(&self) -> &'static str {
        let votes = VOTE_CLASSES.contains(&self.class)
            || (matches!(self.class, "negative_figure" | "unlabelled_subtotal_row") && self.choice);
        if votes {
            "votes"
        } else {
            "note"
        }
    }
}

/// Per-segment summary.
#[derive(Clone, Debug, Serialize)]
pub struct SegmentSummary {
    /// Segment number.
    pub segment: u32,
    /// Sheet file.
    pub file: String,
    /// Station rows imported.
    pub stations: usize,
    /// Whether the printed "total of valid votes" includes NOTA in this segment.
    pub valid_includes_nota: Option<bool>,
    /// Sum of imported station rows, per candidate (NOTA last).
    pub booth_sums: Vec<u64>,
    /// The sheet's own "total recorded at polling stations" row, if printed.
    pub printed_total: Option<Vec<u64>>,
    /// Postal row printed in the sheet, if any.
    pub printed_postal: Option<Vec<u64>>,
    /// The layout the sheet reader recognised, in words (spec `import.md`).
    pub layout: Vec<String>,
    /// Test votes (Rule 49MA) printed over the imported stations, when the sheet has a
    /// test-votes column (VVPAT evidence).
    pub test_votes: Option<u64>,
}

/// One candidate's reconciliation with the declared result.
#[derive(Clone, Debug, Serialize)]
pub struct Reconciliation {
    /// Candidate id.
    pub candidate_id: String,
    /// Name as on the sheet.
    pub name: String,
    /// Sum of imported station rows.
    pub booth_sum: u64,
    /// Declared total (postal included).
    pub declared: u64,
    /// Declared minus booth sum: the postal votes, if non-negative.
    pub difference: i64,
}

/// The importer's report.
#[derive(Clone, Debug, Serialize)]
pub struct ImportReport {
    /// Per segment.
    pub segments: Vec<SegmentSummary>,
    /// Every anomaly, by segment and line.
    pub anomalies: Vec<Anomaly>,
    /// Anomalies per class.
    pub by_class: BTreeMap<&'static str, usize>,
    /// Stations imported.
    pub stations: usize,
    /// Candidates in ballot order (NOTA last).
    pub candidates: Vec<String>,
    /// Reconciliation with the declared result, when given and every segment was imported.
    pub reconciliation: Vec<Reconciliation>,
    /// The key shapes the stations need (`prover setup --shapes`): choice slots the next power
    /// of two above the candidates and NOTA, votes the smallest of 512, 1,024 and 2,048 that
    /// holds each station's total.
    pub shapes: Vec<String>,
    /// Whether the contest is imported as polled with VVPAT (its audit rule then fixed at the
    /// statutory sample), and why.
    pub vvpat: bool,
    /// What the VVPAT decision rests on.
    pub vvpat_basis: String,
}

/// One imported station row.
#[derive(Clone, Debug)]
struct Row {
    segment: u32,
    number: String,
    counts: Vec<u64>,
    tendered: u64,
    line: u64,
}

/// Rows with figures and no station number, kept until the segment is read: after the last
/// station they may be the segment's unlabelled total and postal rows.
struct Unnumbered {
    line: u64,
    figures: Vec<u64>,
    /// Stations imported before it.
    after: usize,
    /// The number of station rows above it (since the last subtotal) whose sum it equals.
    subtotal_of: Option<usize>,
}

/// Cell kinds of a sheet layout.
#[derive(Clone, Debug)]
struct Layout {
    station_col: usize,
    candidate_cols: Vec<usize>,
    names: Vec<String>,
    valid_col: Option<usize>,
    nota_col: usize,
    total_col: Option<usize>,
    rejected_col: Option<usize>,
    tendered_col: Option<usize>,
    test_votes_col: Option<usize>,
}

/// A figure that is not negative (spec `import.md`: digits, grouped with commas or not).
fn num(s: &str) -> Option<u64> {
    let t = s.trim();
    if t.starts_with('-') {
        return None;
    }
    crate::sheet::figure(t).and_then(|v| u64::try_from(v).ok())
}

/// Whether a declared result's row is NOTA.
fn is_nota(name: &str) -> bool {
    let n = normalise_name(name);
    n.contains("NONEOFTHEABOVE") || n == "NOTA"
}

/// A name as printed, without the column number some sheets print after it.
fn clean_name(s: &str) -> String {
    crate::sheet::norm(s)
        .trim_end_matches(|c: char| c.is_ascii_digit() || c.is_whitespace())
        .to_string()
}

/// Letter-pair (Dice) similarity of two normalised names, 0 to 1.
fn similarity(a: &str, b: &str) -> f64 {
    let pairs = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = s.chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (pa, mut pb) = (pairs(a), pairs(b));
    if pa.is_empty() || pb.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let total = pa.len() + pb.len();
    let mut common = 0;
    for p in &pa {
        if let Some(i) = pb.iter().position(|q| q == p) {
            pb.swap_remove(i);
            common += 1;
        }
    }
    2.0 * common as f64 / total as f64
}

/// For each ballot position, the declared row whose name is closest to one of its spellings
/// (the closest pairs first, each row used once; below half the letter pairs in common, none).
fn match_declared(
    spellings: &[Vec<String>],
    declared: &[(String, String, u64)],
) -> Vec<Option<usize>> {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, sp) in spellings.iter().enumerate() {
        for (j, (dn, _, _)) in declared.iter().enumerate() {
            if is_nota(dn) {
                continue;
            }
            let d = normalise_name(dn);
            let best = sp
                .iter()
                .map(|n| similarity(&normalise_name(n), &d))
                .fold(0.0, f64::max);
            pairs.push((best, i, j));
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out = vec![None; spellings.len()];
    let mut used = vec![false; declared.len()];
    for (score, i, j) in pairs {
        if score >= 0.5 && out[i].is_none() && !used[j] {
            out[i] = Some(j);
            used[j] = true;
        }
    }
    out
}

/// Upper-case letters only: "Dr. Dinesh Parmar" and "DR.DINESH PARMAR" agree.
pub fn normalise_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A sheet's text: UTF-8 (with or without a byte-order mark), UTF-16 with its mark, or else
/// Windows-1252 (what spreadsheet programs export as "CSV" on Windows); what was read is said.
fn decode(bytes: &[u8]) -> (String, Option<String>) {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        let note = (enc != encoding_rs::UTF_8).then(|| format!("text in {}", enc.name()));
        return (text.into_owned(), note);
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => (t.to_string(), None),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (
                text.into_owned(),
                Some("not UTF-8: read as Windows-1252".into()),
            )
        }
    }
}

/// The field separator: comma, or tab or semicolon when those outnumber commas in the first
/// lines (sheets saved as "text" or in locales that write decimal commas).
fn separator(text: &str) -> u8 {
    let head: String = text.lines().take(40).collect::<Vec<_>>().join("\n");
    let count = |c: char| head.matches(c).count();
    let (comma, tab, semi) = (count(','), count('\t'), count(';'));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// A sheet's rows as read: (line, cells).
pub(crate) type SheetRows = Vec<(u64, Vec<String>)>;

pub(crate) fn read_rows(path: &Path) -> Result<SheetRows, ImportError> {
    read_sheet(path).map(|(rows, _)| rows)
}

/// Reads a sheet's rows and says how it was read (encoding, separator, digits of an Indian
/// script read as 0-9), for the segment's layout description.
pub(crate) fn read_sheet(path: &Path) -> Result<(SheetRows, Vec<String>), ImportError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ImportError::Io {
        path: file.clone(),
        reason: e.to_string(),
    })?;
    let (text, enc_note) = decode(&bytes);
    let mut notes: Vec<String> = enc_note.into_iter().collect();
    if text.contains('\0') {
        return Err(ImportError::input(
            &file,
            None,
            "holds NUL characters: not a text sheet (a spreadsheet must be saved as CSV)",
        ));
    }
    let text = text.trim_start_matches('\u{feff}');
    cut_short(text).map_err(|rule| ImportError::input(&file, None, rule))?;
    let sep = separator(text);
    if sep != b',' {
        notes.push(format!(
            "fields separated by {}",
            if sep == b'\t' { "tabs" } else { "semicolons" }
        ));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .from_reader(text.as_bytes());
    // Line numbers from byte offsets (the csv crate's own count lags by one on CRLF files).
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |byte: usize| starts.partition_point(|&s| s <= byte) as u64;
    let mut out = Vec::new();
    let mut scripts: BTreeSet<&'static str> = BTreeSet::new();
    for rec in rdr.records() {
        let rec =
            rec.map_err(|e| ImportError::input(&file, None, format!("not a CSV file: {e}")))?;
        // A record may be reported as starting on the terminator of the line before it.
        let mut byte = rec.position().map(|p| p.byte() as usize).unwrap_or(0);
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        let line = line_of(byte);
        out.push((
            line,
            rec.iter()
                .map(|c| {
                    c.trim()
                        .chars()
                        .map(|ch| match crate::sheet::native_digit(ch) {
                            Some((d, script)) => {
                                scripts.insert(script);
                                d
                            }
                            None => ch,
                        })
                        .collect()
                })
                .collect(),
        ));
    }
    if !scripts.is_empty() {
        notes.push(format!(
            "digits in {} script read as 0-9",
            scripts.into_iter().collect::<Vec<_>>().join(" and ")
        ));
    }
    Ok((out, notes))
}

/// `1-3, 7, 9-12`: sorted numbers as ranges.
fn ranges(n: &[u64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < n.len() {
        let mut j = i;
        while j + 1 < n.len() && n[j + 1] == n[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            n[i].to_string()
        } else {
            format!("{}-{}", n[i], n[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

/// A text file cut short is refused before it is read (spec `import.md`, "Reading"): one that
/// is empty, one whose last line has no line break (cut inside a row or a figure: every
/// published sheet ends with one), one that ends inside a quoted cell (every row after the
/// quote would vanish into it).
fn cut_short(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("empty".into());
    }
    let mut open: Option<usize> = None;
    let mut line = 1usize;
    for c in text.chars() {
        match c {
            '"' => open = if open.is_some() { None } else { Some(line) },
            '\n' => line += 1,
            _ => {}
        }
    }
    if let Some(l) = open {
        return Err(format!(
            "a quoted cell opened on line {l} is never closed: the file is cut short or broken, and every row after the quote would be lost in it"
        ));
    }
    if !text.ends_with(['\n', '\r']) {
        return Err(format!(
            "the last line ({line}) has no line break: the file is cut short inside a row or a figure (a published sheet ends with a line break)"
        ));
    }
    Ok(())
}

/// Finds the layout with the sheet reader (`sheet.rs`): by what the headings mean and the
/// rows' arithmetic, with `candidates` (without NOTA) when the declared result gives it.
fn layout(
    rows: &[(u64, Vec<String>)],
    file: &str,
    candidates: Option<usize>,
) -> Result<(Layout, usize, Vec<String>), ImportError> {
    let f = crate::sheet::find(rows, file, candidates).map_err(|e| {
        // The sheet reader names the file in its reasons; the error names it once.
        let rule = e
            .strip_prefix(&format!("{file}: "))
            .unwrap_or(&e)
            .to_string();
        ImportError::input(file, None, rule)
    })?;
    let layout = Layout {
        station_col: f.station_col,
        names: f.names,
        valid_col: f.valid_col,
        nota_col: f.nota_col,
        total_col: f.total_col,
        rejected_col: f.rejected_col,
        tendered_col: f.tendered_col,
        test_votes_col: f.test_votes_col,
        candidate_cols: f.candidate_cols,
    };
    Ok((layout, f.start, f.description))
}

struct Segment {
    summary: SegmentSummary,
    rows: Vec<Row>,
    names: Vec<String>,
}

fn cell(r: &[String], i: usize) -> &str {
    r.get(i).map(String::as_str).unwrap_or("")
}

/// A summary figure as printed, minus sign included.
fn signed(r: &[String], col: Option<usize>) -> Option<i64> {
    crate::sheet::figure(cell(r, col?))
}

/// Parses one segment's sheet.
fn parse_segment(
    path: &Path,
    segment: u32,
    candidates: Option<usize>,
    anomalies: &mut Vec<Anomaly>,
) -> Result<Segment, ImportError> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let (mut rows, read_notes) = read_sheet(path)?;
    let (lay, start, mut layout_found) = layout(&rows, &path.display().to_string(), candidates)?;
    layout_found.extend(read_notes);
    // "Nil" printed for a candidate or NOTA is a zero; each such cell is reported.
    let mut nils: Vec<(u64, String)> = Vec::new();
    for (line, r) in rows.iter_mut().skip(start) {
        let label = cell(r, lay.station_col).to_string();
        for &c in lay.candidate_cols.iter().chain([&lay.nota_col]) {
            if let Some(x) = r.get_mut(c) {
                if x.trim().eq_ignore_ascii_case("nil") {
                    *x = "0".into();
                    nils.push((*line, label.clone()));
                }
            }
        }
    }
    let mut note = |class: &'static str,
                    station: Option<&str>,
                    line: Option<u64>,
                    detail: String,
                    choice: bool| {
        anomalies.push(Anomaly {
            class,
            segment,
            station: station.map(str::to_string),
            file: file.clone(),
            line,
            detail,
            choice,
        });
    };
    for (line, label) in nils {
        note(
            "nil_read_as_zero",
            Some(&label),
            Some(line),
            "a candidate's or NOTA's cell prints \"Nil\"; read as 0".into(),
            true,
        );
    }
    let ncand = lay.candidate_cols.len();
    let figures = |r: &[String]| -> Option<Vec<u64>> {
        let mut v: Vec<u64> = Vec::with_capacity(ncand + 1);
        for &c in &lay.candidate_cols {
            v.push(num(cell(r, c))?);
        }
        v.push(num(cell(r, lay.nota_col))?);
        Some(v)
    };
    let mut out: Vec<Row> = Vec::new();
    let mut since_break: Vec<usize> = Vec::new();
    let mut printed_total = None;
    let mut printed_postal = None;
    let mut valid_with = 0usize;
    let mut valid_without = 0usize;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut subtotal_numbers: BTreeSet<u64> = BTreeSet::new();
    let mut unnumbered: Vec<Unnumbered> = Vec::new();
    let mut test_votes_total = 0u64;
    let sum_of = |out: &[Row], idx: &[usize]| -> Vec<u64> {
        let mut s = vec![0u64; ncand + 1];
        for &i in idx {
            for (a, b) in s.iter_mut().zip(&out[i].counts) {
                *a += b;
            }
        }
        s
    };
    for (line, r) in rows.iter().skip(start) {
        let label = cell(r, lay.station_col);
        let lower = label.to_lowercase();
        let figs = figures(r);
        // Column-number row: 1, 2, 3, ... across the sheet, in any printed form (sheet.rs).
        if crate::sheet::column_numbers(r) {
            continue;
        }
        if ["postal", "डाक", "पोस्टल", "ટપાલ", "પોસ્ટલ"]
            .iter()
            .any(|w| lower.contains(w))
        {
            printed_postal = figs;
            continue;
        }
        if lower.starts_with("total no") || lower.contains("recorded at polling") {
            printed_total = figs;
            continue;
        }
        if lower.contains("total votes polled") {
            continue;
        }
        if ["total", "कुल", "योग", "एकूण", "કુલ"].contains(&lower.as_str())
        {
            match figs {
                Some(f) => {
                    let s = sum_of(&out, &since_break);
                    if s != f && f == sum_of(&out, &(0..out.len()).collect::<Vec<_>>()) {
                        // The segment's total, after page subtotals.
                        printed_total = Some(f);
                    } else if s != f {
                        let diff: Vec<i64> = f
                            .iter()
                            .zip(&s)
                            .map(|(a, b)| *a as i64 - *b as i64)
                            .collect();
                        note("page_subtotal_mismatch", None, Some(*line), format!(
                            "printed subtotal of {} rows is {f:?}, the rows add to {s:?}; difference {diff:?} (a dropped row?); no figure changed",
                            since_break.len()
                        ), false);
                    }
                }
                None => note(
                    "unreadable_row",
                    None,
                    Some(*line),
                    "a subtotal row with unreadable figures".into(),
                    false,
                ),
            }
            since_break.clear();
            continue;
        }
        let Some(f) = figs else {
            let negative: Vec<i64> = lay
                .candidate_cols
                .iter()
                .chain([&lay.nota_col])
                .filter_map(|&c| crate::sheet::figure(cell(r, c)))
                .filter(|&x| x < 0)
                .collect();
            if !negative.is_empty() {
                note(
                    "negative_figure",
                    Some(label),
                    Some(*line),
                    format!("a candidate's or NOTA's cell prints a negative figure {negative:?}; a vote count cannot be negative, so the row is not imported"),
                    true,
                );
            } else if r.iter().any(|c| num(c).is_some()) {
                note(
                    "unreadable_row",
                    Some(label),
                    Some(*line),
                    format!("row with missing or non-numeric figures: {r:?}; not imported"),
                    true,
                );
            }
            // Otherwise a page footer or a blank line.
            continue;
        };
        let Some(number) = crate::sheet::station_number(label) else {
            // A page subtotal (unless it is the last row summing every station: then the
            // segment's total, decided once the sheet is read).
            let s = sum_of(&out, &since_break);
            let subtotal_of = (since_break.len() >= 2 && s == f && f.iter().any(|&x| x > 0))
                .then_some(since_break.len());
            if subtotal_of.is_some() {
                since_break.clear();
            }
            unnumbered.push(Unnumbered {
                line: *line,
                figures: f,
                after: out.len(),
                subtotal_of,
            });
            continue;
        };
        // An unlabelled page subtotal: equals the sum of the rows since the last break.
        let s = sum_of(&out, &since_break);
        if since_break.len() >= 2 && s == f && f.iter().any(|&x| x > 0) {
            subtotal_numbers.insert(num(label).unwrap_or(0));
            note("unlabelled_subtotal_row", Some(&number), Some(*line), format!(
                "row printed as station {number} equals the sum of the {} rows above it; recognised as a page subtotal, not imported",
                since_break.len()
            ), true);
            since_break.clear();
            continue;
        }
        let sum_cand: u64 = f[..ncand].iter().sum();
        let nota = f[ncand];
        // Summary figures are checked as printed, a minus sign included, and never imported.
        for (what, col) in [
            ("valid", lay.valid_col),
            ("rejected", lay.rejected_col),
            ("total", lay.total_col),
            ("tendered", lay.tendered_col),
            ("test votes", lay.test_votes_col),
        ] {
            if let Some(x) = signed(r, col).filter(|&x| x < 0) {
                note(
                    "negative_figure",
                    Some(&number),
                    Some(*line),
                    format!("the {what} column prints {x}; kept as printed in the row's arithmetic, no vote figure changed"),
                    false,
                );
            }
        }
        let (sum_s, nota_s) = (sum_cand as i64, nota as i64);
        if let Some(v) = signed(r, lay.valid_col) {
            if v == sum_s + nota_s && nota > 0 {
                valid_with += 1;
            } else if v == sum_s {
                valid_without += 1;
            } else if v != sum_s + nota_s {
                note(
                    "valid_column_mismatch",
                    Some(&number),
                    Some(*line),
                    format!("printed valid {v}, candidates add to {sum_cand} (+NOTA {nota})"),
                    false,
                );
            }
        }
        let rejected = signed(r, lay.rejected_col).unwrap_or(0);
        let test_votes = lay
            .test_votes_col
            .and_then(|c| num(cell(r, c)))
            .unwrap_or(0);
        if let Some(t) = signed(r, lay.total_col) {
            let adds = sum_s + nota_s + rejected;
            // Some sheets count the test votes into the total, some do not.
            if t != adds && t != adds + test_votes as i64 {
                note(
                    "total_column_mismatch",
                    Some(&number),
                    Some(*line),
                    format!("printed total {t}, figures add to {adds}"),
                    false,
                );
            }
        }
        if test_votes > 0 {
            test_votes_total += test_votes;
            note(
                "test_votes_unattributed",
                Some(&number),
                Some(*line),
                format!("{test_votes} test votes (Rule 49MA) printed; Form 20 does not say which candidates they were cast for, so they cannot enter Form 17C's test votes (per candidate): the candidates' figures are imported as printed, net of test votes, and the machine total without them"),
                true,
            );
        }
        if rejected > 0 {
            note(
                "rejected_at_station",
                Some(&number),
                Some(*line),
                format!(
                    "{rejected} rejected votes printed for an EVM station; not imported as votes"
                ),
                true,
            );
        }
        if f.iter().all(|&x| x == 0) {
            note(
                "all_zero_row",
                Some(&number),
                Some(*line),
                "every figure in the row is 0; imported as a station with no votes".into(),
                false,
            );
        }
        let count = seen.entry(number.clone()).or_insert(0);
        *count += 1;
        let id = if *count > 1 {
            note(
                "duplicate_ps_no",
                Some(&number),
                Some(*line),
                format!(
                    "station number {number} printed {} times; this row imported as {number}-{}",
                    *count, *count
                ),
                true,
            );
            format!("{number}-{}", *count)
        } else {
            number.clone()
        };
        let tendered = lay.tendered_col.and_then(|c| num(cell(r, c))).unwrap_or(0);
        since_break.push(out.len());
        out.push(Row {
            segment,
            number: id,
            counts: f,
            tendered,
            line: *line,
        });
    }
    // Rows with no station number after the last station: the segment's total (equal to the sum
    // of every station), a postal row between it and a grand total equal to both; anything else,
    // and every such row between stations, is reported as not imported.
    let all = sum_of(&out, &(0..out.len()).collect::<Vec<_>>());
    let trailing: Vec<&Unnumbered> = unnumbered.iter().filter(|u| u.after == out.len()).collect();
    let mut role: Vec<Option<&'static str>> = trailing
        .iter()
        .map(|u| (!out.is_empty() && u.figures == all).then_some("total"))
        .collect();
    for i in 0..trailing.len() {
        if role[i].is_some() {
            continue;
        }
        let before = (0..i).find(|&a| role[a] == Some("total"));
        let grand = (i + 1..trailing.len()).find(|&c| {
            matches!(role[c], None | Some("total"))
                && before.is_some_and(|a| {
                    trailing[c]
                        .figures
                        .iter()
                        .zip(trailing[a].figures.iter().zip(&trailing[i].figures))
                        .all(|(g, (t, p))| *g == t + p)
                })
        });
        if let Some(c) = grand {
            role[i] = Some("postal");
            role[c] = Some("grand");
        }
    }
    for u in &unnumbered {
        let r = trailing
            .iter()
            .position(|t| std::ptr::eq(*t, u))
            .and_then(|i| role[i]);
        match r {
            Some("total") => {
                note("unlabelled_total_row", None, Some(u.line), format!(
                    "a row with no label after the last station equals the sum of all {} stations: the segment's total, not imported",
                    out.len()
                ), false);
                printed_total.get_or_insert_with(|| u.figures.clone());
            }
            Some("postal") => {
                note("unlabelled_postal_row", None, Some(u.line), format!(
                    "a row with no label {:?} between the segment's total and a row equal to the two added: the postal row, not imported as a station",
                    u.figures
                ), false);
                printed_postal.get_or_insert_with(|| u.figures.clone());
            }
            Some(_) => note(
                "unlabelled_total_row",
                None,
                Some(u.line),
                "a row with no label equal to the segment's total and the postal row added: the grand total, not imported".into(),
                false,
            ),
            None if u.subtotal_of.is_some() => note("unlabelled_subtotal_row", None, Some(u.line), format!(
                "a row with no label equals the sum of the {} rows above it; recognised as a page subtotal, not imported",
                u.subtotal_of.unwrap_or(0)
            ), false),
            None => note(
                "row_without_station_number",
                None,
                Some(u.line),
                format!("figures {:?} with no station number; not imported", u.figures),
                true,
            ),
        }
    }
    // Gaps in the numbering.
    let numbers: BTreeSet<u64> = seen.keys().filter_map(|k| k.parse().ok()).collect();
    if let Some(&max) = numbers.iter().next_back() {
        for n in 1..=max {
            if !numbers.contains(&n) {
                let why = if subtotal_numbers.contains(&n) {
                    "; this number was printed on an unlabelled subtotal row"
                } else {
                    ""
                };
                note(
                    "missing_ps_no",
                    Some(&n.to_string()),
                    None,
                    format!("no station row numbered {n} in 1..{max}{why}"),
                    false,
                );
            }
        }
    }
    if let Some(first) = subtotal_numbers.iter().next() {
        note("ps_no_printed_unreliable", None, None, format!(
            "{} unlabelled subtotal rows take station numbers (from {first}): the numbers printed after them are row serials, not station numbers; stations keep their printed numbers as ids",
            subtotal_numbers.len()
        ), true);
    }
    if out.is_empty() {
        return Err(ImportError::input(
            path.display().to_string(),
            None,
            format!(
                "no station row imported (layout read: {}): a segment is never imported empty",
                layout_found.join("; ")
            ),
        ));
    }
    let booth = sum_of(&out, &(0..out.len()).collect::<Vec<_>>());
    if let Some(t) = &printed_total {
        if *t != booth {
            note(
                "segment_total_mismatch",
                None,
                None,
                format!("the sheet's total row {t:?} differs from its imported stations {booth:?}"),
                false,
            );
        }
    }
    let valid_includes_nota = match (valid_with, valid_without) {
        (0, 0) => None,
        (w, wo) => Some(w >= wo),
    };
    Ok(Segment {
        summary: SegmentSummary {
            segment,
            file,
            stations: out.len(),
            valid_includes_nota,
            booth_sums: booth,
            printed_total,
            printed_postal,
            layout: layout_found,
            test_votes: lay.test_votes_col.map(|_| test_votes_total),
        },
        rows: out,
        names: lay.names,
    })
}

/// Electors per station, keyed by the sheet's raw line when the booth list gives it (exact), else
/// by the printed station number.
struct Electors {
    by_line: bool,
    map: BTreeMap<(u32, String), u64>,
}

fn read_electors(path: &Path) -> Result<Electors, ImportError> {
    let file = path.display().to_string();
    let rows = read_rows(path)?;
    let Some((_, header)) = rows.first() else {
        return Err(ImportError::input(&file, None, "empty electors file"));
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| ImportError::input(&file, None, format!("no column {name}")))
    };
    let (ac, el) = (need("ac_no")?, need("electors")?);
    let (key, by_line) = match col("raw_line") {
        Some(c) => (c, true),
        None => (need("ps_no")?, false),
    };
    let mut map = BTreeMap::new();
    for (_, r) in rows.iter().skip(1) {
        if let (Some(a), Some(k), Some(e)) = (num(cell(r, ac)), num(cell(r, key)), num(cell(r, el)))
        {
            map.entry((a as u32, k.to_string())).or_insert(e);
        }
    }
    Ok(Electors { by_line, map })
}

/// The declared result's rows (name, party, votes) and, when it has a `Postal` column, each
/// row's postal votes (the postal figure's published source, spec `import.md`).
type Declared = (Vec<(String, String, u64)>, Option<Vec<u64>>);

fn read_declared(path: &Path) -> Result<Declared, ImportError> {
    let file = path.display().to_string();
    let rows = read_rows(path)?;
    let refuse = |line: Option<u64>, why: String| {
        let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
        ImportError::input(&file, None, format!("{at}{why}"))
    };
    let Some((first, header)) = rows.first() else {
        return Err(refuse(
            None,
            "empty: a declared result is a CSV Candidate,Party,Votes with a row per candidate and one for NOTA".into(),
        ));
    };
    let heading = |i: usize| normalise_name(cell(header, i));
    if heading(0) != "CANDIDATE" || heading(2) != "VOTES" {
        return Err(refuse(
            Some(*first),
            format!(
                "the header is {:?}, not Candidate,Party,Votes",
                header.iter().map(|c| c.trim()).collect::<Vec<_>>()
            ),
        ));
    }
    let postal_col = header
        .iter()
        .position(|h| normalise_name(h) == "POSTAL")
        .filter(|&c| c > 2);
    let mut postal: Vec<u64> = Vec::new();
    let mut out: Vec<(String, String, u64)> = Vec::new();
    for (line, r) in rows.iter().skip(1) {
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let name = cell(r, 0).trim().to_string();
        if name.is_empty() {
            return Err(refuse(Some(*line), "a row with no candidate name".into()));
        }
        let votes = num(cell(r, 2))
            .ok_or_else(|| refuse(Some(*line), format!("{name}: votes are not a number")))?;
        if out
            .iter()
            .any(|(n, _, _)| normalise_name(n) == normalise_name(&name))
        {
            return Err(refuse(Some(*line), format!("{name} is listed twice")));
        }
        if let Some(c) = postal_col {
            let p = num(cell(r, c)).filter(|p| *p <= votes).ok_or_else(|| {
                refuse(
                    Some(*line),
                    format!("{name}: the postal votes are not a number at most the votes"),
                )
            })?;
            postal.push(p);
        }
        out.push((name, cell(r, 1).trim().to_string(), votes));
    }
    let nota = out.iter().filter(|(n, _, _)| is_nota(n)).count();
    let candidates = out.len() - nota;
    if candidates == 0 || nota > 1 {
        return Err(refuse(
            None,
            format!(
                "{candidates} candidate(s) and {nota} NOTA row(s): a declared result lists every candidate and at most one NOTA row"
            ),
        ));
    }
    Ok((out, postal_col.map(|_| postal)))
}

/// Imports the sheets, writes the prover's inputs into `out`, and returns the report (also
/// written as `import-report.json` and `import-report.txt`).
pub fn import(opts: &ImportOptions, out: &Path) -> Result<ImportReport, ImportError> {
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(&opts.raw_dir)
        .map_err(|e| ImportError::Io {
            path: opts.raw_dir.display().to_string(),
            reason: e.to_string(),
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().to_string();
            let n: u32 = name
                .strip_prefix("AC")?
                .strip_suffix(".csv")?
                .parse()
                .ok()?;
            Some((n, p))
        })
        .filter(|(n, _)| opts.segments.is_empty() || opts.segments.contains(n))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ImportError::input(
            opts.raw_dir.display().to_string(),
            None,
            "no sheet AC<nnn>.csv (for the segments asked)",
        ));
    }
    if let Some(c) = opts.allow.iter().find(|c| {
        !VOTE_CLASSES.contains(&c.as_str())
            && !matches!(c.as_str(), "negative_figure" | "unlabelled_subtotal_row")
    }) {
        return Err(ImportError::input(
            "--allow",
            None,
            format!("{c} is not a class --strict refuses (spec import.md, \"Anomaly classes\")"),
        ));
    }
    let (declared, declared_postal) =
        match opts.declared.as_deref().map(read_declared).transpose()? {
            Some((d, p)) => (Some(d), p),
            None => (None, None),
        };
    // Candidates without NOTA, when the declared result lists them.
    let k = declared
        .as_ref()
        .map(|d| d.iter().filter(|(n, _, _)| !is_nota(n)).count());
    let mut anomalies = Vec::new();
    let mut segments = Vec::new();
    for (n, p) in &files {
        let segment =
            parse_segment(p, *n, k, &mut anomalies).map_err(|e| match (&declared, e) {
                // A layout refused with the declared result's count: show its list beside the sheet's.
                (
                    Some(d),
                    ImportError::Input {
                        file,
                        station,
                        rule,
                    },
                ) => ImportError::Input {
                    file,
                    station,
                    rule: format!(
                        "{rule} (the declared result lists {:?})",
                        d.iter().map(|(n, _, _)| n.as_str()).collect::<Vec<_>>()
                    ),
                },
                (_, e) => e,
            })?;
        segments.push(segment);
    }
    // VVPAT: stated, or evidenced by a test-votes column (printed only for VVPAT polls).
    let evidence: Vec<&str> = segments
        .iter()
        .filter(|s| s.summary.test_votes.is_some())
        .map(|s| s.summary.file.as_str())
        .collect();
    let seen = if evidence.is_empty() {
        "no sheet prints a test-votes column".to_string()
    } else {
        format!(
            "a test-votes (Rule 49MA) column in {} of {} sheets ({})",
            evidence.len(),
            segments.len(),
            evidence.join(", ")
        )
    };
    let (vvpat, vvpat_basis) = match opts.vvpat {
        Some(v) => (
            v,
            format!("stated (--vvpat {}); {seen}", if v { "yes" } else { "no" }),
        ),
        None if evidence.is_empty() => (
            false,
            format!("{seen}: imported without VVPAT (pass --vvpat yes if the constituency voted with it)"),
        ),
        None => (true, seen),
    };
    // Candidates by position: the ballot order is the same in every sheet of a constituency;
    // spellings differ from sheet to sheet (reported), and a sheet may not name them at all.
    let ncand = segments[0].names.len();
    if let Some(s) = segments.iter().find(|s| s.names.len() != ncand) {
        return Err(ImportError::input(
            &s.summary.file,
            None,
            format!(
                "{} candidates, but {} in {}",
                s.names.len(),
                ncand,
                segments[0].summary.file
            ),
        ));
    }
    let spellings: Vec<Vec<String>> = (0..ncand)
        .map(|i| {
            let mut v: Vec<String> = Vec::new();
            for s in &segments {
                let name = clean_name(&s.names[i]);
                if !normalise_name(&name).is_empty() && !v.contains(&name) {
                    v.push(name);
                }
            }
            v
        })
        .collect();
    let mut names = Vec::with_capacity(ncand);
    for (i, sp) in spellings.iter().enumerate() {
        let Some(first) = sp.first() else {
            return Err(ImportError::input(
                &segments[0].summary.file,
                None,
                format!("candidate {} of the ballot is named in no sheet", i + 1),
            ));
        };
        names.push(first.clone());
    }
    for s in &segments {
        for (i, n) in s.names.iter().enumerate() {
            let n = clean_name(n);
            if !normalise_name(&n).is_empty() && normalise_name(&n) != normalise_name(&names[i]) {
                anomalies.push(Anomaly {
                    class: "candidate_spelling",
                    segment: s.summary.segment,
                    station: None,
                    file: s.summary.file.clone(),
                    line: None,
                    detail: format!(
                        "candidate {} of the ballot printed as {n:?}, elsewhere {:?}; matched by position",
                        i + 1,
                        names[i]
                    ),
                    choice: false,
                });
            }
        }
    }
    // Each ballot position's entry in the declared result, by the closest spelling. A name is
    // kept as a sheet prints it when it is the declared one; otherwise the declared spelling
    // (the sheets' may be cut short or broken into syllables) is used.
    let matched: Vec<Option<usize>> = declared
        .as_ref()
        .map(|d| match_declared(&spellings, d))
        .unwrap_or_else(|| vec![None; ncand]);
    if let Some(d) = &declared {
        // A ballot position no declared candidate matches is refused with both lists: matched
        // by position alone, a missing or renamed candidate would take a neighbour's votes.
        if let Some(i) = matched.iter().position(Option::is_none) {
            let sheet: Vec<String> = spellings
                .iter()
                .enumerate()
                .map(|(j, sp)| format!("{}: {}", j + 1, sp.join(" / ")))
                .collect();
            let listed: Vec<&str> = d
                .iter()
                .filter(|(n, _, _)| !is_nota(n))
                .map(|(n, _, _)| n.as_str())
                .collect();
            return Err(ImportError::input(
                opts.declared
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                None,
                format!(
                    "the sheets' candidate {} ({}) matches no candidate of the declared result by name; the sheets' candidates: {sheet:?}; the declared result's: {listed:?}",
                    i + 1,
                    spellings[i].join(" / ")
                ),
            ));
        }
        for (i, m) in matched.iter().enumerate() {
            let Some(m) = m else { continue };
            let official = &d[*m].0;
            let words = |s: &str| -> Vec<String> {
                s.split(|c: char| !c.is_alphabetic())
                    .filter(|w| !w.is_empty())
                    .map(str::to_uppercase)
                    .collect()
            };
            let same = spellings[i].iter().find(|n| words(n) == words(official));
            names[i] = same.cloned().unwrap_or_else(|| official.clone());
        }
    }
    let electors = opts.electors.as_deref().map(read_electors).transpose()?;

    let mut rng = ChaCha20Rng::seed_from_u64(opts.seed);
    let mut candidates: Vec<Candidate> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let party = declared
                .as_ref()
                .zip(matched[i])
                .map(|(d, m)| d[m].1.clone())
                .unwrap_or_default();
            Candidate {
                candidate_id: format!("K{:02}", i + 1),
                name: n.clone(),
                party,
                nota: false,
            }
        })
        .collect();
    candidates.push(Candidate {
        candidate_id: "NOTA".into(),
        name: "None of the Above".into(),
        party: String::new(),
        nota: true,
    });

    let mut stations = Vec::new();
    let mut forms = Vec::new();
    let mut logs = Vec::new();
    let mut booth = vec![0u64; candidates.len()];
    // The booth list's entries a row was found for (segment, line or number).
    let mut in_list: BTreeSet<(u32, String)> = BTreeSet::new();
    for seg in &segments {
        for row in &seg.rows {
            let sid = format!("AC{:03}-PS{:0>4}", row.segment, row.number);
            let total: u64 = row.counts.iter().sum();
            for (b, c) in booth.iter_mut().zip(&row.counts) {
                *b += c;
            }
            let base = row
                .number
                .split('-')
                .next()
                .unwrap_or(&row.number)
                .to_string();
            let listed = electors.as_ref().and_then(|e| {
                let key = if e.by_line {
                    row.line.to_string()
                } else {
                    base
                };
                let found = e.map.get(&(row.segment, key.clone())).copied();
                if found.is_some() {
                    in_list.insert((row.segment, key));
                }
                found
            });
            let electors = match listed {
                Some(e) if e >= total => e,
                Some(e) => {
                    anomalies.push(Anomaly {
                        class: "votes_exceed_electors",
                        segment: row.segment,
                        station: Some(row.number.clone()),
                        file: seg.summary.file.clone(),
                        line: Some(row.line),
                        detail: format!("{total} votes but {e} electors in the booth list; electors taken as {total} so the row can be proved"),
                        choice: true,
                    });
                    total
                }
                None => {
                    if opts.electors.is_some() {
                        anomalies.push(Anomaly {
                            class: "no_electors",
                            segment: row.segment,
                            station: Some(row.number.clone()),
                            file: seg.summary.file.clone(),
                            line: Some(row.line),
                            detail: format!("station not in the booth list; electors taken as the {total} votes recorded"),
                            choice: true,
                        });
                    }
                    total
                }
            };
            stations.push(Station {
                station_id: sid.clone(),
                name: format!("Polling station {} of segment {}", row.number, row.segment),
                segment_id: format!("AC{:03}", row.segment),
                electors,
                contests: vec![opts.contest_id.clone()],
                presiding_officer: format!("PO-{sid}"),
            });
            let (form, log) = synthesise(
                &mut rng,
                &sid,
                &opts.contest_id,
                &row.counts,
                electors,
                row.tendered,
                vvpat,
            );
            forms.push(form);
            logs.push(log);
        }
    }

    // Continuity against the booth list: a station it lists for an imported segment with no row
    // in the sheet (a sheet cut short at a row's end, rows lost or unread) is a finding, with
    // the lines or numbers, whatever the numbering of the rows that are there says.
    if let Some(e) = &electors {
        for seg in &segments {
            let n = seg.summary.segment;
            let missing: Vec<&str> = e
                .map
                .keys()
                .filter(|(s, k)| *s == n && !in_list.contains(&(*s, k.clone())))
                .map(|(_, k)| k.as_str())
                .collect();
            if missing.is_empty() {
                continue;
            }
            let what = if e.by_line {
                "sheet line(s)"
            } else {
                "station number(s)"
            };
            let mut shown: Vec<u64> = missing.iter().filter_map(|k| k.parse().ok()).collect();
            shown.sort_unstable();
            anomalies.push(Anomaly {
                class: "station_in_booth_list_without_row",
                segment: n,
                station: None,
                file: seg.summary.file.clone(),
                line: None,
                detail: format!(
                    "the booth list has {} station(s) of this segment at {what} {} with no station row read from the sheet: rows lost, unread, or the sheet cut short",
                    missing.len(),
                    ranges(&shown)
                ),
                choice: false,
            });
        }
    }
    // Reconciliation and the postal row: declared minus booth sums.
    let all_segments = opts.segments.is_empty();
    let mut reconciliation = Vec::new();
    let mut postal = vec![0u64; candidates.len()];
    if let Some(d) = &declared {
        for (i, c) in candidates.iter().enumerate() {
            let entry = if c.nota {
                d.iter().find(|(n, _, _)| is_nota(n))
            } else {
                matched.get(i).copied().flatten().map(|m| &d[m])
            };
            let row = if c.nota {
                d.iter().position(|(n, _, _)| is_nota(n))
            } else {
                matched.get(i).copied().flatten()
            };
            let Some((_, _, votes)) = entry else {
                anomalies.push(Anomaly {
                    class: "not_in_declared_result",
                    segment: 0,
                    station: None,
                    file: "declared".into(),
                    line: None,
                    detail: format!("{} is not in the declared result", c.name),
                    choice: false,
                });
                continue;
            };
            let diff = *votes as i64 - booth[i] as i64;
            // A postal figure the declared result publishes is the postal row; the stations
            // must then make up the rest exactly.
            let published = declared_postal.as_ref().zip(row).map(|(p, r)| p[r]);
            if let (true, Some(p)) = (all_segments, published) {
                postal[i] = p;
                if diff != p as i64 {
                    anomalies.push(Anomaly {
                        class: "postal_column_mismatch",
                        segment: 0,
                        station: None,
                        file: "declared".into(),
                        line: None,
                        detail: format!(
                            "{}: the declared result gives {votes} votes, {p} of them postal, but the stations add to {} (a difference of {} from the {} the stations should give)",
                            c.name,
                            booth[i],
                            booth[i] as i64 - (*votes as i64 - p as i64),
                            *votes as i64 - p as i64
                        ),
                        choice: false,
                    });
                }
            } else if all_segments {
                if diff < 0 {
                    anomalies.push(Anomaly {
                        class: "booth_sum_exceeds_declared",
                        segment: 0,
                        station: None,
                        file: "declared".into(),
                        line: None,
                        detail: format!(
                            "{}: stations add to {}, more than the declared {votes}",
                            c.name, booth[i]
                        ),
                        choice: false,
                    });
                } else {
                    postal[i] = diff as u64;
                }
            }
            reconciliation.push(Reconciliation {
                candidate_id: c.candidate_id.clone(),
                name: c.name.clone(),
                booth_sum: booth[i],
                declared: *votes,
                difference: diff,
            });
        }
        // Postal is a figure with a bound, never whatever is left over: when the remainders
        // add up to more than POSTAL_BOUND_PERCENT of the votes at the stations, the
        // stations read are short of the sheets' (rows dropped, a sheet cut short) or the
        // declared result is another's; no postal row is taken, each candidate's remainder is
        // a finding with the likely cause.
        let at_stations: u64 = booth.iter().sum();
        let remainder: u64 = postal.iter().sum();
        if all_segments
            && declared_postal.is_none()
            && remainder * 100 > at_stations * POSTAL_BOUND_PERCENT
        {
            let lost: usize = anomalies
                .iter()
                .filter(|a| {
                    matches!(
                        a.class,
                        "missing_ps_no"
                            | "station_in_booth_list_without_row"
                            | "unreadable_row"
                            | "row_without_station_number"
                    )
                })
                .count();
            let cause = if lost > 0 {
                format!("likely rows dropped: {lost} finding(s) of stations missing or rows unread")
            } else {
                "stations missing from the sheets, or postal ballots beyond the bound (read the postal row of Form 20 or Form 21)".to_string()
            };
            for (i, c) in candidates.iter().enumerate() {
                if postal[i] == 0 {
                    continue;
                }
                anomalies.push(Anomaly {
                    class: "postal_remainder_implausible",
                    segment: 0,
                    station: None,
                    file: "declared".into(),
                    line: None,
                    detail: format!(
                        "{}: declared minus stations is {}, and the remainders add up to {remainder}, {:.1}% of the {at_stations} votes at the stations (postal ballots are at most {POSTAL_BOUND_PERCENT}%); not taken as postal votes: {cause}",
                        c.name,
                        postal[i],
                        remainder as f64 * 100.0 / at_stations.max(1) as f64
                    ),
                    choice: false,
                });
                postal[i] = 0;
            }
        }
    }
    anomalies.sort();
    let mut by_class = BTreeMap::new();
    for a in &anomalies {
        *by_class.entry(a.class).or_insert(0) += 1;
    }
    let slots = candidates.len().next_power_of_two().max(2);
    let shapes: BTreeSet<(usize, usize)> = segments
        .iter()
        .flat_map(|s| &s.rows)
        .map(|r| {
            let total: u64 = r.counts.iter().sum();
            let votes = [512u64, 1024, 2048]
                .into_iter()
                .find(|&v| total <= v)
                .unwrap_or(2048);
            (votes as usize, slots)
        })
        .collect();
    let report = ImportReport {
        segments: segments.iter().map(|s| s.summary.clone()).collect(),
        by_class,
        stations: stations.len(),
        candidates: candidates.iter().map(|c| c.name.clone()).collect(),
        reconciliation,
        anomalies,
        shapes: shapes.iter().map(|(v, c)| format!("{v}x{c}")).collect(),
        vvpat,
        vvpat_basis,
    };
    write_json(&out.join("import-report.json"), &report)?;
    write_bytes(&out.join("import-report.txt"), report.to_text().as_bytes())?;
    if opts.strict {
        let refused: Vec<&Anomaly> = report
            .anomalies
            .iter()
            .filter(|a| a.severity() == "votes" && !opts.allow.iter().any(|c| c == a.class))
            .collect();
        if let Some(a) = refused.first() {
            let classes: BTreeSet<&str> = refused.iter().map(|a| a.class).collect();
            return Err(ImportError::input(
                &a.file,
                a.station.as_deref(),
                format!(
                    "--strict: {} finding(s) that may change a vote figure, of class(es) {classes:?} (first: {}: {}); see import-report.txt, and --allow CLASS for a class read and accepted",
                    refused.len(),
                    a.class,
                    a.detail
                ),
            ));
        }
    }

    let midnight = bundle::inputs::unix_midnight(&opts.poll_date)
        .ok_or_else(|| ImportError::input("import", None, "poll date is not YYYY-MM-DD"))?;
    let contest = Contest {
        contest_id: opts.contest_id.clone(),
        name: opts.contest_name.clone(),
        kind: ContestKind::SingleMember,
        group: None,
        seats: 1,
        candidates,
        uncontested: false,
        returning_officer: format!("RO-{}", opts.contest_id),
        vvpat,
        // The statutory sample (five stations per segment), no risk-limiting audit: the rule in
        // force for the polls whose Form 20 is imported.
        // No party is named: the sheets cannot say who observed, so the report warns that the
        // sample may be the SEC's own choice (audit.md §3).
        audit: vvpat.then_some(bundle::AuditRule {
            statutory_per_segment: bundle::AuditRule::MIN_PER_SEGMENT,
            risk_limit_bp: None,
            parties: Vec::new(),
        }),
        totaliser: None,
    };
    let def = ElectionDefinition {
        spec_version: bundle::SPEC_VERSION.into(),
        election_id: opts.election_id.clone(),
        name: format!(
            "{} (imported from published Form 20; vote order synthesised)",
            opts.contest_name
        ),
        kind: ElectionKind::Parliamentary,
        poll_date: opts.poll_date.clone(),
        poll_opens: 7 * 3600,
        counting_starts_at: midnight + 20 * 86_400,
        publication: "booth-wise".into(),
        contests: vec![contest],
        stations,
    };
    write_json(&out.join(layout::ELECTION), &def)?;
    for f in &forms {
        write_json(
            &out.join(layout::FORM17C)
                .join(format!("{}.json", f.station_id)),
            f,
        )?;
    }
    for l in &logs {
        write_json(
            &out.join(layout::LOGS)
                .join(format!("{}.json", l.station_id)),
            l,
        )?;
    }
    write_json(
        &out.join(layout::POSTAL)
            .join(format!("{}.json", opts.contest_id)),
        &PostalRow {
            contest_id: opts.contest_id.clone(),
            counts: postal,
            rejected: 0,
        },
    )?;
    if all_segments && report.reconciliation.len() == def.contests[0].candidates.len() {
        let source = opts
            .declared
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let declared = DeclaredResult {
            contest_id: opts.contest_id.clone(),
            source: format!("declared result, {source}"),
            totals: report.reconciliation.iter().map(|r| r.declared).collect(),
        };
        write_json(
            &out.join(layout::DECLARED)
                .join(format!("{}.json", opts.contest_id)),
            &declared,
        )?;
    }
    // Keys for the pilot: in a real deployment each officer holds their own.
    let dir = out.join(layout::SIGNING_KEYS);
    let a = KeyPair::generate("authority", Role::Authority, &mut rand::rngs::OsRng);
    write_bytes(&dir.join("authority.json"), a.to_secret_json()?.as_bytes())?;
    write_bytes(
        &out.join("authority.pub"),
        format!("{}\n", a.public_hex()).as_bytes(),
    )?;
    let ro = KeyPair::generate(
        &def.contests[0].returning_officer,
        Role::ReturningOfficer,
        &mut rand::rngs::OsRng,
    );
    write_bytes(
        &dir.join("ro").join(format!("{}.json", ro.id)),
        ro.to_secret_json()?.as_bytes(),
    )?;
    for s in &def.stations {
        let po = KeyPair::generate(
            &s.presiding_officer,
            Role::PresidingOfficer,
            &mut rand::rngs::OsRng,
        );
        write_bytes(
            &dir.join("po").join(format!("{}.json", po.id)),
            po.to_secret_json()?.as_bytes(),
        )?;
    }
    Ok(report)
}

/// A sealed log holding exactly `counts` in a seeded random order, at times spread over the poll
/// day, and its Form 17C Part I.
fn synthesise(
    rng: &mut ChaCha20Rng,
    sid: &str,
    cid: &str,
    counts: &[u64],
    electors: u64,
    tendered: u64,
    vvpat: bool,
) -> (Form17C, EvmLog) {
    let mut choices: Vec<u32> = counts
        .iter()
        .enumerate()
        .flat_map(|(j, &c)| std::iter::repeat_n(j as u32, c as usize))
        .collect();
    choices.shuffle(rng);
    let mut times: Vec<u32> = (0..choices.len())
        .map(|_| rng.gen_range(7 * 3600..18 * 3600))
        .collect();
    times.sort_unstable();
    let total = choices.len() as u64;
    let closed_at = 18 * 3600 + rng.gen_range(60..600);
    let cu = format!("CU-{}", sid.replace('-', ""));
    let form = Form17C {
        station_id: sid.into(),
        poll: StationPoll {
            electors,
            voters_17a: total,
            refused_49o: 0,
            not_allowed_49m: 0,
            tendered,
            closed_at,
            seals: vec![],
            remarks: None,
        },
        contests: vec![Form17CContest {
            contest_id: cid.into(),
            total_recorded: total,
            test_votes: vec![],
            units: vec![Unit {
                cu: cu.clone(),
                bu: vec![],
                vvpat: vvpat.then(|| format!("VT-{}", sid.replace('-', ""))),
                total,
            }],
        }],
    };
    let votes = times
        .into_iter()
        .zip(choices)
        .map(|(t, c)| Vote(t, c))
        .collect();
    let log = EvmLog {
        station_id: sid.into(),
        contests: vec![ContestLog {
            contest_id: cid.into(),
            units: vec![UnitLog { cu, votes }],
        }],
    };
    (form, log)
}

impl ImportReport {
    /// The report for people.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "imported {} stations; candidates: {}",
            self.stations,
            self.candidates.join(", ")
        );
        let _ = writeln!(
            s,
            "key shapes needed: {} ({} candidates and NOTA need {} choice slots)",
            self.shapes.join(","),
            self.candidates.len().saturating_sub(1),
            self.shapes
                .first()
                .and_then(|x| x.split('x').nth(1))
                .unwrap_or("?")
        );
        let _ = writeln!(
            s,
            "VVPAT: {} ({}){}",
            if self.vvpat { "yes" } else { "no" },
            self.vvpat_basis,
            if self.vvpat {
                "; audit rule: the statutory 5 stations per segment, no risk limit"
            } else {
                ""
            }
        );
        for seg in &self.segments {
            let nota = match seg.valid_includes_nota {
                Some(true) => "includes NOTA",
                Some(false) => "excludes NOTA",
                None => "not printed",
            };
            let _ = writeln!(
                s,
                "  segment {:>3} ({}): {} stations; printed valid-votes column {nota}",
                seg.segment, seg.file, seg.stations
            );
            let _ = writeln!(s, "      layout: {}", seg.layout.join("; "));
        }
        let _ = writeln!(s, "\nanomalies by class:");
        for (k, v) in &self.by_class {
            let _ = writeln!(s, "  {k:<28} {v}");
        }
        let _ = writeln!(
            s,
            "\nanomalies (severity, segment, station, file:line, what was done; --strict refuses `votes`):"
        );
        for a in &self.anomalies {
            let line = a.line.map(|l| format!(":{l}")).unwrap_or_default();
            let choice = if a.choice { " [importer chose]" } else { "" };
            let _ = writeln!(
                s,
                "  {:<5} AC{:03} ps {:<6} {}{line}  {}: {}{choice}",
                a.severity(),
                a.segment,
                a.station.as_deref().unwrap_or("-"),
                a.file,
                a.class,
                a.detail
            );
        }
        if !self.reconciliation.is_empty() {
            let _ = writeln!(s, "\nreconciliation with the declared result (difference = declared - stations = postal):");
            for r in &self.reconciliation {
                let flag = if r.difference < 0 {
                    "  <-- stations exceed the declared total"
                } else {
                    ""
                };
                let _ = writeln!(
                    s,
                    "  {:<4} {:<32} stations {:>8}  declared {:>8}  difference {:>6}{flag}",
                    r.candidate_id, r.name, r.booth_sum, r.declared, r.difference
                );
            }
        }
        s
    }
}
