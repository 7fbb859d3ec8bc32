// Times the web verifier against the native one on one bundle: the page with 1, 2 and 4
// workers (reading the folder included), the native `verifier check`, and checks that every
// run gives the native report.
//
//   node web/test/measure.mjs target/web BUNDLE [ROOT_KEY_FILE]   (scripts/web.sh measure)
//
// With CHECKED_SETUP=<setup sha256> in the environment, both the native run and the page are
// given it (--checked-setup): the key ceremony's check is skipped as for a reader who checked
// it before.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import path from "node:path";
import { comparable, launch, native, open, run, text } from "./lib.mjs";

const [out, bundle, keyFile] = process.argv.slice(2);
const checkedSetups = process.env.CHECKED_SETUP || "";
const pins = [...(keyFile ? ["--root-key", keyFile] : []), ...(checkedSetups ? ["--checked-setup", checkedSetups] : [])];
const rootKeys = keyFile ? text(keyFile) : "";
const page_file = path.join(out, "verifier.html");

const want = native(bundle, pins);
const nativeRuns = [want.seconds, native(bundle, pins).seconds, native(bundle, pins).seconds];
const browser = await launch();
const rows = [];
try {
  const { page } = await open(browser, page_file);
  for (const workers of [1, 2, 4]) {
    const times = [];
    for (let i = 0; i < 2; i++) {
      const got = await run(page, { bundle, rootKeys, checkedSetups, workers });
      assert.deepEqual(comparable(got.report), comparable(want.report), `${workers} workers: report differs`);
      times.push(got.seconds);
    }
    rows.push([`page, ${workers} worker${workers > 1 ? "s" : ""}`, Math.min(...times)]);
  }
  await page.screenshot({ path: path.join(out, "measure.png"), fullPage: false });
} finally {
  await browser.close();
}
const best = Math.min(...nativeRuns);
console.log(`bundle ${bundle}: ${want.report.stations} stations, ${want.report.proofs_verified} proofs, verdict exit ${want.exit}`);
console.log(`| run | seconds (best of runs) | vs native |`);
console.log(`|---|---|---|`);
console.log(`| native verifier check | ${best.toFixed(2)} | 1.0x |`);
for (const [name, s] of rows) console.log(`| ${name} | ${s.toFixed(2)} | ${(s / best).toFixed(1)}x |`);
const size = statSync(page_file).size;
console.log(`page: ${(size / 1e6).toFixed(1)} MB (${page_file})`);
