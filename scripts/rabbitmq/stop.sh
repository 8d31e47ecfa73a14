#!/usr/bin/env bash
# Stops a RabbitMQ started by scripts/rabbitmq/start.sh (found through its pidfile), and the
# epmd those scripts started once no node is registered with it any more.
set -euo pipefail
PROG=rabbitmq/stop.sh
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<EOF
usage: scripts/rabbitmq/stop.sh [options]
  --mqtt-port N        selects the default instance dir <repo>/.cache/rabbitmq-<N> (env RMQ_MQTT_PORT, default 1883)
  --instance-dir DIR   instance directory (env RMQ_INSTANCE_DIR)
  --timeout S          wait for a graceful stop before SIGKILL (env RMQ_STOP_TIMEOUT, default 15)
  --kill               SIGKILL at once (state is not needed any more)
  --purge              delete the instance directory after stopping
EOF
}

MQTT_PORT=${RMQ_MQTT_PORT:-1883}
INSTANCE_DIR=${RMQ_INSTANCE_DIR:-}
TIMEOUT=${RMQ_STOP_TIMEOUT:-15}
KILL=0
PURGE=0
while (($#)); do
  case "$1" in
    --mqtt-port) MQTT_PORT=${2:?}; shift ;;
    --instance-dir) INSTANCE_DIR=${2:?}; shift ;;
    --timeout) TIMEOUT=${2:?}; shift ;;
    --kill) KILL=1 ;;
    --purge) PURGE=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done
need_port --mqtt-port "$MQTT_PORT"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout: not a number of seconds: $TIMEOUT"
INSTANCE_DIR=${INSTANCE_DIR:-$REPO_ROOT/.cache/rabbitmq-$MQTT_PORT}
PIDFILE="$INSTANCE_DIR/rabbitmq.pid"

EPMD_PORT=4369
if [[ -f "$INSTANCE_DIR/env" ]]; then
  EPMD_PORT=$(sed -n 's/^RABBITMQ_EPMD_PORT=//p' "$INSTANCE_DIR/env")
elif [[ -f "$INSTANCE_DIR/options" ]]; then
  EPMD_PORT=$(tr ' ' '\n' <"$INSTANCE_DIR/options" | sed -n 's/^epmd=//p')
fi
EPMD_PORT=${EPMD_PORT:-4369}

started=$(date +%s.%N)
pgid=$(live_pgid_from "$PIDFILE")
if [[ -z "$pgid" ]]; then
  echo "$PROG: not running ($INSTANCE_DIR)"
else
  if ((KILL)); then
    kill -KILL -- "-$pgid" 2>/dev/null || true
    terminate_group "$pgid" "" 5 || die "process group $pgid survived SIGKILL"
  else
    # SIGTERM to the whole group: the wrapper script forwards it to the VM and the VM
    # treats it as a graceful stop (like rabbitmqctl stop).
    terminate_group "$pgid" "-- -$pgid" "$TIMEOUT" || die "process group $pgid survived SIGKILL"
  fi
  echo "$PROG: stopped pid $pgid in $(elapsed_since "$started")s ($INSTANCE_DIR)"
fi
rm -f "$PIDFILE"

epmd_release "$INSTANCE_DIR" "$EPMD_PORT"

if ((PURGE)); then
  rm -rf "$INSTANCE_DIR"
  echo "$PROG: removed $INSTANCE_DIR"
fi
