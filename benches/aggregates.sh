#!/usr/bin/env bash
# Aggregated proofs at scale: two bundles of real proofs (every station simulated, sealed and
# proved) under the same keys, from a ceremony made for aggregation, verified with their
# aggregates (V4.f) and without them (--per-station: every proof alone, as a bundle without
# aggregates is checked), on all cores and on one; the aggregates' size; a projection to a
# general election of 1.05 million polling stations. The aggregation itself (prover side) and
# one aggregate's verification alone: `cargo run --release -p ve-benches --example aggregate N`.
#
#   benches/aggregates.sh [ACS] [STATIONS_PER_AC] [BASE_ACS] [WORKDIR]
#       defaults: 10 constituencies x 2,000 stations, against a base of 2 x 2,000; WORKDIR
#       defaults to target/aggregates and keeps the keys and bundles between runs. Proving is
#       the long part (about 10 minutes per 4,000 stations on 2 cores).
#
# The cost of a station is the slope between the two bundles: (time of the larger - time of the
# smaller) / (stations of the larger - stations of the smaller), each the median of five runs
# taken in turn. What every bundle pays once (the keys and their ceremony, V2.h; the manifest)
# cancels out, and each contest's aggregate is in the slope at its contest's size.
set -euo pipefail
cd "$(dirname "$0")/.."
acs=${1:-10}
per_ac=${2:-2000}
base_acs=${3:-2}
work=${4:-target/aggregates}
national=1050000
mkdir -p "$work"
cargo build --release -q -p ve-prover -p ve-verifier
P=target/release/prover
V=target/release/verifier

# Keys from a ceremony of one contributor per phase, made for aggregation (the most stations of
# one shape in one contest: every station of a constituency).
keys="$work/keys-$per_ac"
if [ ! -f "$keys/setup.json" ]; then
  rm -rf "$keys" "$work"/c?
  $P ceremony init --shapes 64x8,128x8 --aggregate "$per_ac" --out "$work/c0" >/dev/null
  $P ceremony contribute --in "$work/c0" --out "$work/c1" --name "Bench SEC" --role "election authority" >/dev/null
  $P ceremony phase2 --in "$work/c1" --out "$work/c2" >/dev/null
  $P ceremony contribute --in "$work/c2" --out "$work/c3" --name "Bench Observer" --role "observer" >/dev/null
  $P ceremony finalize --in "$work/c3" --out "$keys" >/dev/null
  rm -f "$work"/c?
fi
# Stations of up to 60 electors, 6 candidates + NOTA, as benches/national.sh.
election() {
  local e="$work/election-${1}x$per_ac"
  if [ ! -f "$e/bundle/bundle.json" ]; then
    rm -rf "$e"
    $P simulate --kind assembly --seed 1050 --areas "$1" --stations "$per_ac" --electors 60 \
      --candidates 6 --out "$e/in" >/dev/null
    $P seal --input "$e/in" --keys "$keys" >/dev/null
    /usr/bin/time -f "%e %M" -o "$e/prove.time" \
      $P prove --input "$e/in" --keys "$keys" --out "$e/bundle" >/dev/null
  fi
  echo "$e"
}
small=$(election "$base_acs")
large=$(election "$acs")

# run LABEL BUNDLE COMMAND...: wall seconds and peak RSS (KiB) of one check; the report must pass.
run() {
  local label=$1 e=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" "$V" check "$e/bundle" --root-key "$(cat "$e/in/authority.pub")" $flags \
    > "$work/$label.txt" || true
  grep -q "^PASS" "$work/$label.txt" || { cat "$work/$label.txt"; exit 1; }
}
# The key ceremony's check (V2.h) is made once per bundle whatever its size: timed alone
# (`verifier ceremony`, which checks the index, the manifest and the keys with their ceremony).
first=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['phase1'][0]['hash'][:16])" "$small/bundle/ceremony/transcript.json")
keys_only() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" "$V" ceremony --contribution "$first" "$small/bundle" \
    --root-key "$(cat "$small/in/authority.pub")" > "$work/$label.txt"
}
echo "== verifying $((base_acs * per_ac)) and $((acs * per_ac)) stations"
rm -f "$work"/*.time "$work"/*.txt
for i in 1 2 3 4 5; do
  keys_only "keys-all-$i" env
  keys_only "keys-one-$i" env RAYON_NUM_THREADS=1
  for size in small large; do
    e=${!size}
    flags="" run "agg-all-$size-$i" "$e" env
    flags="--per-station" run "per-all-$size-$i" "$e" env
    flags="" run "agg-one-$size-$i" "$e" env RAYON_NUM_THREADS=1
    flags="--per-station" run "per-one-$size-$i" "$e" env RAYON_NUM_THREADS=1
  done
done

python3 - "$work" "$((base_acs * per_ac))" "$((acs * per_ac))" "$national" "$small" "$large" "$per_ac" <<'PY'
import glob, json, os, statistics, sys
work, n_small, n_large, national, small, large, per_ac = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7])
def tm(label):
    e, m = open(f"{work}/{label}.time").read().split()[-2:]
    return float(e), int(m) / 1024
RUNS = (1, 2, 3, 4, 5)
def med(prefix):
    return statistics.median(tm(f"{prefix}-{i}")[0] for i in RUNS)
def mem(prefix):
    return max(tm(f"{prefix}-{i}")[1] for i in RUNS)
keys_all, keys_one = med("keys-all"), med("keys-one")
# Per station: the slope between the two bundles, in ms.
def slope(prefix):
    return (med(f"{prefix}-large") - med(f"{prefix}-small")) / (n_large - n_small) * 1e3
def agg_sizes(bundle):
    files = sorted(glob.glob(f"{bundle}/aggregates/*.json"))
    return [len(bytes.fromhex(a["proof"])) for f in files for a in json.load(open(f))["aggregates"]]
def mb(bundle):
    return sum(os.path.getsize(f) for f in glob.glob(f"{bundle}/**/*", recursive=True) if os.path.isfile(f)) / 2**20
def prove(e):
    p = f"{e}/prove.time"
    return f"{float(open(p).read().split()[0]) / 60:.1f} min" if os.path.exists(p) else "not measured"
sizes = agg_sizes(f"{large}/bundle")
rows = [("stations (contests of %s)" % f"{per_ac:,}", f"{n_small:,}", f"{n_large:,}")]
for label, prefix in [("verify, all cores, with the aggregates", "agg-all"),
                      ("verify, all cores, every proof alone (--per-station)", "per-all"),
                      ("verify, 1 core, with the aggregates", "agg-one"),
                      ("verify, 1 core, every proof alone", "per-one")]:
    rows.append((label + " (median of 5)", f"{med(prefix + '-small'):.2f} s", f"{med(prefix + '-large'):.2f} s"))
rows += [
    ("peak memory, all cores, with the aggregates", f"{mem('agg-all-small'):.0f} MiB", f"{mem('agg-all-large'):.0f} MiB"),
    ("aggregates", f"{len(agg_sizes(small + '/bundle'))}", f"{len(sizes)} of {min(sizes) / 1024:.1f}-{max(sizes) / 1024:.1f} KiB"),
    ("bundle size", f"{mb(small + '/bundle'):.1f} MB", f"{mb(large + '/bundle'):.1f} MB"),
    ("proving, aggregates included (all cores)", prove(small), prove(large)),
]
print("== aggregated proofs")
w = max(len(r[0]) for r in rows)
for r in rows:
    print(f"{r[0]:<{w}}  {r[1]:>12}  {r[2]:>16}")
print()
print(f"the keys and their ceremony alone (V1, V2 with V2.h, once per bundle): {keys_all:.2f} s all cores, {keys_one:.2f} s one core")
for label, prefix in [("all cores, with the aggregates", "agg-all"), ("all cores, every proof alone", "per-all"),
                      ("1 core, with the aggregates", "agg-one"), ("1 core, every proof alone", "per-one")]:
    s = slope(prefix)
    print(f"per station ({label}): {s:.4f} ms  ->  {national:,} stations: {s * national / 1e3:.0f} s + what a bundle pays once")
PY
