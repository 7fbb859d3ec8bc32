#!/usr/bin/env bash
# The verifier in a web page.
#
#   scripts/web.sh build     builds target/web/verifier.html: one self-contained file (the
#                            verifier compiled to WebAssembly, its workers and the page) to open
#                            from disk or put on any static host
#   scripts/web.sh test      builds it, then drives Debian's chromium through it (playwright-core
#                            from npm): a sample folder passes, a tampered zip fails at the step
#                            it breaks, a scoped run, and no network request at all; screenshots
#                            in target/web/
#   scripts/web.sh measure BUNDLE [ROOT_KEY_FILE]
#                            times the page (1, 2 and 4 workers) against the native verifier on
#                            one bundle (the Kachchh bundle of scripts/kachchh.sh, for one)
#
# Installs what it needs when missing: the wasm32 target (rustup), wasm-bindgen-cli at the
# version Cargo.lock pins, chromium (apt-get, needs root) and playwright-core (npm).
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/web

need_wasm_tools() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  # The CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    # --force: a copy cargo remembers installing may have been removed since.
    cargo install -q --force wasm-bindgen-cli --version "$want"
  fi
}

build() {
  need_wasm_tools
  cargo build -q --release -p ve-web --target wasm32-unknown-unknown
  rm -rf "$out/pkg"
  mkdir -p "$out/pkg"
  wasm-bindgen --target no-modules --no-typescript --out-dir "$out/pkg" \
    target/wasm32-unknown-unknown/release/web.wasm
  python3 - "$out" <<'PY'
import base64, pathlib, sys
out = pathlib.Path(sys.argv[1])
www = pathlib.Path("web/www")
page = (www / "index.html").read_text()
glue = (out / "pkg/web.js").read_text()
worker = (www / "worker.js").read_text()
app = (www / "app.js").read_text()
wasm = base64.b64encode((out / "pkg/web_bg.wasm").read_bytes()).decode()
for name, text in [("glue", glue), ("worker", worker), ("app", app)]:
    # Inlined scripts must not close their own element.
    assert "</script" not in text.lower(), f"{name} holds </script"
for mark, text in [("/*GLUE*/", glue), ("/*WORKER*/", worker), ("/*APP*/", app), ("/*WASM_BASE64*/", wasm)]:
    assert page.count(mark) == 1, mark
    page = page.replace(mark, text)
(out / "verifier.html").write_text(page)
size = (out / "verifier.html").stat().st_size
wasm_size = (out / "pkg/web_bg.wasm").stat().st_size
print(f"{out}/verifier.html: {size / 1e6:.1f} MB (WebAssembly {wasm_size / 1e6:.1f} MB)")
PY
}

need_browser() {
  if ! command -v chromium >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
  fi
  if ! command -v node >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  (cd web/test && npm ci --no-audit --no-fund --silent)
}

case "${1:-build}" in
  build)
    build
    ;;
  test)
    build
    need_browser
    cargo build -q --release -p ve-verifier
    node web/test/browser.mjs "$out"
    ;;
  measure)
    [ $# -ge 2 ] || { echo "usage: scripts/web.sh measure BUNDLE [ROOT_KEY_FILE]" >&2; exit 64; }
    build
    need_browser
    cargo build -q --release -p ve-verifier
    node web/test/measure.mjs "$out" "$2" "${3:-}"
    ;;
  *)
    echo "usage: scripts/web.sh build | test | measure BUNDLE [ROOT_KEY_FILE]" >&2
    exit 64
    ;;
esac
