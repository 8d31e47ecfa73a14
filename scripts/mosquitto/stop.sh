#!/usr/bin/env bash
# Stops a mosquitto started by scripts/mosquitto/start.sh (found through its pidfile).
set -euo pipefail
PROG=mosquitto/stop.sh
# shellcheck source=../rabbitmq/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../rabbitmq/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/mosquitto/stop.sh [options]
  --port N             selects the default instance dir <repo>/.cache/mosquitto-<N> (env MOSQ_PORT, default 1884)
  --instance-dir DIR   instance directory (env MOSQ_INSTANCE_DIR)
  --timeout S          wait after SIGTERM before SIGKILL (default 5)
  --purge              delete the instance directory after stopping
USAGE
}

PORT=${MOSQ_PORT:-1884}
INSTANCE_DIR=${MOSQ_INSTANCE_DIR:-}
TIMEOUT=5
PURGE=0
while (($#)); do
  case "$1" in
    --port) PORT=${2:?}; shift ;;
    --instance-dir) INSTANCE_DIR=${2:?}; shift ;;
    --timeout) TIMEOUT=${2:?}; shift ;;
    --purge) PURGE=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done
need_port --port "$PORT"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout: not a number of seconds: $TIMEOUT"
INSTANCE_DIR=${INSTANCE_DIR:-$REPO_ROOT/.cache/mosquitto-$PORT}
PIDFILE="$INSTANCE_DIR/mosquitto.pid"

pgid=$(live_pgid_from "$PIDFILE")
if [[ -z "$pgid" ]]; then
  echo "$PROG: not running ($INSTANCE_DIR)"
else
  terminate_group "$pgid" "-- -$pgid" "$TIMEOUT" || die "process group $pgid survived SIGKILL"
  echo "$PROG: stopped pid $pgid ($INSTANCE_DIR)"
fi
rm -f "$PIDFILE"
if ((PURGE)); then
  rm -rf "$INSTANCE_DIR"
  echo "$PROG: removed $INSTANCE_DIR"
fi
