#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, to try and test Sluice's Slurm scripts:
#   cluster.sh up       install slurm-wlm and munge when missing (apt), write the configuration
#                       and start munged, slurmctld and slurmd (a no-op when they run)
#   cluster.sh status   the daemons and `sinfo`
#   cluster.sh down     stop every daemon it started
#   cluster.sh env      the line that points Slurm's commands at this cluster:
#                       eval "$(examples/scale-out/slurm/cluster.sh env)"
# Configuration, state and logs live in $SLUICE_SLURM_DIR (default: .slurm-cluster in the
# repository). Root only (the daemons run as root); no cgroups: ProctrackType=proctrack/linuxproc,
# TaskPlugin=task/none.
set -euo pipefail
repository=$(cd "$(dirname "$0")/../../.." && pwd)
dir=${SLUICE_SLURM_DIR:-$repository/.slurm-cluster}
conf=$dir/etc/slurm.conf
socket=$dir/run/munge.socket
node=$(hostname -s)

say() { echo "cluster.sh: $*" >&2; }

install_missing() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null && return
  say "installing slurm-wlm and munge (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null
}

running() {   # running NAME: the daemon whose pid file is $dir/run/NAME.pid is alive
  [ -s "$dir/run/$1.pid" ] && kill -0 "$(cat "$dir/run/$1.pid")" 2>/dev/null
}

write_configuration() {
  mkdir -p "$dir"/{etc,run,log,munge,spool/ctld,spool/d}
  chmod 700 "$dir/munge"
  [ -s "$dir/munge/munge.key" ] || { dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none; chmod 400 "$dir/munge/munge.key"; }
  local memory
  memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
  cat > "$conf" <<CONF
ClusterName=sluice
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=30
MinJobAge=600
NodeName=$node CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
}

up() {
  install_missing
  write_configuration
  if ! running munged; then
    munged --force --socket="$socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/run/munged.pid" \
      --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed"
  fi
  running slurmctld || SLURM_CONF=$conf slurmctld -f "$conf"
  running slurmd || SLURM_CONF=$conf slurmd -f "$conf"
  for _ in $(seq 1 60); do
    if SLURM_CONF=$conf sinfo --noheader --format=%t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      say "up: node $node, $(nproc) CPUs, configuration $conf"
      return 0
    fi
    SLURM_CONF=$conf scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true
    sleep 0.5
  done
  say "the node did not come up in 30 s; logs: $dir/log/"
  tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  return 1
}

down() {
  for daemon in slurmd slurmctld munged; do
    if running "$daemon"; then
      local pid
      pid=$(cat "$dir/run/$daemon.pid")
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/run/$daemon.pid"
  done
  say "down"
}

status() {
  for daemon in munged slurmctld slurmd; do
    if running "$daemon"; then echo "$daemon: running (pid $(cat "$dir/run/$daemon.pid"))"; else echo "$daemon: stopped"; fi
  done
  if running slurmctld; then SLURM_CONF=$conf sinfo; fi
}

case ${1:-status} in
  up) up ;;
  down) down ;;
  status) status ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) echo "usage: cluster.sh up|down|status|env" >&2; exit 64 ;;
esac
