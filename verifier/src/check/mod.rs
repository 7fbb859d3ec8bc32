//! The checks of spec `verification.md`, one module per step group, named as the spec's
//! sections are: [`v1_index`] (V1 bundle integrity), [`v2_manifest`] (V2 election manifest; [`v2_ceremony`] its key ceremony, V2.h),
//! [`v3_close_of_poll`] (V3), [`v4_station_results`] (V4), [`v5_contest_results`] (V5),
//! [`v6_across_contests`] (V6), [`v7_audit`] (V7), [`v9_groups`] (V9, totaliser groups, run per
//! contest before V5). This module runs them in the spec's order;
//! [`contest`] runs V2.d-V5 and V7 for one contest, in parallel over its stations, and [`read`]
//! holds what every step reads with. Every check counts what it examined and records a finding
//! when the evidence disagrees; nothing here prints or panics.
//!
//! Dependencies go one way: this module -> contest -> v2..v7 -> read; no step module uses this
//! one or the one that runs it.

mod contest;
pub(crate) mod read;
mod v1_index;
pub mod v2_ceremony;
mod v2_manifest;
mod v3_close_of_poll;
mod v4_station_results;
mod v5_contest_results;
mod v6_across_contests;
mod v7_audit;
pub mod v8_log;
mod v9_groups;

use contest::{check_contest, ContestOutcome};
pub use read::MAX_DOCUMENT;
use read::{read, read_capped};
use v1_index::{check_defined_files, check_index, other_version};
use v2_manifest::{check_manifest, check_shard_set, load_stations};
use v6_across_contests::check_cross;

use crate::report::{At, Findings, Report, Severity};
use crate::source::{Folder, Source};
use crate::OUT_OF_SCOPE;
use bundle::digest::sha256_hex;
use bundle::{
    paths, BundleIndex, Contest, ElectionDefinition, ElectionManifest, Signed, StationList,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Options of a run.
#[derive(Default)]
pub struct Options<'a> {
    /// Authority keys the reader trusts (hex). Empty: the report says the key is not pinned.
    pub pinned_keys: Vec<String>,
    /// SHA-256 digests (hex) of election manifests the reader obtained before the poll; the
    /// bundle's `election.json` must be one of them (V2.g). Empty: the report says the manifest
    /// is not pinned.
    pub pinned_manifests: Vec<String>,
    /// Setup digests (hex, `bundle::digest::setup_digest`) of keys and ceremonies the reader
    /// checked before: V2.h does not check such a setup again.
    pub checked_setups: Vec<String>,
    /// Called as station rows are checked with (done, total), counted over the contests in
    /// scope (a station polling two contests counts twice); the last call has done == total.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Share `(k, n)`, 0 <= k < n: a run that is one of `n` run side by side (a web page's
    /// workers). It makes every check except three: it verifies the Groth16 proofs (V4.d) of
    /// the stations at positions k, k + n, k + 2n... of each contest only, and a share other
    /// than 0 skips the key ceremony (V2.h) and the group proofs (V9.c). [`Report::absorb`](crate::Report::absorb) then adds
    /// each other share's [`SharePart`](crate::report::SharePart) to share 0's report, which is
    /// then the report of the whole run.
    pub share: Option<(u32, u32)>,
    /// Scoped run: check only these contests (and the contests polled at `stations`), reading
    /// only their shards, the manifest, the keys and the signed index.
    pub contests: Vec<String>,
    /// Scoped run: check the contests polled at these stations.
    pub stations: Vec<String>,
    /// Check only the index, the manifest and the keys with their ceremony (V1, V2.a-V2.e,
    /// V2.g, V2.h): `verifier ceremony`.
    pub keys_only: bool,
    /// The election's witnessed log, the witnesses pinned and the quorum (V8). `None`: the
    /// report notes that the statements' times are their signers' claims.
    pub log: Option<v8_log::LogInput<'a>>,
    /// Verify every station's Groth16 proof (V4.d) even where the contest's aggregate (V4.f)
    /// holds; a scoped run always does.
    pub per_station: bool,
}

impl core::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Options({} pinned keys)", self.pinned_keys.len())
    }
}

/// Checks the bundle in the folder `dir` and returns the report. Runs every step it can reach,
/// in parallel over contests and stations.
pub fn verify_bundle(dir: &Path, opts: &Options<'_>) -> Report {
    verify_source(&Folder(dir.to_path_buf()), opts)
}

/// Checks the bundle a [`Source`] reads (a folder, or files held in memory) and returns the
/// report. The steps run in the spec's order, one call per group; a step whose input is
/// missing leaves the steps that need it unrun (their absence is itself a finding).
pub fn verify_source(src: &dyn Source, opts: &Options<'_>) -> Report {
    let mut report = Report {
        bundle: src.name(),
        verifier_version: env!("CARGO_PKG_VERSION"),
        spec_version: bundle::SPEC_VERSION,
        out_of_scope: OUT_OF_SCOPE.to_vec(),
        ..Report::default()
    };
    let mut f = Findings::default();
    // V1.a: a bundle of another spec version is named as such before anything else is read.
    if refuse_other_version(src, &mut f) {
        report.finish(f);
        return report;
    }
    // V1.a, V2.a: the two signed documents everything else hangs from.
    let (index, manifest) = read_roots(src, &mut report, &mut f);
    let scope = resolve_scope(src, opts, manifest.as_ref(), &mut f);
    report.scope = scope.as_ref().map(|s| s.iter().cloned().collect());
    // V1.b-V1.e: the signed index and the files it lists.
    if let Some(index) = &index {
        check_index(src, index, manifest.as_ref(), scope.as_ref(), &mut f);
        report.root = Some(index.body.root.clone());
    }
    // V1.f: the authority key is one the reader pinned.
    report.authority_key = manifest.as_ref().map(|m| m.public_key.clone());
    report.authority_key_pinned = check_key_pin(report.authority_key.as_deref(), opts, &mut f);
    let Some(manifest) = manifest else {
        report.finish(f);
        return report;
    };
    // V2.g: the manifest is one the reader pinned.
    report.manifest_pinned = check_manifest_pin(report.manifest_digest.as_deref(), opts, &mut f);
    // V2.f: the stations of the contests in scope, from their station lists.
    let (def, lists, station_at) = load_stations(src, &manifest.body, scope.as_ref(), &mut f);
    v2_manifest::check_totaliser(&def, &lists, &mut f);
    report.election_id = Some(def.election_id.clone());
    report.election_name = Some(def.name.clone());
    // V2.b-V2.e: the definition, the RO certificates, the verifying keys.
    let mut ctx = check_manifest(src, &manifest, &def, &mut f);
    // V2.h: the keys are the end of the ceremony the manifest binds (share 0 only).
    if opts.share.is_none_or(|(k, _)| k == 0) {
        report.ceremony = v2_ceremony::check_ceremony(
            src,
            &manifest.body,
            &ctx.keys,
            (
                &opts.checked_setups,
                index.as_ref().map(|i| i.body.files.as_slice()),
            ),
            &mut f,
        );
    }
    if opts.keys_only {
        report.finish(f);
        return report;
    }
    ctx.stations_of = lists;
    ctx.station_at = station_at;
    ctx.per_station = opts.per_station;
    ctx.scoped = scope.is_some();
    // V1.c: every listed file is one the bundle format defines; the results root for V7.
    if let Some(index) = &index {
        check_defined_files(&index.body, &manifest.body, &mut f);
        ctx.listed = index.body.files.iter().map(|e| e.path.clone()).collect();
        let aggregates = format!("{}/", paths::AGGREGATES);
        // The aggregation key is the ceremony's: when V2.h ran and failed, V4.f does not run
        // (every proof is then checked alone, V4.d).
        let ceremony_failed = opts.share.is_none_or(|(k, _)| k == 0)
            && manifest.body.setup.ceremony.is_some()
            && report.ceremony.is_none();
        if ctx.listed.iter().any(|p| p.starts_with(&aggregates)) && !ceremony_failed {
            ctx.aggregation = Some(v2_ceremony::aggregation_key(src, &manifest.body));
        }
        ctx.results_root = Some(audit::results_root(
            index
                .body
                .files
                .iter()
                .map(|e| (e.path.as_str(), e.sha256.as_str())),
        ));
    }
    // V2.d-V5 and V7 per contest, in parallel.
    let mut outcomes = check_contests(src, &def, &ctx, scope.as_ref(), opts, &manifest);
    // V2.f: no shard beyond the manifest's contests (a whole run only).
    if scope.is_none() {
        check_shard_set(src, &def, &mut f);
    }
    // V6: across contests, over the station rows the contests returned.
    let rows: Vec<(&str, &[v6_across_contests::StationSummary])> = outcomes
        .iter()
        .map(|o| (o.contest_id.as_str(), o.rows.as_slice()))
        .collect();
    check_cross(&def, &ctx, &rows, &mut f);
    // V8: the witnessed log (share 0 only: it reads the whole log once).
    if opts.share.is_none_or(|(k, _)| k == 0) {
        let made = outcomes
            .iter_mut()
            .filter_map(|o| Some((o.contest_id.clone(), o.for_log.take()?)))
            .collect();
        report.log = v8_log::check_log(
            src,
            &manifest,
            &def,
            &ctx,
            index.as_ref(),
            scope.as_ref(),
            opts.log.as_ref(),
            made,
            &mut f,
        );
        if report.log.is_some() {
            report.out_of_scope = crate::OUT_OF_SCOPE_WITH_LOG.to_vec();
        }
    }
    for o in outcomes {
        report.proofs_verified += o.proofs_verified;
        report.contests.extend(o.line);
        f.merge(o.findings);
    }
    let in_scope = |id: &str| scope.as_ref().is_none_or(|s| s.contains(id));
    report.stations = def
        .stations
        .iter()
        .filter(|s| s.contests.iter().any(|c| in_scope(c)))
        .count() as u64;
    report.finish(f);
    report
}

/// V1.a: true when `bundle.json` declares another spec version (its other checks would fail for
/// that reason alone, so nothing else is read).
fn refuse_other_version(src: &dyn Source, f: &mut Findings) -> bool {
    let Some(v) = other_version(src) else {
        return false;
    };
    f.error(
        "V1.a",
        &At::file(paths::INDEX),
        format!(
            "this bundle follows spec version {v}; this verifier implements spec version {}: check it with a verifier of spec version {v}, or have the bundle re-issued under {}",
            bundle::SPEC_VERSION,
            bundle::SPEC_VERSION
        ),
    );
    true
}

/// V1.a, V2.a: the signed index and the signed manifest, each readable; the manifest's digest
/// goes into the report.
fn read_roots(
    src: &dyn Source,
    report: &mut Report,
    f: &mut Findings,
) -> (
    Option<Signed<BundleIndex>>,
    Option<Signed<ElectionManifest>>,
) {
    let index = match read::<Signed<BundleIndex>>(src, paths::INDEX) {
        Ok((_, i)) => Some(i),
        Err(e) => {
            e.report(f, "V1.a", &At::file(paths::INDEX));
            None
        }
    };
    let manifest = match read::<Signed<ElectionManifest>>(src, paths::MANIFEST) {
        Ok((bytes, m)) => {
            report.manifest_digest = Some(sha256_hex(&bytes));
            Some(m)
        }
        Err(e) => {
            e.report(f, "V2.a", &At::file(paths::MANIFEST));
            None
        }
    };
    (index, manifest)
}

/// V1.f: the authority key is one the reader pinned; a notice when none was pinned. True when
/// it was pinned and matched.
fn check_key_pin(key: Option<&str>, opts: &Options<'_>, f: &mut Findings) -> bool {
    check_pin(f, "V1.f", key, &opts.pinned_keys, |key| {
        (
            format!("the authority key {key} was taken from the bundle itself; pin the key the authority published before the poll with --root-key"),
            format!("the bundle is signed by authority key {key}, which is not a key you pinned"),
        )
    })
}

/// V2.g: the manifest is one the reader obtained before the poll; a notice when none was
/// pinned. True when it was pinned and matched.
fn check_manifest_pin(digest: Option<&str>, opts: &Options<'_>, f: &mut Findings) -> bool {
    check_pin(f, "V2.g", digest, &opts.pinned_manifests, |digest| {
        (
            format!("the manifest (sha256 {digest}) was not pinned: the authority could have re-signed it after the poll (stations, keys, audit rules); pin the digest it published before the poll with --pin-manifest"),
            format!("the manifest has sha256 {digest}, which is not a digest you pinned: it is not the manifest published before the poll"),
        )
    })
}

/// A value the reader may pin (hex, compared without case): a notice when nothing was pinned,
/// a failure when it is not one of the pins. `words` gives (the notice, the failure).
fn check_pin(
    f: &mut Findings,
    step: &'static str,
    value: Option<&str>,
    pins: &[String],
    words: impl Fn(&str) -> (String, String),
) -> bool {
    let Some(value) = value else {
        return false;
    };
    let at = At::file(paths::MANIFEST);
    if pins.is_empty() {
        f.checked(step);
        f.push(Severity::Notice, step, &at, words(value).0);
        return false;
    }
    let pinned = pins.iter().any(|p| p.eq_ignore_ascii_case(value));
    f.expect(step, pinned, &at, || words(value).1)
}

/// V2.d-V5 and V7 for each contest in scope, in parallel, with the run's progress counted in
/// station rows.
fn check_contests(
    src: &dyn Source,
    def: &ElectionDefinition,
    ctx: &v2_manifest::Context,
    scope: Option<&BTreeSet<String>>,
    opts: &Options<'_>,
    manifest: &Signed<ElectionManifest>,
) -> Vec<ContestOutcome> {
    // V8 will run (a log given, share 0 or no share): each contest hands it its shard's
    // statements, made from the shard it read.
    let v8 = opts.log.is_some() && opts.share.is_none_or(|(k, _)| k == 0);
    let for_log = v8.then_some(manifest);
    let rows_of = |c: &Contest| ctx.stations_of.get(&c.contest_id).map_or(0, Vec::len) as u64;
    let contests: Vec<&Contest> = def
        .contests
        .iter()
        .filter(|c| scope.is_none_or(|s| s.contains(&c.contest_id)))
        .collect();
    let total: u64 = contests.iter().map(|c| rows_of(c)).sum();
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = |n: u64| {
        let now = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
        if let Some(p) = opts.progress {
            p(now, total);
        }
    };
    // The contests' aggregates are prepared with them and checked together afterwards (V4.f):
    // a contest whose aggregate would fail is then checked again with each of its aggregates
    // alone, so that its outcome is the one a check of that contest alone gives.
    let mut outcomes: Vec<ContestOutcome> = contests
        .par_iter()
        .map(|c| {
            let o = check_contest(src, def, ctx, c, opts.share, for_log, true, &tick);
            tick(rows_of(c).saturating_sub(o.ticked));
            o
        })
        .collect();
    for i in failed_aggregates(&mut outcomes) {
        if let Some(c) = contests.get(i) {
            outcomes[i] = check_contest(src, def, ctx, c, opts.share, for_log, false, &|_| {});
        }
    }
    outcomes
}

/// V4.f for every aggregate the contests prepared: in one check per core (aggregation.md
/// §4.1), each set that fails checked aggregate by aggregate. Returns the positions of the
/// contests with an aggregate that fails.
fn failed_aggregates(outcomes: &mut [ContestOutcome]) -> BTreeSet<usize> {
    use circuits::aggregate::verify_prepared;
    let items: Vec<(usize, circuits::aggregate::PreparedAggregate)> = outcomes
        .iter_mut()
        .enumerate()
        .flat_map(|(i, o)| {
            std::mem::take(&mut o.deferred)
                .into_iter()
                .map(move |p| (i, p))
        })
        .collect();
    if items.is_empty() {
        return BTreeSet::new();
    }
    let chunk = items.len().div_ceil(rayon::current_num_threads().max(1));
    items
        .par_chunks(chunk)
        .flat_map_iter(|set| {
            let holds = verify_prepared(set.iter().map(|(_, p)| p));
            set.iter()
                .filter(move |(_, p)| !holds && !verify_prepared([p]))
                .map(|(i, _)| *i)
        })
        .collect()
}

/// The contests a scoped run checks, or `None` for the whole bundle. Ids not in the manifest
/// are errors (the scope cannot be checked).
fn resolve_scope(
    src: &dyn Source,
    opts: &Options<'_>,
    manifest: Option<&Signed<ElectionManifest>>,
    f: &mut Findings,
) -> Option<BTreeSet<String>> {
    if opts.keys_only {
        return Some(BTreeSet::new());
    }
    if opts.contests.is_empty() && opts.stations.is_empty() {
        return None;
    }
    let m = &manifest?.body;
    let def = &m.definition;
    let mut scope = BTreeSet::new();
    for c in &opts.contests {
        if def.contest(c).is_some() {
            scope.insert(c.clone());
        } else {
            f.error(
                "V5.e",
                &At::contest(paths::MANIFEST, c),
                "the contest asked for is not in the manifest".into(),
            );
        }
    }
    // A station's contests: every list that holds it, and every contest its entries name (a
    // station scope reads every station list, never a shard outside the scope). Lists that do
    // not match the manifest's digest are skipped here and reported by V2.f if in scope.
    let mut found: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    if !opts.stations.is_empty() {
        for r in &m.station_lists {
            let Some(list) = read_capped(src, &r.path)
                .ok()
                .filter(|b| sha256_hex(b) == r.sha256)
                .and_then(|b| serde_json::from_slice::<StationList>(&b).ok())
            else {
                continue;
            };
            for st in &list.stations {
                if let Some(sid) = opts.stations.iter().find(|s| **s == st.station_id) {
                    let e = found.entry(sid.as_str()).or_default();
                    e.insert(r.contest_id.clone());
                    e.extend(st.contests.iter().cloned());
                }
            }
        }
    }
    for s in &opts.stations {
        match found.remove(s.as_str()) {
            Some(contests) => scope.extend(contests),
            None => f.error(
                "V4.a",
                &At {
                    file: Some(paths::MANIFEST.into()),
                    station: Some(s.clone()),
                    contest: None,
                },
                "the station asked for is in no station list of the manifest".into(),
            ),
        }
    }
    Some(scope)
}
