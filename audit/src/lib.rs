//! The VVPAT audit (spec `audit.md`): a seed no single party steers, the statutory sample, a
//! Kaplan-Markov batch-comparison risk-limiting audit, slip counts bound to the bundle, and what
//! the paper evidence says about the outcome. Shared by the prover (which draws and records) and
//! the verifier (which re-derives every draw and recomputes every number).
#![deny(missing_docs)]

pub mod model;
pub mod sample;
pub mod seed;
pub mod stats;

use bundle::Contest;
use std::collections::{BTreeMap, BTreeSet};

pub use model::{AuditRecord, ContestAudit, RiskLimited, SeedCommitment, SeedReveal, SlipCount};

/// One station of a contest, as the audit sees it: its published row.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    /// Station.
    pub station_id: &'a str,
    /// Assembly segment of the station.
    pub segment_id: &'a str,
    /// Published row (per candidate, NOTA last).
    pub counts: &'a [u64],
}

/// A contest's batches (audit.md §4): its stations' published rows in station-id order; for a
/// contest with totaliser groups (protocol.md §7), its groups' rows in group-id order, so
/// that the audit draws and counts whole groups and reveals nothing finer than the published
/// result. `segment_of` gives a station's assembly segment; a row or group without one has
/// the segment "".
pub fn contest_batches<'a>(
    contest: &'a Contest,
    shard: &'a bundle::ContestShard,
    segment_of: impl Fn(&str) -> Option<&'a str>,
) -> Vec<Batch<'a>> {
    let mut out: Vec<Batch<'a>> = match &contest.totaliser {
        Some(t) => t
            .groups
            .iter()
            .filter_map(|g| {
                let row = shard.groups.iter().find(|r| r.group_id == g.group_id)?;
                Some(Batch {
                    station_id: &g.group_id,
                    segment_id: &g.segment_id,
                    counts: &row.counts,
                })
            })
            .collect(),
        None => shard
            .stations
            .iter()
            .map(|r| Batch {
                station_id: &r.station_id,
                segment_id: segment_of(&r.station_id).unwrap_or(""),
                counts: &r.counts,
            })
            .collect(),
    };
    out.sort_by(|a, b| a.station_id.cmp(b.station_id));
    out.dedup_by(|a, b| a.station_id == b.station_id);
    out
}

/// The statutory sample's size per segment, in batches (audit.md §4): the rule's
/// `per_segment` stations; for a contest with totaliser groups of at least `k` stations,
/// `ceil(per_segment / k)` groups, the fewest that hold at least `per_segment` stations
/// whichever groups are drawn.
pub fn statutory_batches(contest: &Contest, per_segment: u32) -> u32 {
    match &contest.totaliser {
        Some(t) => per_segment.div_ceil(t.min_stations.max(1)),
        None => per_segment,
    }
}

/// The results root the seed is drawn over: the bundle root (spec `bundle.md` §2) over every
/// listed file except the audit records, which come after the draw.
pub fn results_root<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let prefix = format!("{}/", model::paths::RECORDS);
    bundle::digest::bundle_root(files.into_iter().filter(|(p, _)| !p.starts_with(&prefix)))
}

/// The results root of a bundle's signed index.
pub fn results_root_of(index: &bundle::BundleIndex) -> String {
    results_root(
        index
            .files
            .iter()
            .map(|e| (e.path.as_str(), e.sha256.as_str())),
    )
}

/// The statutory sample: `k` stations per segment (segments in id order), each drawn uniformly
/// without replacement from the segment's stations of this contest (sorted by id).
pub fn statutory_sample(seed: &[u8; 32], batches: &[Batch<'_>], k: u32) -> Vec<String> {
    let mut segments: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for b in batches {
        segments
            .entry(b.segment_id)
            .or_default()
            .push(b.station_id.to_string());
    }
    let mut out = Vec::new();
    for (segment, mut pop) in segments {
        pop.sort();
        out.extend(sample::statutory(seed, segment, &pop, k as usize));
    }
    out
}

/// The batch-comparison audit's frame: pairs, error bounds and PPEB weights.
#[derive(Clone, Debug)]
pub struct Frame {
    /// Winner-loser pairs with their margins.
    pub pairs: Vec<stats::Pair>,
    /// `u_p` per station, in the batches' order.
    pub bounds: Vec<f64>,
    /// `U`.
    pub u_total: f64,
    /// PPEB weights per station (units of 2^-64).
    pub weights: Vec<u128>,
}

impl Frame {
    /// The frame of a contest with reported `totals` and `winners` (ballot positions).
    pub fn new(
        contest: &Contest,
        batches: &[Batch<'_>],
        totals: &[u64],
        winners: &[usize],
    ) -> Self {
        let pairs = stats::pairs(contest, totals, winners);
        let bounds: Vec<f64> = batches
            .iter()
            .map(|b| stats::error_bound(b.counts, &pairs))
            .collect();
        let u_total = bounds.iter().sum();
        let weights = batches
            .iter()
            .map(|b| stats::weight(b.counts, &pairs))
            .collect();
        Self {
            pairs,
            bounds,
            u_total,
            weights,
        }
    }

    /// The first `count` PPEB draws, as station ids.
    pub fn draws(
        &self,
        seed: &[u8; 32],
        contest_id: &str,
        batches: &[Batch<'_>],
        count: usize,
    ) -> Vec<String> {
        sample::ppeb(seed, contest_id, &self.weights, count)
            .into_iter()
            .filter_map(|i| batches.get(i).map(|b| b.station_id.to_string()))
            .collect()
    }
}

/// Final totals: the reported totals with each counted station's published row replaced by its
/// slips (slips prevail). `None` if a slip row has the wrong length or a total leaves `u64`.
pub fn final_totals(
    totals: &[u64],
    batches: &[Batch<'_>],
    slips: &BTreeMap<&str, &[u64]>,
) -> Option<Vec<u64>> {
    let mut out: Vec<i128> = totals.iter().map(|&t| i128::from(t)).collect();
    for b in batches {
        if let Some(s) = slips.get(b.station_id) {
            if s.len() != out.len() || b.counts.len() != out.len() {
                return None;
            }
            for (j, o) in out.iter_mut().enumerate() {
                *o += i128::from(s[j]) - i128::from(b.counts[j]);
            }
        }
    }
    out.into_iter().map(|v| u64::try_from(v).ok()).collect()
}

/// A slip count that differs from the published row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Discrepancy {
    /// Station.
    pub station_id: String,
    /// Published (machine) row.
    pub published: Vec<u64>,
    /// Slips.
    pub slips: Vec<u64>,
}

/// What the paper evidence says about one contest.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Assessment {
    /// What a batch is: `station`, or `group` in a contest with totaliser groups.
    pub unit: &'static str,
    /// Stations in the contest (groups, in a contest with totaliser groups).
    pub stations: u64,
    /// Stations whose slips were counted.
    pub counted: u64,
    /// The statutory sample size.
    pub statutory: u64,
    /// Fewest falsified stations that could change the outcome (`None`: none could).
    pub min_tampered_to_change: Option<u64>,
    /// Least probability that the statutory sample catches that many (over every spread).
    pub statutory_detection: Option<f64>,
    /// Risk limit, if the contest has a risk-limiting audit.
    pub risk_limit: Option<f64>,
    /// `U`, the total error bound in margins.
    pub total_error_bound: f64,
    /// PPEB draws needed at the risk limit if no error is found.
    pub initial_sample: Option<u64>,
    /// Draws made.
    pub draws: u64,
    /// Measured risk: the Kaplan-Markov p-value of the draws made.
    pub measured_risk: Option<f64>,
    /// Every station counted (a full hand count of the paper).
    pub full_count: bool,
    /// Whether the paper evidence confirms the outcome at the risk limit (or by a full count).
    pub confirmed: bool,
    /// Slip counts that differ from the published rows.
    pub discrepancies: Vec<Discrepancy>,
    /// In plain words.
    pub conclusion: String,
}

/// Assesses a contest's audit record against its published rows (the record's samples are
/// taken as given here; the verifier re-derives them before trusting this).
pub fn assess(
    contest: &Contest,
    batches: &[Batch<'_>],
    totals: &[u64],
    winners: &[usize],
    record: &AuditRecord,
) -> Assessment {
    let frame = Frame::new(contest, batches, totals, winners);
    let slips: BTreeMap<&str, &[u64]> = record
        .slips
        .iter()
        .map(|s| (s.station_id.as_str(), s.counts.as_slice()))
        .collect();
    let row_of: BTreeMap<&str, usize> = batches
        .iter()
        .enumerate()
        .map(|(i, b)| (b.station_id, i))
        .collect();
    let discrepancies: Vec<Discrepancy> = batches
        .iter()
        .filter_map(|b| {
            let s = slips.get(b.station_id)?;
            (*s != b.counts).then(|| Discrepancy {
                station_id: b.station_id.to_string(),
                published: b.counts.to_vec(),
                slips: s.to_vec(),
            })
        })
        .collect();
    let counted = batches
        .iter()
        .filter(|b| slips.contains_key(b.station_id))
        .count() as u64;
    let full_count = !batches.is_empty() && counted == batches.len() as u64;

    // Statutory sample: detection of the fewest stations that could change the outcome.
    let rows: Vec<&[u64]> = batches.iter().map(|b| b.counts).collect();
    let min_tampered = stats::min_stations_to_change(&rows, &frame.pairs);
    let mut segments: BTreeMap<&str, u64> = BTreeMap::new();
    for b in batches {
        *segments.entry(b.segment_id).or_default() += 1;
    }
    let per_segment = u64::from(statutory_batches(contest, record.per_segment));
    let seg: Vec<(u64, u64)> = segments
        .values()
        .map(|&n| (n, per_segment.min(n)))
        .collect();
    let detection = min_tampered.map(|m| stats::min_detection(&seg, m));

    // Risk-limiting audit.
    let risk_limit = record
        .risk_limited
        .as_ref()
        .map(|r| f64::from(r.risk_limit_bp) / 10_000.0);
    let drawn: Vec<&String> = record
        .risk_limited
        .iter()
        .flat_map(|r| r.rounds.iter().flatten())
        .collect();
    let taints: Vec<f64> = drawn
        .iter()
        .filter_map(|id| {
            let i = *row_of.get(id.as_str())?;
            let audited = slips.get(id.as_str())?;
            let e = stats::overstatement(batches[i].counts, audited, &frame.pairs);
            Some(if frame.bounds[i] > 0.0 {
                e / frame.bounds[i]
            } else {
                f64::INFINITY
            })
        })
        .collect();
    let measured = risk_limit.map(|_| {
        if taints.len() < drawn.len() {
            f64::INFINITY // a drawn station without slips: no evidence
        } else {
            stats::km_p_value(frame.u_total, &taints)
        }
    });
    let initial = risk_limit.and_then(|a| stats::km_sample_size(frame.u_total, a));
    let rla_confirms = matches!((measured, risk_limit), (Some(p), Some(a)) if p <= a);
    let confirmed = full_count || rla_confirms;

    let pct = |x: f64| format!("{:.4}%", 100.0 * x);
    // A grouped contest's batches are its totaliser groups.
    let unit = if contest.totaliser.is_some() {
        "group"
    } else {
        "station"
    };
    let mut words = Vec::new();
    if full_count {
        words.push(format!(
            "every {unit}'s slips were counted: the outcome is the paper's outcome"
        ));
    }
    match (risk_limit, measured) {
        (Some(a), Some(p)) if p <= a => words.push(format!(
            "the paper evidence confirms the outcome at risk limit {} (measured risk {})",
            pct(a),
            pct(p)
        )),
        (Some(a), Some(p)) if !full_count => words.push(if stats::tied(&frame.pairs) {
            format!("a tie at the last seat: only a full count of the slips confirms the outcome (risk limit {})", pct(a))
        } else if p.is_finite() {
            format!(
                "NOT confirmed at risk limit {}: measured risk {}; a larger sample or a full count is needed",
                pct(a),
                pct(p)
            )
        } else {
            format!("NOT confirmed at risk limit {}: the slips show an error as large as the margin; a full count is needed", pct(a))
        }),
        (None, _) if !full_count => words.push(
            "no risk limit was set: the statutory sample alone does not bound the risk of a wrong outcome".into(),
        ),
        _ => {}
    }
    match (min_tampered, detection) {
        (Some(m), Some(d)) => words.push(format!(
            "the statutory sample ({per_segment} {unit}(s) per segment) would catch at least one of {m} falsified {unit}s (the fewest that could change the outcome) with probability at least {}",
            pct(d)
        )),
        _ => words.push(format!("no set of falsified {unit}s could change the outcome (the margin exceeds what the {unit}s hold)")),
    }
    if !discrepancies.is_empty() {
        words.push(format!(
            "{} {unit}(s) where slips and machine differ; slips prevail",
            discrepancies.len()
        ));
    }
    Assessment {
        unit,
        stations: batches.len() as u64,
        counted,
        statutory: record.statutory.len() as u64,
        min_tampered_to_change: min_tampered,
        statutory_detection: detection,
        risk_limit,
        total_error_bound: frame.u_total,
        initial_sample: initial,
        draws: drawn.len() as u64,
        measured_risk: measured,
        full_count,
        confirmed,
        discrepancies,
        conclusion: words.join("; "),
    }
}

/// Stations that must have slip counts: the statutory sample, every draw, every request.
pub fn stations_to_count(record: &AuditRecord) -> BTreeSet<&str> {
    record
        .statutory
        .iter()
        .chain(
            record
                .risk_limited
                .iter()
                .flat_map(|r| r.rounds.iter().flatten()),
        )
        .chain(record.requests.iter())
        .map(String::as_str)
        .collect()
}
