#!/usr/bin/env bash
# Regenerates the sample elections in spec/samples/ (inputs are reproducible from the seeds; the
# ceremony, proofs and salts are fresh each run). Keys are made in a temporary folder and not
# kept: the bundles carry their verifying keys and the ceremony that made them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p ve-prover -p ve-witness
P=target/release/prover
W=target/release/witness
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The keys come from a multi-party ceremony (spec/ceremony.md): the SEC and a party contribute to
# phase 1, another party and an observer to phase 2; each checks the state it receives first.
# Party A and the observer sign their contributions with keys of their own (made beforehand,
# their public keys published); the SEC and Party B do not, and the report says so.
# Made for aggregated proofs: each contest's proofs are also published as one aggregate
# (spec/aggregation.md), which the verifier checks in their place (V4.f).
$P ceremony init --shapes 256x8 --aggregate 32 --out "$work/c0"
$P ceremony keygen --out "$work/party-a.key"
$P ceremony keygen --out "$work/observer.key"
$P ceremony contribute --in "$work/c0" --out "$work/c1" --name "Sample State Election Commission" --role "election authority"
$P ceremony contribute --in "$work/c1" --out "$work/c2" --name "Sample Party A" --role "candidate's agent" --entropy "typed at the keyboard" --key "$work/party-a.key"
$P ceremony phase2 --in "$work/c2" --out "$work/c3"
$P ceremony contribute --in "$work/c3" --out "$work/c4" --name "Sample Party B" --role "candidate's agent"
$P ceremony contribute --in "$work/c4" --out "$work/c5" --name "Sample Observer" --role "election observer" --key "$work/observer.key"
$P ceremony verify --in "$work/c5"
$P ceremony finalize --in "$work/c5" --out "$work/keys" --signatures "$work/c2.sig.json,$work/c5.sig.json"
# Three witnesses, each run by someone outside the SEC (a party, an observers' group, a civil
# society group): their public keys are what readers pin (spec/samples/witnesses.txt). In this
# drill their secret keys are made here and not kept; real witnesses run `witness serve` on
# their own machines.
{
  echo "# The sample elections' witnesses (pin with --witness): <name>+<key id>+<key>"
  $W keygen --name party-a.witness.example --out "$work/w1.key"
  $W keygen --name observers.witness.example --out "$work/w2.key"
  $W keygen --name civil-society.witness.example --out "$work/w3.key"
} > spec/samples/witnesses.txt
: > spec/samples/authorities.txt.new
: > spec/samples/manifests.txt.new
for kind in assembly municipal panchayat; do
  case $kind in
    assembly)  args="--areas 2 --stations 10 --candidates 6" ;;
    municipal) args="--areas 2 --stations 5 --candidates 5 --script gujarati" ;;
    panchayat) args="--areas 2 --stations 5 --candidates 4 --script devanagari" ;;
  esac
  # shellcheck disable=SC2086
  $P simulate --kind $kind --seed 2026 --electors 300 $args --audit-agent 'AGENT-{contest}-K01' --out "$work/$kind"
  $P seal --input "$work/$kind" --keys "$work/keys"
  if [ "$kind" = assembly ]; then
    # VVPAT audit: the RO, and the observer and agent the audit rule names (their keys fixed in
    # the manifest before the poll), commit before the results are published.
    for c in AC001 AC002; do
      $P audit commit --input "$work/$kind" --contest $c --party RO-$c --role ro
      $P audit commit --input "$work/$kind" --contest $c --party OBS-1 --role observer
      $P audit commit --input "$work/$kind" --contest $c --party AGENT-$c-K01 --role agent
    done
  fi
  rm -rf "spec/samples/$kind"
  mkdir -p "spec/samples/$kind"
  # Before the poll: the election's log, its key certified in the manifest (spec/log.md).
  $P log init --input "$work/$kind" --log "spec/samples/$kind/log" --origin "log.sample.example/sim-$kind-2026"
  # Before the poll: the manifest and its digest, which readers pin.
  $P manifest --input "$work/$kind" --keys "$work/keys" --out "$work/$kind-manifest" \
    | awk -v k="$kind" '/^manifest sha256/ {print $3 "  # sim-" k "-2026"}' >> spec/samples/manifests.txt.new
  $P prove --input "$work/$kind" --keys "$work/keys" --out "spec/samples/$kind/bundle"
  if [ "$kind" = assembly ]; then
    for c in AC001 AC002; do
      for party in "RO-$c ro" "OBS-1 observer" "AGENT-$c-K01 agent"; do
        set -- $party
        $P audit reveal --input "$work/$kind" --bundle "spec/samples/$kind/bundle" --contest $c --party "$1" --role "$2"
      done
      # The sizes are the audit rule the manifest fixed before the poll (5 per segment, 5%).
      $P audit draw --input "$work/$kind" --bundle "spec/samples/$kind/bundle" --contest $c
      # AC001: the paper differs from the machine at the first station drawn (slips prevail).
      plant=()
      if [ $c = AC001 ]; then
        first=$(python3 -c "import json,sys; p=json.load(open(sys.argv[1])); r=[s for x in (p['risk_limited'] or {}).get('rounds', []) for s in x]; print((r or p['statutory'])[0])" "$work/$kind/audit/draws/$c.json")
        plant=(--plant "$first" --shift 2)
      fi
      # Escalate round by round; after four rounds, count every station.
      all=()
      for round in 1 2 3 4 5; do
        $P audit slips --input "$work/$kind" --bundle "spec/samples/$kind/bundle" --contest $c "${plant[@]}" "${all[@]}"
        out=$($P audit record --input "$work/$kind" --bundle "spec/samples/$kind/bundle" --contest $c "${all[@]}")
        echo "$out"
        echo "$out" | grep -q "NOT confirmed" || break
        if [ "$round" -lt 4 ]; then
          $P audit draw --input "$work/$kind" --bundle "spec/samples/$kind/bundle" --contest $c --more 10
        else
          all=(--all)
        fi
      done
    done
  fi
  # The log as the election happened: the manifest the day before the poll, each close of poll
  # minutes after it, seed commitments, counting rounds of 4 stations, results, reveals, audit
  # records, the index; each head cosigned by the three witnesses two minutes later.
  $P log replay --input "$work/$kind" --log "spec/samples/$kind/log" --bundle "spec/samples/$kind/bundle" \
    --witness-key "$work/w1.key" --witness-key "$work/w2.key" --witness-key "$work/w3.key" \
    --witness-state "$work/witnesses-$kind" --round-size 4
  echo "$(cat "$work/$kind/authority.pub")  # sim-$kind-2026" >> spec/samples/authorities.txt.new
done
mv spec/samples/authorities.txt.new spec/samples/authorities.txt
mv spec/samples/manifests.txt.new spec/samples/manifests.txt
echo "samples written; trusted keys in spec/samples/authorities.txt, manifest digests in spec/samples/manifests.txt"
scripts/make-totaliser-sample.sh
