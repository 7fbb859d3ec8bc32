//! Totaliser groups declared in the manifest (bundle.md D9, protocol.md §7): every rule of the
//! declaration is checked (V2.b, naming it), and a grouped contest whose station rows publish
//! the stations' counts fails (V4.c) at every station.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture::{copy, failed_steps};
use bundle::{kinds, ElectionKind, Station};
use serde_json::{json, Value};
use verifier::report::Report;

/// The assembly fixture with the first contested contest's groups set by `groups` (from the
/// contest's station list) under a re-signed manifest, re-indexed: the report and the station
/// ids.
fn grouped(groups: impl Fn(&[Station]) -> Value) -> (Report, Vec<String>) {
    let c = copy(ElectionKind::Assembly);
    let a = c.authority();
    let (cid, _) = c.contested();
    let list = c.read(&format!("stations/{cid}.json"));
    let stations: Vec<Station> = serde_json::from_value(list["stations"].clone()).unwrap();
    let t = groups(&stations);
    c.edit("election.json", |v| {
        let contests = v["body"]["definition"]["contests"].as_array_mut().unwrap();
        let i = contests
            .iter()
            .position(|x| x["contest_id"] == json!(cid))
            .unwrap();
        contests[i]["totaliser"] = t.clone();
        c.resign(v, kinds::MANIFEST, &a);
    });
    c.reindex();
    let ids = stations.iter().map(|s| s.station_id.clone()).collect();
    (c.verify(), ids)
}

fn declared(k: u32, groups: &[(&str, &[&str])], segment: &str) -> Value {
    json!({
        "min_stations": k,
        "groups": groups.iter().map(|(g, s)| json!({"group_id": g, "segment_id": segment, "stations": s})).collect::<Vec<_>>(),
    })
}

fn v2b_says(r: &Report, what: &str) -> bool {
    r.findings
        .iter()
        .any(|f| f.step == "V2.b" && f.rule.contains("totaliser groups") && f.rule.contains(what))
}

#[test]
fn v4c_a_grouped_contest_whose_rows_publish_station_counts_fails_at_every_station() {
    let (r, ids) = grouped(|stations| {
        let refs: Vec<&Station> = stations.iter().collect();
        let t = bundle::totaliser::form_groups("C", &refs, 2).unwrap();
        serde_json::to_value(t).unwrap()
    });
    // The declaration itself holds.
    assert!(
        !r.findings.iter().any(|f| f.step == "V2.b"),
        "{:#?}",
        r.findings
    );
    let named: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.step == "V4.c" && f.rule.contains("totaliser group"))
        .filter_map(|f| f.station.as_deref())
        .collect();
    assert_eq!(named.len(), ids.len(), "{:#?}", r.findings);
    for id in &ids {
        assert!(named.contains(&id.as_str()), "{id}");
    }
    assert!(failed_steps(&r).contains("V4.c"));
}

#[test]
fn v2b_every_broken_rule_of_a_declaration_is_named() {
    let seg = |stations: &[Station]| stations[0].segment_id.clone();
    // A station in two groups.
    let (r, ids) = grouped(|s| {
        declared(
            2,
            &[
                ("G1", &[&s[0].station_id, &s[1].station_id]),
                ("G2", &[&s[1].station_id, &s[2].station_id]),
            ],
            &seg(s),
        )
    });
    assert!(
        v2b_says(
            &r,
            &format!("station {} is in group G1 and in group G2", ids[1])
        ),
        "{:#?}",
        r.findings
    );
    // A station in none.
    let (r, ids) =
        grouped(|s| declared(2, &[("G1", &[&s[0].station_id, &s[1].station_id])], &seg(s)));
    assert!(v2b_says(&r, &format!("station {} is in no group", ids[2])));
    // A group smaller than k.
    let (r, _) = grouped(|s| {
        declared(
            2,
            &[
                ("G1", &[&s[0].station_id]),
                ("G2", &[&s[1].station_id, &s[2].station_id]),
            ],
            &seg(s),
        )
    });
    assert!(v2b_says(&r, "group G1 has 1 stations"));
    // k below the rule's least, a foreign station, another segment.
    let (r, _) = grouped(|s| {
        let ids: Vec<&str> = s.iter().map(|x| x.station_id.as_str()).collect();
        declared(1, &[("G1", &ids)], &seg(s))
    });
    assert!(v2b_says(&r, "k must be 2 to 32"));
    let (r, _) = grouped(|s| {
        let mut ids: Vec<&str> = s.iter().map(|x| x.station_id.as_str()).collect();
        ids.push("NOWHERE");
        declared(2, &[("G1", &ids)], &seg(s))
    });
    assert!(v2b_says(
        &r,
        "NOWHERE, which is not in the contest's station list"
    ));
    let (r, _) = grouped(|s| {
        let ids: Vec<&str> = s.iter().map(|x| x.station_id.as_str()).collect();
        declared(2, &[("G1", &ids)], "ELSEWHERE")
    });
    assert!(v2b_says(&r, "is of segment ELSEWHERE"));
    assert!(failed_steps(&r).contains("V2.b"));
}
