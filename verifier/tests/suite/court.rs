//! The court report: built from the same report as the text and JSON outputs, self-contained,
//! escaping whatever a bundle says, and showing a failing bundle as failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use bundle::ElectionKind;
use fixture::{copy, election};
use verifier::html::{court_report, CourtMeta};
use verifier::{verify_bundle, Options};

fn meta(signatories: &[&str]) -> CourtMeta {
    CourtMeta {
        signatories: signatories.iter().map(|s| s.to_string()).collect(),
        generated: "2026-12-01 10:00 UTC".into(),
    }
}

#[test]
fn a_passing_bundle_gives_a_self_contained_report_of_every_step() {
    let e = election(ElectionKind::Assembly);
    let report = verify_bundle(&e.bundle, &Options::default());
    assert_eq!(report.exit_code(), 0);
    let html = court_report(&report, &meta(&["A. Observer, observer"]));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("PASS: every check holds"));
    let root = report.root.as_deref().unwrap();
    assert!(html.contains(root));
    // The root is printed on every page by the page's own footer.
    assert!(html.contains(&format!("content: \"Bundle root {root}\"")));
    assert!(html.contains("counter(page)") && html.contains("counter(pages)"));
    for t in &report.steps {
        assert!(html.contains(&format!("<td>{}</td>", t.step)), "{}", t.step);
    }
    for c in &report.contests {
        assert!(html.contains(&c.contest_id));
        assert!(!c.candidates.is_empty() || c.uncontested);
        for k in &c.candidates {
            assert_eq!(k.stations + u128::from(k.postal), u128::from(k.total));
            assert!(html.contains(&verifier::html::esc(&k.name)));
        }
        for w in &c.winners {
            assert!(html.contains(&verifier::html::esc(w)), "{w}");
        }
    }
    assert!(html.contains("A. Observer, observer") && html.contains("Signature"));
    // Nothing outside the file: no scripts, no links, no fetched resources.
    for external in [
        "http://", "https://", "<script", "src=", "href=", "@import", "url(",
    ] {
        assert!(!html.contains(external), "{external}");
    }
}

#[test]
fn what_a_bundle_or_a_signatory_says_is_escaped() {
    let e = election(ElectionKind::Assembly);
    let mut report = verify_bundle(&e.bundle, &Options::default());
    report.election_name = Some("<script>alert(1)</script>".into());
    report.contests[0].winners = vec!["K01 <img src=x onerror=alert(1)> (P)".into()];
    let html = court_report(&report, &meta(&["\"><b>Mallory</b>"]));
    assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>Mallory"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;b&gt;Mallory&lt;/b&gt;"));
}

#[test]
fn a_failing_bundle_reads_as_failing_with_its_findings() {
    let c = copy(ElectionKind::Assembly);
    let (_, shard) = c.contested();
    c.edit(&shard, |v| {
        let counts = &mut v["stations"][0]["counts"];
        counts[0] = (counts[0].as_u64().unwrap() + 1).into();
    });
    let report = c.verify();
    assert_eq!(report.exit_code(), 1);
    let html = court_report(&report, &meta(&[]));
    assert!(html.contains("FAIL:"));
    assert!(!html.contains("PASS: every check holds"));
    let failed = report
        .steps
        .iter()
        .find(|t| t.failed > 0)
        .expect("a failing step");
    assert!(html.contains(&format!("<td>{}</td>", failed.step)));
    assert!(html.contains("FAILS"));
    // Every failure is listed with its rule.
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity != verifier::Severity::Notice)
    {
        assert!(html.contains(&verifier::html::esc(&f.rule)), "{}", f.rule);
    }
}

#[test]
fn a_scoped_run_gives_a_scoped_report() {
    let e = election(ElectionKind::Assembly);
    let all = verify_bundle(&e.bundle, &Options::default());
    let one = all.contests[0].contest_id.clone();
    let report = verify_bundle(
        &e.bundle,
        &Options {
            contests: vec![one.clone()],
            ..Options::default()
        },
    );
    let html = court_report(&report, &meta(&[]));
    assert!(html.contains(&format!("contests {one} only")));
    assert!(report.contests.iter().all(|c| c.contest_id == one));
}
