//! The mutation corpus: every single-field mutation of a valid bundle that matters, made by an
//! insider who holds the authority key (the index is recomputed and re-signed after each edit,
//! so V1 alone cannot catch it). Every mutation must be rejected with a failure or error in the
//! step group that owns the edited data; the harness prints its tally by step and fails on any
//! mutation that passes.
//!
//! Generated, per JSON file: each leaf (numbers +1, strings changed, booleans flipped, nulls
//! filled) at the first and last index of every array; each array's first element deleted and
//! duplicated, and its first two swapped. Per binary key: a flipped byte every 48 bytes, a
//! truncation, an extra byte. Per bundle: each file deleted, a shard under another name, a shard
//! of another election, a proof and a signature moved to another station, an extra listed file,
//! a secret file. The index itself is mutated after re-signing.
//!
//! Mutations that are harmless by design (not generated, or listed in `HARMLESS`): JSON
//! whitespace and key order (signatures are over the typed body, spec protocol.md §5);
//! removing a VVPAT audit record (the bundle as published before the draw, reported as "not
//! recorded yet").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fixture;

use bundle::ElectionKind;
use fixture::{audited, copy_dir, Copy};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use verifier::{verify_bundle, Options, Severity};

/// Mutations accepted by design, with the reason (see the module doc).
const HARMLESS: &[(&str, &str)] = &[(
    "delete audit/records/",
    "the bundle as published before the audit draw: reported as 'not recorded yet'",
)];

type Apply = Box<dyn Fn(&Path) + Send + Sync>;

struct Mutation {
    name: String,
    /// Step groups (`V4`, `V2.d`, ...) one of which must report the mutation.
    expect: Vec<&'static str>,
    /// Re-sign the index after the edit (false for edits of the index itself).
    reindex: bool,
    apply: Apply,
}

fn read(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn write(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

/// The step groups that own data at `path` of `file`.
fn owners(file: &str, path: &[String]) -> Vec<&'static str> {
    let top = path.first().map(String::as_str).unwrap_or("");
    if file == "bundle.json" {
        vec!["V1"]
    } else if file == "election.json" || file.starts_with("stations/") {
        vec!["V2"]
    } else if file.starts_with("keys/") {
        vec!["V2.e"]
    } else if file.starts_with("contests/") {
        // V5.e also owns every shard as a file: an edit that makes it unreadable lands there.
        match top {
            "contest_id" => vec!["V5.e"],
            "po_certificates" | "po_roster" => vec!["V2.d", "V4.a", "V5.e"],
            "close_of_poll" => vec!["V3", "V4.a", "V5.e"],
            "stations" => vec!["V4", "V5.b", "V5.e"],
            "result" => vec!["V5"],
            _ => vec!["V4", "V5"],
        }
    } else if file.starts_with("audit/") {
        vec!["V7"]
    } else if file.starts_with("aggregates/") {
        vec!["V4.f"]
    } else {
        vec!["V1"]
    }
}

fn mutate_leaf(v: &Value) -> Option<Value> {
    Some(match v {
        Value::Number(n) => match n.as_u64() {
            Some(u64::MAX) => Value::from(u64::MAX - 1),
            Some(x) => Value::from(x + 1),
            None => Value::from(n.as_f64()? + 1.0),
        },
        Value::String(s) => {
            let hexlike = s.len() >= 2 && s.bytes().all(|b| b.is_ascii_hexdigit());
            if hexlike {
                let mut c: Vec<char> = s.chars().collect();
                c[0] = if c[0] == '0' { '1' } else { '0' };
                Value::from(c.into_iter().collect::<String>())
            } else {
                Value::from(format!("{s}x"))
            }
        }
        Value::Bool(b) => Value::from(!b),
        Value::Null => Value::from("x"),
        _ => return None,
    })
}

fn get_mut<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, seg| match v {
        Value::Array(a) => &mut a[seg.parse::<usize>().unwrap()],
        Value::Object(o) => o.get_mut(seg).unwrap(),
        _ => panic!("bad path"),
    })
}

/// Leaf and array mutations of one JSON file, array indices limited to first and last.
fn json_mutations(rel: &str, v: &Value, out: &mut Vec<Mutation>) {
    fn walk(rel: &str, v: &Value, path: &mut Vec<String>, out: &mut Vec<Mutation>) {
        match v {
            Value::Object(o) => {
                for (k, c) in o {
                    path.push(k.clone());
                    walk(rel, c, path, out);
                    path.pop();
                }
            }
            Value::Array(a) => {
                let mut idx = vec![0];
                if a.len() > 1 {
                    idx.push(a.len() - 1);
                }
                if !a.is_empty() {
                    for op in ["delete first", "duplicate first", "swap first two"] {
                        if op == "swap first two" && a.len() < 2 {
                            continue;
                        }
                        if op == "swap first two" && a[0] == a[1] {
                            continue;
                        }
                        let (r, p) = (rel.to_string(), path.clone());
                        out.push(Mutation {
                            name: format!("{rel} {} : {op}", p.join(".")),
                            expect: owners(rel, &p),
                            reindex: rel != "bundle.json",
                            apply: Box::new(move |dir: &Path| {
                                let f = dir.join(&r);
                                let mut doc = read(&f);
                                let arr = get_mut(&mut doc, &p).as_array_mut().unwrap();
                                match op {
                                    "delete first" => {
                                        arr.remove(0);
                                    }
                                    "duplicate first" => {
                                        let x = arr[0].clone();
                                        arr.push(x);
                                    }
                                    _ => arr.swap(0, 1),
                                }
                                write(&f, &doc);
                            }),
                        });
                    }
                }
                for i in idx {
                    if let Some(c) = a.get(i) {
                        path.push(i.to_string());
                        walk(rel, c, path, out);
                        path.pop();
                    }
                }
            }
            leaf => {
                let Some(new) = mutate_leaf(leaf) else { return };
                let (r, p) = (rel.to_string(), path.clone());
                out.push(Mutation {
                    name: format!("{rel} {} : {leaf} -> {new}", p.join(".")),
                    expect: owners(rel, &p),
                    reindex: rel != "bundle.json",
                    apply: Box::new(move |dir: &Path| {
                        let f = dir.join(&r);
                        let mut doc = read(&f);
                        *get_mut(&mut doc, &p) = new.clone();
                        write(&f, &doc);
                    }),
                });
            }
        }
    }
    walk(rel, v, &mut Vec::new(), out);
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

fn corpus(bundle: &Path, foreign_shard: &Path) -> Vec<Mutation> {
    let mut out = Vec::new();
    for rel in files(bundle) {
        if rel.ends_with(".json") {
            json_mutations(&rel, &read(&bundle.join(&rel)), &mut out);
        } else {
            let len = std::fs::metadata(bundle.join(&rel)).unwrap().len() as usize;
            for at in (0..len).step_by(48) {
                let r = rel.clone();
                out.push(Mutation {
                    name: format!("{rel} byte {at} flipped"),
                    expect: owners(&rel, &[]),
                    reindex: true,
                    apply: Box::new(move |dir: &Path| {
                        let f = dir.join(&r);
                        let mut b = std::fs::read(&f).unwrap();
                        b[at] ^= 0x01;
                        std::fs::write(&f, b).unwrap();
                    }),
                });
            }
            for (what, cut) in [("truncated", true), ("extended", false)] {
                let r = rel.clone();
                out.push(Mutation {
                    name: format!("{rel} {what}"),
                    expect: owners(&rel, &[]),
                    reindex: true,
                    apply: Box::new(move |dir: &Path| {
                        let f = dir.join(&r);
                        let mut b = std::fs::read(&f).unwrap();
                        if cut {
                            b.truncate(b.len() / 2);
                        } else {
                            b.push(0);
                        }
                        std::fs::write(&f, b).unwrap();
                    }),
                });
            }
        }
        if rel != "bundle.json" {
            let r = rel.clone();
            let expect = match rel.split('/').next() {
                Some("contests") => vec!["V5.e"],
                Some("keys") => vec!["V2.e"],
                Some("audit") => vec!["V7"],
                _ => vec!["V1", "V2"],
            };
            out.push(Mutation {
                name: format!("delete {rel}"),
                expect,
                reindex: true,
                apply: Box::new(move |dir: &Path| std::fs::remove_file(dir.join(&r)).unwrap()),
            });
        }
    }
    let shard = files(bundle)
        .into_iter()
        .find(|f| f.starts_with("contests/"))
        .unwrap();
    let (s1, s2) = (shard.clone(), shard.clone());
    out.push(Mutation {
        name: "a shard copied under another contest's name".into(),
        expect: vec!["V5.e"],
        reindex: true,
        apply: Box::new(move |dir: &Path| {
            std::fs::copy(dir.join(&s1), dir.join("contests/ZZ999.json")).unwrap();
        }),
    });
    let foreign = foreign_shard.to_path_buf();
    out.push(Mutation {
        name: "a shard of another election".into(),
        expect: vec!["V2.d", "V3", "V4", "V5"],
        reindex: true,
        apply: Box::new(move |dir: &Path| {
            std::fs::copy(&foreign, dir.join(&s2)).unwrap();
        }),
    });
    for (what, field, list, expect) in [
        (
            "a proof moved to another station",
            "proof",
            "stations",
            vec!["V4.d"],
        ),
        (
            "a PO signature moved to another statement",
            "signature",
            "close_of_poll",
            vec!["V3.a"],
        ),
    ] {
        let s = shard.clone();
        out.push(Mutation {
            name: what.into(),
            expect,
            reindex: true,
            apply: Box::new(move |dir: &Path| {
                let f = dir.join(&s);
                let mut doc = read(&f);
                let x = doc[list][0][field].clone();
                doc[list][1][field] = x;
                write(&f, &doc);
            }),
        });
    }
    let s3 = shard.clone();
    out.push(Mutation {
        name: "two PO keys of the roster swapped".into(),
        expect: vec!["V2.d"],
        reindex: true,
        apply: Box::new(move |dir: &Path| {
            let f = dir.join(&s3);
            let mut doc = read(&f);
            let officers = &mut doc["po_roster"]["body"]["officers"];
            let k0 = officers[0]["public_key"].clone();
            officers[0]["public_key"] = officers[1]["public_key"].clone();
            officers[1]["public_key"] = k0;
            write(&f, &doc);
        }),
    });
    out.push(Mutation {
        name: "an extra listed file".into(),
        expect: vec!["V1.c"],
        reindex: true,
        apply: Box::new(|dir: &Path| std::fs::write(dir.join("notes.txt"), b"hello").unwrap()),
    });
    out.push(Mutation {
        name: "secret material added".into(),
        expect: vec!["V1.c"],
        reindex: true,
        apply: Box::new(|dir: &Path| {
            std::fs::create_dir_all(dir.join("SECRET_salts")).unwrap();
            std::fs::write(dir.join("SECRET_salts/x.json"), b"{}").unwrap();
        }),
    });
    out
}

fn run(
    bundle: &Path,
    input: &Path,
    foreign: &Path,
) -> (usize, BTreeMap<&'static str, usize>, Vec<String>) {
    let muts = corpus(bundle, foreign);
    let results: Vec<(String, Option<Vec<&'static str>>, bool)> = muts
        .par_iter()
        .map(|m| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("bundle");
            copy_dir(bundle, &path);
            (m.apply)(&path);
            let c = Copy::new(dir, path.clone(), input.to_path_buf());
            if m.reindex {
                c.reindex();
            }
            let r = verify_bundle(&path, &Options::default());
            let failed: Vec<&'static str> = r
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Notice)
                .map(|f| f.step)
                .collect();
            let right = failed
                .iter()
                .any(|s| m.expect.iter().any(|e| s.starts_with(e)));
            let harmless = HARMLESS.iter().any(|(p, _)| m.name.starts_with(p));
            if failed.is_empty() && harmless {
                (m.name.clone(), None, true)
            } else {
                (m.name.clone(), Some(failed), right)
            }
        })
        .collect();
    let mut by_step: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, failed, right) in &results {
        match failed {
            None => {}
            Some(f) if f.is_empty() => problems.push(format!("ACCEPTED: {name}")),
            Some(f) => {
                let mut steps: Vec<&str> = f.clone();
                steps.sort();
                steps.dedup();
                for s in &steps {
                    *by_step.entry(s).or_default() += 1;
                }
                if !right {
                    problems.push(format!("rejected by the wrong step ({steps:?}): {name}"));
                }
            }
        }
    }
    (results.len(), by_step, problems)
}

fn report(label: &str, tried: usize, by_step: &BTreeMap<&'static str, usize>, problems: &[String]) {
    println!(
        "mutation corpus, {label}: {tried} mutations tried, {} rejected",
        tried - problems.len()
    );
    for (s, n) in by_step {
        println!("  {s}: caught {n}");
    }
    for (p, why) in HARMLESS {
        println!("  harmless by design: {p}* ({why})");
    }
    for p in problems {
        println!("  {p}");
    }
}

fn foreign_shard() -> PathBuf {
    // The plain assembly fixture: another election, same contest ids.
    fixture::election(ElectionKind::Assembly)
        .bundle
        .join("contests/AC001.json")
}

#[test]
#[ignore = "heavy (every field of the bundle, about a minute): scripts/test-all.sh runs it"]
fn every_mutation_of_the_audited_bundle_is_rejected() {
    let a = audited();
    let (tried, by_step, problems) = run(&a.bundle, &a.input, &foreign_shard());
    report("audited assembly bundle", tried, &by_step, &problems);
    assert!(tried > 300, "the corpus is too small: {tried}");
    assert!(
        problems.is_empty(),
        "{} mutations not rejected by their step:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
#[ignore = "heavy (every field of the bundle, about a minute): scripts/test-all.sh runs it"]
fn every_mutation_of_the_municipal_bundle_is_rejected() {
    let e = fixture::election(ElectionKind::Municipal);
    let (tried, by_step, problems) = run(&e.bundle, &e.input, &foreign_shard());
    report(
        "municipal bundle (multi-member wards, several contests per station)",
        tried,
        &by_step,
        &problems,
    );
    assert!(
        problems.is_empty(),
        "{} mutations not rejected by their step:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
