#!/usr/bin/env bash
# National scale: builds two real bundles (every station simulated, sealed and proved: no proof
# is reused), verifies them on one core and on all cores, measures peak memory, checks one
# contest by a scoped run, plants one bad proof among all the stations, and extrapolates to a
# general election of 1.05 million polling stations. Criterion gives the pairing floor.
#
#   benches/national.sh [ACS] [STATIONS_PER_AC] [WORKDIR]
#       defaults: 10 constituencies x 2,000 stations = 20,000 (plus a 2 x 2,000 bundle for the
#       memory slope); WORKDIR defaults to target/national and keeps the bundles between runs.
#       WORKDIR/large may be a link to a bundle made by the same simulate/seal/prove commands
#       elsewhere (benches/log.sh's target/log-bench/election is one): its proving time is then
#       reported as not measured. A bundle proved under keys from a multi-party ceremony (e.g.
#       benches/aggregates.sh's work folders assembled by `prover assemble` with a key folder
#       that has no aggregation.bin, so the bundle has no aggregates and every proof is
#       verified alone) is timed with its setup pinned after the first run.
#
# Proving is the long part. Stations have up to 60 electors (keys 64x8 and 128x8) so that proving
# 24,000 of them fits in well under an hour on 2 cores; a station's verification cost does not
# depend on its size (one 384-byte proof, one batch slot, the same public inputs per choice slot).
set -euo pipefail
cd "$(dirname "$0")/.."
acs=${1:-10}
per_ac=${2:-2000}
work=${3:-target/national}
national=1050000
mkdir -p "$work"
cargo build --release -q -p ve-prover -p ve-verifier
P=target/release/prover
V=target/release/verifier

# Stations of up to 60 electors, 6 candidates + NOTA: proofs in the 64x8 and 128x8 keys.
build() { # build NAME ACS
  local dir="$work/$1"
  if [ -f "$dir/bundle/bundle.json" ]; then return; fi
  rm -rf "$dir"
  $P simulate --kind assembly --seed 1050 --areas "$2" --stations "$per_ac" --electors 60 \
    --candidates 6 --out "$dir/in" >/dev/null
  [ -d "$work/keys" ] || $P setup --shapes 64x8,128x8 --out "$work/keys" >/dev/null
  $P seal --input "$dir/in" --keys "$work/keys" >/dev/null
  local t0; t0=$(date +%s.%N)
  $P prove --input "$dir/in" --keys "$work/keys" --out "$dir/bundle" >/dev/null
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(date +%s.%N)" > "$dir/prove-seconds"
}

# run LABEL OUTFILE COMMAND...: wall seconds and peak RSS (KiB) of one command.
run() {
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" > "$out" || true
}

echo "== building bundles (cached in $work)"
build small 2
build large "$acs"
small_n=$((2 * per_ac))
large_n=$((acs * per_ac))
key=$(cat "$work/large/in/authority.pub")
key_small=$(cat "$work/small/in/authority.pub")

echo "== verifying"
run large-first "$work/large-first.txt" "$V" check "$work/large/bundle" --root-key "$key"
grep -q "^PASS" "$work/large-first.txt" || { cat "$work/large-first.txt"; exit 1; }
# Keys from a multi-party ceremony: the runs below pin the setup the first run checked
# (--checked-setup), so that they time and size the stations; the ceremony's check is once per
# key set (benches/ceremony.sh times it) and sets the first run's peak memory.
pin=()
setup=$(grep -o "setup sha256 [0-9a-f]*" "$work/large-first.txt" | head -1 | cut -d' ' -f3 || true)
[ -z "$setup" ] || pin=(--checked-setup "$setup")
echo "${setup:-none}" > "$work/pinned-setup"
run large-all "$work/large-all.txt" "$V" check "$work/large/bundle" --root-key "$key" "${pin[@]}"
grep -q "^PASS" "$work/large-all.txt" || { cat "$work/large-all.txt"; exit 1; }
# One core, three runs, each between two timings of the pairing floor (the machine's speed
# drifts over minutes, so the ratio is taken against the floor measured beside the runs).
cargo build --release -q -p ve-benches --example floor
: > "$work/floor.txt"
for i in 1 2 3; do
  target/release/examples/floor >> "$work/floor.txt"
  RAYON_NUM_THREADS=1 run "large-one-$i" "$work/large-one.txt" "$V" check "$work/large/bundle" --root-key "$key" "${pin[@]}"
  grep -q "^PASS" "$work/large-one.txt" || { cat "$work/large-one.txt"; exit 1; }
  target/release/examples/floor >> "$work/floor.txt"
done
run small-all "$work/small-all.txt" "$V" check "$work/small/bundle" --root-key "$key_small" "${pin[@]}"
grep -q "^PASS" "$work/small-all.txt" || { cat "$work/small-all.txt"; exit 1; }
run scoped "$work/scoped.txt" "$V" check "$work/large/bundle" --root-key "$key" --contest AC001 "${pin[@]}"
grep -q "^PASS" "$work/scoped.txt" || { cat "$work/scoped.txt"; exit 1; }

echo "== one bad proof among $large_n stations"
rm -rf "$work/bad"
cp -rL "$work/large/bundle" "$work/bad"
victim=$(python3 - "$work/bad" <<'EOF'
import json, sys
path = sys.argv[1] + "/contests/AC007.json" if len(sys.argv) > 1 else None
shard = json.load(open(path))
rows = shard["stations"]
# Station 1234's proof replaced by its neighbour's: a well-formed proof of another statement.
i = min(1234, len(rows) - 2)
rows[i]["proof"] = rows[i + 1]["proof"]
json.dump(shard, open(path, "w"), indent=2)
print(rows[i]["station_id"])
EOF
)
run bad "$work/bad.txt" "$V" check "$work/bad" --root-key "$key" --json
python3 - "$work/bad.txt" "$victim" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))[0]
named = sorted({f["station"] for f in r["findings"] if f["step"] == "V4.d"})
other = sorted({f["step"] for f in r["findings"] if f["severity"] != "notice"})
print(f"planted at {sys.argv[2]}; V4.d names {named}")
print(f"failing steps: {other} (V1.b: the shard no longer matches its signed digest)")
assert named == [sys.argv[2]], "the bad proof was not named alone"
EOF

echo "== criterion: the floor and the pieces (256x8 key, one core)"
cargo bench -q -p ve-benches --bench station -- "256x8/(floor|verify one|verify batch|decode)" 2>/dev/null \
  | grep -E "^station|time:" > "$work/criterion.txt"
cat "$work/criterion.txt"

python3 - "$work" "$small_n" "$large_n" "$national" <<'EOF'
import re, sys
work, small_n, large_n, national = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def tm(label):
    e, m = open(f"{work}/{label}.time").read().split()[-2:]
    return float(e), int(m) / 1024
unit = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}
crit, name = {}, None
for line in open(f"{work}/criterion.txt"):
    if line.startswith("station"):
        name = line.split("/", 1)[1].strip()
    m = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+)", line)
    # Criterion's second "time:" line is the change since its last run, in percent.
    if m and name and "%" not in line and name not in crit:
        crit[name] = float(m.group(1)) * unit[m.group(2)]
floor = next(v for k, v in crit.items() if k.startswith("floor"))
batch = next(v for k, v in crit.items() if k.startswith("verify batch")) / 64
lone = crit["verify one"]
decode = next(v for k, v in crit.items() if k.startswith("decode"))
ones = sorted(tm(f"large-one-{i}")[0] for i in (1, 2, 3))
one_s = ones[1]
floors = sorted(float(x) for x in open(f"{work}/floor.txt").read().split())
beside = floors[len(floors) // 2]
all_s, all_mem = tm("large-all")
first_s, first_mem = tm("large-first")
pinned = open(f"{work}/pinned-setup").read().strip() != "none"
small_s, small_mem = tm("small-all")
scoped_s, scoped_mem = tm("scoped")
per_one = one_s / large_n * 1e3
per_all = all_s / large_n * 1e3
slope = (all_mem - small_mem) / (large_n - small_n)  # MiB per station
try:  # absent when WORKDIR/large is a bundle made elsewhere by the same commands
    prove_s = float(open(f"{work}/large/prove-seconds").read())
except FileNotFoundError:
    prove_s = None
rows = [
    ("floor: one G2 preparation + one Miller loop (criterion)", f"{floor:.3f} ms"),
    ("batch verification per proof, Groth16 only (criterion)", f"{batch:.3f} ms ({batch / floor:.2f}x floor)"),
    ("lone Groth16 verification (criterion)", f"{lone:.3f} ms"),
    ("decoding one proof: canonical, on the curves (B's G2 test is in the batch) (criterion)", f"{decode:.3f} ms"),
    ("runs below: setup pinned as checked (--checked-setup)" if pinned else "runs below: single-party keys, nothing pinned", ""),
    ("floor measured beside the one-core runs (median of 6 timings)", f"{beside:.3f} ms ({floors[0]:.3f} to {floors[-1]:.3f})"),
    (f"verifier per station, every check, 1 core ({large_n:,} stations, median of 3 runs)", f"{per_one:.3f} ms ({ones[0] / large_n * 1e3:.3f} to {ones[-1] / large_n * 1e3:.3f})"),
    ("  ratio to the floor measured beside it", f"{per_one / beside:.2f}x"),
    ("stations per second, 1 core", f"{1e3 / per_one:,.0f}"),
    ("stations per second, all cores", f"{1e3 / per_all:,.0f}"),
    (f"whole bundle, all cores ({large_n:,} stations)", f"{all_s:.1f} s"),
    ("  the first run, the keys' ceremony checked too (V2.h)" if pinned else "  the first run", f"{first_s:.1f} s, {first_mem:.0f} MiB"),
    ("peak memory, all cores", f"{all_mem:.0f} MiB ({small_mem:.0f} MiB at {small_n:,} stations)"),
    ("memory per station (slope between the two bundles)", f"{slope * 1024:.2f} KiB"),
    ("one contest, scoped run (--contest AC001)", f"{scoped_s:.2f} s, {scoped_mem:.0f} MiB"),
    (f"extrapolated: {national:,} stations, all cores", f"{per_all * national / 6e4:.1f} min"),
    (f"extrapolated: {national:,} stations, 1 core", f"{per_one * national / 6e4:.1f} min"),
    (f"extrapolated: peak memory at {national:,} stations", f"{(all_mem + slope * (national - large_n)) / 1024:.2f} GiB"),
    (f"proving the {large_n:,}-station bundle (all cores)", "not measured: bundle reused" if prove_s is None else f"{prove_s / 60:.1f} min ({prove_s / large_n * 1e3:.0f} ms per station)"),
]
print("== national scale")
w = max(len(r[0]) for r in rows)
for k, v in rows:
    print(f"{k:<{w}}  {v}")
EOF
