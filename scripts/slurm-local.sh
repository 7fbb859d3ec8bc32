#!/usr/bin/env bash
# Counting day on a one-node Slurm cluster on this machine (issue: proving sharded on an existing
# cluster engine). Installs Debian's slurm-wlm and munge if missing, starts munged, slurmctld
# and slurmd for localhost, simulates and seals an election, proves it as a job array of N
# shards (deploy/slurm/prove-shard.sbatch), cancels one task midway and submits it again,
# assembles, and checks the bundle with the verifier. With TIMED=1 it also proves the same
# election in one process and prints both wall times and the sharding overhead.
#
#   scripts/slurm-local.sh [STATIONS] [SHARDS]      defaults: 400 stations, 4 shards
#   TIMED=1 scripts/slurm-local.sh 20000 4          the README's measurement
#
# Needs root (it writes /etc/slurm and /etc/munge and starts daemons). Work in target/slurm.
set -euo pipefail
cd "$(dirname "$0")/.."
stations=${1:-400}
shards=${2:-4}
work=$PWD/target/slurm
areas=$(( stations >= 1000 ? stations / 1000 : 1 ))
per_area=$(( stations / areas ))

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

echo "== Kubernetes manifests (offline, strict schema)"
command -v kubernetes-validate >/dev/null || python3 -m pip install -q kubernetes-validate
kubernetes-validate --strict --quiet deploy/k8s/*.yaml
# The check can fail: an unknown field is refused.
sed 's/completionMode: Indexed/completionMode: Indexed\n  notAField: 1/' deploy/k8s/prove-shards.yaml \
  > "${TMPDIR:-/tmp}/ve-bad-job.yaml"
if kubernetes-validate --strict --quiet "${TMPDIR:-/tmp}/ve-bad-job.yaml" >/dev/null 2>&1; then
  echo "kubernetes-validate accepted a manifest with an unknown field" >&2
  exit 1
fi

echo "== one-node cluster"
mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge 2>/dev/null || true
chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || su -s /bin/sh munge -c munged 2>/dev/null || munged --force
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=ve
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MpiDefault=none
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
pkill -x slurmctld 2>/dev/null || true
pkill -x slurmd 2>/dev/null || true
sleep 1
slurmctld -c 2>/dev/null || slurmctld
slurmd
for _ in $(seq 1 30); do
  sinfo -h -o %T 2>/dev/null | grep -qE "idle|mix|alloc" && break
  sleep 1
done
scontrol update nodename=localhost state=resume 2>/dev/null || true
sinfo

echo "== election: $stations stations ($areas x $per_area), $shards shards"
cargo build --release -q -p ve-prover -p ve-verifier
P=$PWD/target/release/prover
V=$PWD/target/release/verifier
rm -rf "$work"
mkdir -p "$work"
$P simulate --kind assembly --seed 2026 --areas "$areas" --stations "$per_area" --electors 60 \
  --candidates 6 --out "$work/in" >/dev/null
$P setup --shapes 64x8,128x8 --out "$work/keys" >/dev/null
$P seal --input "$work/in" --keys "$work/keys" >/dev/null
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

# wait_job JOBID: until no task of it is pending or running.
wait_job() {
  while squeue -h -j "$1" 2>/dev/null | grep -q .; do sleep 1; done
}

echo "== job array"
cd "$work"
t0=$(now)
job=$(PROVER=$P sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 \
  "$OLDPWD/deploy/slurm/prove-shard.sbatch" "$work/in" "$work/keys" "$work/rows" "$shards")
victim=$((shards - 1))
# The victim's rows: station i of election.json with i mod N = victim, each of its contests.
python3 - "$work/in/election.json" "$victim" "$shards" > "$work/victim-rows.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
k, n = int(sys.argv[2]), int(sys.argv[3])
for i, s in enumerate(d["stations"]):
    if i % n == k:
        for c in s["contests"]:
            print(f"{c}/{s['station_id']}.json")
PY
mine() { local c=0; while read -r r; do [ -f "$work/rows/$r" ] && c=$((c + 1)); done < "$work/victim-rows.txt"; echo $c; }
# Cancel that task once it has written a few of its rows: a node lost midway.
for _ in $(seq 1 3000); do
  state=$(squeue -h -j "${job}_$victim" -o %T 2>/dev/null || true)
  if [ "$state" = "RUNNING" ] && [ "$(mine)" -ge 3 ]; then break; fi
  sleep 0.2
done
scancel "${job}_$victim"
before=$(find "$work/rows" -name '*.json' | wc -l)
echo "cancelled task $victim of job $job: $(mine) of its $(wc -l < "$work/victim-rows.txt") rows written, $before in all"
if $P assemble --input "$work/in" --keys "$work/keys" --work "$work/rows" --out "$work/early" 2>"$work/early.err"; then
  echo "assemble must refuse while a shard is missing rows" >&2
  exit 1
fi
grep -q "not proved yet" "$work/early.err"
echo "assemble refused, as it must: $(head -c 160 "$work/early.err")..."
# The cancelled task again, at once: it runs beside the array's last tasks.
again=$(PROVER=$P sbatch --parsable --array=$victim --cpus-per-task=1 \
  "$OLDPWD/deploy/slurm/prove-shard.sbatch" "$work/in" "$work/keys" "$work/rows" "$shards")
wait_job "$job"
wait_job "$again"
cat "ve-prove-${again}_$victim.out"
kept=$(sed -n 's/.* \([0-9]*\) already proved and verified.*/\1/p' "ve-prove-${again}_$victim.out")
[ "${kept:-0}" -ge 3 ] || { echo "the resubmitted task should have kept the rows written before the cancel" >&2; exit 1; }
t3=$(now)
$P assemble --input "$work/in" --keys "$work/keys" --work "$work/rows" --out "$work/bundle"
t4=$(now)
rows=$(find "$work/rows" -name '*.json' | wc -l)
echo "rows: $before after the cancel, $rows after the resubmitted task"
$V check "$work/bundle" --root-key "$(cat "$work/in/authority.pub")" > "$work/check.txt" || {
  cat "$work/check.txt"; exit 1; }
head -1 "$work/check.txt"
cd "$OLDPWD"
sharded=$(secs "$t0" "$t4")
echo "sharded: array + resubmitted task + assemble = $sharded s (assemble $(secs "$t3" "$t4") s)"

if [ "${TIMED:-0}" = 1 ]; then
  echo "== the same election in one process"
  t5=$(now)
  $P prove --input "$work/in" --keys "$work/keys" --out "$work/one" >/dev/null
  t6=$(now)
  one=$(secs "$t5" "$t6")
  echo "one process: $one s; sharded (N=$shards, one task cancelled and rerun): $sharded s"
  python3 -c "import sys; o, s = float(sys.argv[1]), float(sys.argv[2]); print(f'overhead of sharding: {100 * (s - o) / o:+.1f}%')" "$one" "$sharded"
fi
echo "PASS: the job array, a cancelled and resubmitted task, assemble, verifier"
