#!/usr/bin/env bash
# Real data end to end: Lok Sabha 2014, 1 Kachchh (SC), 1,834 polling stations: the published
# sheets through scripts/constituency.sh (import, setup, seal, prove, verify, reconcile).
#   scripts/kachchh.sh [OUT_DIR] [SEGMENTS]     (SEGMENTS: comma-separated, default all seven)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/kachchh}
segments=${2:-}
data=data/real/gujarat-ls2014-kachchh
exec scripts/constituency.sh "$data" "$out" \
  --electors "$data/kachchh_pc01_booths.csv" --declared "$data/raw/101 Gujarat - Kachchh.csv" \
  --election-id ls2014-gujarat-pc01 --contest-id PC01 --contest-name "1 Kachchh (SC), Lok Sabha 2014" \
  --poll-date 2014-04-30 ${segments:+--segments "$segments"}
