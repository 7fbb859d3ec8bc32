#!/usr/bin/env bash
# Aggregated proofs at scale: a bundle of real proofs (every station simulated, sealed and
# proved) whose keys come from a ceremony made for aggregation, verified with its aggregates
# (V4.f) and without them (--per-station: every proof alone, as a bundle without aggregates is
# checked), on all cores and on one; the aggregates' size; a projection to a general election
# of 1.05 million polling stations. The aggregation itself (prover side) and one aggregate's
# verification alone: `cargo run --release -p ve-benches --example aggregate N`.
#
#   benches/aggregates.sh [ACS] [STATIONS_PER_AC] [WORKDIR]
#       defaults: 2 constituencies x 2,000 stations; WORKDIR defaults to target/aggregates and
#       keeps the bundle between runs. Proving is the long part (about 10 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
acs=${1:-2}
per_ac=${2:-2000}
work=${3:-target/aggregates}
national=1050000
mkdir -p "$work"
cargo build --release -q -p ve-prover -p ve-verifier
P=target/release/prover
V=target/release/verifier
n=$((acs * per_ac))

# Keys from a ceremony of one contributor per phase, made for aggregation (the most stations of
# one shape in one contest: every station of a constituency).
if [ ! -f "$work/keys/setup.json" ]; then
  rm -rf "$work/keys" "$work"/c?
  $P ceremony init --shapes 64x8,128x8 --aggregate "$per_ac" --out "$work/c0" >/dev/null
  $P ceremony contribute --in "$work/c0" --out "$work/c1" --name "Bench SEC" --role "election authority" >/dev/null
  $P ceremony phase2 --in "$work/c1" --out "$work/c2" >/dev/null
  $P ceremony contribute --in "$work/c2" --out "$work/c3" --name "Bench Observer" --role "observer" >/dev/null
  $P ceremony finalize --in "$work/c3" --out "$work/keys" >/dev/null
  rm -f "$work"/c?
fi
# Stations of up to 60 electors, 6 candidates + NOTA, as benches/national.sh.
if [ ! -f "$work/election/bundle/bundle.json" ]; then
  rm -rf "$work/election"
  $P simulate --kind assembly --seed 1050 --areas "$acs" --stations "$per_ac" --electors 60 \
    --candidates 6 --out "$work/election/in" >/dev/null
  $P seal --input "$work/election/in" --keys "$work/keys" >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/prove.time" \
    $P prove --input "$work/election/in" --keys "$work/keys" --out "$work/election/bundle" >/dev/null
fi
bundle="$work/election/bundle"
key=$(cat "$work/election/in/authority.pub")

# run LABEL COMMAND...: wall seconds and peak RSS (KiB) of one command; the report must pass.
run() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" > "$work/$label.txt" || true
  grep -q "^PASS" "$work/$label.txt" || { cat "$work/$label.txt"; exit 1; }
}
# The key ceremony's check (V2.h) is made once per bundle whatever its size: timed alone
# (`verifier ceremony`, which checks the index, the manifest and the keys with their ceremony).
first=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['phase1'][0]['hash'][:16])" "$bundle/ceremony/transcript.json")
keys_only() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" "$V" ceremony --contribution "$first" "$bundle" --root-key "$key" > "$work/$label.txt"
}
echo "== verifying $n stations"
for i in 1 2 3 4 5; do
  keys_only "keys-all-$i"
  keys_only "keys-one-$i" env RAYON_NUM_THREADS=1
  run "agg-all-$i" "$V" check "$bundle" --root-key "$key"
  run "per-all-$i" "$V" check "$bundle" --root-key "$key" --per-station
  RAYON_NUM_THREADS=1 run "agg-one-$i" "$V" check "$bundle" --root-key "$key"
  RAYON_NUM_THREADS=1 run "per-one-$i" "$V" check "$bundle" --root-key "$key" --per-station
done

python3 - "$work" "$n" "$national" "$bundle" <<'EOF'
import glob, json, os, statistics, sys
work, n, national, bundle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def tm(label):
    e, m = open(f"{work}/{label}.time").read().split()[-2:]
    return float(e), int(m) / 1024
RUNS = (1, 2, 3, 4, 5)
def med(prefix):
    return statistics.median(tm(f"{prefix}-{i}")[0] for i in RUNS)
agg_all, per_all, agg_one, per_one = (med(p) for p in ("agg-all", "per-all", "agg-one", "per-one"))
keys_all, keys_one = med("keys-all"), med("keys-one")
# Per station: each whole run less the one-off check of the keys and their ceremony timed just
# before it (the machine's speed drifts over minutes), median over the runs.
def st(prefix, keys):
    return statistics.median(tm(f"{prefix}-{i}")[0] - tm(f"{keys}-{i}")[0] for i in RUNS) / n * 1e3
files = sorted(glob.glob(f"{bundle}/aggregates/*.json"))
sizes = [len(bytes.fromhex(a["proof"])) for f in files for a in json.load(open(f))["aggregates"]]
count = len(sizes)
total = sum(os.path.getsize(f) for f in glob.glob(f"{bundle}/**/*", recursive=True) if os.path.isfile(f))
prove = tm("prove")[0] if os.path.exists(f"{work}/prove.time") else None
rows = [
    ("aggregates in the bundle", f"{count} ({', '.join(f'{s / 1024:.1f} KiB' for s in sizes)} binary; hex in JSON)"),
    ("bundle size", f"{total / 2**20:.1f} MB"),
    ("the keys and their ceremony alone (V1, V2 with V2.h: once per bundle), all cores / 1 core", f"{keys_all:.2f} s / {keys_one:.2f} s"),
    (f"verify, every check, all cores, with aggregates (median of 5)", f"{agg_all:.2f} s ({st('agg-all', 'keys-all'):.3f} ms a station beyond the keys)"),
    (f"verify, every check, all cores, every proof alone (--per-station)", f"{per_all:.2f} s ({st('per-all', 'keys-all'):.3f} ms a station beyond the keys)"),
    (f"verify, 1 core, with aggregates", f"{agg_one:.2f} s ({st('agg-one', 'keys-one'):.3f} ms a station beyond the keys)"),
    (f"verify, 1 core, every proof alone", f"{per_one:.2f} s ({st('per-one', 'keys-one'):.3f} ms a station beyond the keys)"),
    (f"extrapolated: {national:,} stations, all cores, with aggregates (+ the keys once)", f"{st('agg-all', 'keys-all') * national / 1e3:.0f} s + {keys_all:.1f} s"),
    (f"extrapolated: {national:,} stations, all cores, every proof alone (+ the keys once)", f"{st('per-all', 'keys-all') * national / 1e3:.0f} s + {keys_all:.1f} s"),
    (f"proving the {n:,}-station bundle, aggregates included (all cores)", "not measured: bundle reused" if prove is None else f"{prove / 60:.1f} min"),
]
print("== aggregated proofs")
w = max(len(r[0]) for r in rows)
for k, v in rows:
    print(f"{k:<{w}}  {v}")
EOF
