//! The checks of spec `verification.md`, V1 to V6. Each function cites the step it implements.
//! Every check counts what it examined and records a finding when the evidence disagrees;
//! nothing here prints or panics.

use crate::report::{At, CandidateLine, ContestLine, Findings, ReconLine, Report, Severity};
use crate::source::{Folder, Kind, Source};
use crate::OUT_OF_SCOPE;
use bundle::digest::{bundle_root, sha256_hex};
use bundle::{
    kinds, paths, verify_many, BundleIndex, CloseOfPoll, Contest, ContestKind, ContestShard,
    ElectionDefinition, ElectionManifest, PoCertificate, Role, Signed, Station, StationList,
    StationResult,
};
use circuits::{fr_from_hex, proof_from_hex, station_binding, PreparedKey, PublicInputs, Shape};
use rand_core::RngCore;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// A control unit holds at most this many votes.
const CU_CAPACITY: u64 = 2000;

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

/// The largest JSON document the verifier parses (a national manifest is about 200 MB). Larger
/// files are refused before they are read, so no input can exhaust memory.
pub const MAX_DOCUMENT: u64 = 1 << 30;

/// Reads a whole file, refusing one larger than [`MAX_DOCUMENT`] before reading it.
pub(crate) fn read_capped(src: &dyn Source, rel: &str) -> Result<Vec<u8>, String> {
    let len = src.len(rel).map_err(|e| format!("cannot read: {e}"))?;
    if len > MAX_DOCUMENT {
        return Err(format!(
            "{len} bytes, larger than the {MAX_DOCUMENT} bytes a bundle document may have"
        ));
    }
    src.read(rel).map_err(|e| format!("cannot read: {e}"))
}

fn read<T: DeserializeOwned>(src: &dyn Source, rel: &str) -> Result<(Vec<u8>, T), String> {
    let bytes = read_capped(src, rel)?;
    let value = serde_json::from_slice(&bytes).map_err(|e| format!("not a valid document: {e}"))?;
    Ok((bytes, value))
}

/// The spec version `bundle.json` declares, when it is readable and not this verifier's.
fn other_version(src: &dyn Source) -> Option<String> {
    let bytes = read_capped(src, paths::INDEX).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let version = v.get("body")?.get("spec_version")?;
    let text = version
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| version.to_string());
    (text != bundle::SPEC_VERSION).then_some(text)
}

/// Whether a bundle path is a plain relative path of safe components.
fn safe_path(p: &str) -> bool {
    !p.is_empty() && p.split('/').all(bundle::tally::is_safe_id)
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
    check_cross(def, &ctx, &outcomes, &mut f);
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

/// V1.a-V1.e.
fn check_index(
    src: &dyn Source,
    index: &Signed<BundleIndex>,
    manifest: Option<&Signed<ElectionManifest>>,
    scope: Option<&BTreeSet<String>>,
    f: &mut Findings,
) {
    let at = At::file(paths::INDEX);
    let body = &index.body;
    f.expect(
        "V1.a",
        body.spec_version == bundle::SPEC_VERSION,
        &at,
        || {
            format!(
                "spec_version {} is not {}",
                body.spec_version,
                bundle::SPEC_VERSION
            )
        },
    );
    if let Some(m) = manifest {
        f.expect(
            "V1.a",
            body.election_id == m.body.definition.election_id,
            &at,
            || {
                format!(
                    "index names election {} but the manifest names {}",
                    body.election_id, m.body.definition.election_id
                )
            },
        );
    }
    // V1.b: every listed file, its length and digest.
    let mut listed = BTreeSet::new();
    for e in &body.files {
        let fat = At::file(&e.path);
        if !safe_path(&e.path) || e.path == paths::INDEX {
            f.fail(
                "V1.b",
                &fat,
                "listed path is not a plain relative path inside the bundle".into(),
            );
            continue;
        }
        let wanted = scope.is_none_or(|s| {
            let in_scope = |folder: &str| {
                e.path
                    .strip_prefix(&format!("{folder}/"))
                    .and_then(|n| n.strip_suffix(".json"))
                    .is_some_and(|id| s.contains(id))
            };
            e.path == paths::MANIFEST
                || e.path.starts_with(&format!("{}/", paths::KEYS))
                || e.path
                    .starts_with(&format!("{}/", crate::ceremony::CEREMONY_DIR))
                || in_scope(paths::STATIONS)
                || in_scope(paths::CONTESTS)
                || in_scope(audit::model::paths::COMMITMENTS)
                || in_scope(audit::model::paths::RECORDS)
        });
        if !listed.insert(e.path.as_str()) {
            f.fail("V1.b", &fat, "file listed twice".into());
            continue;
        }
        if !wanted {
            continue;
        }
        match src.hash(&e.path) {
            Err(err) => f.error("V1.b", &fat, format!("listed file cannot be read: {err}")),
            Ok((digest, len)) => {
                let ok = len == e.bytes && digest == e.sha256;
                f.expect("V1.b", ok, &fat, || {
                    "content differs from the SHA-256 and length signed in bundle.json".into()
                });
            }
        }
    }
    // V1.c: nothing else in the folder, and nothing secret (a scoped run reads no other file).
    let entries = if scope.is_some() {
        f.push(
            Severity::Notice,
            "V1.c",
            &at,
            "scoped run: only the manifest, the keys, and the station lists and shards in scope were read; files outside the scope, and V1.c, were not checked".into(),
        );
        Vec::new()
    } else {
        src.entries()
    };
    for (rel, kind) in entries {
        // A SECRET_ entry is reported once, not again for what lies inside it.
        let parts: Vec<&str> = rel.split('/').collect();
        if let Some(i) = parts.iter().position(|c| c.starts_with("SECRET_")) {
            if i + 1 == parts.len() {
                f.fail(
                    "V1.c",
                    &At::file(&rel),
                    "secret material (a SECRET_ file or folder) is inside the bundle".into(),
                );
            }
            continue;
        }
        match kind {
            Kind::Unreadable => {
                let name = if rel.is_empty() { src.name() } else { rel };
                f.error("V1.c", &At::file(&name), "folder cannot be read".into());
            }
            Kind::Unknown => {
                f.error("V1.c", &At::file(&rel), "cannot read the file type".into());
            }
            Kind::Link => f.fail(
                "V1.c",
                &At::file(&rel),
                "a symbolic link: a bundle holds plain files only".into(),
            ),
            Kind::Folder => {}
            Kind::File => {
                if rel != paths::INDEX {
                    f.expect(
                        "V1.c",
                        listed.contains(rel.as_str()),
                        &At::file(&rel),
                        || "file is not listed in bundle.json".into(),
                    );
                }
            }
        }
    }
    // V1.d: the root.
    let root = bundle_root(
        body.files
            .iter()
            .map(|e| (e.path.as_str(), e.sha256.as_str())),
    );
    f.expect("V1.d", root == body.root, &at, || {
        format!(
            "the signed root {} is not the root of the listing ({root})",
            body.root
        )
    });
    // V1.e: signed by the authority that signed the manifest.
    let ok = index.verify(kinds::BUNDLE_INDEX).is_ok()
        && index.role == Role::Authority
        && manifest.is_none_or(|m| m.public_key == index.public_key && m.signer == index.signer);
    f.expect("V1.e", ok, &at, || {
        "the index is not signed by the authority key of the manifest".into()
    });
}

/// What the manifest establishes for the per-contest checks.
#[derive(Default)]
struct Context {
    /// RO id -> certified key.
    ro_keys: BTreeMap<String, String>,
    /// Station id -> position in the definition.
    station_at: HashMap<String, usize>,
    /// Contest id -> positions of its stations in the definition, in definition order.
    stations_of: HashMap<String, Vec<usize>>,
    /// Contest id -> position in the definition.
    contest_at: HashMap<String, usize>,
    /// Shape -> prepared verifying key.
    keys: BTreeMap<String, PreparedKey>,
    /// Shape -> SHA-256 of the verifying key (bound into batch coefficients).
    digests: BTreeMap<String, Vec<u8>>,
    /// Paths the signed index lists.
    listed: BTreeSet<String>,
    /// The results root (the root without the audit records), from the signed index.
    results_root: Option<String>,
}

/// V2.f: the station lists of the contests in scope (all of them in a full run), checked
/// against the digests the manifest binds and against each other. Returns the definition with
/// those stations (each once, in order of first appearance), per contest read the positions of
/// its stations in its list's order, and each station's position by id.
fn load_stations(
    src: &dyn Source,
    m: &ElectionManifest,
    scope: Option<&BTreeSet<String>>,
    f: &mut Findings,
) -> (
    ElectionDefinition,
    HashMap<String, Vec<usize>>,
    HashMap<String, usize>,
) {
    let at = At::file(paths::MANIFEST);
    let mut def = m.definition.clone();
    f.expect("V2.f", def.stations.is_empty(), &at, || {
        "the manifest lists stations inline; a bundle keeps them in stations/ (bundle.md §4.2)"
            .into()
    });
    def.stations.clear();
    let contest_ids: Vec<&str> = def.contests.iter().map(|c| c.contest_id.as_str()).collect();
    let list_ids: Vec<&str> = m
        .station_lists
        .iter()
        .map(|r| r.contest_id.as_str())
        .collect();
    f.expect("V2.f", contest_ids == list_ids, &at, || {
        "the manifest does not bind one station list per contest, in contest order".into()
    });
    let mut lists: HashMap<String, Vec<usize>> = HashMap::new();
    // Station id -> position in `def.stations`; (station position, contest position) of every
    // list entry read. Compact on purpose: at national scale this is per station.
    let mut pos: HashMap<String, usize> = HashMap::new();
    let mut member: HashSet<(usize, usize)> = HashSet::new();
    let contest_pos: HashMap<&str, usize> = contest_ids
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i))
        .collect();
    for r in &m.station_lists {
        let cid = r.contest_id.as_str();
        if scope.is_some_and(|s| !s.contains(cid)) || lists.contains_key(cid) {
            continue;
        }
        let lat = At::contest(&r.path, cid);
        if r.path != format!("{}/{cid}.json", paths::STATIONS) {
            f.fail(
                "V2.f",
                &lat,
                format!("the station list of {cid} is not at stations/{cid}.json"),
            );
            continue;
        }
        let bytes = match read_capped(src, &r.path) {
            Ok(b) => b,
            Err(e) => {
                f.error("V2.f", &lat, e);
                continue;
            }
        };
        if !f.expect("V2.f", sha256_hex(&bytes) == r.sha256, &lat, || {
            "the station list differs from the SHA-256 the manifest binds".into()
        }) {
            continue;
        }
        let list: StationList = match serde_json::from_slice(&bytes) {
            Ok(l) => l,
            Err(e) => {
                f.error("V2.f", &lat, format!("not a valid station list: {e}"));
                continue;
            }
        };
        f.expect(
            "V2.f",
            list.spec_version == bundle::SPEC_VERSION
                && list.election_id == def.election_id
                && list.contest_id == cid
                && list.stations.len() as u64 == r.stations,
            &lat,
            || {
                format!(
                    "the list names election {} and contest {} with {} stations; the manifest binds {} with {}",
                    list.election_id, list.contest_id, list.stations.len(), cid, r.stations
                )
            },
        );
        let Some(&ci) = contest_pos.get(cid) else {
            continue;
        };
        let mut order = Vec::with_capacity(list.stations.len());
        for st in list.stations {
            let sat = At::station(&r.path, cid, &st.station_id);
            f.expect("V2.f", st.contests.iter().any(|c| c == cid), &sat, || {
                format!("the station is in the list of {cid} but does not poll it")
            });
            let i = match pos.get(&st.station_id) {
                Some(&i) => {
                    let same = def.stations[i] == st;
                    f.expect("V2.f", same, &sat, || {
                        "the station is listed differently in the lists of two contests".into()
                    });
                    i
                }
                None => {
                    let i = def.stations.len();
                    pos.insert(st.station_id.clone(), i);
                    def.stations.push(st);
                    i
                }
            };
            let fresh = member.insert((i, ci));
            f.expect("V2.f", fresh, &sat, || {
                "the station is listed twice in one list".into()
            });
            if fresh {
                order.push(i);
            }
        }
        lists.insert(cid.to_string(), order);
    }
    // Every station is in the list of every contest it polls (of the lists read).
    for (i, st) in def.stations.iter().enumerate() {
        for c in &st.contests {
            let listed = contest_pos
                .get(c.as_str())
                .is_some_and(|&ci| member.contains(&(i, ci)));
            if lists.contains_key(c) && !listed {
                f.fail(
                    "V2.f",
                    &At::station(&format!("{}/{c}.json", paths::STATIONS), c, &st.station_id),
                    format!("the station polls {c} but is not in its station list"),
                );
            }
        }
    }
    drop(member);
    (def, lists, pos)
}

/// V2.a-V2.e, over the manifest and the stations `load_stations` read.
fn check_manifest(
    src: &dyn Source,
    m: &Signed<ElectionManifest>,
    def: &ElectionDefinition,
    f: &mut Findings,
) -> Context {
    let at = At::file(paths::MANIFEST);
    let authority = &m.public_key;
    let ok = m.verify(kinds::MANIFEST).is_ok() && m.role == Role::Authority;
    f.expect("V2.a", ok, &at, || {
        "the manifest is not validly signed by the authority key".into()
    });
    f.expect(
        "V2.a",
        def.spec_version == bundle::SPEC_VERSION,
        &at,
        || {
            format!(
                "spec_version {} is not {}",
                def.spec_version,
                bundle::SPEC_VERSION
            )
        },
    );
    f.expect(
        "V2.a",
        m.body.signed_at < def.counting_starts_at,
        &at,
        || "the manifest was signed after counting began".into(),
    );
    check_definition(def, f);

    let mut ctx = Context::default();
    // V2.c: RO certificates.
    for cert in &m.body.ro_certificates {
        let c = &cert.body;
        let ok = cert.verify(kinds::RO_CERT).is_ok()
            && cert.role == Role::Authority
            && &cert.public_key == authority
            && cert.signer == m.signer
            && c.election_id == def.election_id;
        let valid = f.expect("V2.c", ok, &at, || {
            format!(
                "certificate of RO {} is not signed by the authority for this election",
                c.ro_id
            )
        });
        if valid
            && ctx
                .ro_keys
                .insert(c.ro_id.clone(), c.public_key.clone())
                .is_some()
        {
            f.fail("V2.c", &at, format!("RO {} is certified twice", c.ro_id));
        }
    }
    let ros: BTreeSet<&str> = def
        .contests
        .iter()
        .map(|c| c.returning_officer.as_str())
        .collect();
    for ro in ros {
        f.expect("V2.c", ctx.ro_keys.contains_key(ro), &at, || {
            format!("RO {ro} has no certificate")
        });
    }
    // Indexes for the per-contest checks (V2.d runs per shard: the certificates travel with
    // the stations they certify).
    for (i, c) in def.contests.iter().enumerate() {
        ctx.contest_at.entry(c.contest_id.clone()).or_insert(i);
    }
    // The station indexes (`station_at`, `stations_of`) come from `load_stations`.
    // V2.e: verifying keys.
    for sk in &m.body.shapes {
        let kat = At::file(&sk.path);
        let Ok(shape) = Shape::parse(&sk.shape) else {
            f.fail("V2.e", &kat, format!("{} is not a valid shape", sk.shape));
            continue;
        };
        if !safe_path(&sk.path) || !sk.path.starts_with(&format!("{}/", paths::KEYS)) {
            f.fail("V2.e", &kat, "key path is not inside keys/".into());
            continue;
        }
        let bytes = match read_capped(src, &sk.path) {
            Ok(b) => b,
            Err(e) => {
                f.error("V2.e", &kat, format!("verifying key cannot be read: {e}"));
                continue;
            }
        };
        if !f.expect("V2.e", sha256_hex(&bytes) == sk.vk_sha256, &kat, || {
            format!("verifying key of shape {shape} does not match its digest in the manifest")
        }) {
            continue;
        }
        match circuits::vk_from_bytes(shape, &bytes) {
            Ok(k) => {
                ctx.keys.insert(sk.shape.clone(), k);
                ctx.digests.insert(
                    sk.shape.clone(),
                    hex::decode(&sk.vk_sha256).unwrap_or_default(),
                );
            }
            Err(e) => f.fail("V2.e", &kat, format!("verifying key of shape {shape}: {e}")),
        }
    }
    if m.body.setup.kind == "single-party" {
        f.push(Severity::Notice, "V2.e", &at, format!(
            "the Groth16 keys come from a {} setup by {}: whoever ran it could forge every proof in this bundle; only a multi-party ceremony with one honest contributor removes this",
            m.body.setup.kind, m.body.setup.performed_by
        ));
    }
    ctx
}

/// V2.b: the definition's own rules (an independent reading of spec `bundle.md` §4.1).
fn check_definition(def: &ElectionDefinition, f: &mut Findings) {
    let at = At::file(paths::MANIFEST);
    let mut ids = BTreeSet::new();
    for c in &def.contests {
        let cat = At::contest(paths::MANIFEST, &c.contest_id);
        f.expect(
            "V2.b",
            bundle::tally::is_safe_id(&c.contest_id) && ids.insert(c.contest_id.as_str()),
            &cat,
            || "contest id is unsafe or not unique".into(),
        );
        let mut cids = BTreeSet::new();
        f.expect(
            "V2.b",
            c.candidates
                .iter()
                .all(|k| cids.insert(k.candidate_id.as_str())),
            &cat,
            || "candidate ids are not unique".into(),
        );
        f.expect("V2.b", c.seats == 1, &cat, || {
            "a contest fills one seat (multi-member wards are one contest per seat)".into()
        });
        let nota: Vec<usize> = c
            .candidates
            .iter()
            .enumerate()
            .filter(|(_, k)| k.nota)
            .map(|(i, _)| i)
            .collect();
        if c.uncontested {
            f.expect(
                "V2.b",
                c.candidates.len() == 1 && nota.is_empty(),
                &cat,
                || "an uncontested contest lists its one candidate and no NOTA".into(),
            );
        } else {
            f.expect(
                "V2.b",
                c.candidates.len() >= 2 && nota == [c.candidates.len() - 1],
                &cat,
                || "NOTA must appear exactly once, last in ballot order".into(),
            );
        }
        f.expect(
            "V2.b",
            c.kind == ContestKind::SingleMember || c.group.is_some(),
            &cat,
            || "a ward seat or post names its ward or ballot".into(),
        );
        // D7: a polled contest with a paper trail fixes its audit rule before the poll.
        let audited = c.vvpat && !c.uncontested;
        f.expect(
            "V2.b",
            match c.audit {
                Some(r) => audited && r.in_bounds(),
                None => !audited,
            },
            &cat,
            || {
                if audited {
                    format!(
                        "a contest with a paper trail fixes its VVPAT audit rule in the manifest: at least {} stations per segment, a risk limit of 1 to 9,999 basis points or none (bundle.md D7)",
                        bundle::AuditRule::MIN_PER_SEGMENT
                    )
                } else {
                    "an audit rule for a contest with no paper trail to audit (bundle.md D7)".into()
                }
            },
        );
    }
    let contested: HashMap<&str, bool> = def
        .contests
        .iter()
        .map(|c| (c.contest_id.as_str(), !c.uncontested))
        .collect();
    let mut sids = BTreeSet::new();
    for s in &def.stations {
        let sat = At {
            file: Some(paths::MANIFEST.into()),
            station: Some(s.station_id.clone()),
            contest: None,
        };
        f.expect(
            "V2.b",
            bundle::tally::is_safe_id(&s.station_id) && sids.insert(s.station_id.as_str()),
            &sat,
            || "station id is unsafe or not unique".into(),
        );
        let polled_ok = !s.contests.is_empty()
            && s.contests
                .iter()
                .all(|c| contested.get(c.as_str()) == Some(&true));
        f.expect("V2.b", polled_ok, &sat, || {
            "station must poll at least one contest, each defined and contested".into()
        });
    }
    f.expect("V2.b", !def.contests.is_empty(), &at, || {
        "the election has no contest".into()
    });
}

/// V5.e: exactly the manifest's contests have shards.
fn check_shard_set(src: &dyn Source, def: &ElectionDefinition, f: &mut Findings) {
    let expected: BTreeSet<String> = def
        .contests
        .iter()
        .map(|c| format!("{}.json", c.contest_id))
        .collect();
    for name in src.names_in(paths::CONTESTS) {
        f.expect(
            "V5.e",
            expected.contains(&name),
            &At::file(&format!("{}/{name}", paths::CONTESTS)),
            || "shard of a contest that is not in the manifest".into(),
        );
    }
}

/// One station row's findings, its summary for the cross checks, its counts if usable, and its
/// proof awaiting verification.
type StationOutcome = (
    Findings,
    Option<StationSummary>,
    Option<Vec<u64>>,
    Option<Pending>,
);

/// What the cross-contest checks (V2.d across shards, V6.a-c) need of one station row, kept
/// small: a run holds one per station and contest, never the statements themselves.
struct StationSummary {
    /// Position of the station in the definition.
    station: usize,
    /// The certified PO key the row was signed under.
    po_key: String,
    /// Control units used.
    units: Vec<String>,
    /// SHA-256 of the station-level Form 17C fields (V6.c).
    fields: [u8; 32],
    /// Total recorded net of 49MA test votes (V6.b).
    net: u128,
}

impl StationSummary {
    fn of(station: usize, cop: &CloseOfPoll, po_key: &str) -> Self {
        let station_fields = (
            cop.voters_17a,
            cop.refused_49o,
            cop.not_allowed_49m,
            cop.electors,
            cop.closed_at,
            cop.tendered,
            &cop.seals,
        );
        let fields = Sha256::digest(serde_json::to_vec(&station_fields).unwrap_or_default()).into();
        let tests: u128 = cop
            .contest
            .test_votes
            .iter()
            .map(|t| u128::from(t.count))
            .sum();
        Self {
            station,
            po_key: po_key.to_string(),
            units: cop.contest.units.iter().map(|u| u.cu.clone()).collect(),
            fields,
            net: u128::from(cop.contest.total_recorded).saturating_sub(tests),
        }
    }
}

/// Signatures per Ed25519 batch.
const SIG_BATCH: usize = 256;

/// Verdicts for a list of signed statements of one kind, batch-verified in parallel.
fn signatures_hold<T: serde::Serialize + Sync>(
    list: &[Signed<T>],
    kind: &'static str,
) -> Vec<bool> {
    list.par_chunks(SIG_BATCH)
        .flat_map_iter(|chunk| {
            // A statement whose key or signature does not even decode is invalid on its own.
            let decoded: Vec<Option<bundle::PendingSignature>> =
                chunk.iter().map(|s| s.pending(kind).ok()).collect();
            let good: Vec<bundle::PendingSignature> = decoded.iter().flatten().cloned().collect();
            let mut verdicts = verify_many(&good).into_iter();
            decoded
                .into_iter()
                .map(|d| d.is_some() && verdicts.next().unwrap_or(false))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A decoded proof awaiting batch verification: shape, station, public inputs and proof.
type Pending = (String, String, circuits::batch::Item);

/// Proofs per batch (one multi-Miller loop and one final exponentiation each).
const BATCH: usize = 128;

/// What one contest's checks hand to the cross-contest step.
struct ContestOutcome {
    findings: Findings,
    line: Option<ContestLine>,
    /// Station rows for the cross checks.
    rows: Vec<StationSummary>,
    contest_id: String,
    proofs_verified: u64,
    /// Station rows already counted in the run's progress.
    ticked: u64,
}

fn check_contest(
    src: &dyn Source,
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    share: Option<(u32, u32)>,
    tick: &(dyn Fn(u64) + Sync),
) -> ContestOutcome {
    let cid = &contest.contest_id;
    let file = format!("{}/{cid}.json", paths::CONTESTS);
    let mut f = Findings::default();
    let cat = At::contest(&file, cid);
    let mut out = ContestOutcome {
        findings: Findings::default(),
        line: None,
        rows: Vec::new(),
        contest_id: cid.clone(),
        proofs_verified: 0,
        ticked: 0,
    };
    let shard: ContestShard = match read(src, &file) {
        Ok((_, s)) => s,
        Err(e) => {
            f.error("V5.e", &cat, e);
            out.findings = f;
            return out;
        }
    };
    f.expect("V5.e", &shard.contest_id == cid, &cat, || {
        format!("shard names contest {}", shard.contest_id)
    });

    // V4.a: stations, each exactly once.
    let expected: Vec<(usize, &Station)> = ctx
        .stations_of
        .get(cid.as_str())
        .map(|v| v.iter().map(|&i| (i, &def.stations[i])).collect())
        .unwrap_or_default();
    // Every signature of the shard at once: PO certificates and close-of-poll statements.
    let cert_sigs = signatures_hold(&shard.po_certificates, kinds::PO_CERT);
    let cop_sigs = signatures_hold(&shard.close_of_poll, kinds::CLOSE_OF_POLL);
    let mut certs: BTreeMap<&str, (&Signed<PoCertificate>, bool)> = BTreeMap::new();
    for (c, ok) in shard.po_certificates.iter().zip(cert_sigs) {
        let id = c.body.station_id.as_str();
        f.expect(
            "V2.d",
            certs.insert(id, (c, ok)).is_none(),
            &At::station(&file, cid, id),
            || "two PO certificates for this station".into(),
        );
    }
    let mut cops: BTreeMap<&str, (&Signed<CloseOfPoll>, bool)> = BTreeMap::new();
    for (c, ok) in shard.close_of_poll.iter().zip(cop_sigs) {
        let id = c.body.station_id.as_str();
        f.expect(
            "V4.a",
            cops.insert(id, (c, ok)).is_none(),
            &At::station(&file, cid, id),
            || "two close-of-poll statements for this station".into(),
        );
    }
    // The three lists are in station-id order (bundle.md §6): one canonical form.
    let ordered = |ids: Vec<&str>| ids.windows(2).all(|w| w[0] < w[1]);
    for (what, ids) in [
        (
            "PO certificates",
            shard
                .po_certificates
                .iter()
                .map(|c| c.body.station_id.as_str())
                .collect(),
        ),
        (
            "close-of-poll statements",
            shard
                .close_of_poll
                .iter()
                .map(|c| c.body.station_id.as_str())
                .collect(),
        ),
        (
            "station rows",
            shard
                .stations
                .iter()
                .map(|r| r.station_id.as_str())
                .collect::<Vec<_>>(),
        ),
    ] {
        f.expect("V4.a", ordered(ids), &cat, || {
            format!("the shard's {what} are not in station-id order")
        });
    }
    let mut rows: BTreeMap<&str, &StationResult> = BTreeMap::new();
    for r in &shard.stations {
        let id = r.station_id.as_str();
        f.expect(
            "V4.a",
            rows.insert(id, r).is_none(),
            &At::station(&file, cid, id),
            || "station appears twice".into(),
        );
    }
    let expected_set: BTreeSet<&str> = expected
        .iter()
        .map(|(_, s)| s.station_id.as_str())
        .collect();
    for id in certs
        .keys()
        .chain(cops.keys())
        .chain(rows.keys())
        .collect::<BTreeSet<_>>()
    {
        f.expect(
            "V4.a",
            expected_set.contains(id),
            &At::station(&file, cid, id),
            || "station does not poll this contest in the manifest".into(),
        );
    }

    let n = contest.candidates.len();
    let checked: Vec<StationOutcome> = expected
        .par_iter()
        .map(|(pos, station)| {
            let sid = station.station_id.as_str();
            let mut sf = Findings::default();
            let at = At::station(&file, cid, sid);
            let (Some(&(cop, cop_sig)), Some(row)) = (cops.get(sid), rows.get(sid)) else {
                sf.fail("V4.a", &at, "station of this contest is missing from the shard (its close-of-poll statement or its row)".into());
                return (sf, None, None, None);
            };
            sf.checked("V4.a");
            let po_key = check_po_certificate(def, ctx, station, certs.get(sid).copied(), &at, &mut sf);
            let cop_ok = cop_sig && po_key.as_deref() == Some(cop.public_key.as_str());
            let (ok_row, pending) = check_station(def, ctx, contest, (cop, cop_ok), row, &at, &mut sf);
            let summary = StationSummary::of(*pos, &cop.body, &cop.public_key);
            (sf, Some(summary), ok_row.then(|| row.counts.clone()), pending)
        })
        .collect();
    // Sums of untrusted counts are taken in u128: no input can overflow them.
    let mut sums = vec![0u128; n];
    let mut all_rows = true;
    let mut pending: BTreeMap<String, Vec<(String, circuits::batch::Item)>> = BTreeMap::new();
    // A share verifies the proofs of its stations only (Options::share).
    let mine = |i: usize| share.is_none_or(|(k, n)| i % n.max(1) as usize == k as usize);
    for (i, (sf, cop, counts, item)) in checked.into_iter().enumerate() {
        f.merge(sf);
        if let (Some((shape, sid, item)), true) = (item, mine(i)) {
            pending.entry(shape).or_default().push((sid, item));
        }
        if let Some(c) = cop {
            out.rows.push(c);
        }

        match counts {
            Some(c) => sums
                .iter_mut()
                .zip(c)
                .for_each(|(s, x)| *s += u128::from(x)),
            None => all_rows = false,
        }
    }

    // V4.d: every decoded proof, in batches per key, in parallel.
    for (shape, list) in &pending {
        let (Some(key), Some(digest)) = (ctx.keys.get(shape), ctx.digests.get(shape)) else {
            continue;
        };
        let results: Vec<(Findings, u64)> = list
            .par_chunks(BATCH)
            .map(|chunk| {
                let mut cf = Findings::default();
                let mut entropy = [0u8; 32];
                rand_core::OsRng.fill_bytes(&mut entropy);
                let items: Vec<circuits::batch::Item> = chunk.iter().map(|(_, it)| it.clone()).collect();
                let bad = key.verify_batch(digest, &items, &entropy);
                tick(chunk.len() as u64);
                for (i, (sid, _)) in chunk.iter().enumerate() {
                    cf.expect("V4.d", !bad.contains(&i), &At::station(&file, cid, sid), || {
                        "the Groth16 proof does not verify against its public inputs (station binding, signed commitment, counts, Form 17C total)".into()
                    });
                }
                (cf, (chunk.len() - bad.len()) as u64)
            })
            .collect();
        out.ticked += list.len() as u64;
        for (cf, ok) in results {
            f.merge(cf);
            out.proofs_verified += ok;
        }
    }

    // V5: the RO's result.
    let res = &shard.result;
    let body = &res.body;
    let ro_ok = ctx.ro_keys.get(&contest.returning_officer) == Some(&res.public_key);
    let ok = res.verify(kinds::CONTEST_RESULT).is_ok()
        && res.signer == contest.returning_officer
        && res.role == Role::ReturningOfficer
        && ro_ok
        && body.election_id == def.election_id
        && &body.contest_id == cid
        && body.spec_version == bundle::SPEC_VERSION;
    f.expect("V5.a", ok, &cat, || {
        format!(
            "the result is not signed by the certified RO {} for this contest",
            contest.returning_officer
        )
    });

    if contest.uncontested {
        // V5.d
        let sole = contest.candidates.first().map(|c| c.candidate_id.clone());
        let ok = shard.close_of_poll.is_empty()
            && shard.stations.is_empty()
            && body.stations_counted == 0
            && body.winners == sole.into_iter().collect::<Vec<_>>()
            && body.tie_lot.is_none();
        f.expect("V5.d", ok, &cat, || {
            "an uncontested contest has no poll and declares its sole candidate".into()
        });
    } else {
        // V5.b
        f.expect(
            "V5.b",
            body.stations_counted == expected.len() as u64
                && body.stations_counted == shard.stations.len() as u64,
            &cat,
            || {
                format!(
                    "result counts {} stations, the contest has {}",
                    body.stations_counted,
                    expected.len()
                )
            },
        );
        let shape_ok = body.postal.counts.len() == n
            && &body.postal.contest_id == cid
            && body.totals.len() == n;
        if f.expect("V5.b", shape_ok, &cat, || {
            format!("postal row and totals must give {n} counts for this contest")
        }) && all_rows
        {
            let mut want = sums.clone();
            want.iter_mut()
                .zip(&body.postal.counts)
                .for_each(|(w, p)| *w += u128::from(*p));
            for (j, (w, t)) in want.iter().zip(&body.totals).enumerate() {
                f.expect("V5.b", *w == u128::from(*t), &cat, || {
                    format!(
                        "total for {} is {}, but station rows + postal give {}",
                        contest.candidates[j].candidate_id, t, w
                    )
                });
            }
        }
        // V5.c
        if body.totals.len() == n {
            check_winners(
                contest,
                &body.totals,
                &body.winners,
                body.tie_lot.as_ref(),
                &cat,
                &mut f,
                "V5.c",
            );
        }
    }
    // V5.f: reconciliation with a declared result.
    let mut reconciliation = Vec::new();
    if let Some(d) = &body.declared {
        let ok = d.totals.len() == n
            && &d.contest_id == cid
            && body.totals.len() == n
            && body.postal.counts.len() == n;
        let shaped = f.expect("V5.f", ok, &cat, || {
            format!("the declared result must name this contest and give {n} totals")
        });
        #[allow(clippy::needless_range_loop)] // five parallel vectors indexed by candidate
        if shaped && all_rows {
            for j in 0..n {
                let k = &contest.candidates[j];
                let who = format!("{} ({})", k.candidate_id, k.name);
                f.expect("V5.f", sums[j] <= u128::from(d.totals[j]), &cat, || {
                    format!(
                        "stations alone give {who} {} votes, more than the {} the declared result gives: the published figures disagree with themselves",
                        sums[j], d.totals[j]
                    )
                });
                f.expect("V5.f", body.totals[j] == d.totals[j], &cat, || {
                    format!(
                        "{who}: proved total {} differs from the declared {}",
                        body.totals[j], d.totals[j]
                    )
                });
                reconciliation.push(ReconLine {
                    candidate_id: who.clone(),
                    stations: sums[j],
                    postal: body.postal.counts[j],
                    total: body.totals[j],
                    declared: d.totals[j],
                    declared_minus_stations: i128::from(d.totals[j]) - sums[j] as i128,
                });
            }
        }
    }
    // V7: the VVPAT audit.
    let audit_line = if contest.uncontested {
        None
    } else {
        let inputs = crate::audit::AuditInputs {
            src,
            def,
            contest,
            ro_key: ctx.ro_keys.get(&contest.returning_officer),
            results_root: ctx.results_root.as_deref(),
            result_signed_at: body.signed_at,
            totals: &body.totals,
            winners: &body.winners,
            rows: &rows,
            listed: &ctx.listed,
            stations: ctx
                .stations_of
                .get(cid.as_str())
                .map_or(&[][..], Vec::as_slice),
        };
        Some(crate::audit::check_audit(&inputs, &mut f))
    };
    let name_of = |id: &str| {
        contest
            .candidates
            .iter()
            .position(|c| c.candidate_id == id)
            .map(|i| {
                let c = &contest.candidates[i];
                let votes = body.totals.get(i).copied().unwrap_or(0);
                if contest.uncontested {
                    format!("{} {} ({})", c.candidate_id, c.name, c.party)
                } else {
                    format!("{} {} ({}) {votes} votes", c.candidate_id, c.name, c.party)
                }
            })
    };
    out.line = Some(ContestLine {
        contest_id: cid.clone(),
        name: contest.name.clone(),
        winners: body
            .winners
            .iter()
            .map(|w| name_of(w).unwrap_or_else(|| w.clone()))
            .collect(),
        stations: body.stations_counted,
        total_votes: body.totals.iter().map(|&t| u128::from(t)).sum(),
        uncontested: contest.uncontested,
        candidates: if all_rows && body.totals.len() == n && body.postal.counts.len() == n {
            contest
                .candidates
                .iter()
                .enumerate()
                .map(|(j, c)| CandidateLine {
                    candidate_id: c.candidate_id.clone(),
                    name: c.name.clone(),
                    party: c.party.clone(),
                    stations: sums[j],
                    postal: body.postal.counts[j],
                    total: body.totals[j],
                })
                .collect()
        } else {
            Vec::new()
        },
        reconciliation,
        declared_source: body.declared.as_ref().map(|d| d.source.clone()),
        audit: audit_line,
    });
    out.findings = f;
    out
}

/// V3 and V4 for one station row. Returns whether the row is usable for totals, and the proof
/// to verify (V4.d) when it decoded.
/// V2.d for one station of a shard: its PO certificate is signed by a certified RO of a contest
/// polled at the station, for this election, this station and its PO. Returns the certified key.
fn check_po_certificate(
    def: &ElectionDefinition,
    ctx: &Context,
    station: &Station,
    cert: Option<(&Signed<PoCertificate>, bool)>,
    at: &At,
    f: &mut Findings,
) -> Option<String> {
    let Some((cert, sig_ok)) = cert else {
        f.fail(
            "V2.d",
            at,
            "station has no PO certificate in this shard".into(),
        );
        return None;
    };
    let c = &cert.body;
    let signer_ok = station
        .contests
        .iter()
        .filter_map(|cid| ctx.contest_at.get(cid).map(|&i| &def.contests[i]))
        .any(|k| {
            k.returning_officer == cert.signer
                && ctx.ro_keys.get(&k.returning_officer) == Some(&cert.public_key)
        });
    let ok = sig_ok
        && cert.role == Role::ReturningOfficer
        && signer_ok
        && c.election_id == def.election_id
        && c.station_id == station.station_id
        && c.po_id == station.presiding_officer;
    f.expect("V2.d", ok, at, || {
        format!(
            "certificate of PO {} is not signed by a certified RO of this station for its PO",
            c.po_id
        )
    })
    .then(|| c.public_key.clone())
}

fn check_station(
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    (cop, signed_by_po): (&Signed<CloseOfPoll>, bool),
    row: &StationResult,
    at: &At,
    f: &mut Findings,
) -> (bool, Option<Pending>) {
    let st = &cop.body;
    let sid = st.station_id.as_str();
    let cid = contest.contest_id.as_str();
    let n = contest.candidates.len();
    // V3.a (the signature was checked in the shard's batch, under the certified key)
    let po_named = ctx
        .station_at
        .get(sid)
        .is_some_and(|&i| def.stations[i].presiding_officer == cop.signer);
    let ok = signed_by_po
        && po_named
        && cop.role == Role::PresidingOfficer
        && st.election_id == def.election_id
        && st.contest.contest_id == cid
        && st.spec_version == bundle::SPEC_VERSION;
    f.expect("V3.a", ok, at, || "the close-of-poll statement is not signed by this station's certified PO for this election and contest".into());
    // V3.b
    f.expect("V3.b", st.signed_at < def.counting_starts_at, at, || {
        "the close-of-poll statement was signed after counting began".into()
    });
    // V3.f: a remark is short plain text (bundle.md §4.5); a bad one is never quoted.
    let remark_problem = st.remarks.as_deref().and_then(bundle::text::remark_problem);
    f.checked("V3.f");
    if let Some(p) = &remark_problem {
        f.fail(
            "V3.f",
            at,
            format!(
                "the PO's remark breaks the free-text rule (bundle.md §4.5): {p}; it is not shown"
            ),
        );
    }
    // V3.c
    let electors = ctx.station_at.get(sid).map(|&i| def.stations[i].electors);
    f.expect(
        "V3.c",
        electors == Some(st.electors) && st.voters_17a <= st.electors,
        at,
        || {
            format!(
                "Form 17C: {} voters, {} electors (roll: {:?})",
                st.voters_17a, st.electors, electors
            )
        },
    );
    let tests: u128 = st
        .contest
        .test_votes
        .iter()
        .map(|t| u128::from(t.count))
        .sum();
    let expected_total = u128::from(st.voters_17a)
        .checked_sub(u128::from(st.refused_49o) + u128::from(st.not_allowed_49m))
        .map(|v| v + tests);
    f.checked("V3.c");
    if expected_total != Some(u128::from(st.contest.total_recorded)) {
        let rule = format!(
            "Form 17C: total recorded {} differs from voters {} - 49-O {} - 49M {} + 49MA {}",
            st.contest.total_recorded, st.voters_17a, st.refused_49o, st.not_allowed_49m, tests
        );
        match st.remarks.as_ref().filter(|_| remark_problem.is_none()) {
            Some(r) => f.push(
                Severity::Notice,
                "V3.c",
                at,
                format!("{rule}; the PO recorded: {r}"),
            ),
            None if st.remarks.is_some() => f.push(
                Severity::Notice,
                "V3.c",
                at,
                format!("{rule}; the PO's remark is not shown (V3.f)"),
            ),
            None => f.push(
                Severity::Failure,
                "V3.c",
                at,
                format!("{rule}, and no discrepancy is recorded"),
            ),
        }
    }
    // V3.d
    let units: u128 = st.contest.units.iter().map(|u| u128::from(u.total)).sum();
    f.expect(
        "V3.d",
        !st.contest.units.is_empty() && units == u128::from(st.contest.total_recorded),
        at,
        || {
            format!(
                "control-unit totals add to {units}, Form 17C records {}",
                st.contest.total_recorded
            )
        },
    );
    for u in &st.contest.units {
        f.expect("V3.d", u.total <= CU_CAPACITY, at, || {
            format!(
                "control unit {} holds {} votes, above the capacity {CU_CAPACITY}",
                u.cu, u.total
            )
        });
    }
    // V3.e
    let tv_ok = st
        .contest
        .test_votes
        .iter()
        .all(|t| (t.choice as usize) < n)
        && tests <= u128::from(st.contest.total_recorded);
    f.expect("V3.e", tv_ok, at, || {
        "49MA test votes name a choice that does not exist or exceed the total".into()
    });

    // V4.b
    let shape = Shape::parse(&row.shape).ok();
    let key = ctx.keys.get(&row.shape);
    let shape_ok = row.shape == st.shape
        && key.is_some()
        && shape.is_some_and(|s| s.choices >= n && s.votes as u64 >= st.contest.total_recorded);
    f.expect("V4.b", shape_ok, at, || {
        format!(
            "proof shape {} is not the sealed shape {} of a manifest key holding {n} choices",
            row.shape, st.shape
        )
    });
    // V4.c
    let slots = shape.map(|s| s.choices).unwrap_or(0);
    let machine_total: u128 = row.machine_counts.iter().map(|&c| u128::from(c)).sum();
    let c_ok = row.machine_counts.len() == slots
        && machine_total == u128::from(st.contest.total_recorded)
        && row.machine_counts.iter().skip(n).all(|&c| c == 0);
    f.expect("V4.c", c_ok, at, || {
        format!("machine counts ({} slots, total {machine_total}) do not match Form 17C total {} with empty unused slots", row.machine_counts.len(), st.contest.total_recorded)
    });
    // V4.d: decode here; the proof itself is checked in a batch by `check_contest`.
    let mut pending = None;
    if let (Some(_), true) = (key, shape_ok) {
        let decoded = fr_from_hex(&st.log_commitment).and_then(|commitment| {
            let public = PublicInputs {
                binding: station_binding(&def.election_id, sid, cid),
                commitment,
                counts: row.machine_counts.clone(),
                total: st.contest.total_recorded,
                closed_at: st.closed_at,
            };
            proof_from_hex(&row.proof).map(|proof| (public, proof))
        });
        match decoded {
            Ok(item) => pending = Some((row.shape.clone(), sid.to_string(), item)),
            Err(e) => f.fail("V4.d", at, format!("the Groth16 proof fails: {e}")),
        }
    } else {
        f.fail(
            "V4.d",
            at,
            "the proof cannot be checked: no verifying key for its shape".into(),
        );
    }
    // V4.e
    let mut want_tv = vec![0u64; n];
    let mut tv_overflow = false;
    for t in &st.contest.test_votes {
        if let Some(x) = want_tv.get_mut(t.choice as usize) {
            match x.checked_add(t.count) {
                Some(v) => *x = v,
                None => tv_overflow = true,
            }
        }
    }
    let row_ok = !tv_overflow
        && row.counts.len() == n
        && row.test_votes == want_tv
        && (0..n).all(|j| {
            row.machine_counts
                .get(j)
                .is_some_and(|&m| m >= want_tv[j] && row.counts[j] == m - want_tv[j])
        });
    f.expect("V4.e", row_ok, at, || {
        "published row is not the proved machine counts minus the Form 17C 49MA test votes".into()
    });
    (row_ok, pending)
}

/// V5.c: the declared winners follow from the totals.
pub(crate) fn check_winners(
    contest: &Contest,
    totals: &[u64],
    winners: &[String],
    lot: Option<&bundle::TieLot>,
    at: &At,
    f: &mut Findings,
    step: &'static str,
) {
    let seats = contest.seats as usize;
    let mut cands: Vec<(u64, usize)> = contest
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.nota)
        .map(|(i, _)| (totals[i], i))
        .collect();
    if seats == 0 {
        f.fail(step, at, "the contest fills no seat".into());
        return;
    }
    cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let id = |i: usize| contest.candidates[i].candidate_id.clone();
    let declared: BTreeSet<String> = winners.iter().cloned().collect();
    if cands.len() <= seats {
        let want: BTreeSet<String> = cands.iter().map(|&(_, i)| id(i)).collect();
        f.expect(step, declared == want && lot.is_none(), at, || {
            format!("declared winners {declared:?}, the totals give {want:?}")
        });
        return;
    }
    let cutoff = cands[seats - 1].0;
    let clear: BTreeSet<String> = cands
        .iter()
        .filter(|c| c.0 > cutoff)
        .map(|&(_, i)| id(i))
        .collect();
    let tied: BTreeSet<String> = cands
        .iter()
        .filter(|c| c.0 == cutoff)
        .map(|&(_, i)| id(i))
        .collect();
    let by_lot = seats - clear.len();
    if tied.len() == by_lot {
        let want: BTreeSet<String> = clear.union(&tied).cloned().collect();
        f.expect(
            step,
            declared == want && lot.is_none() && winners.len() == seats,
            at,
            || format!("declared winners {declared:?}, the totals give {want:?}"),
        );
    } else {
        let ok = lot.is_some_and(|l| {
            let lt: BTreeSet<String> = l.tied.iter().cloned().collect();
            let chosen: BTreeSet<String> = l.chosen.iter().cloned().collect();
            lt == tied
                && chosen.len() == by_lot
                && chosen.is_subset(&tied)
                && declared == clear.union(&chosen).cloned().collect()
        }) && winners.len() == seats;
        f.expect(step, ok, at, || format!("candidates {tied:?} are tied for the last seat: the result needs a lot record choosing among exactly them, and winners from it"));
    }
}

/// V6: invariants across contests.
fn check_cross(
    def: &ElectionDefinition,
    ctx: &Context,
    outcomes: &[ContestOutcome],
    f: &mut Findings,
) {
    let station_at = |i: usize| At {
        file: None,
        station: Some(def.stations[i].station_id.clone()),
        contest: None,
    };
    // V6.a: unit ids.
    let mut unit_station: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for o in outcomes {
        for row in &o.rows {
            for cu in &row.units {
                unit_station
                    .entry(cu.as_str())
                    .or_default()
                    .insert(row.station);
            }
        }
    }
    let mut shared: Vec<(&str, &BTreeSet<usize>)> = unit_station
        .iter()
        .filter(|(_, st)| st.len() > 1)
        .map(|(cu, st)| (*cu, st))
        .collect();
    shared.sort();
    f.checked("V6.a");
    for (cu, stations) in shared {
        let ids: Vec<&str> = stations
            .iter()
            .map(|&i| def.stations[i].station_id.as_str())
            .collect();
        f.fail(
            "V6.a",
            &At::default(),
            format!("control unit {cu} is used at several stations: {ids:?}"),
        );
    }
    drop(unit_station);
    // Per station: the rows of every contest it polls.
    let mut per_station: BTreeMap<usize, Vec<(&str, &StationSummary)>> = BTreeMap::new();
    for o in outcomes {
        for row in &o.rows {
            per_station
                .entry(row.station)
                .or_default()
                .push((o.contest_id.as_str(), row));
        }
    }
    for (&i, list) in &per_station {
        let Some((_, first)) = list.first() else {
            continue;
        };
        for (cid, row) in list.iter().skip(1) {
            let at = At {
                contest: Some((*cid).to_string()),
                ..station_at(i)
            };
            // V2.d: one PO, one key, whichever shard carries the certificate.
            f.expect("V2.d", row.po_key == first.po_key, &at, || {
                "this contest's statement is signed under a different PO key than the station's other contests".into()
            });
            // V6.c: station-level 17C fields agree across contests.
            f.expect("V6.c", row.fields == first.fields, &at, || {
                "this contest's Form 17C Part I differs from the station's other contests".into()
            });
        }
        // V6.b: ward seats, net of test votes.
        let mut by_ward: BTreeMap<&str, Vec<(&str, u128)>> = BTreeMap::new();
        for (cid, row) in list {
            let contest = ctx.contest_at.get(*cid).map(|&i| &def.contests[i]);
            if let Some(contest) = contest.filter(|k| k.kind == ContestKind::WardSeat) {
                by_ward
                    .entry(contest.group.as_deref().unwrap_or(""))
                    .or_default()
                    .push((cid, row.net));
            }
        }
        for (ward, seats) in by_ward {
            if seats.len() > 1 {
                let equal = seats.iter().all(|s| s.1 == seats[0].1);
                f.expect("V6.b", equal, &station_at(i), || {
                    format!("ward {ward}: per-seat totals differ at this station: {seats:?}")
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bundle::{Candidate, TieLot};

    fn contest() -> Contest {
        let mut candidates: Vec<Candidate> = ["A", "B", "C"]
            .iter()
            .map(|id| Candidate {
                candidate_id: (*id).into(),
                name: String::new(),
                party: String::new(),
                nota: false,
            })
            .collect();
        candidates.push(Candidate {
            candidate_id: "NOTA".into(),
            name: String::new(),
            party: String::new(),
            nota: true,
        });
        Contest {
            audit: None,
            contest_id: "C".into(),
            name: "C".into(),
            kind: ContestKind::SingleMember,
            group: None,
            seats: 1,
            candidates,
            uncontested: false,
            returning_officer: "RO".into(),
            vvpat: true,
        }
    }

    fn failures(totals: &[u64], winners: &[&str], lot: Option<TieLot>) -> usize {
        let mut f = Findings::default();
        let w: Vec<String> = winners.iter().map(|s| (*s).to_string()).collect();
        check_winners(
            &contest(),
            totals,
            &w,
            lot.as_ref(),
            &At::default(),
            &mut f,
            "V5.c",
        );
        f.list.len()
    }

    fn lot(tied: &[&str], chosen: &[&str]) -> Option<TieLot> {
        Some(TieLot {
            contest_id: "C".into(),
            tied: tied.iter().map(|s| (*s).to_string()).collect(),
            chosen: chosen.iter().map(|s| (*s).to_string()).collect(),
            record: "lot".into(),
        })
    }

    proptest::proptest! {
        /// The verifier's winner rule agrees with an oracle written from DOMAIN.md: the
        /// candidate (never NOTA) with most votes wins; a tie at the top needs a lot naming
        /// exactly the tied candidates. Small vote ranges make ties frequent.
        #[test]
        fn winner_rule_matches_the_domain_rule(totals in proptest::collection::vec(0u64..4, 4), pick in 0usize..3) {
            let top = totals[..3].iter().copied().max().unwrap_or(0);
            let tied: Vec<&str> = ["A", "B", "C"].iter().zip(&totals).filter(|(_, &t)| t == top).map(|(n, _)| *n).collect();
            let chosen = tied[pick % tied.len()];
            if tied.len() == 1 {
                proptest::prop_assert_eq!(failures(&totals, &[chosen], None), 0);
                for other in ["A", "B", "C", "NOTA"].iter().filter(|o| **o != chosen) {
                    proptest::prop_assert_eq!(failures(&totals, &[other], None), 1);
                }
                proptest::prop_assert_eq!(failures(&totals, &[chosen], lot(&tied, &[chosen])), 1);
            } else {
                proptest::prop_assert_eq!(failures(&totals, &[chosen], None), 1);
                proptest::prop_assert_eq!(failures(&totals, &[chosen], lot(&tied, &[chosen])), 0);
                proptest::prop_assert_eq!(failures(&totals, &["NOTA"], lot(&tied, &["NOTA"])), 1);
            }
        }
    }

    #[test]
    fn winner_rules() {
        // Margin of one vote.
        assert_eq!(failures(&[10, 11, 3, 0], &["B"], None), 0);
        assert_eq!(failures(&[10, 11, 3, 0], &["A"], None), 1);
        // NOTA on top changes nothing; NOTA is never a winner.
        assert_eq!(failures(&[10, 11, 3, 50], &["B"], None), 0);
        assert_eq!(failures(&[10, 11, 3, 50], &["NOTA"], None), 1);
        // A tie needs a lot naming exactly the tied candidates.
        assert_eq!(failures(&[11, 11, 3, 0], &["A"], None), 1);
        assert_eq!(
            failures(&[11, 11, 3, 0], &["A"], lot(&["A", "B"], &["A"])),
            0
        );
        assert_eq!(
            failures(&[11, 11, 3, 0], &["B"], lot(&["A", "B"], &["A"])),
            1
        );
        assert_eq!(
            failures(&[11, 11, 3, 0], &["C"], lot(&["A", "B", "C"], &["C"])),
            1
        );
        // A lot where there is no tie is refused.
        assert_eq!(failures(&[10, 11, 3, 0], &["B"], lot(&["B"], &["B"])), 1);
        // Nobody voted: every candidate tied at zero, decided by lot.
        assert_eq!(
            failures(&[0, 0, 0, 0], &["C"], lot(&["A", "B", "C"], &["C"])),
            0
        );
    }
}
