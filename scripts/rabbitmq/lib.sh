# Shell helpers shared by scripts/rabbitmq/*.sh and scripts/mosquitto/*.sh (sourced, not run).
# shellcheck shell=bash

BROKER_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BROKER_SCRIPTS_DIR/../.." && pwd)
READY_MJS="$BROKER_SCRIPTS_DIR/ready.mjs"

die() {
  echo "$PROG: $*" >&2
  exit 1
}

note() {
  echo "$PROG: $*" >&2
}

need_port() { # name value
  [[ "$2" =~ ^[0-9]+$ ]] && ((10#$2 >= 1 && 10#$2 <= 65535)) || die "$1: not a port number: '$2'"
}

# State letter of a process (R, S, D, Z, ...), empty when it does not exist.
proc_state() {
  local line
  read -r line 2>/dev/null <"/proc/$1/stat" || return 0
  line=${line##*) }
  echo "${line%% *}"
}

# Live (non-zombie) pids of process group $1, one per line.
group_pids() {
  local f line pid fields
  for f in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$f" || continue
    pid=${line%% *}
    line=${line##*) }
    read -r -a fields <<<"$line"
    # fields: 0 state, 1 ppid, 2 pgrp
    [[ "${fields[2]}" == "$1" && "${fields[0]}" != Z && "${fields[0]}" != X ]] && echo "$pid"
  done
  return 0
}

group_alive() {
  [[ -n "$1" && -n "$(group_pids "$1")" ]]
}

# Pid recorded in a pidfile when its process group still has a live process, else empty.
live_pgid_from() {
  local pid
  [[ -f "$1" ]] || return 0
  read -r pid <"$1" || true
  [[ "$pid" =~ ^[0-9]+$ ]] && group_alive "$pid" && echo "$pid"
  return 0
}

# Sends SIGTERM to `targets` (pids or -pgid), waits up to $3 seconds for group $1 to
# disappear, then SIGKILLs the group. Returns 0 when the group is gone.
terminate_group() { # pgid "targets" timeout_s
  local pgid=$1 targets=$2 timeout=$3 waited=0
  # shellcheck disable=SC2086
  kill -TERM $targets 2>/dev/null || true
  while group_alive "$pgid" && ((waited < timeout * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if group_alive "$pgid"; then
    note "still running after ${timeout}s, sending SIGKILL to process group $pgid"
    kill -KILL -- "-$pgid" 2>/dev/null || true
    waited=0
    while group_alive "$pgid" && ((waited < 50)); do
      sleep 0.1
      waited=$((waited + 1))
    done
  fi
  ! group_alive "$pgid"
}

# Ports (of the arguments) that cannot be bound on 127.0.0.1.
ports_in_use() {
  node "$READY_MJS" in-use "$@"
}

free_ports() { # count
  node "$READY_MJS" free-port --count "$1"
}

elapsed_since() { # start (from date +%s.%N)
  awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'
}

log_tail() { # file...
  local f
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    echo "----- last lines of $f -----" >&2
    tail -n 30 "$f" >&2
  done
}

# Bookkeeping of the epmd these scripts start: <dir>/pid is that epmd, <dir>/instances the
# instance directories using it, <dir>/lock serialises start.sh and stop.sh.
epmd_state_dir() { # port
  echo "${TMPDIR:-/tmp}/rabbitmq-test-epmd-$1"
}

# Drops instance $1 from the users of the epmd on port $2 and stops that epmd when it was
# started by these scripts, no other instance is alive and no node is registered with it.
epmd_release() { # instance_dir port
  local instance_dir=$1 port=$2 state dir epmd_pid names i
  local -a remaining=()
  state=$(epmd_state_dir "$port")
  [[ -d "$state" ]] || return 0
  exec 9>"$state/lock"
  flock 9
  if [[ -f "$state/instances" ]]; then
    while read -r dir; do
      [[ -n "$dir" && "$dir" != "$instance_dir" ]] || continue
      [[ -n "$(live_pgid_from "$dir/rabbitmq.pid")" ]] && remaining+=("$dir")
    done <"$state/instances"
    if ((${#remaining[@]})); then printf '%s\n' "${remaining[@]}"; fi >"$state/instances"
  fi
  epmd_pid=$(cat "$state/pid" 2>/dev/null || true)
  if ((${#remaining[@]} == 0)) && [[ "$epmd_pid" =~ ^[0-9]+$ ]]; then
    if [[ "$(cat "/proc/$epmd_pid/comm" 2>/dev/null)" == epmd && "$(proc_state "$epmd_pid")" != Z ]]; then
      names=$(epmd -port "$port" -names 2>/dev/null | grep '^name ' || true)
      if [[ -z "$names" ]]; then
        kill -TERM "$epmd_pid" 2>/dev/null || true
        for ((i = 0; i < 30; i++)); do
          [[ -n "$(proc_state "$epmd_pid")" && "$(proc_state "$epmd_pid")" != Z ]] || break
          sleep 0.1
        done
        rm -f "$state/pid"
        echo "$PROG: stopped epmd (pid $epmd_pid, port $port)"
      else
        echo "$PROG: epmd on port $port left running, nodes still registered: $(echo "$names" | awk '{print $2}' | tr '\n' ' ')"
      fi
    else
      rm -f "$state/pid"
    fi
  fi
  flock -u 9
  exec 9>&-
}
