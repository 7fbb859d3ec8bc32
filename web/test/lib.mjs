// What the browser test and the measurement share: launching Debian's chromium, opening the
// page with every request recorded, running one verification, and the native verifier's
// report of the same bundle.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export function chromiumPath() {
  for (const p of [process.env.CHROMIUM, "/usr/lib/chromium/chromium", "/usr/bin/chromium"]) {
    if (p && existsSync(p)) return p;
  }
  throw new Error("no chromium: install Debian's chromium or set CHROMIUM");
}

export async function launch() {
  // The browser's own background traffic (updates, sync) is switched off: the test watches
  // the page's requests, and a closed network refuses the browser's.
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

// Opens the page; every request made after it has loaded, and every console error, is kept.
export async function open(browser, page_file) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const seen = { requests: [], errors: [] };
  let loaded = false;
  context.on("request", (r) => {
    if (loaded) seen.requests.push(r.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error") seen.errors.push(m.text());
  });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  await page.goto("file://" + path.resolve(page_file));
  await page.waitForSelector("body[data-ready='1']", { timeout: 60_000 });
  loaded = true;
  return { context, page, seen };
}

// One run: the bundle (a folder or a .zip), pins, scope and workers; returns the page's
// verdict, failing steps, JSON report, timing text and the seconds it took.
export async function run(page, { bundle, rootKeys = "", manifests = "", checkedSetups = "", contests = "", stations = "", workers = 2, log = "", witnesses = "", quorum = "" }) {
  await page.evaluate(() => {
    delete document.getElementById("verdict").dataset.exit;
  });
  if (bundle.endsWith(".zip")) await page.setInputFiles("#zip", bundle);
  else await page.setInputFiles("#folder", bundle);
  await page.fill("#root-key", rootKeys);
  await page.fill("#manifest", manifests);
  await page.fill("#checked-setup", checkedSetups);
  await page.fill("#contests", contests);
  await page.fill("#stations", stations);
  await page.fill("#workers", String(workers));
  if (log) await page.setInputFiles("#log-folder", log);
  else {
    await page.evaluate(() => {
      const input = document.getElementById("log-folder");
      input.value = "";
      input.dispatchEvent(new Event("change"));
    });
  }
  await page.fill("#witnesses", witnesses);
  await page.fill("#quorum", String(quorum));
  const t0 = Date.now();
  await page.click("#verify");
  await page.waitForSelector("#verdict[data-exit]", { timeout: 600_000 });
  const seconds = (Date.now() - t0) / 1000;
  const out = await page.evaluate(() => ({
    exit: Number(document.getElementById("verdict").dataset.exit),
    failing: document.getElementById("verdict").dataset.failing || "",
    status: document.getElementById("status").textContent,
    json: document.getElementById("json").textContent,
    timing: document.getElementById("timing").textContent,
  }));
  return { ...out, seconds, report: out.json ? JSON.parse(out.json) : null };
}

// The native verifier's JSON report of one bundle, and its exit code and wall time.
export function native(bundle, args = []) {
  const bin = path.resolve("target/release/verifier");
  const t0 = Date.now();
  let stdout;
  let code = 0;
  try {
    stdout = execFileSync(bin, ["check", bundle, "--json", ...args], { maxBuffer: 1 << 30 });
  } catch (e) {
    stdout = e.stdout;
    code = e.status;
  }
  const seconds = (Date.now() - t0) / 1000;
  return { report: JSON.parse(stdout.toString())[0], exit: code, seconds };
}

// A report without what names the copy that was read (a path on disk, a folder's name).
export function comparable(report) {
  const r = structuredClone(report);
  delete r.bundle;
  if (r.log) delete r.log.place;
  return r;
}

export function text(file) {
  return readFileSync(file, "utf8");
}
