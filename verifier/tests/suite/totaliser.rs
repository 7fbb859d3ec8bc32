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

// A bundle with grouped contests (fixture::grouped: a municipal election, groups of 2).

/// Every grouped station's counts, from its secret log: (station, machine counts over the
/// choice slots, counts net of test votes).
fn station_counts(input: &std::path::Path, contest: &Value) -> Vec<(String, Vec<u64>, Vec<u64>)> {
    let cid = contest["contest_id"].as_str().unwrap();
    let n = contest["candidates"].as_array().unwrap().len();
    let mut out = Vec::new();
    for e in std::fs::read_dir(input.join("SECRET_logs")).unwrap() {
        let log: bundle::inputs::EvmLog =
            serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
        let Some(c) = log.contests.iter().find(|c| c.contest_id == cid) else {
            continue;
        };
        let mut machine = vec![0u64; 4];
        for u in &c.units {
            for v in &u.votes {
                machine[v.1 as usize] += 1;
            }
        }
        let form: bundle::Form17C = serde_json::from_slice(
            &std::fs::read(
                input
                    .join("form17c")
                    .join(format!("{}.json", log.station_id)),
            )
            .unwrap(),
        )
        .unwrap();
        let mut net = machine[..n].to_vec();
        for t in form
            .contests
            .iter()
            .filter(|x| x.contest_id == cid)
            .flat_map(|x| &x.test_votes)
        {
            net[t.choice as usize] -= t.count;
        }
        out.push((log.station_id.clone(), machine, net));
    }
    out
}

/// Every array of integers anywhere in `v`.
fn int_arrays(v: &Value, out: &mut Vec<Vec<u64>>) {
    match v {
        Value::Array(a) => {
            if !a.is_empty() && a.iter().all(Value::is_u64) {
                out.push(a.iter().map(|x| x.as_u64().unwrap()).collect());
            }
            a.iter().for_each(|x| int_arrays(x, out));
        }
        Value::Object(o) => o.values().for_each(|x| int_arrays(x, out)),
        _ => {}
    }
}

/// Whether `needle` appears as consecutive numbers of `text` (tokens of digits only, so that
/// the digits inside hex digests and proofs are not read as numbers).
fn numbers_contain(text: &str, needle: &[u64]) -> bool {
    let nums: Vec<u64> = text
        .split(|c: char| c.is_whitespace() || "<>,;:()[]{}\"'|/=".contains(c))
        .filter(|s| !s.is_empty() && s.len() < 8 && s.chars().all(|c| c.is_ascii_digit()))
        .map(|s| s.parse().unwrap())
        .collect();
    nums.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_grouped_bundle_verifies_and_no_file_or_report_holds_a_grouped_stations_counts() {
    let e = crate::fixture::grouped();
    let r = verifier::verify_bundle(&e.bundle, &verifier::Options::default());
    assert_eq!(
        failed_steps(&r),
        crate::fixture::set(&[]),
        "{:#?}",
        r.findings
    );
    for step in ["V9.a", "V9.b", "V9.c", "V9.d", "V4.d"] {
        let checked = r
            .steps
            .iter()
            .find(|t| t.step == step)
            .map_or(0, |t| t.checked);
        assert!(checked > 0, "{step}");
    }
    // The secrets and counts a leak would show.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(e.bundle.join("election.json")).unwrap()).unwrap();
    let mut counts = Vec::new();
    for c in manifest["body"]["definition"]["contests"]
        .as_array()
        .unwrap()
    {
        if c["uncontested"] == json!(false) {
            assert!(c.get("totaliser").is_some());
            counts.extend(station_counts(&e.input, c));
        }
    }
    assert!(counts.len() >= 16);
    let mut secrets = Vec::new();
    for f in std::fs::read_dir(e.input.join("SECRET_salts")).unwrap() {
        let s: bundle::inputs::StationSalts =
            serde_json::from_slice(&std::fs::read(f.unwrap().path()).unwrap()).unwrap();
        for c in s.contests {
            secrets.push(c.salt);
            secrets.push(c.count_salt.expect("a count salt in a grouped contest"));
        }
    }
    // Every file of the bundle, and the reports in every form.
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut stack = vec![e.bundle.clone()];
    while let Some(d) = stack.pop() {
        for x in std::fs::read_dir(&d).unwrap() {
            let p = x.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                texts.push((
                    p.display().to_string(),
                    String::from_utf8_lossy(&bytes).into(),
                ));
            }
        }
    }
    texts.push(("report (text)".into(), r.to_text()));
    texts.push(("report (JSON)".into(), serde_json::to_string(&r).unwrap()));
    let meta = verifier::html::CourtMeta {
        signatories: vec![],
        generated: "now".into(),
    };
    texts.push((
        "court report".into(),
        verifier::html::court_report(&r, &meta),
    ));
    for (name, text) in &texts {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{name} holds a salt");
        }
        let mut arrays = Vec::new();
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            int_arrays(&v, &mut arrays);
        }
        for (sid, machine, net) in &counts {
            for a in &arrays {
                assert!(
                    a != machine && a != net,
                    "{name} holds station {sid}'s counts"
                );
            }
            // In the reports, a row of a table: the counts in ballot order (its zeros too).
            if name.starts_with("report") || name == "court report" {
                assert!(
                    !numbers_contain(text, net),
                    "{name} lists station {sid}'s counts {net:?}"
                );
            }
        }
    }
}

/// The grouped fixture's first contested contest: a copy, its id and shard path.
fn grouped_copy() -> (crate::fixture::Copy, String, String) {
    let c = crate::fixture::copy_grouped();
    let (cid, path) = c.contested();
    (c, cid, path)
}

/// Re-signs the shard's result (with totals recomputed from its group rows) by its RO, and
/// re-indexes: an insider holding the RO and authority keys.
fn resign_result(c: &crate::fixture::Copy, path: &str) {
    let mut shard = c.read(path);
    let n = shard["result"]["body"]["totals"].as_array().unwrap().len();
    let mut totals: Vec<u64> = shard["result"]["body"]["postal"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    for g in shard["groups"].as_array().unwrap() {
        for (j, t) in totals.iter_mut().enumerate().take(n) {
            *t += g["counts"][j].as_u64().unwrap_or(0);
        }
    }
    shard["result"]["body"]["totals"] = json!(totals);
    let ro = shard["result"]["signer"].as_str().unwrap().to_string();
    let key = c.key(&format!("ro/{ro}.json"));
    c.resign(&mut shard["result"], kinds::CONTEST_RESULT, &key);
    c.write(path, &shard);
    c.reindex();
}

fn fails_only(r: &Report, steps: &[&'static str]) {
    assert_eq!(
        failed_steps(r),
        crate::fixture::set(steps),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v9c_a_group_total_that_is_not_the_sum_of_its_stations_committed_counts_fails() {
    let (c, _, path) = grouped_copy();
    // One vote moved between two candidates in the first group's row: its total and its Form
    // 17C totals still agree, and the result is re-signed over the new totals.
    c.edit(&path, |s| {
        let g = &mut s["groups"][0];
        let (a, b) = (
            g["machine_counts"][0].as_u64().unwrap(),
            g["machine_counts"][1].as_u64().unwrap(),
        );
        let (from, to) = if a > 0 { (0, 1) } else { (1, 0) };
        assert!(a + b > 0);
        for field in ["machine_counts", "counts"] {
            g[field][from] = json!(g[field][from].as_u64().unwrap() - 1);
            g[field][to] = json!(g[field][to].as_u64().unwrap() + 1);
        }
    });
    resign_result(&c, &path);
    let r = c.verify();
    fails_only(&r, &["V9.c"]);
    assert!(r.findings.iter().any(|f| f.rule.contains("group G001")));
}

#[test]
fn v4d_v9c_a_station_whose_committed_counts_are_not_its_logs_fails() {
    let (c, _, path) = grouped_copy();
    // The first station's count commitment replaced by the second's (same group): the first
    // station's proof no longer holds, nor does the group's (its inputs changed).
    c.edit(&path, |s| {
        let other = s["stations"][1]["count_commitment"].clone();
        s["stations"][0]["count_commitment"] = other;
    });
    c.reindex();
    let r = c.verify();
    fails_only(&r, &["V4.d", "V9.c"]);
}

#[test]
fn v4d_v9c_two_stations_count_commitments_swapped_fail() {
    // The group proof sums the commitments in the group's order, each station's proof binds its
    // own: swapping two stations' commitments breaks both stations' proofs and the group's.
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| {
        let a = s["stations"][0]["count_commitment"].clone();
        s["stations"][0]["count_commitment"] = s["stations"][1]["count_commitment"].clone();
        s["stations"][1]["count_commitment"] = a;
    });
    c.reindex();
    let r = c.verify();
    fails_only(&r, &["V4.d", "V9.c"]);
    let named: Vec<_> = r.findings.iter().filter(|f| f.step == "V4.d").collect();
    assert_eq!(named.len(), 2, "{named:#?}");
}

#[test]
fn v9a_group_rows_missing_extra_or_out_of_order_fail() {
    // Missing.
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| {
        s["groups"].as_array_mut().unwrap().pop();
    });
    resign_result(&c, &path);
    let r = c.verify();
    assert!(failed_steps(&r).contains("V9.a"), "{:#?}", r.findings);
    // Out of order.
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| s["groups"].as_array_mut().unwrap().reverse());
    c.reindex();
    fails_only(&c.verify(), &["V9.a"]);
    // Group rows in a contest without groups (the booth-wise fixture).
    let c = copy(ElectionKind::Municipal);
    let (_, path) = c.contested();
    c.edit(&path, |s| {
        s["groups"] = json!([{"group_id": "G001", "shape": "g2x4", "machine_counts": [0, 0, 0, 0], "test_votes": [0, 0, 0, 0], "counts": [0, 0, 0, 0], "proof": "00"}]);
    });
    c.reindex();
    fails_only(&c.verify(), &["V9.a"]);
}

#[test]
fn v9b_v9d_a_group_row_with_a_wrong_shape_total_or_test_votes_fails() {
    // A shape whose key the manifest has, but of too few slots is not possible here (g2x4
    // is the least); g4x4 is larger and has a key: its proof was not made in it.
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| s["groups"][0]["shape"] = json!("g8x4"));
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V9.b"), "{:#?}", r.findings);
    // A vote added to the group's machine counts and row: the total no longer matches its
    // stations' Form 17C totals.
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| {
        let g = &mut s["groups"][0];
        for field in ["machine_counts", "counts"] {
            g[field][0] = json!(g[field][0].as_u64().unwrap() + 1);
        }
    });
    resign_result(&c, &path);
    let r = c.verify();
    assert!(failed_steps(&r).contains("V9.b"), "{:#?}", r.findings);
    // Test votes claimed that no station's Form 17C records.
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| {
        let g = &mut s["groups"][0];
        let m = g["machine_counts"][0].as_u64().unwrap();
        assert!(m > 0);
        g["test_votes"][0] = json!(g["test_votes"][0].as_u64().unwrap() + 1);
        g["counts"][0] = json!(g["counts"][0].as_u64().unwrap() - 1);
    });
    resign_result(&c, &path);
    fails_only(&c.verify(), &["V9.d"]);
}

#[test]
fn v4c_a_grouped_row_that_publishes_counts_or_drops_its_commitment_fails() {
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| {
        s["stations"][0]["machine_counts"] = json!([1, 2, 3, 0])
    });
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V4.c"), "{:#?}", r.findings);
    assert!(r
        .findings
        .iter()
        .any(|f| f.step == "V4.c" && f.rule.contains("publishes the station's counts")));
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| {
        s["stations"][0]
            .as_object_mut()
            .unwrap()
            .remove("count_commitment");
    });
    c.reindex();
    let r = c.verify();
    for step in ["V4.c", "V4.d", "V9.c"] {
        assert!(failed_steps(&r).contains(step), "{step}: {:#?}", r.findings);
    }
    // A zero commitment, which in a group proof stands for an empty slot: never a station's.
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| {
        s["stations"][0]["count_commitment"] = json!("0".repeat(64))
    });
    c.reindex();
    let r = c.verify();
    for step in ["V4.c", "V4.d", "V9.c"] {
        assert!(failed_steps(&r).contains(step), "{step}: {:#?}", r.findings);
    }
}

#[test]
fn v4b_a_grouped_row_in_the_public_count_shape_fails() {
    let (c, _, path) = grouped_copy();
    c.edit(&path, |s| s["stations"][0]["shape"] = json!("64x4"));
    c.reindex();
    let r = c.verify();
    assert!(failed_steps(&r).contains("V4.b"), "{:#?}", r.findings);
}
