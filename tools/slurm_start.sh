#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine from Debian 12's packages, for `bgen run --executor slurm` and its
# integration tests (docs/design.md §8.4). Root only, no systemd needed. Idempotent: installs what is missing, writes
# /etc/slurm/slurm.conf (only if absent or written by this script), starts munged, slurmctld and slurmd unless they
# already run, and waits until the node takes jobs. Stop it with tools/slurm_stop.sh.
#   tools/slurm_start.sh            start (or check) the cluster; prints the partition and node
# Environment: SLURM_PARTITION (default: debug), SLURM_START_TIMEOUT seconds (default: 60).
set -euo pipefail

partition="${SLURM_PARTITION:-debug}"
timeout_s="${SLURM_START_TIMEOUT:-60}"
conf=/etc/slurm/slurm.conf
marker="# Written by BoltzmannGen tools/slurm_start.sh"

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
  *) echo "slurm_start: unknown option '$1'" >&2; exit 2 ;;
esac

if [[ $(id -u) != 0 ]]; then
  echo "slurm_start: needs root (it installs packages and starts munged, slurmctld and slurmd)" >&2; exit 1
fi

# --- packages --------------------------------------------------------------------------------------------------
packages=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "slurm_start: installing ${missing[*]}"
  command -v apt-get >/dev/null || { echo "slurm_start: apt-get not found; needs Debian 12 packages ${missing[*]}" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq || { echo "slurm_start: apt-get update failed (no network to the Debian mirror?)" >&2; exit 1; }
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || { echo "slurm_start: apt-get install ${missing[*]} failed" >&2; exit 1; }
  fi
fi

running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# --- munge: nothing starts on install; /run/munge must exist and belong to munge ---------------------------------
if [[ ! -s /etc/munge/munge.key ]]; then
  echo "slurm_start: creating /etc/munge/munge.key"
  install -d -o munge -g munge -m 0700 /etc/munge
  (umask 077; dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none)
  chown munge:munge /etc/munge/munge.key
fi
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
if ! running /run/munge/munged.pid; then
  echo "slurm_start: starting munged"
  runuser -u munge -- /usr/sbin/munged
fi
for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
munge -n </dev/null | unmunge >/dev/null || { echo "slurm_start: munged does not answer (see /var/log/munge/munged.log)" >&2; exit 1; }

# --- slurm.conf: this machine as the one node, CPUs and memory from `slurmd -C` --------------------------------
host="$(hostname -s)"
node_line="$(slurmd -C | head -1)"   # NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
memory="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node_line")"
# RealMemory a little below what slurmd measures: free memory wobbles, and a node reporting less than configured is
# drained ("Low RealMemory").
lowered=$(( memory > 2048 ? memory - 512 : memory * 9 / 10 ))
node_line="$(sed "s/RealMemory=[0-9]*/RealMemory=$lowered/" <<<"$node_line") State=UNKNOWN"
if [[ -f "$conf" ]] && ! grep -qF "$marker" "$conf"; then
  echo "slurm_start: $conf exists and was not written by this script; not touching it" >&2; exit 1
fi
install -d /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm
new_conf="$(cat <<EOF
$marker: a one-node cluster for tests, as root, no cgroups.
ClusterName=bgen
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
# No cgroups: Linux process tracking and no task plugin.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# A failed job cancels its dependents (else they pend forever); no delay before batch jobs start.
DependencyParameters=kill_invalid_depend
SchedulerParameters=batch_sched_delay=0
# No slurmdbd, so no sacct: finished jobs stay in \`scontrol show job\` for an hour and go to a text log.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
MinJobAge=3600
ReturnToService=2
$node_line
PartitionName=$partition Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
)"
if [[ ! -f "$conf" ]] || [[ "$(cat "$conf")" != "$new_conf" ]]; then
  printf '%s\n' "$new_conf" > "$conf"
  # Some settings (SelectType*) need the daemons restarted, not reconfigured; their state (jobs) is saved.
  if running /run/slurmctld.pid || running /run/slurmd.pid; then
    echo "slurm_start: slurm.conf changed; restarting slurmctld and slurmd"
    scontrol shutdown >/dev/null 2>&1 || true
    for f in /run/slurmd.pid /run/slurmctld.pid; do
      for _ in $(seq 100); do running "$f" || break; sleep 0.1; done
    done
  fi
fi

# --- daemons: slurmctld, then slurmd ----------------------------------------------------------------------------
if ! running /run/slurmctld.pid; then
  echo "slurm_start: starting slurmctld"
  slurmctld
fi
for _ in $(seq $(( timeout_s * 5 ))); do scontrol ping 2>/dev/null | grep -q "UP" && break; sleep 0.2; done
scontrol ping | grep -q "UP" || { echo "slurm_start: slurmctld does not answer (see /var/log/slurm/slurmctld.log)" >&2; exit 1; }
if ! running /run/slurmd.pid; then
  echo "slurm_start: starting slurmd"
  slurmd
fi

# --- wait until the node takes jobs ------------------------------------------------------------------------------
state=""
for _ in $(seq $(( timeout_s * 5 ))); do
  state="$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null | head -1)"
  case "$state" in
    idle|mixed|allocated|completing) break ;;
    drained|draining|down|down\*|drained\*) scontrol update NodeName="$host" State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.2
done
case "$state" in
  idle|mixed|allocated|completing) ;;
  *) echo "slurm_start: node $host is '$state', not taking jobs (see /var/log/slurm/slurmd.log; sinfo -R)" >&2; exit 1 ;;
esac
echo "slurm_start: cluster up: partition $partition, node $host ($state, $(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$node_line") CPUs, ${lowered} MB)"
