#!/usr/bin/env bash
# Writes the station circuit's R1CS exports that spec/ carries (spec/encodings.md §8): the
# smallest shape and the sample elections' shape, xz-compressed, into spec/vectors/circuits/.
# Every other shape: `prover circuit export --shape S --out S.r1cs` (its line must equal the
# shape's line of spec/vectors/circuit-shapes.json). Then checks them all independently.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v xz >/dev/null || { apt-get update -q && apt-get install -y -q xz-utils; }
cargo build --release -q -p ve-prover
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for shape in 64x4 256x8; do
  target/release/prover circuit export --shape "$shape" --out "$tmp/$shape.r1cs"
  xz -9e -T1 -c "$tmp/$shape.r1cs" > "spec/vectors/circuits/$shape.r1cs.xz"
done
python3 spec/vectors/circuit_vectors.py
