#!/usr/bin/env bash
# Regenerates the sample election with totaliser groups in spec/samples/totaliser/ (protocol.md
# §7): one assembly constituency of 16 stations in groups of 4, results published per group, each
# station's counts proved but only committed to, and its VVPAT audit drawn and counted by whole
# groups. Inputs are reproducible from the seed; the ceremony, proofs and salts are fresh each
# run. Pins (authority key, manifest digest) are written beside the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p ve-prover
P=target/release/prover
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=spec/samples/totaliser
# Keys from a two-party ceremony over the committed station circuit and the group circuit.
$P ceremony init --shapes 128x8c,g4x8 --out "$work/c0"
$P ceremony contribute --in "$work/c0" --out "$work/c1" --name "Sample State Election Commission" --role "election authority"
$P ceremony phase2 --in "$work/c1" --out "$work/c2"
$P ceremony contribute --in "$work/c2" --out "$work/c3" --name "Sample Observer" --role "election observer"
$P ceremony verify --in "$work/c3"
$P ceremony finalize --in "$work/c3" --out "$work/keys"
in="$work/in"
$P simulate --kind assembly --seed 2026 --areas 1 --stations 16 --candidates 5 --electors 150 \
  --totaliser 4 --audit-agent 'AGENT-{contest}-K01' --out "$in"
$P seal --input "$in" --keys "$work/keys"
c=AC001
$P audit commit --input "$in" --contest $c --party RO-$c --role ro
$P audit commit --input "$in" --contest $c --party OBS-1 --role observer
$P audit commit --input "$in" --contest $c --party AGENT-$c-K01 --role agent
rm -rf "$out"
mkdir -p "$out"
$P manifest --input "$in" --keys "$work/keys" --out "$work/manifest" \
  | awk '/^manifest sha256/ {print $3 "  # sim-assembly-2026, totaliser groups"}' > "$out/manifest.txt"
$P prove --input "$in" --keys "$work/keys" --out "$out/bundle"
for party in "RO-$c ro" "OBS-1 observer" "AGENT-$c-K01 agent"; do
  set -- $party
  $P audit reveal --input "$in" --bundle "$out/bundle" --contest $c --party "$1" --role "$2"
done
# The batches are the groups: ceil(5 / 4) = 2 groups per segment by statute, then the risk-limiting
# rounds; the paper differs from the machine in the first group drawn (slips prevail).
$P audit draw --input "$in" --bundle "$out/bundle" --contest $c
first=$(python3 -c "import json,sys; p=json.load(open(sys.argv[1])); print(p['statutory'][0])" "$in/audit/draws/$c.json")
all=()
for round in 1 2 3 4 5; do
  $P audit slips --input "$in" --bundle "$out/bundle" --contest $c --plant "$first" --shift 2 "${all[@]}"
  res=$($P audit record --input "$in" --bundle "$out/bundle" --contest $c "${all[@]}")
  echo "$res"
  echo "$res" | grep -q "NOT confirmed" || break
  if [ "$round" -lt 3 ]; then
    $P audit draw --input "$in" --bundle "$out/bundle" --contest $c --more 2
  else
    all=(--all)
  fi
done
echo "$(cat "$in/authority.pub")  # sim-assembly-2026, totaliser groups" > "$out/authority.txt"
echo "sample written to $out (pins: $out/authority.txt, $out/manifest.txt)"
