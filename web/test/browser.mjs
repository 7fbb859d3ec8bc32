// The web verifier in a real browser (Debian's chromium): a sample folder passes under its
// pinned key and manifest with the native verifier's very report; a tampered bundle, given as a
// zip, fails at the steps the native verifier names; a scoped run is scoped; the split between
// workers does not change the report; and after the page has loaded it makes no request at
// all. Screenshots are kept next to the page.
//
//   node web/test/browser.mjs target/web        (scripts/web.sh test builds and runs it)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { comparable, launch, native, open, run, text } from "./lib.mjs";

const out = process.argv[2] || "target/web";
const pageFile = path.join(out, "verifier.html");
const samples = "spec/samples";
const keys = text(`${samples}/authorities.txt`);
const manifests = text(`${samples}/manifests.txt`);
const pins = ["--root-key", `${samples}/authorities.txt`, "--pin-manifest", `${samples}/manifests.txt`];

// A tampered copy of the assembly sample: one station's first count raised by one in its
// contest's shard, zipped (the folder inside the zip, as an archiver makes it).
function tampered() {
  const dir = path.join(out, "tampered");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const copy = path.join(dir, "bundle");
  cpSync(`${samples}/assembly/bundle`, copy, { recursive: true });
  execFileSync("python3", ["-c", `
import json, os, sys, zipfile
root = sys.argv[1]
shard = os.path.join(root, "contests", sorted(os.listdir(os.path.join(root, "contests")))[0])
v = json.load(open(shard))
v["stations"][0]["counts"][0] += 1
json.dump(v, open(shard, "w"))
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            z.write(p, os.path.join("bundle", os.path.relpath(p, root)))
`, copy, path.join(dir, "bundle.zip")]);
  return { folder: copy, zip: path.join(dir, "bundle.zip") };
}

function failingSteps(report) {
  return report.steps.filter((s) => s.failed > 0).map((s) => s.step).join(" ");
}

const browser = await launch();
let failed = false;
try {
  const { page, seen } = await open(browser, pageFile);
  await page.screenshot({ path: path.join(out, "page-ready.png") });

  // 1. Every sample, as a folder, pinned: PASS, and the native verifier's report.
  for (const name of ["assembly", "municipal", "panchayat"]) {
    const bundle = `${samples}/${name}/bundle`;
    const got = await run(page, { bundle, rootKeys: keys, manifests, workers: 2 });
    const want = native(bundle, pins);
    assert.equal(want.exit, 0, `${name}: the native verifier does not pass`);
    assert.equal(got.exit, 0, `${name}: ${got.status}`);
    assert.match(got.status, /^PASS: every check holds/);
    assert.deepEqual(comparable(got.report), comparable(want.report), `${name}: the page's report differs from the native one`);
    assert.ok(got.report.authority_key_pinned && got.report.manifest_pinned, `${name}: pins not applied`);
    console.log(`${name}: PASS in the page (${got.timing}), the same report as the native verifier (${want.seconds.toFixed(1)} s)`);
    if (name === "assembly") await page.screenshot({ path: path.join(out, "sample-pass.png"), fullPage: true });
  }

  // 1b. The sample with totaliser groups, under its own pins: PASS, the native report, the groups
  // shown in the page's report.
  {
    const dir = `${samples}/totaliser`;
    const bundle = `${dir}/bundle`;
    const got = await run(page, {
      bundle,
      rootKeys: text(`${dir}/authority.txt`),
      manifests: text(`${dir}/manifest.txt`),
      workers: 2,
    });
    const want = native(bundle, ["--root-key", `${dir}/authority.txt`, "--pin-manifest", `${dir}/manifest.txt`]);
    assert.equal(want.exit, 0, "totaliser: the native verifier does not pass");
    assert.equal(got.exit, 0, `totaliser: ${got.status}`);
    assert.deepEqual(comparable(got.report), comparable(want.report), "totaliser: the page's report differs from the native one");
    assert.equal(got.report.contests[0].groups.length, 4, "totaliser: the groups are not in the page's report");
    console.log(`totaliser: PASS in the page (${got.timing}), groups of stations shown, the same report as the native verifier`);
  }

  // 1a. The assembly sample with its key setup pinned as checked before (the digest its full
  // check printed): PASS, the native report under the same pin, and the ceremony not checked.
  {
    const bundle = `${samples}/assembly/bundle`;
    const full = native(bundle, pins);
    const printed = full.report.findings.map((f) => f.rule.match(/setup sha256 ([0-9a-f]{64})/)).find(Boolean);
    assert.ok(printed, "the full check prints the setup digest");
    const checkedSetups = printed[1];
    const got = await run(page, { bundle, rootKeys: keys, manifests, checkedSetups, workers: 2 });
    const want = native(bundle, [...pins, "--checked-setup", checkedSetups]);
    assert.equal(got.exit, 0, `assembly, setup pinned: ${got.status}`);
    assert.deepEqual(comparable(got.report), comparable(want.report), "assembly, setup pinned: the page's report differs");
    assert.ok(got.report.findings.some((f) => f.step === "V2.h" && f.rule.includes("checked before and pinned")), "the pin is applied");
    console.log(`assembly, setup pinned: PASS in the page (${got.timing}), the ceremony not checked again`);
  }

  // 1b. The assembly sample with its witnessed log: witnessed by 3 of 3, the native report.
  {
    const bundle = `${samples}/assembly/bundle`;
    const log = `${samples}/assembly/log`;
    const witnesses = text(`${samples}/witnesses.txt`);
    const got = await run(page, { bundle, rootKeys: keys, manifests, workers: 2, log, witnesses });
    const want = native(bundle, [...pins, "--log", log, "--witness", `${samples}/witnesses.txt`]);
    assert.equal(want.exit, 0, "assembly with its log: the native verifier does not pass");
    assert.equal(got.exit, 0, `assembly with its log: ${got.status}`);
    assert.deepEqual(comparable(got.report), comparable(want.report), "assembly with its log: the page's report differs");
    assert.equal(got.report.log.witnesses.filter((w) => w.cosigned).length, 3);
    const shown = await page.getAttribute("#report", "srcdoc");
    assert.ok(shown.includes("witnessed by 3 of 3 pinned witnesses"), "the court report names the witnesses");
    await page.screenshot({ path: path.join(out, "sample-log-pass.png"), fullPage: true });
    console.log(`assembly with its log: PASS in the page, witnessed by 3 of 3 (${got.timing})`);
  }

  // 2. A tampered bundle as a zip: fails where the native verifier says it fails.
  const t = tampered();
  const bad = await run(page, { bundle: t.zip, rootKeys: keys, manifests, workers: 3 });
  const badNative = native(t.folder, pins);
  assert.equal(badNative.exit, 1);
  assert.equal(bad.exit, 1, bad.status);
  assert.match(bad.status, /^FAIL: steps /);
  assert.equal(bad.failing, failingSteps(badNative.report));
  assert.ok(bad.failing.split(" ").includes("V1.b"), `tampered: ${bad.failing}`);
  assert.deepEqual(comparable(bad.report), comparable(badNative.report));
  await page.screenshot({ path: path.join(out, "tampered-fail.png"), fullPage: true });
  console.log(`tampered zip: FAIL at ${bad.failing}, as the native verifier (${bad.timing})`);

  // 3. A wrong pin is a failure (V1.f), not a pass.
  const wrongKey = "ab".repeat(32);
  const unpinned = await run(page, { bundle: `${samples}/municipal/bundle`, rootKeys: wrongKey, workers: 1 });
  assert.equal(unpinned.exit, 1);
  assert.ok(unpinned.failing.split(" ").includes("V1.f"), unpinned.failing);
  console.log(`municipal under a key nobody published: FAIL at ${unpinned.failing}`);

  // 4. A scoped run, split in four shares, is the native scoped report.
  const contest = native(`${samples}/municipal/bundle`).report.contests[0].contest_id;
  const scoped = await run(page, { bundle: `${samples}/municipal/bundle`, rootKeys: keys, manifests, contests: contest, workers: 4 });
  const scopedNative = native(`${samples}/municipal/bundle`, [...pins, "--contest", contest]);
  assert.deepEqual(scoped.report.scope, [contest]);
  assert.deepEqual(comparable(scoped.report), comparable(scopedNative.report));
  console.log(`municipal, contest ${contest} only, 4 workers: ${scoped.status}`);

  // 5. The court report is offered for download, built from the same report.
  const href = await page.getAttribute("#get-html", "href");
  assert.ok(href && href.startsWith("blob:"), "no court report to download");
  const shown = await page.getAttribute("#report", "srcdoc");
  assert.ok(shown.includes(scoped.report.root) && shown.includes(`contests ${contest} only`));
  assert.ok((await page.frameLocator("#report").locator("h1").textContent()).startsWith("Verification report"));

  // 6. Nothing left the page: no request after it loaded but its own blob: workers and
  // downloads, and no request refused by its security policy.
  const network = seen.requests.filter((u) => !u.startsWith("blob:") && !u.startsWith("data:") && u !== "about:srcdoc");
  assert.deepEqual(network, [], `requests after load: ${network.join(", ")}`);
  const refused = seen.errors.filter((e) => /Content.Security.Policy|Refused to/i.test(e));
  assert.deepEqual(refused, [], refused.join("\n"));
  assert.deepEqual(seen.errors, [], `console errors: ${seen.errors.join("\n")}`);
  console.log(`network: no request after the page loaded (${seen.requests.length} blob: or data: URLs only)`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
}
if (failed) process.exit(1);
console.log(`browser test passed; screenshots in ${out}/`);
