#!/usr/bin/env bash
# Totaliser groups against booth-wise publication, on the same simulated election: proving
# (station rows, then groups), verification, and bundle size. One assembly election of ACS
# constituencies x STATIONS stations (up to 300 electors, 5 candidates + NOTA: shapes 256x8 and
# 256x8c), grouped with k = K (groups of K to 2K-1 stations, proved in g16x8 or g32x8).
#
#   benches/totaliser.sh [ACS] [STATIONS] [K] [WORKDIR]     defaults 2 x 56, k = 14, target/totaliser
# WORKDIR keeps the bundles: a second run with the same sizes times verification only.
set -euo pipefail
cd "$(dirname "$0")/.."
acs=${1:-2}
per_ac=${2:-56}
k=${3:-14}
work=${4:-target/totaliser}
sizes="$acs x $per_ac, k = $k"
if [ "$(cat "$work/sizes" 2>/dev/null)" != "$sizes" ]; then
  rm -rf "$work"
fi
mkdir -p "$work"
cargo build --release -q -p ve-prover -p ve-verifier
P=target/release/prover
V=target/release/verifier
now() { date +%s.%N; }
[ -d "$work/keys" ] || $P setup --shapes 256x8,256x8c,g16x8,g32x8 --out "$work/keys" >/dev/null
for mode in booth-wise grouped; do
  proving="kept from an earlier run"
  if [ ! -f "$work/$mode/bundle/bundle.json" ]; then
    extra=()
    [ "$mode" = grouped ] && extra=(--totaliser "$k")
    rm -rf "$work/$mode"
    $P simulate --kind assembly --seed 29 --areas "$acs" --stations "$per_ac" --electors 300 \
      --candidates 5 --statutory-only "${extra[@]}" --out "$work/$mode/in" >/dev/null
    $P seal --input "$work/$mode/in" --keys "$work/keys" >/dev/null
    t0=$(now)
    $P prove --input "$work/$mode/in" --keys "$work/keys" --out "$work/$mode/bundle" >/dev/null
    t1=$(now)
    proving=$(printf '%.1f s, %.0f ms a station on 2 cores' "$(echo "$t1 - $t0" | bc -l)" \
      "$(echo "1000 * ($t1 - $t0) / ($acs * $per_ac)" | bc -l)")
  fi
  # Verification: best of five runs, every core.
  best=
  for _ in 1 2 3 4 5; do
    v0=$(now)
    $V check "$work/$mode/bundle" >/dev/null
    v1=$(now)
    t=$(echo "$v1 - $v0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  bytes=$(du -sb "$work/$mode/bundle/contests" | cut -f1)
  stations=$((acs * per_ac))
  groups=$(python3 -c "import json,glob; print(sum(len(json.load(open(f)).get('groups', [])) for f in glob.glob('$work/$mode/bundle/contests/*.json')))")
  printf '%-10s stations %d groups %d  proving %s  verification %.3f s (%.2f ms a station)  shards %d bytes (%.0f a station)\n' \
    "$mode" "$stations" "$groups" "$proving" \
    "$best" "$(echo "1000 * $best / $stations" | bc -l)" "$bytes" "$(echo "$bytes / $stations" | bc -l)"
done
echo "$sizes" > "$work/sizes"
