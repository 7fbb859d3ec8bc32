//! The committed sample elections verify under the committed trusted keys (and would fail under
//! any other key), so the first README command keeps working as the code changes; and the text,
//! JSON and HTML reports of them say the same.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use verifier::{verify_bundle, Options};

fn samples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/samples")
}

fn trusted() -> Vec<String> {
    let text = std::fs::read_to_string(samples().join("authorities.txt")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split('#').next())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn committed_samples_pass_under_their_pinned_keys() {
    let keys = trusted();
    assert_eq!(
        keys.len(),
        3,
        "spec/samples/authorities.txt lists the three sample authorities"
    );
    let witnesses = samples().join("witnesses.txt");
    let pins =
        verifier::follow::LogPins::parse(&[witnesses.display().to_string()], None, &[]).unwrap();
    assert_eq!(
        pins.witnesses.len(),
        3,
        "spec/samples/witnesses.txt pins three witnesses"
    );
    for kind in ["assembly", "municipal", "panchayat"] {
        let log = tlog::reader::DirFetch::new(&samples().join(kind).join("log")).unwrap();
        let r = verify_bundle(
            &samples().join(kind).join("bundle"),
            &Options {
                pinned_keys: keys.clone(),
                progress: None,
                log: Some(pins.input(&log)),
                ..Default::default()
            },
        );
        assert_eq!(r.exit_code(), 0, "{kind}: {:#?}", r.findings);
        assert!(r.authority_key_pinned);
        let line = r.log.as_ref().unwrap();
        assert_eq!(
            (line.cosigned(), line.quorum),
            (3, 3),
            "{kind}: witnessed by 3 of 3"
        );
        assert!(r.to_text().contains("witnessed by 3 of 3 pinned witnesses"));
        assert!(
            r.proofs_verified >= 20,
            "{kind}: {} proofs",
            r.proofs_verified
        );
    }
}

/// What each output says of each step: (step, result word, items).
fn step_rows(report: &verifier::Report) -> Vec<(String, &'static str, u64)> {
    report
        .steps
        .iter()
        .map(|t| {
            let word = if t.failed > 0 {
                "FAILS"
            } else if t.checked == 0 {
                "n/a"
            } else {
                "holds"
            };
            (t.step.to_string(), word, t.checked)
        })
        .collect()
}

/// The text, JSON and HTML reports come from one report: on every sample (and on a copy of
/// one whose station row was changed) each says the same of every step, finding and winner.
#[test]
fn text_json_and_html_say_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let tampered = tmp.path().join("bundle");
    copy_dir(&samples().join("assembly/bundle"), &tampered);
    let shard = std::fs::read_dir(tampered.join("contests"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .min()
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&shard).unwrap()).unwrap();
    let c = v["stations"][0]["counts"][0].as_u64().unwrap();
    v["stations"][0]["counts"][0] = (c + 1).into();
    std::fs::write(&shard, serde_json::to_vec(&v).unwrap()).unwrap();

    let bundles = ["assembly", "municipal", "panchayat"]
        .map(|k| samples().join(k).join("bundle"))
        .into_iter()
        .chain([tampered]);
    for b in bundles {
        let r = verify_bundle(
            &b,
            &Options {
                pinned_keys: trusted(),
                ..Default::default()
            },
        );
        let text = r.to_text();
        let json: serde_json::Value = serde_json::to_value(&r).unwrap();
        let html = verifier::html::court_report(
            &r,
            &verifier::html::CourtMeta {
                signatories: vec![],
                generated: "2026-12-01 00:00 UTC".into(),
            },
        );
        let verdict = ["PASS:", "FAIL:", "ERROR:"][usize::from(r.exit_code())];
        assert!(text.contains(verdict) && html.contains(verdict), "{b:?}");
        // Steps: the text's table, the JSON's list and the HTML's table agree row by row.
        let rows = step_rows(&r);
        for (step, word, items) in &rows {
            let line = text
                .lines()
                .find(|l| l.split_whitespace().next() == Some(step.as_str()))
                .unwrap_or_else(|| panic!("{b:?}: {step} not in the text"));
            let cols: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(
                (cols[1], cols[2]),
                (*word, items.to_string().as_str()),
                "{line}"
            );
            let js = json["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["step"] == step.as_str())
                .unwrap();
            assert_eq!(js["checked"], *items);
            assert_eq!(js["failed"].as_u64().unwrap() > 0, *word == "FAILS");
            let html_word = match *word {
                "n/a" => "not applicable".to_string(),
                "FAILS" => format!("FAILS ({})", js["failed"]),
                w => w.to_string(),
            };
            let cell = format!("<td class=\"num\">{items}</td><td class=\"");
            let at = html
                .find(&format!("<tr><td>{step}</td>"))
                .unwrap_or_else(|| panic!("{step} not in the HTML"));
            let row = &html[at..at + html[at..].find("</tr>").unwrap()];
            assert!(
                row.contains(&cell) && row.contains(&format!("\">{html_word}</td>")),
                "{row}"
            );
        }
        // Findings: every one in all three, with its step.
        assert_eq!(json["findings"].as_array().unwrap().len(), r.findings.len());
        for f in &r.findings {
            assert!(text.contains(&f.rule), "{}", f.rule);
            assert!(html.contains(&verifier::html::esc(&f.rule)), "{}", f.rule);
        }
        // Winners.
        for c in &r.contests {
            for w in &c.winners {
                assert!(text.contains(w.as_str()), "{w}");
                assert!(html.contains(&verifier::html::esc(w)), "{w}");
            }
        }
        if b.ends_with("bundle") && b.starts_with(tmp.path()) {
            assert_eq!(r.exit_code(), 1);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The sample with totaliser groups (spec/samples/totaliser) verifies under its own pins: its
/// results per group, its audit by whole groups, its keys from a two-party ceremony; and its
/// report lists groups, never a station's counts (the bundle carries none).
#[test]
fn the_totaliser_sample_passes_under_its_pins() {
    let dir = samples().join("totaliser");
    let pin = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .lines()
            .filter_map(|l| l.split('#').next())
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let r = verify_bundle(
        &dir.join("bundle"),
        &Options {
            pinned_keys: pin("authority.txt"),
            pinned_manifests: pin("manifest.txt"),
            ..Default::default()
        },
    );
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert!(r.authority_key_pinned && r.manifest_pinned);
    assert!(r.ceremony.is_some());
    let line = &r.contests[0];
    assert_eq!(line.groups.len(), 4);
    assert!(line.groups.iter().all(|g| g.stations.len() == 4));
    let audit = line.audit.as_ref().unwrap().assessment.as_ref().unwrap();
    assert_eq!(audit.unit, "group");
    let shard: bundle::ContestShard =
        serde_json::from_slice(&std::fs::read(dir.join("bundle/contests/AC001.json")).unwrap())
            .unwrap();
    assert!(shard.stations.iter().all(|s| s.counts.is_empty()
        && s.machine_counts.is_empty()
        && s.count_commitment.is_some()));
    assert!(r.to_text().contains("totaliser groups"));
}
