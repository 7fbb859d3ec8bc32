#!/usr/bin/env bash
# The court report, printed and checked: for each sample bundle, and a tampered copy of one, the
# verifier writes the HTML report and its PDF (headless Chromium); every PDF must have more than
# one page, carry the bundle root and "Page i of n" on every page, show the verdict the verifier
# returned, render the winners' names (Gujarati and Devanagari samples) and have no blank page.
# Pages are rendered to PNG (pdftoppm) and kept in target/court-report/ to look at.
#
#   scripts/court-report.sh
#
# Installs Debian's chromium, poppler-utils and fonts-noto-core when missing (needs root then).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null \
  || ! fc-list 2>/dev/null | grep -q "Noto Sans Devanagari"; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils fonts-noto-core >/dev/null
fi
cargo build --release -q -p ve-verifier
V=$PWD/target/release/verifier
out=target/court-report
rm -rf "$out"
mkdir -p "$out"

# report NAME BUNDLE EXPECTED_EXIT: HTML, PDF and JSON of one bundle, then the checks.
report() {
  local name=$1 bundle=$2 want=$3 code=0
  "$V" check --root-key spec/samples/authorities.txt --pin-manifest spec/samples/manifests.txt \
    "$bundle" --json --html "$out/$name.html" --pdf "$out/$name.pdf" \
    --signatory "Election observer, for the Commission" --signatory "Expert witness, for the Court" \
    > "$out/$name.json" 2>"$out/$name.err" || code=$?
  if [ "$code" != "$want" ]; then
    echo "$name: the verifier exited $code, expected $want" >&2; cat "$out/$name.err" >&2; exit 1
  fi
  python3 - "$out/$name" "$want" <<'PY'
import json, subprocess, sys
base, want = sys.argv[1], int(sys.argv[2])
report = json.load(open(base + ".json"))[0]
root = report["root"]
info = subprocess.run(["pdfinfo", base + ".pdf"], capture_output=True, text=True, check=True).stdout
pages = int(next(l.split()[1] for l in info.splitlines() if l.startswith("Pages:")))
assert pages >= 2, f"{base}.pdf: {pages} page(s): the report is not paginated"
text = ""
for i in range(1, pages + 1):
    t = subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", base + ".pdf", "-"],
                       capture_output=True, text=True, check=True).stdout
    assert f"Bundle root {root}" in " ".join(t.split()), f"{base}.pdf page {i}: no bundle root"
    assert f"Page {i} of {pages}" in t, f"{base}.pdf page {i}: no page number"
    text += t
verdict = {0: "PASS", 1: "FAIL", 2: "ERROR"}[want]
assert verdict + ":" in text, f"{base}.pdf: no {verdict} verdict"
flat = " ".join(text.split())
for c in report["contests"]:
    for w in c["winners"]:
        name = w.split(" ", 1)[1].split(" (")[0]
        assert " ".join(name.split()) in flat, f"{base}.pdf: winner {name!r} not rendered"
# Pages as images: none blank.
subprocess.run(["pdftoppm", "-r", "40", "-gray", base + ".pdf", base], check=True)
subprocess.run(["pdftoppm", "-r", "60", "-png", base + ".pdf", base], check=True)
for i in range(1, pages + 1):
    for suffix in (f"-{i}.pgm", f"-{i:02d}.pgm"):
        try:
            data = open(base + suffix, "rb").read()
            break
        except FileNotFoundError:
            data = None
    assert data, f"{base}: page {i} not rendered"
    # P5 header: magic, width, height, maxval, then one byte per pixel.
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    pixels = data[pos + 1:]
    dark = sum(1 for b in pixels if b < 128)
    assert dark > 500, f"{base}: page {i} is blank"
print(f"{base}.pdf: {pages} pages, root and page numbers on each, {verdict}, winners rendered")
PY
}

for kind in assembly municipal panchayat; do
  report "$kind" "spec/samples/$kind/bundle" 0
done
# A tampered copy: one station's row moved by a vote.
rm -rf "$out/tampered-bundle"
cp -r spec/samples/assembly/bundle "$out/tampered-bundle"
python3 - "$out/tampered-bundle/contests/AC001.json" <<'PY'
import json, sys
shard = json.load(open(sys.argv[1]))
row = shard["stations"][0]
row["counts"][0] += 1
row["counts"][1] -= 1
json.dump(shard, open(sys.argv[1], "w"), indent=2)
PY
report tampered "$out/tampered-bundle" 1
rm -f "$out"/*.pgm
echo "PASS: court reports printed and checked; pages in $out/"
