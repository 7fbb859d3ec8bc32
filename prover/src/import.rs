//! `prover import`: reads published booth-wise result sheets (Form 20, as converted to CSV) and
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

use crate::error::ProverError;
use crate::io::{write_bytes, write_json};
use crate::layout;
use bundle::inputs::{ContestLog, EvmLog, UnitLog, Vote};
use bundle::{
    Candidate, Contest, ContestKind, DeclaredResult, ElectionDefinition, ElectionKind, Form17C,
    Form17CContest, KeyPair, PostalRow, Role, Station, Unit,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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
    /// Refuse to write when the importer had to choose anything.
    pub strict: bool,
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
}

/// One anomaly found in the sheets.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
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
    /// Whether the importer had to choose (so `--strict` refuses).
    pub choice: bool,
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
}

fn num(s: &str) -> Option<u64> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Upper-case letters only: "Dr. Dinesh Parmar" and "DR.DINESH PARMAR" agree.
pub fn normalise_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_uppercase)
        .collect()
}

fn read_rows(path: &Path) -> Result<Vec<(u64, Vec<String>)>, ProverError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ProverError::Io {
        path: file.clone(),
        reason: e.to_string(),
    })?;
    let text =
        String::from_utf8(bytes).map_err(|_| ProverError::input(&file, None, "not UTF-8"))?;
    let text = text.trim_start_matches('\u{feff}');
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // Line numbers from byte offsets (the csv crate's own count lags by one on CRLF files).
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |byte: usize| starts.partition_point(|&s| s <= byte) as u64;
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec =
            rec.map_err(|e| ProverError::input(&file, None, format!("not a CSV file: {e}")))?;
        // A record may be reported as starting on the terminator of the line before it.
        let mut byte = rec.position().map(|p| p.byte() as usize).unwrap_or(0);
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        let line = line_of(byte);
        out.push((line, rec.iter().map(|c| c.trim().to_string()).collect()));
    }
    Ok(out)
}

/// Finds the layout from the two header rows: the row of candidate names, and the row above it
/// naming the NOTA, total, rejected and tendered columns.
fn layout(rows: &[(u64, Vec<String>)], file: &str) -> Result<(Layout, usize), ProverError> {
    let is_name = |c: &str| !c.is_empty() && num(c).is_none() && c.chars().any(char::is_alphabetic);
    let names_at = rows
        .iter()
        .position(|(_, r)| {
            let names = r.iter().filter(|c| is_name(c)).count();
            let nums = r.iter().filter(|c| num(c).is_some()).count();
            names >= 2 && nums == 0 && !r.iter().any(|c| c.to_lowercase().contains("serial"))
        })
        .ok_or_else(|| ProverError::input(file, None, "no row of candidate names found"))?;
    let (_, names_row) = &rows[names_at];
    let candidate_cols: Vec<usize> = names_row
        .iter()
        .enumerate()
        .filter(|(_, c)| is_name(c))
        .map(|(i, _)| i)
        .collect();
    let names = candidate_cols
        .iter()
        .map(|&i| names_row[i].clone())
        .collect();
    let first = candidate_cols[0];
    if first == 0 {
        return Err(ProverError::input(
            file,
            None,
            "candidate names start in the first column: no station column",
        ));
    }
    // Header row: the closest row above naming NOTA.
    let header = rows[..names_at]
        .iter()
        .rev()
        .find(|(_, r)| r.iter().any(|c| c.eq_ignore_ascii_case("nota")))
        .map(|(_, r)| r.clone())
        .ok_or_else(|| ProverError::input(file, None, "no header row naming the NOTA column"))?;
    let find = |pred: &dyn Fn(&str) -> bool| header.iter().position(|c| pred(&c.to_lowercase()));
    let nota_col =
        find(&|c| c == "nota").ok_or_else(|| ProverError::input(file, None, "no NOTA column"))?;
    let layout = Layout {
        station_col: first - 1,
        names,
        valid_col: find(&|c| c.contains("valid") && !c.contains("in favour")),
        nota_col,
        total_col: find(&|c| c == "total"),
        rejected_col: find(&|c| c.contains("rejected")),
        tendered_col: find(&|c| c.contains("tendered")),
        candidate_cols,
    };
    Ok((layout, names_at + 1))
}

struct Segment {
    summary: SegmentSummary,
    rows: Vec<Row>,
    names: Vec<String>,
}

fn cell(r: &[String], i: usize) -> &str {
    r.get(i).map(String::as_str).unwrap_or("")
}

/// Parses one segment's sheet.
fn parse_segment(
    path: &Path,
    segment: u32,
    anomalies: &mut Vec<Anomaly>,
) -> Result<Segment, ProverError> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let rows = read_rows(path)?;
    let (lay, start) = layout(&rows, &path.display().to_string())?;
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
        // Column-number row: 1, 2, 3, ... across the sheet.
        let consecutive = r
            .iter()
            .filter(|c| !c.is_empty())
            .enumerate()
            .all(|(i, c)| num(c) == Some(i as u64 + 1));
        if consecutive && r.iter().filter(|c| !c.is_empty()).count() > ncand {
            continue;
        }
        if lower.contains("postal") {
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
        if lower == "total" {
            match figs {
                Some(f) => {
                    let s = sum_of(&out, &since_break);
                    if s != f {
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
            if r.iter().any(|c| num(c).is_some()) {
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
        let Some(number) = num(label).map(|n| n.to_string()) else {
            note(
                "row_without_station_number",
                None,
                Some(*line),
                format!("figures {f:?} with no station number; not imported"),
                true,
            );
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
        if let Some(v) = lay.valid_col.and_then(|c| num(cell(r, c))) {
            if v == sum_cand + nota && nota > 0 {
                valid_with += 1;
            } else if v == sum_cand {
                valid_without += 1;
            } else if v != sum_cand + nota {
                note(
                    "valid_column_mismatch",
                    Some(&number),
                    Some(*line),
                    format!("printed valid {v}, candidates add to {sum_cand} (+NOTA {nota})"),
                    false,
                );
            }
        }
        let rejected = lay.rejected_col.and_then(|c| num(cell(r, c))).unwrap_or(0);
        if let Some(t) = lay.total_col.and_then(|c| num(cell(r, c))) {
            if t != sum_cand + nota + rejected {
                note(
                    "total_column_mismatch",
                    Some(&number),
                    Some(*line),
                    format!(
                        "printed total {t}, figures add to {}",
                        sum_cand + nota + rejected
                    ),
                    false,
                );
            }
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

fn read_electors(path: &Path) -> Result<Electors, ProverError> {
    let file = path.display().to_string();
    let rows = read_rows(path)?;
    let Some((_, header)) = rows.first() else {
        return Err(ProverError::input(&file, None, "empty electors file"));
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| ProverError::input(&file, None, format!("no column {name}")))
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

fn read_declared(path: &Path) -> Result<Vec<(String, String, u64)>, ProverError> {
    let file = path.display().to_string();
    let rows = read_rows(path)?;
    let mut out = Vec::new();
    for (line, r) in rows.iter().skip(1) {
        let votes = num(cell(r, 2)).ok_or_else(|| {
            ProverError::input(&file, None, format!("line {line}: votes are not a number"))
        })?;
        out.push((cell(r, 0).to_string(), cell(r, 1).to_string(), votes));
    }
    Ok(out)
}

/// Imports the sheets, writes the prover's inputs into `out`, and returns the report (also
/// written as `import-report.json` and `import-report.txt`).
pub fn import(opts: &ImportOptions, out: &Path) -> Result<ImportReport, ProverError> {
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(&opts.raw_dir)
        .map_err(|e| ProverError::Io {
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
        return Err(ProverError::input(
            opts.raw_dir.display().to_string(),
            None,
            "no sheet AC<nnn>.csv (for the segments asked)",
        ));
    }
    let mut anomalies = Vec::new();
    let mut segments = Vec::new();
    for (n, p) in &files {
        segments.push(parse_segment(p, *n, &mut anomalies)?);
    }
    // Candidates: the same names in the same order in every sheet.
    let names = segments[0].names.clone();
    for s in &segments[1..] {
        let a: Vec<String> = s.names.iter().map(|n| normalise_name(n)).collect();
        let b: Vec<String> = names.iter().map(|n| normalise_name(n)).collect();
        if a != b {
            return Err(ProverError::input(
                &s.summary.file,
                None,
                format!(
                    "candidates {:?} differ from {:?} in {}",
                    s.names, names, segments[0].summary.file
                ),
            ));
        }
    }
    let electors = opts.electors.as_deref().map(read_electors).transpose()?;
    let declared = opts.declared.as_deref().map(read_declared).transpose()?;

    let mut rng = ChaCha20Rng::seed_from_u64(opts.seed);
    let mut candidates: Vec<Candidate> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let party = declared
                .as_ref()
                .and_then(|d| {
                    d.iter()
                        .find(|(dn, _, _)| normalise_name(dn) == normalise_name(n))
                })
                .map(|(_, p, _)| p.clone())
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
                e.map.get(&(row.segment, key)).copied()
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
            );
            forms.push(form);
            logs.push(log);
        }
    }

    // Reconciliation and the postal row: declared minus booth sums.
    let all_segments = opts.segments.is_empty();
    let mut reconciliation = Vec::new();
    let mut postal = vec![0u64; candidates.len()];
    if let Some(d) = &declared {
        for (i, c) in candidates.iter().enumerate() {
            let key = if c.nota {
                normalise_name("None of the Above")
            } else {
                normalise_name(&c.name)
            };
            let Some((_, _, votes)) = d.iter().find(|(n, _, _)| normalise_name(n) == key) else {
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
            if all_segments {
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
    }
    anomalies.sort();
    let mut by_class = BTreeMap::new();
    for a in &anomalies {
        *by_class.entry(a.class).or_insert(0) += 1;
    }
    let report = ImportReport {
        segments: segments.iter().map(|s| s.summary.clone()).collect(),
        by_class,
        stations: stations.len(),
        candidates: candidates.iter().map(|c| c.name.clone()).collect(),
        reconciliation,
        anomalies,
    };
    write_json(&out.join("import-report.json"), &report)?;
    write_bytes(&out.join("import-report.txt"), report.to_text().as_bytes())?;
    if opts.strict {
        if let Some(a) = report.anomalies.iter().find(|a| a.choice) {
            return Err(ProverError::input(
                &a.file,
                a.station.as_deref(),
                format!(
                    "--strict: the importer had to choose ({}: {}); see import-report.txt",
                    a.class, a.detail
                ),
            ));
        }
    }

    let midnight = crate::unix_midnight(&opts.poll_date)
        .ok_or_else(|| ProverError::input("import", None, "poll date is not YYYY-MM-DD"))?;
    let contest = Contest {
        contest_id: opts.contest_id.clone(),
        name: opts.contest_name.clone(),
        kind: ContestKind::SingleMember,
        group: None,
        seats: 1,
        candidates,
        uncontested: false,
        returning_officer: format!("RO-{}", opts.contest_id),
        vvpat: false,
        audit: None,
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
        electors,
        voters_17a: total,
        refused_49o: 0,
        not_allowed_49m: 0,
        tendered,
        closed_at,
        seals: vec![],
        contests: vec![Form17CContest {
            contest_id: cid.into(),
            total_recorded: total,
            test_votes: vec![],
            units: vec![Unit {
                cu: cu.clone(),
                bu: vec![],
                vvpat: None,
                total,
            }],
        }],
        remarks: None,
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
        }
        let _ = writeln!(s, "\nanomalies by class:");
        for (k, v) in &self.by_class {
            let _ = writeln!(s, "  {k:<28} {v}");
        }
        let _ = writeln!(
            s,
            "\nanomalies (segment, station, file:line, what was done):"
        );
        for a in &self.anomalies {
            let line = a.line.map(|l| format!(":{l}")).unwrap_or_default();
            let choice = if a.choice { " [importer chose]" } else { "" };
            let _ = writeln!(
                s,
                "  AC{:03} ps {:<6} {}{line}  {}: {}{choice}",
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
