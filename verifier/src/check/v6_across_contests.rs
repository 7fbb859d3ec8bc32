//! V6 Across contests (spec `verification.md` V6): control units at one station only, equal
//! per-seat totals in a multi-member ward, one Form 17C Part I per device set.

use super::v2_manifest::Context;
use crate::report::{At, Findings};
use bundle::{CloseOfPoll, ContestKind, ElectionDefinition};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the cross-contest checks (V2.d across shards, V6.a-c) need of one station row, kept
/// small: a run holds one per station and contest, never the statements themselves.
pub(super) struct StationSummary {
    /// Position of the station in the definition.
    pub(super) station: usize,
    /// The certified PO key the row was signed under.
    pub(super) po_key: String,
    /// Control units used.
    pub(super) units: Vec<String>,
    /// SHA-256 of the station-level Form 17C fields (V6.c).
    pub(super) fields: [u8; 32],
    /// Total recorded net of 49MA test votes (V6.b).
    pub(super) net: u128,
}

impl StationSummary {
    pub(super) fn of(station: usize, cop: &CloseOfPoll, po_key: &str) -> Self {
        // V6.c compares the station's `poll`, remarks aside (a remark may concern one contest).
        let poll = bundle::StationPoll {
            remarks: None,
            ..cop.poll.clone()
        };
        let fields = Sha256::digest(serde_json::to_vec(&poll).unwrap_or_default()).into();
        let tests = cop.contest.test_vote_total();
        Self {
            station,
            po_key: po_key.to_string(),
            units: cop.contest.units.iter().map(|u| u.cu.clone()).collect(),
            fields,
            net: u128::from(cop.contest.total_recorded).saturating_sub(tests),
        }
    }
}

/// V6: invariants across contests.
pub(super) fn check_cross(
    def: &ElectionDefinition,
    ctx: &Context,
    outcomes: &[(&str, &[StationSummary])],
    f: &mut Findings,
) {
    let station_at = |i: usize| At {
        file: None,
        station: Some(def.stations[i].station_id.clone()),
        contest: None,
    };
    // V6.a: unit ids.
    let mut unit_station: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for (_, rows) in outcomes {
        for row in rows.iter() {
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
    for (contest_id, rows) in outcomes {
        for row in rows.iter() {
            per_station
                .entry(row.station)
                .or_default()
                .push((contest_id, row));
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
