#!/usr/bin/env bash
# Regenerates the sample elections in spec/samples/ (inputs are reproducible from the seeds; the
# proofs and salts are fresh each run). Keys are made in a temporary folder and not kept: the
# bundles carry their verifying keys.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p ve-prover
P=target/release/prover
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$P setup --shapes 256x8 --performed-by "sample setup (single party)" --out "$work/keys"
: > spec/samples/authorities.txt.new
for kind in assembly municipal panchayat; do
  case $kind in
    assembly)  args="--areas 2 --stations 10 --candidates 6" ;;
    municipal) args="--areas 2 --stations 5 --candidates 5" ;;
    panchayat) args="--areas 2 --stations 5 --candidates 4" ;;
  esac
  # shellcheck disable=SC2086
  $P simulate --kind $kind --seed 2026 --electors 300 $args --out "$work/$kind"
  $P seal --input "$work/$kind" --keys "$work/keys"
  rm -rf "spec/samples/$kind"
  mkdir -p "spec/samples/$kind"
  $P prove --input "$work/$kind" --keys "$work/keys" --out "spec/samples/$kind/bundle"
  echo "$(cat "$work/$kind/authority.pub")  # sim-$kind-2026" >> spec/samples/authorities.txt.new
done
mv spec/samples/authorities.txt.new spec/samples/authorities.txt
echo "samples written; trusted keys in spec/samples/authorities.txt"
