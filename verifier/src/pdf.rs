//! The court report as PDF: the HTML printed by headless Chromium (Debian's `chromium`, or the
//! binary named by `CHROMIUM`), with the page's own A4 layout, page numbers and bundle root.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium binary: `CHROMIUM`, else the first of the usual names on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
    .find(|p| p.is_file())
}

/// Prints `html` to `out` as PDF. Errors say what to install or what Chromium said.
pub fn print_pdf(html: &str, out: &Path) -> Result<(), String> {
    let chromium = find_chromium().ok_or(
        "no Chromium found for the PDF: install Debian's `chromium` (apt-get install chromium) or set CHROMIUM to its path",
    )?;
    let dir = std::env::temp_dir().join(format!("ve-court-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let page = dir.join("report.html");
    let result = (|| {
        std::fs::write(&page, html).map_err(|e| format!("{}: {e}", page.display()))?;
        let out_abs = if out.is_absolute() {
            out.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| e.to_string())?
                .join(out)
        };
        let _ = std::fs::remove_file(&out_abs);
        let run = Command::new(&chromium)
            .arg("--headless")
            .arg("--no-sandbox")
            .arg("--disable-gpu")
            .arg("--disable-dev-shm-usage")
            .arg("--no-first-run")
            .arg("--no-pdf-header-footer")
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--print-to-pdf={}", out_abs.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .map_err(|e| format!("{}: {e}", chromium.display()))?;
        let pdf = std::fs::read(&out_abs).unwrap_or_default();
        if !run.status.success() || !pdf.starts_with(b"%PDF") {
            let said = String::from_utf8_lossy(&run.stderr);
            let last: Vec<&str> = said.lines().rev().take(5).collect();
            return Err(format!(
                "{} did not print the report ({}): {}",
                chromium.display(),
                run.status,
                last.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
