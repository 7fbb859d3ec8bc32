#!/usr/bin/env bash
# A third implementation reads the circuit as data (spec/encodings.md §8): snarkjs (iden3's,
# npm) reads the 64x4 and 256x8 exports, and checks that the synthetic 64x4 station's assignment
# satisfies every constraint while the same assignment with count[0] raised by one does not.
# Needs node and npm; installs snarkjs into a temporary folder (removed after).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v npm >/dev/null || { apt-get update -q && apt-get install -y -q nodejs npm; }
command -v xz >/dev/null || { apt-get update -q && apt-get install -y -q xz-utils; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm install --silent --no-audit --no-fund snarkjs@0.7 >/dev/null)
sj="$tmp/node_modules/.bin/snarkjs"
for s in 64x4 256x8; do
  xz -dc "$here/circuits/$s.r1cs.xz" > "$tmp/$s.r1cs"
  "$sj" r1cs info "$tmp/$s.r1cs" | sed 's/\x1b\[[0-9;]*m//g' | grep -E "Curve|Constraints|Public Inputs"
done
# The assignment as a .wtns file (iden3 witness format, version 2), and the same with a lie.
python3 - "$here/circuits/64x4.assignment.json" "$tmp" <<'PY'
import json, struct, sys
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
z = [int(x) for x in json.load(open(sys.argv[1]))["assignment"]]
def wtns(z, path):
    head = struct.pack("<I", 32) + R.to_bytes(32, "little") + struct.pack("<I", len(z))
    body = b"".join(v.to_bytes(32, "little") for v in z)
    out = b"wtns" + struct.pack("<II", 2, 2)
    out += struct.pack("<IQ", 1, len(head)) + head + struct.pack("<IQ", 2, len(body)) + body
    open(path, "wb").write(out)
wtns(z, sys.argv[2] + "/honest.wtns")
lie = list(z)
lie[3] = (lie[3] + 1) % R
wtns(lie, sys.argv[2] + "/lie.wtns")
PY
"$sj" wtns check "$tmp/64x4.r1cs" "$tmp/honest.wtns" | grep -q "WITNESS IS CORRECT"
echo "64x4: snarkjs finds the example station's assignment correct"
if "$sj" wtns check "$tmp/64x4.r1cs" "$tmp/lie.wtns" | grep -q "WITNESS IS CORRECT"; then
  echo "64x4: snarkjs accepts a raised count" >&2
  exit 1
fi
echo "64x4: snarkjs refuses the same assignment with count[0] raised by one"
