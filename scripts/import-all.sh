#!/usr/bin/env bash
# Imports every constituency in data/real/ (Kachchh and the four of gujarat-ls2014/: 35 segments) with
# the release prover, times it, and prints each one's stations, VVPAT decision and anomalies per
# class. Inputs are written under OUT (default out/import-all).
#   scripts/import-all.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/import-all}
real=data/real
cargo build --release -q -p ve-prover
P=target/release/prover
rm -rf "$out"
mkdir -p "$out"
now() { date +%s.%N; }
t0=$(now)
$P import --raw "$real/gujarat-ls2014-kachchh/raw" \
  --electors "$real/gujarat-ls2014-kachchh/kachchh_pc01_booths.csv" \
  --declared "$real/gujarat-ls2014-kachchh/raw/101 Gujarat - Kachchh.csv" \
  --election-id ls2014-gujarat-pc01 --contest-id PC01 --contest-name "1 Kachchh (SC)" \
  --poll-date 2014-04-30 --out "$out/pc01-kachchh" > "$out/pc01-kachchh.txt"
for dir in "$real"/gujarat-ls2014/pc*/; do
  pc=$(basename "$dir")
  id=${pc%%-*}
  $P import --raw "$dir/raw" --electors "$dir/electors.csv" --declared "$dir/declared.csv" \
    --election-id "ls2014-gujarat-$id" --contest-id "${id^^}" --contest-name "$pc" \
    --poll-date 2014-04-30 --out "$out/$pc" > "$out/$pc.txt"
done
t1=$(now)
for f in "$out"/*.txt; do
  echo "== $(basename "$f" .txt)"
  grep -E "^(imported|VVPAT)" "$f" | cut -c1-160
  sed -n '/^anomalies by class/,/^$/p' "$f" | sed '1d;/^$/d'
done
segments=$(ls "$real"/gujarat-ls2014-kachchh/raw/AC*.csv "$real"/gujarat-ls2014/pc*/raw/AC*.csv | wc -l)
python3 -c 'import sys; print(f"imported {sys.argv[3]} segments in {float(sys.argv[2]) - float(sys.argv[1]):.1f} s (inputs written)")' "$t0" "$t1" "$segments"
