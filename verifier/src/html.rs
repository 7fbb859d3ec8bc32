//! The court report: one self-contained, printable HTML file (A4, no external resource) rendered
//! from the same [`Report`] as the text and JSON outputs, so the three cannot disagree. It adds
//! only what a signed paper needs: the date it was made and blocks for the people who attest it.
//! Every page carries the bundle root and its page number when printed (PDF through headless
//! Chromium: [`crate::pdf`]).

use crate::report::{ContestLine, Finding, Report, Severity};
use std::fmt::Write;

/// What the report adds to the verification: who attests it, and when it was made.
#[derive(Clone, Debug, Default)]
pub struct CourtMeta {
    /// `Name, role` of each person who will sign the printed report.
    pub signatories: Vec<String>,
    /// When the report was made, as printed (UTC).
    pub generated: String,
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for a CSS string (`content: "..."`): only hex digits and a few safe characters pass.
fn css_text(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || " .,:-/()".contains(*c))
        .collect()
}

/// The current time as `YYYY-MM-DD HH:MM UTC`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    utc_text(secs)
}

pub use crate::time::utc_text;

const STYLE: &str = r#"
:root { --ink: #111; --muted: #555; --rule: #bbb; --ok: #0a5d2a; --bad: #a10d0d; --warn: #7a5200; }
* { box-sizing: border-box; }
html { font-family: "Noto Sans", "Noto Sans Devanagari", "Noto Sans Gujarati", "Noto Sans Bengali",
  "Noto Sans Tamil", "Noto Sans Telugu", "Noto Sans Kannada", "Noto Sans Malayalam",
  "Noto Sans Gurmukhi", "Noto Sans Oriya", "DejaVu Sans", Arial, sans-serif;
  color: var(--ink); font-size: 10.5pt; line-height: 1.35; }
body { margin: 0 auto; max-width: 190mm; padding: 8mm 0 16mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; border-bottom: 1px solid var(--rule); padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; }
th, td { border: 1px solid var(--rule); padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #f1f1f1; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 9pt; word-break: break-all; }
.verdict { border: 2px solid; padding: 3mm 4mm; font-size: 13pt; font-weight: 700; margin: 3mm 0; }
.pass { color: var(--ok); border-color: var(--ok); }
.fail { color: var(--bad); border-color: var(--bad); }
.error { color: var(--warn); border-color: var(--warn); }
.holds { color: var(--ok); } .fails { color: var(--bad); font-weight: 700; } .na { color: var(--muted); }
.muted { color: var(--muted); }
.notice { border-left: 3px solid var(--warn); padding: 1mm 3mm; margin: 2mm 0; }
.sig { display: grid; grid-template-columns: 1fr 1fr; gap: 8mm; margin-top: 4mm; }
.sigbox { border: 1px solid var(--rule); padding: 3mm; min-height: 32mm; page-break-inside: avoid; break-inside: avoid; }
.sigline { margin-top: 14mm; border-top: 1px solid var(--ink); padding-top: 1mm; font-size: 9pt; color: var(--muted); }
tr, .notice { page-break-inside: avoid; break-inside: avoid; }
.running { display: none; }
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-left { content: "Bundle root ROOT"; font-size: 7.5pt; color: #444; font-family: monospace; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #444; } }
@media print { body { padding: 0; max-width: none; } h2 { page-break-after: avoid; break-after: avoid; } }
"#;

/// Renders the court report.
pub fn court_report(report: &Report, meta: &CourtMeta) -> String {
    let root = report
        .root
        .as_deref()
        .unwrap_or("(unknown: the index could not be read)");
    let mut h = String::new();
    let title = format!(
        "Verification report: {}",
        report
            .election_name
            .as_deref()
            .or(report.election_id.as_deref())
            .unwrap_or("election bundle")
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(&title),
        STYLE.replace("ROOT", &css_text(root))
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
    let (class, verdict) = match report.exit_code() {
        0 => ("pass", "PASS: every check holds".to_string()),
        1 => (
            "fail",
            format!(
                "FAIL: {} failures, {} errors: the evidence contradicts the published result",
                report.failures(),
                report.errors()
            ),
        ),
        _ => (
            "error",
            format!(
                "ERROR: {} errors: evidence is missing or unreadable; the result is not verified",
                report.errors()
            ),
        ),
    };
    let _ = writeln!(h, "<div class=\"verdict {class}\">{}</div>", esc(&verdict));

    // What was checked, under which keys.
    let _ = writeln!(h, "<h2>1. The bundle and how it was checked</h2>\n<table>");
    let row = |h: &mut String, k: &str, v: String| {
        let _ = writeln!(
            h,
            "<tr><th style=\"width:32%\">{}</th><td>{v}</td></tr>",
            esc(k)
        );
    };
    if let Some(e) = &report.election_id {
        row(
            &mut h,
            "Election",
            format!(
                "{} <span class=\"muted\">({})</span>",
                esc(report.election_name.as_deref().unwrap_or("")),
                esc(e)
            ),
        );
    }
    row(
        &mut h,
        "Bundle root (SHA-256)",
        format!("<span class=\"mono\">{}</span>", esc(root)),
    );
    row(&mut h, "Bundle folder", esc(&report.bundle));
    if let Some(k) = &report.authority_key {
        let how = if report.authority_key_pinned {
            "pinned by the person running the verifier (given with --root-key)"
        } else {
            "NOT pinned: compare it with the key the authority published"
        };
        row(
            &mut h,
            "Authority key (Ed25519)",
            format!("<span class=\"mono\">{}</span><br>{}", esc(k), esc(how)),
        );
    }
    if let Some(d) = &report.manifest_digest {
        let how = if report.manifest_pinned {
            "pinned: the stations, keys and audit rules are those published before the poll"
        } else {
            "NOT pinned: compare it with the digest the authority published before the poll"
        };
        row(
            &mut h,
            "Election manifest (SHA-256)",
            format!("<span class=\"mono\">{}</span><br>{}", esc(d), esc(how)),
        );
    }
    row(
        &mut h,
        "Scope",
        match &report.scope {
            Some(s) => format!("contests {} only", esc(&s.join(", "))),
            None => "the whole bundle".into(),
        },
    );
    row(
        &mut h,
        "Stations, proofs verified",
        format!(
            "{} stations, {} proofs",
            report.stations, report.proofs_verified
        ),
    );
    row(
        &mut h,
        "Verifier, specification",
        format!(
            "verifier {}, specification {}",
            esc(report.verifier_version),
            esc(report.spec_version)
        ),
    );
    row(
        &mut h,
        "Witnessed log",
        match &report.log {
            Some(l) => format!(
                "<span class=\"mono\">{}</span>, head of {} entries (root <span class=\"mono\">{}</span>), read from {}<br>witnessed by {} of {} pinned witnesses (quorum {}): the order and times of the statements are the witnesses' word, not the signers' (steps V8.a-V8.e)",
                esc(&l.origin),
                l.size,
                esc(&l.root),
                esc(&l.place),
                l.cosigned(),
                l.witnesses.len(),
                l.quorum
            ),
            None => "none given: the times of the close-of-poll statements, seed commitments and reveals are their signers' claims".into(),
        },
    );
    row(&mut h, "Report made", esc(&meta.generated));
    let _ = writeln!(h, "</table>");
    if let Some(l) = &report.log {
        let _ = writeln!(
            h,
            "<p>Witnesses of the log (pinned by the person running the verifier; each promises never to cosign two versions of the log that disagree):</p>\n<table><tr><th>Witness</th><th>Key fingerprint</th><th>Cosigned the head at</th></tr>"
        );
        for w in &l.witnesses {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
                esc(&w.name),
                esc(&w.fingerprint),
                w.time
                    .map_or_else(|| "did not cosign this head".to_string(), utc_text)
            );
        }
        let _ = writeln!(h, "</table>");
    }

    // The keys.
    let _ = writeln!(h, "<h2>2. The proving keys</h2>");
    match &report.ceremony {
        Some(c) => {
            let _ = writeln!(
                h,
                "<p>The zero-knowledge keys come from a multi-party ceremony of {} contributions by {} contributors. They are sound if at least one of these contributors destroyed their secret; the verifier checked that the chain of contributions holds and ends in the keys this bundle uses (step V2.h).</p>\n<table><tr><th>Phase</th><th>Contributor</th><th>Role</th><th>Contribution hash</th><th>Signed by key</th></tr>",
                c.contributions.len(),
                c.contributors()
            );
            for l in &c.contributions {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td>{}</tr>",
                    l.phase,
                    esc(&l.name),
                    esc(&l.role),
                    esc(&l.hash),
                    l.key.as_deref().map_or_else(
                        || "<td>unsigned: the name is not verified</td>".to_string(),
                        |k| format!(
                            "<td class=\"mono\" style=\"white-space:nowrap\">{}</td>",
                            esc(&circuits::ceremony::signatures::fingerprint(k))
                        )
                    )
                );
            }
            let _ = writeln!(h, "</table>");
        }
        None => {
            let _ = writeln!(
                h,
                "<p class=\"notice\">The keys do not come from a verified multi-party ceremony. If they were made by one party alone, whoever made them could forge every proof in this bundle (see the notices below).</p>"
            );
        }
    }

    // Steps.
    let _ = writeln!(
        h,
        "<h2>3. Verification steps</h2>\n<p class=\"muted\">Each step is numbered as in the specification (spec/verification.md).</p>\n<table><tr><th>Step</th><th>What it checks</th><th class=\"num\">Items</th><th>Result</th></tr>"
    );
    for t in &report.steps {
        let (cls, res) = if t.failed > 0 {
            ("fails", format!("FAILS ({})", t.failed))
        } else if t.checked == 0 {
            ("na", "not applicable".to_string())
        } else {
            ("holds", "holds".to_string())
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"{cls}\">{}</td></tr>",
            esc(t.step),
            esc(t.title),
            t.checked,
            esc(&res)
        );
    }
    let _ = writeln!(h, "</table>");

    // Findings.
    let bad: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Notice)
        .collect();
    let notices: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Notice)
        .collect();
    let _ = writeln!(h, "<h2>4. Findings</h2>");
    if bad.is_empty() {
        let _ = writeln!(h, "<p>No failure and no error.</p>");
    } else {
        findings_table(&mut h, &bad);
    }
    if !notices.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Notices (not failures: what a reader must know)</h3>"
        );
        findings_table(&mut h, &notices);
    }

    // Results.
    let _ = writeln!(
        h,
        "<h2>5. Results, as the Returning Officers signed them</h2>"
    );
    if report.contests.is_empty() {
        let _ = writeln!(h, "<p>No contest result could be read.</p>");
    }
    for c in &report.contests {
        contest(&mut h, c);
    }

    // Trust.
    let _ = writeln!(
        h,
        "<h2>6. What this verification does not cover</h2>\n<p>The checks above show that the published counts are exactly what the sealed voting-machine records hold, under the keys and signatures listed. The cryptography does not establish:</p>\n<ul>"
    );
    for o in &report.out_of_scope {
        let _ = writeln!(h, "<li>{}</li>", esc(o));
    }
    let _ = writeln!(
        h,
        "</ul>\n<p>The authority key and the manifest digest are only as trustworthy as the way they were obtained: they must come from the authority's own publication before the poll, not from the bundle.</p>"
    );

    // Signatures.
    if !meta.signatories.is_empty() {
        let _ = writeln!(
            h,
            "<h2>7. Attestation</h2>\n<p>We have run the verifier on the bundle whose root is printed on every page and attest that this report is its output.</p>\n<div class=\"sig\">"
        );
        for s in &meta.signatories {
            let _ = writeln!(
                h,
                "<div class=\"sigbox\"><strong>{}</strong><div class=\"sigline\">Signature</div><div class=\"sigline\">Date and place</div></div>",
                esc(s)
            );
        }
        let _ = writeln!(h, "</div>");
    }
    let _ = writeln!(
        h,
        "<p class=\"muted\" style=\"margin-top:6mm\">Bundle root <span class=\"mono\">{}</span>. {}</p>\n</body>\n</html>",
        esc(root),
        esc(&verdict)
    );
    h
}

fn findings_table(h: &mut String, list: &[&Finding]) {
    let _ = writeln!(
        h,
        "<table><tr><th>Severity</th><th>Step</th><th>Where</th><th>Rule</th></tr>"
    );
    for f in list {
        let sev = match f.severity {
            Severity::Failure => "<span class=\"fails\">failure</span>",
            Severity::Error => "<span class=\"fails\">error</span>",
            Severity::Notice => "notice",
        };
        let mut at = Vec::new();
        if let Some(c) = &f.contest {
            at.push(format!("contest {}", esc(c)));
        }
        if let Some(s) = &f.station {
            at.push(format!("station {}", esc(s)));
        }
        if let Some(file) = &f.file {
            at.push(format!("<span class=\"mono\">{}</span>", esc(file)));
        }
        let _ = writeln!(
            h,
            "<tr><td>{sev}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(f.step),
            at.join("<br>"),
            esc(&f.rule)
        );
    }
    let _ = writeln!(h, "</table>");
}

fn contest(h: &mut String, c: &ContestLine) {
    let _ = writeln!(
        h,
        "<h3>{} <span class=\"muted\">({})</span></h3>",
        esc(&c.name),
        esc(&c.contest_id)
    );
    let how = if c.uncontested {
        "elected unopposed".to_string()
    } else {
        format!(
            "{} stations and the postal ballots; {} valid votes in all",
            c.stations, c.total_votes
        )
    };
    let _ = writeln!(
        h,
        "<table><tr><th style=\"width:32%\">Declared winner(s)</th><td>{}</td></tr><tr><th>Counted</th><td>{}</td></tr></table>",
        c.winners.iter().map(|w| esc(w)).collect::<Vec<_>>().join("<br>"),
        esc(&how)
    );
    if !c.candidates.is_empty() {
        let _ = writeln!(
            h,
            "<table><tr><th>Candidate</th><th>Name</th><th>Party</th><th class=\"num\">Stations</th><th class=\"num\">Postal</th><th class=\"num\">Total</th></tr>"
        );
        for r in &c.candidates {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&r.candidate_id),
                esc(&r.name),
                esc(&r.party),
                r.stations,
                r.postal,
                r.total
            );
        }
        let _ = writeln!(h, "</table>");
    }
    if !c.groups.is_empty() {
        let _ = writeln!(
            h,
            "<p>Totaliser groups: this contest's results are published per group of stations, never per station (each station's count is proved against its sealed log but only committed to).</p>\n<table><tr><th>Group</th><th>Segment</th><th>Stations</th>{}</tr>",
            c.candidates
                .iter()
                .map(|r| format!("<th class=\"num\">{}</th>", esc(&r.candidate_id)))
                .collect::<String>()
        );
        for g in &c.groups {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{} ({})</td>{}</tr>",
                esc(&g.group_id),
                esc(&g.segment_id),
                g.stations.len(),
                esc(&g.stations.join(", ")),
                g.counts
                    .iter()
                    .map(|n| format!("<td class=\"num\">{n}</td>"))
                    .collect::<String>()
            );
        }
        let _ = writeln!(h, "</table>");
    }
    if !c.reconciliation.is_empty() {
        let _ = writeln!(
            h,
            "<p>Reconciliation with the declared result ({}): the sum of the station rows plus the postal row against the declared total.</p>\n<table><tr><th>Candidate</th><th class=\"num\">Stations</th><th class=\"num\">Postal</th><th class=\"num\">Total</th><th class=\"num\">Declared</th><th class=\"num\">Declared &minus; stations</th><th>Agrees</th></tr>",
            esc(c.declared_source.as_deref().unwrap_or("declared result"))
        );
        for r in &c.reconciliation {
            let agrees = if r.declared_minus_stations < 0 {
                "<span class=\"fails\">stations exceed the declared total</span>"
            } else if r.total != r.declared {
                "<span class=\"fails\">differs</span>"
            } else {
                "<span class=\"holds\">yes</span>"
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{agrees}</td></tr>",
                esc(&r.candidate_id),
                r.stations,
                r.postal,
                r.total,
                r.declared,
                r.declared_minus_stations
            );
        }
        let _ = writeln!(h, "</table>");
    }
    if let Some(a) = &c.audit {
        let _ = writeln!(
            h,
            "<p><strong>VVPAT paper audit.</strong> {}</p>",
            esc(&a.conclusion)
        );
        let _ = writeln!(h, "<table>");
        let line = |h: &mut String, k: &str, v: String| {
            let _ = writeln!(
                h,
                "<tr><th style=\"width:32%\">{}</th><td>{v}</td></tr>",
                esc(k)
            );
        };
        line(
            h,
            "Paper trail",
            if a.paper_trail {
                "yes".into()
            } else {
                "no".into()
            },
        );
        if !a.parties.is_empty() {
            line(h, "Seed formed by", esc(&a.seed_parties()));
        }
        if let Some(seed) = &a.seed {
            line(
                h,
                "Seed",
                format!("<span class=\"mono\">{}</span>", esc(seed)),
            );
        }
        if !a.statutory.is_empty() {
            line(h, "Statutory sample", esc(&a.statutory.join(", ")));
        }
        if !a.draws.is_empty() {
            line(h, "Risk-limiting draws", esc(&a.draws.join(", ")));
        }
        if let Some(x) = &a.assessment {
            line(
                h,
                "Slips counted",
                format!(
                    "at {} of {} {}s (statutory {}, risk-limiting draws {})",
                    x.counted, x.stations, x.unit, x.statutory, x.draws
                ),
            );
            if let Some(m) = x.min_tampered_to_change {
                let label = format!("Fewest falsified {}s that could change the outcome", x.unit);
                line(h, &label, m.to_string());
            }
            if let Some(p) = x.statutory_detection {
                line(
                    h,
                    "Chance the statutory sample catches them",
                    format!("at least {:.1}%", 100.0 * p),
                );
            }
            if let Some(r) = x.risk_limit {
                line(h, "Risk limit", format!("{:.1}%", 100.0 * r));
            }
            if let Some(r) = x.measured_risk {
                line(h, "Measured risk", format!("{:.4}", r));
            }
            line(
                h,
                "Outcome confirmed by the paper",
                if x.confirmed {
                    "yes".into()
                } else {
                    "no".into()
                },
            );
            for d in &x.discrepancies {
                line(
                    h,
                    "Discrepancy",
                    format!(
                        "{} {}: machine {:?}, slips {:?} (the slips prevail)",
                        x.unit,
                        esc(&d.station_id),
                        d.published,
                        d.slips
                    ),
                );
            }
        }
        let _ = writeln!(h, "</table>");
    }
}
