#!/usr/bin/env bash
# Start a single-node Slurm cluster (munged + slurmctld + slurmd) on this host, without systemd, for curate's
# Slurm tests (the session fixture in tests/cluster/fixture.py runs it; it also runs by hand: `sudo bash start.sh`).
# Idempotent: installs Debian packages if missing, (re)writes /etc/slurm/slurm.conf, starts only the
# daemons that are not already running from a previous start.sh (a fresh slurmctld forgets the jobs a dead one
# left in its saved state), waits until the node is idle.
# PIDs of the daemons it starts are written to $CURATE_SLURM_STATE_DIR/*.pid for stop.sh.
# Env: CURATE_SLURM_PARTITION (debug), CURATE_SLURM_TIMEOUT (60 s), CURATE_SLURM_STATE_DIR (/run/curate-slurm),
#      CURATE_SLURM_MEM_PCT (95 = % of `slurmd -C` RealMemory to advertise). Must run as root.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="${CURATE_SLURM_STATE_DIR:-/run/curate-slurm}"
PARTITION="${CURATE_SLURM_PARTITION:-debug}"
TIMEOUT="${CURATE_SLURM_TIMEOUT:-60}"
MEM_PCT="${CURATE_SLURM_MEM_PCT:-95}"
TEMPLATE="${CURATE_SLURM_TEMPLATE:-$HERE/slurm.conf.template}"
PKGS="slurmctld slurmd slurm-client munge"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "[curate-slurm $(date +%T)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
T0=$(now)
[ "$(id -u)" = 0 ] || die "must run as root"

# ---- 1. packages (policy-rc.d stops the postinsts from starting the services themselves) ----
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
   || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  log "installing: $PKGS"
  TI=$(now); ADDED_POLICY=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; ADDED_POLICY=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends $PKGS \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends $PKGS; }
  if [ "$ADDED_POLICY" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  log "install took $(since "$TI")s"
fi
T1=$(now)

# ---- 2. munge key, directories ----
if [ ! -s /etc/munge/munge.key ]; then
  log "creating munge key"; install -d -o munge -g munge -m 0700 /etc/munge
  mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge          # normally made by systemd RuntimeDirectory=
install -d -o munge -g munge -m 0700 /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
install -d -o slurm -g slurm -m 0755 /var/spool/slurmctld /run/slurm /var/log/slurm
install -d -m 0755 /var/spool/slurmd /etc/slurm "$STATE_DIR"

# ---- 3. slurm.conf from the template + real hardware (slurmd -C) ----
HOST="$(hostname -s)"
HW="$(slurmd -C | head -n1)"   # NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
REALMEM="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$HW")"
MEM=$(( REALMEM * MEM_PCT / 100 ))
NODE_LINE="$(sed -e "s/^NodeName=[^ ]*/NodeName=$HOST NodeAddr=127.0.0.1/" -e "s/RealMemory=[0-9]*/RealMemory=$MEM/" <<<"$HW")"
NEWCONF="$(sed -e "s|@HOST@|$HOST|g" -e "s|@NODE_LINE@|$NODE_LINE|" -e "s|@PARTITION@|$PARTITION|" "$TEMPLATE")"
if [ ! -f /etc/slurm/slurm.conf ] || [ "$NEWCONF" != "$(cat /etc/slurm/slurm.conf)" ]; then
  printf '%s\n' "$NEWCONF" > /etc/slurm/slurm.conf; CONF_CHANGED=1; log "wrote /etc/slurm/slurm.conf"
else CONF_CHANGED=0; fi

# ---- 4. daemons: started in the foreground under setsid, in the background; PID recorded ----
ours_alive() {  # $1=name $2=binary ; true if the PID in our pidfile is alive and is that binary
  local f="$STATE_DIR/$1.pid" pid
  [ -f "$f" ] || return 1; pid="$(cat "$f")"
  [ -d "/proc/$pid" ] && [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$2")" ]
}
launch() {  # $1=name $2=binary, rest=command
  local name="$1" bin="$2"; shift 2
  setsid "$@" </dev/null >>"$STATE_DIR/$name.out" 2>&1 &
  local pid=$!; echo "$pid" > "$STATE_DIR/$name.pid"; sleep 0.3
  ours_alive "$name" "$bin" || { tail -n 20 "$STATE_DIR/$name.out" >&2; die "$name failed to start (see $STATE_DIR/$name.out)"; }
  log "started $name pid=$pid"
}
wait_for() {  # $1=description, rest=command that must succeed
  local what="$1" t; shift; t=$(now)
  until "$@" >/dev/null 2>&1; do
    awk -v a="$t" -v b="$(now)" -v m="$TIMEOUT" 'BEGIN{exit !(b-a>m)}' && die "timeout waiting for $what"
    sleep 0.5
  done
}
munge_ok() { munge -n | unmunge; }

if ours_alive munged /usr/sbin/munged; then log "munged already running (ours)"
elif munge_ok >/dev/null 2>&1; then log "a munged not started by us is already answering; using it"
else launch munged /usr/sbin/munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F
fi
wait_for "munge" munge_ok

if ours_alive slurmctld /usr/sbin/slurmctld; then
  log "slurmctld already running (ours)"
  if [ "$CONF_CHANGED" = 1 ]; then scontrol reconfigure || true; fi
else
  if scontrol ping 2>/dev/null | grep -q UP; then die "a slurmctld not started by this script is running"; fi
  # -c: start from a clean slate. Jobs in the saved state belong to a controller that died without stop.sh (a
  # killed test session); recovered, Slurm requeues them or keeps the node allocated for them, and the node is
  # not idle in time. No job can still be running for us: our slurmctld was not alive to schedule it.
  launch slurmctld /usr/sbin/slurmctld /usr/sbin/slurmctld -D -i -c
fi
wait_for "slurmctld" sh -c 'scontrol ping | grep -q UP'

if ours_alive slurmd /usr/sbin/slurmd; then log "slurmd already running (ours)"
else launch slurmd /usr/sbin/slurmd /usr/sbin/slurmd -D
fi

# ---- 5. wait until the node is idle ----
TW=$(now); RESUMED=0
while :; do
  ST="$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n1 || true)"
  [ "$ST" = idle ] && break
  case "$ST" in down*|drain*) if [ "$RESUMED" = 0 ]; then scontrol update NodeName="$HOST" State=RESUME || true; RESUMED=1; fi;; esac
  awk -v a="$TW" -v b="$(now)" -v m="$TIMEOUT" 'BEGIN{exit !(b-a>m)}' \
    && { sinfo -N -l >&2 || true; tail -n 20 /var/log/slurm/slurmd.log >&2 || true; die "node $HOST not idle after ${TIMEOUT}s (state: $ST)"; }
  sleep 0.5
done
sinfo
log "cluster ready: node=$HOST partition=$PARTITION; setup $(since "$T1")s (excl. install), total $(since "$T0")s"
