#!/usr/bin/env bash
# Fuzzes every parser the verifier exposes to untrusted bytes (cargo-fuzz, libFuzzer), each
# target for SECONDS (default 600), seeded from the sample bundles. Not part of CI.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# A crash leaves its input in fuzz/artifacts/<target>/; turn it into a named regression test
# (verifier/tests/suite/malformed.rs) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(manifest shard proof key log audit bundle tlog r1cs aggregate)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
corpus=fuzz/corpus
S=spec/samples
mkdir -p "$corpus"/{manifest,shard,proof,key,log,audit,bundle,tlog,r1cs,aggregate}
xz -dc spec/vectors/circuits/64x4.r1cs.xz > "$corpus/r1cs/64x4.r1cs"
for k in assembly municipal panchayat; do cp "$S/$k/log/checkpoint" "$corpus/tlog/$k-checkpoint"; for f in $S/$k/log/tile/entries/000.p/*; do cp "$f" "$corpus/tlog/$k-entries-$(basename "$f")"; done; done
cp $S/*/bundle/election.json $S/*/bundle/bundle.json "$corpus/manifest/" 2>/dev/null || true
for k in assembly municipal panchayat; do
  for f in $S/$k/bundle/contests/*.json; do cp "$f" "$corpus/shard/$k-$(basename "$f")"; cp "$f" "$corpus/bundle/$k-$(basename "$f")"; done
  for f in $S/$k/bundle/stations/*.json; do cp "$f" "$corpus/manifest/$k-stations-$(basename "$f")"; done
  for f in $S/$k/bundle/keys/*.vk; do { printf '\001'; cat "$f"; } > "$corpus/key/$k-$(basename "$f")"; done
done
cp $S/assembly/bundle/audit/records/*.json "$corpus/audit/" 2>/dev/null || true
python3 - "$corpus" <<'PY'
import json, sys, glob
out = sys.argv[1]
for i, f in enumerate(sorted(glob.glob("spec/samples/*/bundle/contests/*.json"))[:4]):
    s = json.load(open(f))
    for r in s["stations"][:2]:
        open(f"{out}/proof/{i}-{r['station_id']}", "w").write(r["proof"])
# A small sealed log and salt in the formats `verifier open` reads.
log = {"station_id": "S1", "contests": [{"contest_id": "C1", "units": [{"cu": "CU1", "votes": [[25200, 0], [25260, 2], [25300, 1]]}]}]}
salt = {"station_id": "S1", "contests": [{"contest_id": "C1", "salt": "00" * 32}]}
json.dump(log, open(f"{out}/log/log.json", "w"))
json.dump(salt, open(f"{out}/log/salt.json", "w"))
PY
cd fuzz
for t in "${targets[@]}"; do
  echo "== $t: ${secs}s"
  cargo fuzz run --sanitizer none "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=4096 -max_len=262144 2>&1 \
    | grep -E "Done|stat::|SUMMARY|panicked|ERROR" || true
done
if find artifacts -type f 2>/dev/null | grep -q .; then
  find artifacts -type f
  echo "crashes: inputs above, in fuzz/artifacts"
  exit 1
fi
echo "no crash in any target"
