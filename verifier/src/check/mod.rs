//! The checks of spec `verification.md`, one module per step group, named as the spec's
//! sections are: [`v1_index`] (V1 bundle integrity), [`v2_manifest`] (V2 election manifest),
//! [`v3_close_of_poll`] (V3), [`v4_station_results`] (V4), [`v5_contest_results`] (V5),
//! [`v6_across_contests`] (V6), [`v7_audit`] (V7). This module runs them in the spec's order;
//! [`contest`] runs V2.d-V5 and V7 for one contest, in parallel over its stations, and [`read`]
//! holds what every step reads with. Every check counts what it examined and records a finding
//! when the evidence disagrees; nothing here prints or panics.
//!
//! Dependencies go one way: this module -> contest -> v2..v7 -> read; no step module uses this
//! one or the one that runs it.

mod contest;
pub(crate) mod read;
mod v1_index;
mod v2_manifest;
mod v3_close_of_poll;
mod v4_station_results;
mod v5_contest_results;
mod v6_across_contests;
mod v7_audit;

use contest::{check_contest, ContestOutcome};
use read::read;
pub(crate) use read::read_capped;
pub use read::MAX_DOCUMENT;
use v1_index::{check_index, other_version};
use v2_manifest::{check_manifest, check_shard_set, load_stations};
use v6_across_contests::check_cross;

use crate::report::{At, Findings, Report, Severity};
use crate::source::{Folder, Source};
use crate::OUT_OF_SCOPE;
use bundle::digest::sha256_hex;
use bundle::{paths, BundleIndex, Contest, ElectionManifest, Signed, StationList};
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
    /// Called as station rows are checked with (done, total), counted over the contests in
    /// scope (a station polling two contests counts twice); the last call has done == total.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Share `(k, n)`, 0 <= k < n: a run that is one of `n` run side by side (a web page's
    /// workers). It makes every check except two: it verifies the Groth16 proofs (V4.d) of the
    /// stations at positions k, k + n, k + 2n... of each contest only, and a share other than
    /// 0 skips the key ceremony (V2.h). [`Report::absorb`](crate::Report::absorb) then adds
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
/// report.
pub fn verify_source(src: &dyn Source, opts: &Options<'_>) -> Report {
    let mut report = Report {
        bundle: src.name(),
        verifier_version: env!("CARGO_PKG_VERSION"),
        spec_version: bundle::SPEC_VERSION,
        out_of_scope: OUT_OF_SCOPE.to_vec(),
        ..Report::default()
    };
    let mut f = Findings::default();

    // V1.a: a bundle of another spec version is named as such before anything else is read
    // (its other checks would fail for that reason alone).
    if let Some(v) = other_version(src) {
        f.error(
            "V1.a",
            &At::file(paths::INDEX),
            format!(
                "this bundle follows spec version {v}; this verifier implements spec version {}: check it with a verifier of spec version {v}, or have the bundle re-issued under {}",
                bundle::SPEC_VERSION,
                bundle::SPEC_VERSION
            ),
        );
        report.finish(f);
        return report;
    }

    // V1.a, V2.a: the two signed documents everything else hangs from.
    let index = match read::<Signed<BundleIndex>>(src, paths::INDEX) {
        Ok((_, i)) => Some(i),
        Err(e) => {
            f.error("V1.a", &At::file(paths::INDEX), e);
            None
        }
    };
    let manifest = match read::<Signed<ElectionManifest>>(src, paths::MANIFEST) {
        Ok((bytes, m)) => {
            report.manifest_digest = Some(bundle::digest::sha256_hex(&bytes));
            Some(m)
        }
        Err(e) => {
            f.error("V2.a", &At::file(paths::MANIFEST), e);
            None
        }
    };
    let scope = resolve_scope(src, opts, manifest.as_ref(), &mut f);
    report.scope = scope.as_ref().map(|s| s.iter().cloned().collect());
    let authority = manifest.as_ref().map(|m| m.public_key.clone());
    report.authority_key = authority.clone();

    if let Some(index) = &index {
        check_index(src, index, manifest.as_ref(), scope.as_ref(), &mut f);
        report.root = Some(index.body.root.clone());
    }
    // V1.f: the authority key is the one the reader trusts.
    if let Some(key) = &authority {
        if opts.pinned_keys.is_empty() {
            f.checked("V1.f");
            f.push(Severity::Notice, "V1.f", &At::file(paths::MANIFEST), format!(
                "the authority key {key} was taken from the bundle itself; pin the key the authority published before the poll with --root-key"
            ));
        } else {
            report.authority_key_pinned = f.expect("V1.f", opts.pinned_keys.iter().any(|k| k.eq_ignore_ascii_case(key)), &At::file(paths::MANIFEST), || {
                format!("the bundle is signed by authority key {key}, which is not a key you pinned")
            });
        }
    }
    let Some(manifest) = manifest else {
        report.finish(f);
        return report;
    };
    // V2.g: the manifest is the one the reader obtained before the poll.
    if let Some(digest) = &report.manifest_digest {
        if opts.pinned_manifests.is_empty() {
            f.checked("V2.g");
            f.push(Severity::Notice, "V2.g", &At::file(paths::MANIFEST), format!(
                "the manifest (sha256 {digest}) was not pinned: the authority could have re-signed it after the poll (stations, keys, audit rules); pin the digest it published before the poll with --pin-manifest"
            ));
        } else {
            report.manifest_pinned = f.expect(
                "V2.g",
                opts.pinned_manifests.iter().any(|d| d.eq_ignore_ascii_case(digest)),
                &At::file(paths::MANIFEST),
                || format!("the manifest has sha256 {digest}, which is not a digest you pinned: it is not the manifest published before the poll"),
            );
        }
    }
    // V2.f: the stations of the contests in scope, from their station lists.
    let (def, lists, station_at) = load_stations(src, &manifest.body, scope.as_ref(), &mut f);
    let def = &def;
    report.election_id = Some(def.election_id.clone());
    report.election_name = Some(def.name.clone());

    let mut ctx = check_manifest(src, &manifest, def, &mut f);
    // V2.h: the keys are the end of the ceremony the manifest binds (multi-party setups).
    if opts.share.is_none_or(|(k, _)| k == 0) {
        report.ceremony = crate::ceremony::check_ceremony(src, &manifest.body, &ctx.keys, &mut f);
    }
    if opts.keys_only {
        report.finish(f);
        return report;
    }
    ctx.stations_of = lists;
    ctx.station_at = station_at;
    if let Some(index) = &index {
        let files = &index.body.files;
        // V1.c: every listed file is one the bundle format defines (bundle.md §1).
        let contest_ids: BTreeSet<&str> =
            def.contests.iter().map(|c| c.contest_id.as_str()).collect();
        let key_paths: BTreeSet<&str> = manifest
            .body
            .shapes
            .iter()
            .map(|k| k.path.as_str())
            .collect();
        let ceremony_paths = crate::ceremony::bound_paths(&manifest.body);
        let per_contest = |path: &str, folder: &str| {
            path.strip_prefix(folder)
                .and_then(|r| r.strip_prefix('/'))
                .and_then(|n| n.strip_suffix(".json"))
                .is_some_and(|id| contest_ids.contains(id))
        };
        for e in files {
            let defined = e.path == paths::MANIFEST
                || key_paths.contains(e.path.as_str())
                || ceremony_paths.contains(e.path.as_str())
                || per_contest(&e.path, paths::STATIONS)
                || per_contest(&e.path, paths::CONTESTS)
                || per_contest(&e.path, audit::model::paths::COMMITMENTS)
                || per_contest(&e.path, audit::model::paths::RECORDS);
            f.expect("V1.c", defined, &At::file(&e.path), || {
                "a listed file the bundle format does not define (bundle.md §1)".into()
            });
        }
        ctx.listed = files.iter().map(|e| e.path.clone()).collect();
        ctx.results_root = Some(audit::results_root(
            files.iter().map(|e| (e.path.as_str(), e.sha256.as_str())),
        ));
    }

    // V4-V5 per contest, in parallel; V6 over what they return.
    let in_scope = |id: &str| scope.as_ref().is_none_or(|s| s.contains(id));
    let contests: Vec<&Contest> = def
        .contests
        .iter()
        .filter(|c| in_scope(&c.contest_id))
        .collect();
    let total: u64 = contests
        .iter()
        .map(|c| ctx.stations_of.get(&c.contest_id).map_or(0, Vec::len) as u64)
        .sum();
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = |n: u64| {
        let now = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
        if let Some(p) = opts.progress {
            p(now, total);
        }
    };
    let outcomes: Vec<ContestOutcome> = contests
        .par_iter()
        .map(|c| {
            let o = check_contest(src, def, &ctx, c, opts.share, &tick);
            let rows = ctx.stations_of.get(&c.contest_id).map_or(0, Vec::len) as u64;
            tick(rows.saturating_sub(o.ticked));
            o
        })
        .collect();
    if scope.is_none() {
        check_shard_set(src, def, &mut f);
    }
    let rows: Vec<(&str, &[v6_across_contests::StationSummary])> = outcomes
        .iter()
        .map(|o| (o.contest_id.as_str(), o.rows.as_slice()))
        .collect();
    check_cross(def, &ctx, &rows, &mut f);
    for o in outcomes {
        report.proofs_verified += o.proofs_verified;
        if let Some(line) = o.line {
            report.contests.push(line);
        }
        f.merge(o.findings);
    }
    report.stations = def
        .stations
        .iter()
        .filter(|s| s.contests.iter().any(|c| in_scope(c)))
        .count() as u64;
    report.finish(f);
    report
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
