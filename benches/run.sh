#!/usr/bin/env bash
# The bench script: criterion benches of one station (prove, verify), then an end-to-end run on a
# simulated assembly election (simulate, setup, seal, prove, verify), timed, on this machine.
#   benches/run.sh [STATIONS_PER_AC] [ACS]      (defaults: 100 stations x 2 constituencies)
set -euo pipefail
cd "$(dirname "$0")/.."
per_ac=${1:-100}
acs=${2:-2}
cargo build --release -p ve-prover -p ve-verifier
P=target/release/prover
V=target/release/verifier
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "== criterion: one station (prove) and verification (single and parallel)"
cargo bench -p ve-benches --bench station 2>&1 | grep -E "^station|time:|thrpt:" | grep -v "%"

secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
now() { date +%s.%N; }

echo "== end to end: $acs constituencies x $per_ac stations, up to 1,200 electors, 6 candidates + NOTA"
t0=$(now); $P simulate --kind assembly --seed 7 --areas "$acs" --stations "$per_ac" --electors 1200 --out "$work/in" >/dev/null
t1=$(now); $P setup --shapes 1024x8,2048x8 --out "$work/keys" >/dev/null
t2=$(now); $P seal --input "$work/in" --keys "$work/keys" >/dev/null
t3=$(now); $P prove --input "$work/in" --keys "$work/keys" --out "$work/bundle" >/dev/null
t4=$(now); $V check "$work/bundle" --root-key "$work/in/authority.pub" > "$work/report.txt" || { cat "$work/report.txt"; exit 1; }
t5=$(now)
rows=$((per_ac * acs))
printf '%-28s %8s s\n' "simulate" "$(secs "$t0" "$t1")" "setup (2 shapes)" "$(secs "$t1" "$t2")" \
  "seal ($rows stations)" "$(secs "$t2" "$t3")" "prove ($rows stations)" "$(secs "$t3" "$t4")" \
  "verify ($rows stations)" "$(secs "$t4" "$t5")"
python3 -c "import sys; r=int(sys.argv[1]); p=float(sys.argv[3])-float(sys.argv[2]); v=float(sys.argv[4])-float(sys.argv[3]); print(f'per station: prove {p/r*1000:.0f} ms, verify {v/r*1000:.2f} ms (whole bundle, all checks)')" "$rows" "$t3" "$t4" "$t5"
du -sh "$work/bundle" | awk '{print "bundle size: " $1}'
grep -E "^(PASS|FAIL|ERROR)" "$work/report.txt"
