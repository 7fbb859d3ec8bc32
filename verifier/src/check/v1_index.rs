//! V1 Bundle integrity (spec `verification.md` V1): the spec version, the signed index, the
//! listing of every file with its digest, the bundle root.

use super::read::{read_capped, safe_path};
use crate::report::{At, Findings, Severity};
use crate::source::{Kind, Source};
use bundle::digest::bundle_root;
use bundle::{kinds, paths, BundleIndex, ElectionManifest, Role, Signed};
use rayon::prelude::*;
use std::collections::BTreeSet;

/// The spec version `bundle.json` declares, when it is readable and not this verifier's.
pub(super) fn other_version(src: &dyn Source) -> Option<String> {
    let bytes = read_capped(src, paths::INDEX).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let version = v.get("body")?.get("spec_version")?;
    let text = version
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| version.to_string());
    (text != bundle::SPEC_VERSION).then_some(text)
}

/// V1.a-V1.e.
pub(super) fn check_index(
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
    // V1.b: every listed file, its length and digest (the files hashed in parallel, the
    // findings in the index's order).
    let mut listed = BTreeSet::new();
    let mut to_hash: Vec<Option<&bundle::FileEntry>> = Vec::with_capacity(body.files.len());
    for e in &body.files {
        let fat = At::file(&e.path);
        if !safe_path(&e.path) || e.path == paths::INDEX {
            f.fail(
                "V1.b",
                &fat,
                "listed path is not a plain relative path inside the bundle".into(),
            );
            to_hash.push(None);
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
                    .starts_with(&format!("{}/", super::v2_ceremony::CEREMONY_DIR))
                || in_scope(paths::STATIONS)
                || in_scope(paths::CONTESTS)
                || in_scope(audit::model::paths::COMMITMENTS)
                || in_scope(audit::model::paths::RECORDS)
        });
        if !listed.insert(e.path.as_str()) {
            f.fail("V1.b", &fat, "file listed twice".into());
            to_hash.push(None);
            continue;
        }
        to_hash.push(wanted.then_some(e));
    }
    let hashed: Vec<Option<std::io::Result<(String, u64)>>> = to_hash
        .par_iter()
        .map(|e| e.map(|e| src.hash(&e.path)))
        .collect();
    for (e, h) in to_hash.iter().zip(hashed) {
        let (Some(e), Some(h)) = (e, h) else {
            continue;
        };
        let fat = At::file(&e.path);
        match h {
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

/// V1.c: every listed file is one the bundle format defines (bundle.md §1): the manifest, the
/// keys and ceremony files it binds, and per contest its station list, shard, audit commitments
/// and audit record.
pub(super) fn check_defined_files(index: &BundleIndex, m: &ElectionManifest, f: &mut Findings) {
    let contest_ids: BTreeSet<&str> = m
        .definition
        .contests
        .iter()
        .map(|c| c.contest_id.as_str())
        .collect();
    let key_paths: BTreeSet<&str> = m.shapes.iter().map(|k| k.path.as_str()).collect();
    let ceremony_paths = super::v2_ceremony::bound_paths(m);
    let per_contest = |path: &str, folder: &str| {
        path.strip_prefix(folder)
            .and_then(|r| r.strip_prefix('/'))
            .and_then(|n| n.strip_suffix(".json"))
            .is_some_and(|id| contest_ids.contains(id))
    };
    for e in &index.files {
        let defined = e.path == paths::MANIFEST
            || key_paths.contains(e.path.as_str())
            || ceremony_paths.contains(e.path.as_str())
            || per_contest(&e.path, paths::STATIONS)
            || per_contest(&e.path, paths::CONTESTS)
            || per_contest(&e.path, paths::AGGREGATES)
            || per_contest(&e.path, audit::model::paths::COMMITMENTS)
            || per_contest(&e.path, audit::model::paths::RECORDS);
        f.expect("V1.c", defined, &At::file(&e.path), || {
            "a listed file the bundle format does not define (bundle.md §1)".into()
        });
    }
}
