#!/usr/bin/env bash
# The key ceremony, timed on this machine (spec/ceremony.md): init, phase-1 contributions,
# phase 2, phase-2 contributions (each `contribute` first verifies the state it receives, as a
# contributor's machine does), a full verify of the chain, finalize, and the transcript's size
# per contribution.
#   benches/ceremony.sh [SHAPES] [PHASE1_CONTRIBUTIONS] [PHASE2_CONTRIBUTIONS]
#   defaults: 2048x16, 2, 10
set -euo pipefail
cd "$(dirname "$0")/.."
shapes=${1:-2048x16}
n1=${2:-2}
n2=${3:-10}
cargo build --release -p ve-prover >/dev/null 2>&1
P=target/release/prover
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "== ceremony for $shapes: $n1 phase-1 and $n2 phase-2 contributions"
t=$(now); $P ceremony init --shapes "$shapes" --out "$work/s0" | tail -1
echo "init: $(secs "$t" "$(now)") s"
k=0
for i in $(seq 1 "$n1"); do
  t=$(now)
  $P ceremony contribute --in "$work/s$k" --out "$work/s$((k + 1))" --name "P1-$i" --role bench >/dev/null
  echo "phase-1 contribution $i (verify received state + contribute): $(secs "$t" "$(now)") s"
  rm -f "$work/s$k"; k=$((k + 1))
done
t=$(now); $P ceremony phase2 --in "$work/s$k" --out "$work/s$((k + 1))" >/dev/null
echo "phase 2 begun (group FFTs, initial keys): $(secs "$t" "$(now)") s"
rm -f "$work/s$k"; k=$((k + 1))
for i in $(seq 1 "$n2"); do
  t=$(now)
  $P ceremony contribute --in "$work/s$k" --out "$work/s$((k + 1))" --name "P2-$i" --role bench >/dev/null
  echo "phase-2 contribution $i (verify received state + contribute): $(secs "$t" "$(now)") s"
  rm -f "$work/s$k"; k=$((k + 1))
done
t=$(now); $P ceremony verify --in "$work/s$k" >/dev/null
echo "verify the whole chain ($((n1 + n2)) contributions): $(secs "$t" "$(now)") s"
echo "state file: $(stat -c %s "$work/s$k") bytes"
t=$(now); $P ceremony finalize --in "$work/s$k" --out "$work/keys" >/dev/null
echo "finalize (verify, initial keys again, write keys): $(secs "$t" "$(now)") s"
tr=$(stat -c %s "$work/keys/ceremony/transcript.json")
echo "transcript: $tr bytes for $((n1 + n2)) contributions ($((tr / (n1 + n2))) bytes each)"
for f in "$work"/keys/ceremony/*.bin; do echo "$(basename "$f"): $(stat -c %s "$f") bytes"; done
