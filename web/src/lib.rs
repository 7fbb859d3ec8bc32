//! The verifier in a web page. WebAssembly bindings over the verifier library: a bundle is
//! handed over as files (a chosen folder) or as a zip, checked in memory by the same code as
//! the command line, in shares run by several Web Workers side by side, and merged into one
//! report, which the page shows and offers as the court report. Nothing here reaches the
//! network; the page (`web/www/`, built by `scripts/web.sh`) loads nothing after it opens.
#![deny(missing_docs)]

use serde::Deserialize;
use std::collections::BTreeMap;
use tlog::reader::Fetch;
use verifier::report::SharePart;
use verifier::source::{Kind, Listing};
use verifier::{Memory, Options, Report, Source};
use wasm_bindgen::prelude::*;

pub mod unzip;

/// Options as the page sends them (JSON), with the command line's meaning.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageOptions {
    /// Authority keys the reader pinned, as a pin file holds them (`--root-key`).
    #[serde(default)]
    pub root_keys: String,
    /// Manifest digests the reader pinned, as a pin file holds them (`--pin-manifest`).
    #[serde(default)]
    pub manifests: String,
    /// Setup digests the reader checked before, as a pin file holds them (`--checked-setup`).
    #[serde(default)]
    pub checked_setups: String,
    /// `--contest`.
    #[serde(default)]
    pub contests: Vec<String>,
    /// `--station`.
    #[serde(default)]
    pub stations: Vec<String>,
    /// This worker's share `[k, n]` of the run.
    #[serde(default)]
    pub share: Option<(u32, u32)>,
    /// Witnesses the reader pinned, as a pin file holds them (`--witness`).
    #[serde(default)]
    pub witnesses: String,
    /// `--quorum` (default: all the witnesses pinned).
    #[serde(default)]
    pub quorum: Option<usize>,
    /// `witnesses` and `quorum` read by [`PageOptions::parse`].
    #[serde(skip)]
    log_pins: verifier::follow::LogPins,
    /// `root_keys` read by [`PageOptions::parse`].
    #[serde(skip)]
    pinned_keys: Vec<String>,
    /// `manifests` read by [`PageOptions::parse`].
    #[serde(skip)]
    pinned_manifests: Vec<String>,
    /// `checked_setups` read by [`PageOptions::parse`].
    #[serde(skip)]
    setups: Vec<String>,
}

impl PageOptions {
    /// Reads and checks the page's options.
    pub fn parse(json: &str) -> Result<Self, String> {
        let mut o: Self = serde_json::from_str(json).map_err(|e| format!("options: {e}"))?;
        if let Some((k, n)) = o.share {
            if n == 0 || k >= n {
                return Err(format!("options: share {k} of {n} does not exist"));
            }
        }
        o.pinned_keys =
            verifier::pins(&o.root_keys, "key").map_err(|e| format!("authority key: {e}"))?;
        o.pinned_manifests = verifier::pins(&o.manifests, "manifest digest")
            .map_err(|e| format!("manifest digest: {e}"))?;
        o.setups = verifier::pins(&o.checked_setups, "setup digest")
            .map_err(|e| format!("checked setup: {e}"))?;
        o.log_pins = verifier::follow::LogPins::from_text(&o.witnesses, o.quorum)
            .map_err(|e| format!("witnesses: {e}"))?;
        Ok(o)
    }
}

/// Verifies a bundle under the page's options, as [`PageOptions::parse`] read them (without
/// progress reports), against its log if one is given.
pub fn verify(
    bundle: &dyn Source,
    log: Option<&dyn Fetch>,
    o: &PageOptions,
) -> Result<Report, String> {
    run(bundle, log, o, None)
}

fn run(
    bundle: &dyn Source,
    log: Option<&dyn Fetch>,
    o: &PageOptions,
    progress: Option<&(dyn Fn(u64, u64) + Sync)>,
) -> Result<Report, String> {
    if log.is_some() && o.log_pins.witnesses.is_empty() {
        return Err("a log was chosen: paste the witnesses you trust".into());
    }
    Ok(verifier::verify_source(
        bundle,
        &Options {
            pinned_keys: o.pinned_keys.clone(),
            pinned_manifests: o.pinned_manifests.clone(),
            checked_setups: o.setups.clone(),
            contests: o.contests.clone(),
            stations: o.stations.clone(),
            share: o.share,
            progress,
            keys_only: false,
            log: log.map(|f| o.log_pins.input(f)),
            per_station: false,
        },
    ))
}

/// The files of a log folder chosen in the page (tlog-tiles paths), read as a check needs
/// them, each refused unread when larger than its format allows.
#[derive(Debug, Default)]
pub struct GivenLog {
    name: String,
    /// Path inside the log folder -> (index for `veRead`, size when chosen).
    at: BTreeMap<String, (u32, u64)>,
}

impl Fetch for GivenLog {
    fn get(&self, path: &str, limit: usize) -> Result<Option<Vec<u8>>, tlog::LogError> {
        let Some(&(i, size)) = self.at.get(path) else {
            return Ok(None);
        };
        if size > limit as u64 {
            return Err(tlog::LogError::TooLarge {
                path: path.into(),
                limit,
            });
        }
        read_given(i).map(Some).map_err(|e| tlog::LogError::Io {
            path: path.into(),
            source: e,
        })
    }

    fn place(&self) -> String {
        self.name.clone()
    }
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen]
extern "C" {
    /// Defined by the page's worker: posts (done, total) station rows to the page.
    #[wasm_bindgen(js_name = veProgress)]
    fn ve_progress(done: f64, total: f64);

    /// Defined by the page's worker: the bytes of the `index`th file it was given, read
    /// synchronously (`FileReaderSync`) when a check needs them.
    #[wasm_bindgen(js_name = veRead, catch)]
    fn ve_read(index: u32) -> Result<Vec<u8>, JsValue>;
}

fn read_given(index: u32) -> std::io::Result<Vec<u8>> {
    #[cfg(target_arch = "wasm32")]
    return ve_read(index).map_err(|e| {
        std::io::Error::other(
            e.as_string()
                .unwrap_or_else(|| "the browser refused".into()),
        )
    });
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = index;
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "files given to a page are read in a page",
        ))
    }
}

/// The files of a folder chosen in the page, each read only when a check needs it (a scoped
/// run reads only its contests' files; nothing is held in memory longer than a check needs it).
#[derive(Debug, Default)]
pub struct Given {
    name: String,
    listing: Listing,
    /// Path -> (index for `veRead`, size when chosen).
    at: BTreeMap<String, (u32, u64)>,
}

impl Given {
    fn at(&self, rel: &str) -> std::io::Result<(u32, u64)> {
        self.at.get(rel).copied().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file in the bundle")
        })
    }
}

impl Source for Given {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn len(&self, rel: &str) -> std::io::Result<u64> {
        Ok(self.at(rel)?.1)
    }

    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        let (i, size) = self.at(rel)?;
        let bytes = read_given(i)?;
        if bytes.len() as u64 != size {
            return Err(std::io::Error::other(format!(
                "{} bytes now, {size} when the folder was chosen: the file changed",
                bytes.len()
            )));
        }
        Ok(bytes)
    }

    fn entries(&self) -> Vec<(String, Kind)> {
        self.listing.entries()
    }

    fn names_in(&self, folder: &str) -> Vec<String> {
        self.listing.names_in(folder)
    }
}

/// Where a page's bundle is.
#[derive(Debug)]
enum Files {
    /// A chosen folder, read as needed.
    Given(Given),
    /// A zip, inflated.
    Zip(Memory),
}

fn progress(done: u64, total: u64) {
    #[cfg(target_arch = "wasm32")]
    ve_progress(done as f64, total as f64);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (done, total);
}

fn js(e: String) -> JsError {
    JsError::new(&e)
}

/// A bundle held in the page's memory.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Bundle {
    files: Files,
    notes: Vec<String>,
    log: Option<GivenLog>,
}

#[wasm_bindgen]
impl Bundle {
    /// An empty bundle named `name` (the chosen folder's name).
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str) -> Bundle {
        Bundle {
            files: Files::Given(Given {
                name: name.to_string(),
                ..Given::default()
            }),
            notes: Vec::new(),
            log: None,
        }
    }

    /// Adds a file of the chosen log folder (named `folder`) by its path inside it, the index
    /// `veRead` reads it by, and its size.
    pub fn add_log(&mut self, folder: &str, path: &str, index: u32, size: f64) {
        let log = self.log.get_or_insert_with(|| GivenLog {
            name: folder.to_string(),
            ..GivenLog::default()
        });
        log.at.insert(path.to_string(), (index, size as u64));
    }

    /// Adds a file of the chosen folder by its path inside it, the index the worker's
    /// `veRead` reads it by, and its size.
    pub fn add(&mut self, path: &str, index: u32, size: f64) -> Result<(), JsError> {
        let Files::Given(g) = &mut self.files else {
            return Err(js("a zip's bundle takes no other file".into()));
        };
        let rel = g.listing.file(path).map_err(js)?;
        g.at.insert(rel, (index, size as u64));
        Ok(())
    }

    /// Reads a zip of a bundle folder (the folder itself, or its contents, zipped).
    pub fn from_zip(name: &str, bytes: &[u8]) -> Result<Bundle, JsError> {
        let (files, notes) = unzip::read(name, bytes).map_err(js)?;
        Ok(Bundle {
            files: Files::Zip(files),
            notes,
            log: None,
        })
    }

    /// Files held.
    pub fn file_count(&self) -> usize {
        match &self.files {
            Files::Given(g) => g.listing.file_count(),
            Files::Zip(m) => m.file_count(),
        }
    }

    /// What reading the bundle noticed (JSON list of sentences), for the page to show.
    pub fn notes(&self) -> String {
        serde_json::to_string(&self.notes).unwrap_or_default()
    }

    /// Runs the checks under the page's options (JSON, see [`PageOptions`]), reporting
    /// progress to the worker's `veProgress`.
    pub fn verify(&self, options: &str) -> Result<Verdict, JsError> {
        let o = PageOptions::parse(options).map_err(js)?;
        let src: &dyn Source = match &self.files {
            Files::Given(g) => g,
            Files::Zip(m) => m,
        };
        let log = self.log.as_ref().map(|l| l as &dyn Fetch);
        let report = run(src, log, &o, Some(&progress)).map_err(js)?;
        Ok(Verdict {
            report,
            share: o.share.unwrap_or((0, 1)),
        })
    }
}

/// One share's report, or, after [`Verdict::absorb`], the whole run's.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Verdict {
    report: Report,
    share: (u32, u32),
}

#[wasm_bindgen]
impl Verdict {
    /// This share's part for share 0 (JSON).
    pub fn part(&self) -> String {
        serde_json::to_string(&self.report.share_part(self.share)).unwrap_or_default()
    }

    /// Adds the parts (a JSON list) of every other share; this must be share 0.
    pub fn absorb(&mut self, parts: &str) -> Result<(), JsError> {
        let parts: Vec<SharePart> =
            serde_json::from_str(parts).map_err(|e| js(format!("share parts: {e}")))?;
        absorb(&mut self.report, self.share, &parts).map_err(js)
    }

    /// The report as `verifier check --json` writes it.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.report).unwrap_or_default()
    }

    /// The report as `verifier check` prints it.
    pub fn text(&self) -> String {
        self.report.to_text()
    }

    /// 0 when every check holds, 1 on a failure, 2 when something could not be checked.
    pub fn exit_code(&self) -> u8 {
        self.report.exit_code()
    }

    /// The court report (one self-contained HTML file), signed off by `signatories` (JSON
    /// list of "Name, role"), dated `now_ms` (the page's clock, milliseconds since 1970).
    pub fn court_report(&self, signatories: &str, now_ms: f64) -> Result<String, JsError> {
        let signatories: Vec<String> =
            serde_json::from_str(signatories).map_err(|e| js(format!("signatories: {e}")))?;
        Ok(court_report(&self.report, signatories, now_ms))
    }
}

/// Merges the other shares' parts into share 0's report.
pub fn absorb(report: &mut Report, share: (u32, u32), parts: &[SharePart]) -> Result<(), String> {
    if share.0 != 0 {
        return Err(format!(
            "share {} of {} cannot gather the others: only share 0 can",
            share.0, share.1
        ));
    }
    report.absorb_shares(share.1, parts);
    Ok(())
}

/// The court report of a run, dated by the page's clock.
pub fn court_report(report: &Report, signatories: Vec<String>, now_ms: f64) -> String {
    let secs = if now_ms.is_finite() && now_ms > 0.0 {
        (now_ms / 1000.0) as u64
    } else {
        0
    };
    verifier::html::court_report(
        report,
        &verifier::html::CourtMeta {
            signatories,
            generated: verifier::html::utc_text(secs),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_as_the_command_line_reads_them() {
        let key = "ab".repeat(32);
        let o = PageOptions::parse(&format!(
            r#"{{"root_keys": "{key}  # the authority\n\n", "share": [1, 3]}}"#
        ))
        .unwrap();
        assert_eq!(o.pinned_keys, vec![key]);
        assert_eq!(o.share, Some((1, 3)));
        for bad in [
            r#"{"share": [3, 3]}"#,
            r#"{"share": [0, 0]}"#,
            r#"{"root_keys": "not hex"}"#,
            r#"{"manifests": "abcd"}"#,
            r#"{"workers": 2}"#,
        ] {
            assert!(PageOptions::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_share_0_gathers() {
        let mut r = Report::default();
        assert!(absorb(&mut r, (1, 2), &[]).is_err());
        assert!(absorb(&mut r, (0, 1), &[]).is_ok());
    }

    #[test]
    fn a_date_from_the_page_clock() {
        let r = Report::default();
        let html = court_report(&r, vec!["A. Observer, observer".into()], 1.7e12);
        assert!(html.contains("2023-11-14 22:13 UTC") && html.contains("A. Observer"));
    }
}
