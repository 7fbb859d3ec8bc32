#!/usr/bin/env bash
# A whole constituency from its published Form 20 sheets, end to end: import (the layout of
# every sheet recognised, every anomaly reported) -> key setup (the shapes the import says the
# stations need) -> seal (synthesised logs holding each station's published counts in a seeded
# order) -> prove -> verify -> reconcile with the declared result; then the anomalies per class.
#
#   scripts/constituency.sh DIR OUT --election-id ID --contest-id ID --contest-name NAME \
#       --poll-date YYYY-MM-DD [--electors FILE] [--declared FILE] [--segments 1,2]
#
# KEYS=ceremony: the keys from a two-contributor ceremony made for aggregated proofs instead of a
# single-party setup (the bundle then carries the ceremony and one aggregate per shape).
#
# DIR is laid out as in data/real/gujarat-ls2014/<pc>/: raw/AC<nnn>.csv, electors.csv
# and declared.csv (other names with --electors / --declared). Nothing about a constituency is
# assumed: its ids, name and poll date are given.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 64; }
dir=$1 out=$2
shift 2
electors=$dir/electors.csv
declared=$dir/declared.csv
pass=()
while [ $# -gt 0 ]; do
  case $1 in
    --electors) electors=$2; shift 2 ;;
    --declared) declared=$2; shift 2 ;;
    *) pass+=("$1"); shift ;;
  esac
done
cargo build -q --release -p ve-prover -p ve-verifier
P=target/release/prover
V=target/release/verifier
rm -rf "$out"
mkdir -p "$out"
now() { date +%s.%N; }
t0=$(now)
opt=()
[ -f "$electors" ] && opt+=(--electors "$electors")
[ -f "$declared" ] && opt+=(--declared "$declared")
$P import --raw "$dir/raw" "${opt[@]}" --out "$out/input" "${pass[@]}" > "$out/import.txt"
grep -E "^(imported|key shapes|VVPAT)" "$out/import.txt"
sed -n '/^anomalies by class/,/^$/p' "$out/import.txt"
shapes=$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["shapes"]))' "$out/input/import-report.json")
t1=$(now)
if [ "${KEYS:-}" = ceremony ]; then
  # Keys from a ceremony of one contributor per phase, made for aggregated proofs (every
  # station of the constituency in one aggregate per shape): KEYS=ceremony scripts/constituency.sh ...
  stations=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["stations"]))' "$out/input/election.json")
  $P ceremony init --shapes "$shapes" --aggregate "$stations" --out "$out/c0" > /dev/null
  $P ceremony contribute --in "$out/c0" --out "$out/c1" --name "$(basename "$dir") pilot" --role "election authority" > /dev/null
  $P ceremony phase2 --in "$out/c1" --out "$out/c2" > /dev/null
  $P ceremony contribute --in "$out/c2" --out "$out/c3" --name "$(basename "$dir") observer" --role "observer" > /dev/null
  $P ceremony finalize --in "$out/c3" --out "$out/keys" > /dev/null
  rm -f "$out"/c?
else
  $P setup --shapes "$shapes" --performed-by "$(basename "$dir") pilot (single party)" --out "$out/keys" > /dev/null
fi
t2=$(now)
$P seal --input "$out/input" --keys "$out/keys"
t3=$(now)
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "prove peak memory %M KiB" $P prove --input "$out/input" --keys "$out/keys" --out "$out/bundle"
else
  $P prove --input "$out/input" --keys "$out/keys" --out "$out/bundle"
fi
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
