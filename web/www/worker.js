// One share of a verification run, in a Web Worker. The wasm-bindgen glue (`wasm_bindgen`) is
// placed before this code when the page is built. Messages in: `run` (the compiled module, the
// bundle's files or zip, the log's files for share 0, the options with this worker's share),
// then for share 0 `gather` (the other shares' parts). Messages out: `progress`, `checked`,
// `report`, `error`.
"use strict";

let verdict = null;
let given = [];

// Called by the verifier as station rows are checked.
self.veProgress = (done, total) => postMessage({ kind: "progress", done, total });

// Called by the verifier for the bytes of a chosen file, when a check needs them.
self.veRead = (i) => new Uint8Array(new FileReaderSync().readAsArrayBuffer(given[i].file));

async function load(m) {
  let bundle;
  given = [];
  if (m.zip) {
    const bytes = new Uint8Array(await m.zip.arrayBuffer());
    bundle = wasm_bindgen.Bundle.from_zip(m.zip.name, bytes);
  } else {
    bundle = new wasm_bindgen.Bundle(m.name);
    given = m.files.slice();
    given.forEach((f, i) => bundle.add(f.path, i, f.file.size));
  }
  if (m.log) {
    for (const f of m.log.files) {
      bundle.add_log(m.log.name, f.path, given.length, f.file.size);
      given.push(f);
    }
  }
  return bundle;
}

self.onmessage = async (ev) => {
  const m = ev.data;
  try {
    if (m.kind === "run") {
      wasm_bindgen.initSync({ module: m.module });
      const t0 = performance.now();
      const bundle = await load(m);
      const notes = JSON.parse(bundle.notes());
      const t1 = performance.now();
      verdict = bundle.verify(JSON.stringify(m.options));
      const t2 = performance.now();
      bundle.free();
      const first = m.options.share[0] === 0;
      postMessage({
        kind: "checked",
        share: m.options.share,
        part: first ? null : verdict.part(),
        notes,
        readMs: t1 - t0,
        checkMs: t2 - t1,
      });
      if (!first) {
        verdict.free();
        verdict = null;
      }
    } else if (m.kind === "gather") {
      verdict.absorb(JSON.stringify(m.parts));
      postMessage({
        kind: "report",
        json: verdict.json(),
        text: verdict.text(),
        html: verdict.court_report(JSON.stringify(m.signatories), Date.now()),
        exit: verdict.exit_code(),
      });
    }
  } catch (e) {
    postMessage({ kind: "error", message: String((e && e.message) || e) });
  }
};
