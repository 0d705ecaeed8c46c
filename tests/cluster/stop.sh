#!/usr/bin/env bash
# Tear down what start.sh started: cancel the jobs on this single-node cluster, then stop slurmd,
# slurmctld and munged by the PIDs start.sh recorded (never by name). Safe to run twice.
# Usage: stop.sh [--force]   (without --force, a cluster with queued jobs is left running)
set -uo pipefail
STATE_DIR="${CURATE_SLURM_STATE_DIR:-/run/curate-slurm}"
log() { echo "[curate-slurm $(date +%T)] $*" >&2; }
is_ours() {  # $1=pid $2=binary: alive and running that binary (guards against a reused PID)
  [ -d "/proc/$1" ] && [ "$(readlink -f "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$2")" ]
}
running() {  # $1=pid $2=comm: still there and not a zombie (/proc/PID/exe vanishes while exiting)
  local st; st="$(awk '/^State:/{print $2}' "/proc/$1/status" 2>/dev/null)"
  [ -n "$st" ] && [ "$st" != Z ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# 1. jobs still queued belong to someone else's session (ours wait for theirs): leave the cluster running,
#    unless --force, which cancels them (so no slurmstepd/job processes are left behind) and stops it anyway
if [ -f "$STATE_DIR/slurmctld.pid" ] && is_ours "$(cat "$STATE_DIR/slurmctld.pid")" /usr/sbin/slurmctld; then
  JOBS="$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')"
  if [ -n "${JOBS// }" ] && [ "${1:-}" != "--force" ]; then
    log "jobs still queued ($JOBS): leaving the cluster running (stop.sh --force cancels them and stops it)"; exit 0
  fi
  if [ -n "${JOBS// }" ]; then
    log "cancelling jobs: $JOBS"; scancel $JOBS || true
    for _ in $(seq 1 40); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
  fi
fi

# 2. stop daemons in reverse start order
for spec in slurmd:/usr/sbin/slurmd slurmctld:/usr/sbin/slurmctld munged:/usr/sbin/munged; do
  name="${spec%%:*}"; bin="${spec#*:}"; f="$STATE_DIR/$name.pid"
  [ -f "$f" ] || { log "$name: no pidfile, nothing to stop"; continue; }
  pid="$(cat "$f")"
  if is_ours "$pid" "$bin"; then
    comm="$(cat "/proc/$pid/comm")"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do running "$pid" "$comm" || break; sleep 0.25; done
    if running "$pid" "$comm"; then log "$name pid=$pid ignored SIGTERM; sending SIGKILL"; kill -KILL "$pid"; sleep 0.5; fi
    log "stopped $name pid=$pid"
  else
    log "$name pid=$pid not running (or PID reused by another program); leaving it alone"
  fi
  rm -f "$f"
done

# 3. report (not kill) any stray job-step processes
STRAY="$(ps -eo pid=,stat=,comm= | awk '$3=="slurmstepd" && $2 !~ /^Z/ {print $1}' | tr '\n' ' ')"
[ -n "${STRAY// }" ] && log "warning: slurmstepd processes still present: $STRAY"
exit 0
