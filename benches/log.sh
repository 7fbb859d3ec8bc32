#!/usr/bin/env bash
# The witnessed log, measured (spec/log.md; README "Measured"):
#  1. appends: 1.05 million real close-of-poll entries (signed statements) appended and published
#     in heads of 10,000, the tiles written to disk; appends per second and the log's size;
#  2. witness latency: `witness serve` on localhost, one add-checkpoint per head (the state
#     synced to disk before each answer), median and 99th percentile;
#  3. the verifier's extra cost for the log over a real bundle (every station simulated, sealed,
#     proved and logged: no proof reused): `verifier check` with and without --log, and
#     `verifier follow --once` (every counting round checked and tallied).
#
#   benches/log.sh [ACS] [STATIONS_PER_AC] [WORKDIR]
#       defaults: 10 constituencies x 2,000 stations = 20,000; WORKDIR target/log-bench keeps
#       the bundle and its log between runs (proving is the long part: about 40 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
acs=${1:-10}
per_ac=${2:-2000}
work=${3:-target/log-bench}
mkdir -p "$work"
cargo build --release -q -p ve-prover -p ve-verifier -p ve-witness -p ve-benches --example log
P=target/release/prover
V=target/release/verifier
W=target/release/witness
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "== 1, 2: appends and witness latency"
target/release/examples/log --witness "$W" --work "$work/appends"

echo "== 3: a bundle of $((acs * per_ac)) stations and its log"
dir="$work/election"
if [ ! -f "$dir/bundle/bundle.json" ]; then
  rm -rf "$dir"
  $P simulate --kind assembly --seed 1050 --areas "$acs" --stations "$per_ac" --electors 60 \
    --candidates 6 --out "$dir/in" >/dev/null
  $P setup --shapes 64x8,128x8 --out "$dir/keys" >/dev/null
  $P log init --input "$dir/in" --log "$dir/log" --origin log.bench.example/national >/dev/null
  $P seal --input "$dir/in" --keys "$dir/keys" >/dev/null
  t0=$(now)
  $P prove --input "$dir/in" --keys "$dir/keys" --out "$dir/bundle" >/dev/null
  echo "proved in $(secs "$t0" "$(now)") s"
  : > "$dir/witnesses.txt"
  for i in 1 2 3; do $W keygen --name "w$i.bench.example" --out "$dir/w$i.key" >> "$dir/witnesses.txt"; done
  t0=$(now)
  $P log replay --input "$dir/in" --log "$dir/log" --bundle "$dir/bundle" --witness-key "$dir/w1.key" \
    --witness-key "$dir/w2.key" --witness-key "$dir/w3.key" --witness-state "$dir/wstate"
  echo "logged (replay, 3 witnesses in process) in $(secs "$t0" "$(now)") s; log size $(du -sh "$dir/log" | cut -f1)"
fi
key="$dir/in/authority.pub"
for cores in 1 2; do
  for run in 1 2; do
    t0=$(now); RAYON_NUM_THREADS=$cores $V check "$dir/bundle" --root-key "$key" > "$work/plain.txt"; t1=$(now)
    RAYON_NUM_THREADS=$cores $V check "$dir/bundle" --root-key "$key" --log "$dir/log" --witness "$dir/witnesses.txt" > "$work/logged.txt"; t2=$(now)
    echo "check, $cores core(s), run $run: without the log $(secs "$t0" "$t1") s, with it $(secs "$t1" "$t2") s"
  done
done
grep -E "^(PASS|FAIL|ERROR)|^log " "$work/logged.txt"
t0=$(now); $V follow "$dir/log" --manifest "$dir/bundle/election.json" --witness "$dir/witnesses.txt" --once > "$work/follow.txt"; t1=$(now)
rounds=$(grep -c " round " "$work/follow.txt" || true)
python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); r=int(sys.argv[3]); print(f'follow --once: {t:.2f} s for the whole log, {r} rounds: {t/max(r,1)*1000:.1f} ms per round (entries read and checked, signatures included)')" "$t0" "$t1" "$rounds"
