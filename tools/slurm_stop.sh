#!/usr/bin/env bash
# Stops the one-node Slurm cluster tools/slurm_start.sh started: cancels its jobs, stops slurmd and slurmctld
# (`scontrol shutdown`), then munged. Only the daemons named in their pid files are signalled. Idempotent: does
# nothing when the cluster is not running. Leaves packages, /etc/slurm/slurm.conf and the state folders in place.
set -euo pipefail

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
  *) echo "slurm_stop: unknown option '$1'" >&2; exit 2 ;;
esac

marker="# Written by BoltzmannGen tools/slurm_start.sh"
if [[ -f /etc/slurm/slurm.conf ]] && ! grep -qF "$marker" /etc/slurm/slurm.conf; then
  echo "slurm_stop: /etc/slurm/slurm.conf was not written by tools/slurm_start.sh; not stopping that cluster" >&2; exit 1
fi

running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits up to 10 s for the process in pid file $1 to end, then sends SIGTERM, then SIGKILL.
stop_pid() {
  local file="$1" name="$2" pid
  running "$file" || return 0
  pid="$(cat "$file")"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  echo "slurm_stop: $name (pid $pid) still runs; SIGTERM"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

if running /run/slurmctld.pid; then
  jobs="$(squeue -h -o '%i' 2>/dev/null || true)"
  if [[ -n "$jobs" ]]; then
    echo "slurm_stop: cancelling jobs $(tr '\n' ' ' <<<"$jobs")"
    # shellcheck disable=SC2086
    scancel $jobs || true
    for _ in $(seq 50); do [[ -z "$(squeue -h -o '%i' 2>/dev/null)" ]] && break; sleep 0.2; done
  fi
  echo "slurm_stop: stopping slurmd and slurmctld"
  scontrol shutdown >/dev/null 2>&1 || true
fi
stop_pid /run/slurmd.pid slurmd
stop_pid /run/slurmctld.pid slurmctld
if running /run/munge/munged.pid; then
  echo "slurm_stop: stopping munged"
  kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  stop_pid /run/munge/munged.pid munged
fi
echo "slurm_stop: cluster stopped"
