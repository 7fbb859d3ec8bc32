// The page: choose a bundle (a folder or a zip), pin the authority's key and the manifest's
// digest, optionally scope the run, and verify it with several Web Workers, each checking a
// share of the stations' proofs. Everything runs here: the page makes no network request
// (its Content-Security-Policy forbids them), and the files never leave this computer.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { module: null, chosen: null, log: null, workers: [], started: 0 };

function words(text) {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s.length > 0);
}

function lines(text) {
  return text.split(/\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}

function status(text, cls) {
  const s = $("status");
  s.textContent = text;
  s.className = cls || "";
}

function bar(done, total) {
  $("progress").max = total > 0 ? total : 1;
  $("progress").value = done;
}

async function compile() {
  const b64 = document.getElementById("wasm").textContent.trim();
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  state.module = await WebAssembly.compile(bytes);
}

// A chosen folder's files, each with its path inside the folder, and the folder's name.
function listed(files, fallback) {
  const list = [];
  let name = fallback;
  for (const file of files) {
    const rel = file.webkitRelativePath || file.name;
    const cut = rel.indexOf("/");
    name = cut > 0 ? rel.slice(0, cut) : name;
    list.push({ path: cut > 0 ? rel.slice(cut + 1) : rel, file });
  }
  return list.length > 0 ? { name, files: list } : null;
}

function chooseFolder(files) {
  state.chosen = listed(files, "bundle");
  $("zip").value = "";
  $("chosen").textContent = state.chosen ? `${state.chosen.name}: ${state.chosen.files.length} files` : "";
  $("verify").disabled = !state.chosen;
}

function chooseLog(files) {
  state.log = listed(files, "log");
  $("log-chosen").textContent = state.log ? `${state.log.name}: ${state.log.files.length} files` : "";
}

function chooseZip(file) {
  state.chosen = file ? { name: file.name, zip: file } : null;
  $("folder").value = "";
  $("chosen").textContent = file ? `${file.name}: ${file.size} bytes` : "";
  $("verify").disabled = !state.chosen;
}

function stop() {
  for (const w of state.workers) w.terminate();
  state.workers = [];
}

function download(id, name, text, type) {
  const a = $(id);
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.hidden = false;
}

function show(msg, timing) {
  const report = JSON.parse(msg.json);
  window.veReport = report;
  const verdict = { 0: "PASS", 1: "FAIL", 2: "ERROR" }[msg.exit];
  const failing = report.steps.filter((s) => s.failed > 0).map((s) => s.step);
  status(
    verdict === "PASS"
      ? "PASS: every check holds"
      : `${verdict}: ${failing.length ? "steps " + failing.join(", ") : "see the findings"}`,
    verdict.toLowerCase(),
  );
  $("verdict").dataset.exit = String(msg.exit);
  $("verdict").dataset.failing = failing.join(" ");
  $("timing").textContent = timing;
  $("report").srcdoc = msg.html;
  $("report").hidden = false;
  $("text").textContent = msg.text;
  $("json").textContent = msg.json;
  $("details").hidden = false;
  const base = (report.election_id || "bundle").replace(/[^A-Za-z0-9._-]/g, "_");
  download("get-html", `${base}-verification-report.html`, msg.html, "text/html");
  download("get-json", `${base}-verification-report.json`, msg.json, "application/json");
}

function verify() {
  if (!state.chosen || !state.module) return;
  stop();
  const n = Math.max(1, Math.min(16, parseInt($("workers").value, 10) || 1));
  const options = {
    root_keys: $("root-key").value,
    manifests: $("manifest").value,
    checked_setups: $("checked-setup").value,
    contests: words($("contests").value),
    stations: words($("stations").value),
    witnesses: $("witnesses").value,
  };
  const quorum = parseInt($("quorum").value, 10);
  if (quorum > 0) options.quorum = quorum;
  const signatories = lines($("signatories").value);
  const done = new Array(n).fill(0);
  const total = new Array(n).fill(0);
  const parts = [];
  const notes = new Set();
  let checked = 0;
  state.started = performance.now();
  $("verify").disabled = true;
  $("report").hidden = true;
  $("details").hidden = true;
  $("get-html").hidden = true;
  $("get-json").hidden = true;
  $("notes").textContent = "";
  delete $("verdict").dataset.exit;
  status(`starting ${n} worker${n > 1 ? "s" : ""}...`, "busy");
  bar(0, 1);
  const src = document.getElementById("worker-src").textContent;
  const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
  for (let k = 0; k < n; k++) {
    const w = new Worker(url);
    state.workers.push(w);
    w.onerror = (e) => fail(`worker ${k}: ${e.message || "failed"}`);
    w.onmessage = (ev) => {
      const m = ev.data;
      if (m.kind === "progress") {
        done[k] = m.done;
        total[k] = m.total;
        const d = done.reduce((a, b) => a + b, 0);
        const t = total.reduce((a, b) => a + b, 0);
        bar(d, t);
        status(`checking: ${Math.floor((100 * d) / Math.max(t, 1))}% of the station rows`, "busy");
      } else if (m.kind === "checked") {
        m.notes.forEach((x) => notes.add(x));
        $("notes").textContent = [...notes].join("\n");
        if (m.part) parts.push(JSON.parse(m.part));
        checked += 1;
        if (checked === n) {
          status("gathering the shares' results...", "busy");
          state.workers[0].postMessage({ kind: "gather", parts, signatories });
        }
      } else if (m.kind === "report") {
        const secs = ((performance.now() - state.started) / 1000).toFixed(1);
        show(m, `${secs} s in ${n} worker${n > 1 ? "s" : ""}, nothing uploaded`);
        URL.revokeObjectURL(url);
        stop();
        $("verify").disabled = false;
      } else if (m.kind === "error") {
        fail(`worker ${k}: ${m.message}`);
      }
    };
    const share = { share: [k, n] };
    const run = { kind: "run", module: state.module, options: { ...options, ...share } };
    if (state.chosen.zip) run.zip = state.chosen.zip;
    else Object.assign(run, { name: state.chosen.name, files: state.chosen.files });
    // The log is read once, by share 0 (V8 runs there); every share checks the pins.
    if (state.log && k === 0) run.log = state.log;
    w.postMessage(run);
  }
}

function fail(text) {
  stop();
  status(`could not verify: ${text}`, "error");
  $("verdict").dataset.exit = "2";
  $("verify").disabled = !state.chosen;
}

window.addEventListener("DOMContentLoaded", async () => {
  $("workers").value = String(Math.max(1, Math.min(8, navigator.hardwareConcurrency || 2)));
  $("folder").addEventListener("change", (e) => chooseFolder(e.target.files));
  $("zip").addEventListener("change", (e) => chooseZip(e.target.files[0]));
  $("log-folder").addEventListener("change", (e) => chooseLog(e.target.files));
  $("verify").addEventListener("click", verify);
  try {
    await compile();
    status("ready: choose a bundle folder or a zip of it", "");
    document.body.dataset.ready = "1";
  } catch (e) {
    status(`this browser cannot run the verifier: ${e.message || e}`, "error");
  }
});
