//! V2 Election manifest (spec `verification.md` V2): the signed manifest, its definition, the
//! keys, the station lists, the RO certificates and, per shard, the PO roster or per station the PO certificate (V2.d).

use super::read::read_capped;
use crate::report::{At, Findings, Severity};
use crate::source::Source;
use bundle::digest::sha256_hex;
use bundle::{
    kinds, paths, Contest, ContestKind, ElectionDefinition, ElectionManifest, PoCertificate,
    PoRoster, Role, RosterEntry, Signed, Station, StationList,
};
use circuits::{PreparedKey, Shape};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What the manifest establishes for the per-contest checks.
#[derive(Default)]
pub(super) struct Context {
    /// RO id -> certified key.
    pub(super) ro_keys: BTreeMap<String, String>,
    /// Station id -> position in the definition.
    pub(super) station_at: HashMap<String, usize>,
    /// Contest id -> positions of its stations in the definition, in definition order.
    pub(super) stations_of: HashMap<String, Vec<usize>>,
    /// Contest id -> position in the definition.
    pub(super) contest_at: HashMap<String, usize>,
    /// Shape -> prepared verifying key.
    pub(super) keys: BTreeMap<String, PreparedKey>,
    /// Shape -> SHA-256 of the verifying key (bound into batch coefficients).
    pub(super) digests: BTreeMap<String, Vec<u8>>,
    /// Paths the signed index lists.
    pub(super) listed: BTreeSet<String>,
    /// The aggregation verifying key from the ceremony's transcript, or why there is none
    /// (read when the index lists an aggregate; V4.f).
    pub(super) aggregation: Option<Result<circuits::aggregate::AggregationVk, String>>,
    /// Verify every station's proof even where an aggregate holds (Options::per_station).
    pub(super) per_station: bool,
    /// A scoped run (Options::contests, Options::stations): per-station proofs as well.
    pub(super) scoped: bool,
    /// The results root (the root without the audit records), from the signed index.
    pub(super) results_root: Option<String>,
}

/// V2.f: the station lists of the contests in scope (all of them in a full run), checked
/// against the digests the manifest binds and against each other. Returns the definition with
/// those stations (each once, in order of first appearance), per contest read the positions of
/// its stations in its list's order, and each station's position by id.
pub(super) fn load_stations(
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
                let reason = format!("not a valid station list: {e}");
                match super::read::secret_in(&bytes) {
                    Some(secret) => f.fail(
                        "V1.c",
                        &lat,
                        super::read::secret_rule(&secret, "V2.f", &reason),
                    ),
                    None => f.error("V2.f", &lat, reason),
                }
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
pub(super) fn check_manifest(
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
    let mut seen = BTreeSet::new();
    for sk in &m.body.shapes {
        let kat = At::file(&sk.path);
        let Ok(shape) = Shape::parse(&sk.shape) else {
            f.fail("V2.e", &kat, format!("{} is not a valid shape", sk.shape));
            continue;
        };
        // Exactly keys/<VOTESxCHOICES>.vk (bundle.md §1), the shape written as it parses
        // back, and each shape once: one key per shape, found by its shape alone.
        let want = format!("{}/{shape}.vk", paths::KEYS);
        if sk.path != want || sk.shape != shape.to_string() {
            f.fail(
                "V2.e",
                &kat,
                format!("the key of shape {} is not at {want}", sk.shape),
            );
            continue;
        }
        if !seen.insert(shape) {
            f.fail("V2.e", &kat, format!("shape {shape} has two keys"));
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
            Err(e) => {
                let reason = format!("verifying key of shape {shape}: {e}");
                match super::read::secret_in(&bytes) {
                    Some(secret) => f.fail(
                        "V1.c",
                        &kat,
                        super::read::secret_rule(&secret, "V2.e", &reason),
                    ),
                    None => f.fail("V2.e", &kat, reason),
                }
            }
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

/// V2.b, D9: each contest's totaliser groups, when it declares them, over its station list
/// when that list was read (`lists`: positions in `def.stations` per contest, in list order).
pub(super) fn check_totaliser(
    def: &ElectionDefinition,
    lists: &HashMap<String, Vec<usize>>,
    f: &mut Findings,
) {
    for c in &def.contests {
        let Some(t) = &c.totaliser else { continue };
        let cat = At::contest(paths::MANIFEST, &c.contest_id);
        f.expect("V2.b", !c.uncontested, &cat, || {
            "an uncontested contest has no results to group (bundle.md D9)".into()
        });
        let Some(list) = lists.get(&c.contest_id) else {
            continue;
        };
        let stations: Vec<&bundle::Station> =
            list.iter().filter_map(|&i| def.stations.get(i)).collect();
        for problem in bundle::totaliser::check_groups(t, &stations) {
            f.fail(
                "V2.b",
                &cat,
                format!("totaliser groups (bundle.md D9): {problem}"),
            );
        }
    }
}

/// V2.b: the definition's own rules (an independent reading of spec `bundle.md` §4.1).
pub(super) fn check_definition(def: &ElectionDefinition, f: &mut Findings) {
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
            match &c.audit {
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
        f.expect(
            "V2.b",
            bundle::tally::is_safe_id(&s.presiding_officer),
            &sat,
            || "the presiding officer's id is not a safe id (D6)".into(),
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
pub(super) fn check_shard_set(src: &dyn Source, def: &ElectionDefinition, f: &mut Findings) {
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

/// How a shard certifies one station's PO key (V2.d).
#[derive(Clone, Copy)]
pub(super) enum PoCert<'s> {
    /// The station's own certificate, with its signature's verdict.
    One(&'s Signed<PoCertificate>, bool),
    /// The station's entry in the contest's PO roster.
    Listed(&'s RosterEntry),
}

/// V2.d for a shard's PO roster: signed as a roster by the contest's certified RO, for this
/// election and this contest.
pub(super) fn check_po_roster(
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    roster: &Signed<PoRoster>,
    sig_ok: bool,
    at: &At,
    f: &mut Findings,
) -> bool {
    let ro = &contest.returning_officer;
    let ok = sig_ok
        && roster.role == Role::ReturningOfficer
        && roster.signer == *ro
        && ctx.ro_keys.get(ro) == Some(&roster.public_key)
        && roster.body.election_id == def.election_id
        && roster.body.contest_id == contest.contest_id;
    f.expect("V2.d", ok, at, || {
        format!(
            "the PO roster is not signed by this contest's certified RO ({ro}) for this election and contest"
        )
    })
}

/// V2.d for one station of a shard: its PO certificate is signed by a certified RO of a contest
/// polled at the station, for this election, this station and its PO; or the contest's roster
/// (`roster_holds`: checked by `check_po_roster`) lists the station's PO. Returns the certified
/// key.
pub(super) fn check_po_certificate(
    def: &ElectionDefinition,
    ctx: &Context,
    station: &Station,
    cert: Option<PoCert<'_>>,
    roster_holds: bool,
    at: &At,
    f: &mut Findings,
) -> Option<String> {
    let (cert, sig_ok) = match cert {
        None => {
            f.fail(
                "V2.d",
                at,
                "station has no PO certificate or roster entry in this shard".into(),
            );
            return None;
        }
        Some(PoCert::Listed(e)) => {
            let ok = roster_holds && e.po_id == station.presiding_officer;
            return f
                .expect("V2.d", ok, at, || match roster_holds {
                    false => format!(
                        "PO {} is listed by a roster that is not the contest's RO's",
                        e.po_id
                    ),
                    true => format!(
                        "the roster lists PO {} for this station, whose PO is {}",
                        e.po_id, station.presiding_officer
                    ),
                })
                .then(|| e.public_key.clone());
        }
        Some(PoCert::One(c, sig_ok)) => (c, sig_ok),
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
