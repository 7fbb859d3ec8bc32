//! V2.h: the Groth16 keys are the end of a valid multi-party key ceremony (spec `ceremony.md`
//! §6, `verification.md` V2.h). Reads the ceremony files the manifest binds, each refused before
//! it is read if its length is not the one the transcript implies, and checks both chains, the
//! accumulator, every shape's final state and every verifying key against them.

use super::read::read_capped;
use crate::report::{At, Findings, Severity};
use bundle::digest::sha256_hex;
use bundle::{paths, ElectionManifest};
use circuits::ceremony::signatures::{self, SignatureFile};
use circuits::ceremony::{BundleCeremony, CeremonyReport};
use circuits::{PreparedKey, Shape};
use std::collections::{BTreeMap, BTreeSet};

/// Folder of the ceremony files in a bundle.
pub const CEREMONY_DIR: &str = "ceremony";

/// The ceremony files the manifest binds (their paths), for V1.c.
pub(crate) fn bound_paths(m: &ElectionManifest) -> BTreeSet<&str> {
    m.setup
        .ceremony
        .iter()
        .flatten()
        .map(|r| r.path.as_str())
        .collect()
}

/// V2.h. `keys` are the verifying keys V2.e accepted, by shape. Returns the ceremony's report
/// when it holds. A setup whose digest is one of `checked` (the reader checked it before) is
/// not checked again, its report read from the transcript, provided the signed index (`listed`)
/// gives every ceremony file the manifest's digest: V1.b then holds each file to it.
pub(crate) fn check_ceremony(
    src: &dyn crate::source::Source,
    m: &ElectionManifest,
    keys: &BTreeMap<String, PreparedKey>,
    (checked, listed): (&[String], Option<&[bundle::FileEntry]>),
    f: &mut Findings,
) -> Option<CeremonyReport> {
    let at = At::file(paths::MANIFEST);
    match (m.setup.kind.as_str(), &m.setup.ceremony) {
        ("single-party", None) => return None,
        ("single-party", Some(_)) => {
            f.fail(
                "V2.h",
                &at,
                "a single-party setup that names ceremony files".into(),
            );
            return None;
        }
        ("multi-party", Some(_)) => {}
        ("multi-party", None) => {
            f.fail(
                "V2.h",
                &at,
                "a multi-party setup whose manifest binds no ceremony files".into(),
            );
            return None;
        }
        (other, _) => {
            f.fail(
                "V2.h",
                &at,
                format!("setup kind {other:?} is neither single-party nor multi-party"),
            );
            return None;
        }
    }
    let refs: BTreeMap<&str, &str> = m
        .setup
        .ceremony
        .iter()
        .flatten()
        .map(|r| (r.path.as_str(), r.sha256.as_str()))
        .collect();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut read = |path: &str, len: Option<u64>| -> Result<Vec<u8>, String> {
        let want = refs
            .get(path)
            .ok_or_else(|| format!("{path}: the manifest does not bind it"))?;
        used.insert(path.to_string());
        let actual = src
            .len(path)
            .map_err(|e| format!("{path}: cannot read: {e}"))?;
        if let Some(l) = len {
            if actual != l {
                return Err(format!(
                    "{path}: {actual} bytes, but the transcript and the shapes imply {l}: truncated or extended (not read)"
                ));
            }
        } else if actual > circuits::ceremony::MAX_HEADER {
            return Err(format!(
                "{path}: {actual} bytes, too large for a transcript (not read)"
            ));
        }
        let bytes = read_capped(src, path).map_err(|e| format!("{path}: {e}"))?;
        if sha256_hex(&bytes) != *want {
            return Err(format!("{path}: does not match its digest in the manifest"));
        }
        Ok(bytes)
    };
    let setup = bundle::digest::setup_digest(m).unwrap_or_default();
    let indexed = listed.is_some_and(|files| {
        refs.iter()
            .all(|(p, d)| files.iter().any(|e| e.path == *p && e.sha256 == *d))
    });
    let pinned = indexed && checked.iter().any(|c| c.eq_ignore_ascii_case(&setup));
    if pinned {
        return pinned_setup(&setup, &refs, &mut read, f);
    }
    let part = match BundleCeremony::read_with(&mut read) {
        Ok(p) => p,
        Err(e) => {
            f.fail("V2.h", &at, e.to_string());
            return None;
        }
    };
    // The contributors' signatures, when the manifest binds them (ceremony.md §8).
    let sigs = read_signatures(&refs, &mut read, f)?;
    let unused: Vec<&str> = refs
        .keys()
        .copied()
        .filter(|p| !used.contains(*p))
        .collect();
    if !unused.is_empty() {
        f.fail(
            "V2.h",
            &at,
            format!(
                "the manifest binds ceremony files that are not part of the ceremony: {unused:?}"
            ),
        );
        return None;
    }
    let mut vks = Vec::new();
    for sk in &m.shapes {
        let (Ok(shape), Some(k)) = (Shape::parse(&sk.shape), keys.get(&sk.shape)) else {
            // V2.e reported it; the ceremony cannot vouch for a key that was not read.
            f.error(
                "V2.h",
                &At::file(&sk.path),
                format!(
                    "the key of shape {} could not be checked against the ceremony",
                    sk.shape
                ),
            );
            return None;
        };
        vks.push((shape, k.pvk.vk.clone()));
    }
    match part.verify(&vks, &mut rand_core::OsRng) {
        Ok(report) => holds(
            report,
            sigs.as_ref(),
            format!("the keys and their ceremony hold (setup sha256 {setup}): a reader who pins this digest with --checked-setup is spared this check for every bundle of this setup"),
            f,
        ),
        Err(e) => {
            f.fail("V2.h", &at, e.to_string());
            None
        }
    }
}

/// Reads the contributors' signature file when the manifest binds one; `Err` when it cannot be
/// read (a V2.h failure, reported).
fn read_signatures(
    refs: &BTreeMap<&str, &str>,
    read: &mut ReadFile<'_>,
    f: &mut Findings,
) -> Option<Option<SignatureFile>> {
    let sig_path = format!("{CEREMONY_DIR}/{}", signatures::FILE);
    if !refs.contains_key(sig_path.as_str()) {
        return Some(None);
    }
    let parsed = read(&sig_path, None).and_then(|b| {
        serde_json::from_slice(&b).map_err(|e| format!("{sig_path}: not a signature file: {e}"))
    });
    match parsed {
        Ok(s) => Some(Some(s)),
        Err(e) => {
            f.fail("V2.h", &At::file(paths::MANIFEST), e);
            None
        }
    }
}

/// V2.h holds for `report`: the contributors' keys filled in from the signature file (a
/// signature that does not hold fails V2.h), then the notices: `how` (how it was checked), who
/// signed, and whom the keys' soundness rests on.
fn holds(
    mut report: CeremonyReport,
    sigs: Option<&SignatureFile>,
    how: String,
    f: &mut Findings,
) -> Option<CeremonyReport> {
    if let Some(file) = sigs {
        match signatures::check(&report, file) {
            Ok(keys) => {
                for (line, key) in report.contributions.iter_mut().zip(keys) {
                    line.key = key;
                }
            }
            Err(e) => {
                let sig_path = format!("{CEREMONY_DIR}/{}", signatures::FILE);
                f.fail("V2.h", &At::file(&sig_path), e.to_string());
                return None;
            }
        }
    }
    let at = At::file(paths::MANIFEST);
    f.checked("V2.h");
    f.push(Severity::Notice, "V2.h", &at, how);
    notice_signers(&report, &at, f);
    notice_contributors(&report, &at, f);
    Some(report)
}

/// Reads a ceremony file the manifest binds, checked against its digest (and its length when
/// given).
type ReadFile<'a> = dyn FnMut(&str, Option<u64>) -> Result<Vec<u8>, String> + 'a;

/// V2.h for a setup the reader pinned as checked before: none of its points is read again.
/// The transcript (and the signature file, if bound) are read against the manifest's digests
/// for the report's list of contributors; the other ceremony files are held to the manifest's
/// digests by V1.b, through the signed index that lists them with the same digests.
fn pinned_setup(
    setup: &str,
    refs: &BTreeMap<&str, &str>,
    read: &mut ReadFile<'_>,
    f: &mut Findings,
) -> Option<CeremonyReport> {
    let path = format!("{CEREMONY_DIR}/transcript.json");
    let listing = read(&path, None).and_then(|b| {
        serde_json::from_slice::<circuits::ceremony::Transcript>(&b)
            .map_err(|e| format!("{path}: {e}"))?
            .listing()
            .map_err(|e| format!("{path}: {e}"))
    });
    let report = match listing {
        Ok(r) => r,
        Err(e) => {
            f.fail("V2.h", &At::file(paths::MANIFEST), e);
            return None;
        }
    };
    let sigs = read_signatures(refs, read, f)?;
    holds(
        report,
        sigs.as_ref(),
        format!("the keys and their ceremony are a setup you checked before and pinned (setup sha256 {setup}, --checked-setup): not checked again in this run"),
        f,
    )
}

/// Who the keys' soundness rests on.
fn notice_contributors(report: &CeremonyReport, at: &At, f: &mut Findings) {
    let mut names: Vec<String> = report
        .contributions
        .iter()
        .map(|c| format!("{} ({})", c.name, c.role))
        .collect();
    names.sort();
    names.dedup();
    f.push(
        Severity::Notice,
        "V2.h",
        at,
        format!(
            "the Groth16 keys come from a multi-party ceremony of {} contributions: they are sound if at least one of these {} contributors destroyed their secret: {}",
            report.contributions.len(),
            report.contributors(),
            names.join("; ")
        ),
    );
}

/// A notice of which contributions their contributors signed, with each key's fingerprint, and
/// which are known only by the name the coordinator recorded.
fn notice_signers(report: &CeremonyReport, at: &At, f: &mut Findings) {
    let unsigned: Vec<String> = report
        .contributions
        .iter()
        .filter(|c| c.key.is_none())
        .map(|c| format!("phase {} {} ({})", c.phase, c.name, c.role))
        .collect();
    let signed: Vec<String> = report
        .contributions
        .iter()
        .filter_map(|c| {
            let k = c.key.as_deref()?;
            Some(format!(
                "phase {} {} by key {}",
                c.phase,
                c.name,
                signatures::fingerprint(k)
            ))
        })
        .collect();
    let rule = match (signed.is_empty(), unsigned.is_empty()) {
        (true, _) => "no contribution is signed by its contributor: the names and roles are the coordinator's word; a contributor can sign with `prover ceremony contribute --key`".to_string(),
        (false, true) => format!(
            "every contribution is signed by its contributor's key ({}); each contributor can check the fingerprint against the key it published, or ask `verifier ceremony --contribution HASH --key KEY`",
            signed.join("; ")
        ),
        (false, false) => format!(
            "contributions signed by their contributors' keys: {}; unsigned, so their names are the coordinator's word: {}",
            signed.join("; "),
            unsigned.join("; ")
        ),
    };
    f.push(Severity::Notice, "V2.h", at, rule);
}

/// Where a contribution hash appears in a verified ceremony.
pub fn find<'a>(
    report: &'a CeremonyReport,
    hash: &str,
) -> Vec<&'a circuits::ceremony::ContributionLine> {
    let h = hash.trim().to_ascii_lowercase();
    report
        .contributions
        .iter()
        .filter(|c| !h.is_empty() && h.len() >= 16 && c.hash.starts_with(&h))
        .collect()
}

/// The aggregation verifying key (aggregation.md §1): the generators and the aggregation
/// secrets' first powers in the last phase-1 record of the transcript the manifest binds.
/// Only read here (V4.f uses it); V2.h checks the chain that ends in them, and a run whose
/// V2.h fails fails.
pub(crate) fn aggregation_key(
    src: &dyn crate::source::Source,
    m: &ElectionManifest,
) -> Result<circuits::aggregate::AggregationVk, String> {
    let path = format!("{CEREMONY_DIR}/transcript.json");
    let want = m
        .setup
        .ceremony
        .iter()
        .flatten()
        .find(|r| r.path == path)
        .map(|r| r.sha256.as_str())
        .ok_or("the manifest binds no key ceremony, so no aggregation key")?;
    let bytes = read_capped(src, &path).map_err(|e| format!("{path}: {e}"))?;
    if sha256_hex(&bytes) != want {
        return Err(format!("{path}: does not match its digest in the manifest"));
    }
    let t: circuits::ceremony::Transcript =
        serde_json::from_slice(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let last = t
        .phase1
        .last()
        .and_then(|r| r.aggregation.as_ref())
        .filter(|_| t.aggregation.is_some())
        .ok_or("the key ceremony was not made for aggregated proofs (no aggregation powers)")?;
    let end = circuits::ceremony::aggregation::AggregationUpdate::from_json(last)
        .map_err(|e| format!("{path}: {e}"))?
        .end;
    Ok(end.verifying_key())
}
