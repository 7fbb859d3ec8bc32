#!/usr/bin/env bash
# Real data end to end: Lok Sabha 2014, 1 Kachchh (SC), 1,834 polling stations.
# Imports the published result sheets (reporting every anomaly), synthesises sealed logs that
# hold each station's published counts in a seeded order, proves every station, builds the
# bundle, verifies it, and reconciles with the declared result.
#   scripts/kachchh.sh [OUT_DIR] [SEGMENTS]     (SEGMENTS: comma-separated, default all seven)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/kachchh}
segments=${2:-}
data=../shared/data/real/gujarat-ls2014-kachchh
cargo build --release -p ve-prover -p ve-verifier
P=target/release/prover
V=target/release/verifier
rm -rf "$out"
mkdir -p "$out"
now() { date +%s.%N; }
t0=$(now)
$P import --raw "$data/raw" --electors "$data/kachchh_pc01_booths.csv" \
  --declared "$data/raw/101 Gujarat - Kachchh.csv" ${segments:+--segments "$segments"} --out "$out/input" \
  --election-id ls2014-gujarat-pc01 --contest-id PC01 --contest-name "1 Kachchh (SC), Lok Sabha 2014" \
  --poll-date 2014-04-30 \
  > "$out/import.txt"
sed -n '/^anomalies by class/,/^$/p' "$out/import.txt"
t1=$(now)
$P setup --shapes 512x8,1024x8,2048x8 --performed-by "kachchh pilot (single party)" --out "$out/keys" > /dev/null
t2=$(now)
$P seal --input "$out/input" --keys "$out/keys"
t3=$(now)
if [ -x /usr/bin/time ]; then /usr/bin/time -f "prove peak memory %M KiB" $P prove --input "$out/input" --keys "$out/keys" --out "$out/bundle"; else $P prove --input "$out/input" --keys "$out/keys" --out "$out/bundle"; fi
t4=$(now)
status=0
$V check "$out/bundle" --root-key "$out/input/authority.pub" > "$out/report.txt" || status=$?
t5=$(now)
sed -n '/^declared results/,/^$/p' "$out/report.txt"
grep -E "^(PASS|FAIL|ERROR)" "$out/report.txt"
python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" <<'PY'
import sys
t = [float(x) for x in sys.argv[1:]]
for name, a, b in [("import", 0, 1), ("setup", 1, 2), ("seal", 2, 3), ("prove", 3, 4), ("verify", 4, 5)]:
    print(f"{name:<8} {t[b] - t[a]:8.1f} s")
PY
echo "importer report: $out/input/import-report.txt; verifier report: $out/report.txt"
exit $status
