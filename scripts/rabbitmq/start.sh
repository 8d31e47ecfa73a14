#!/usr/bin/env bash
# Starts a private RabbitMQ 3.10 configured like the Car2Home production broker
# (MQTT plugin on exchange webos.topic), all state in one instance directory.
# See scripts/rabbitmq/README.md.
set -euo pipefail
PROG=rabbitmq/start.sh
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RMQ_BIN=${RMQ_BIN:-/usr/lib/rabbitmq/bin}

usage() {
  cat <<EOF
usage: scripts/rabbitmq/start.sh [options]
  --mqtt-port N          MQTT listener (env RMQ_MQTT_PORT, default 1883)
  --amqp-port N          AMQP listener (env RMQ_AMQP_PORT, default 5672)
  --management-port N    management HTTP (env RMQ_MANAGEMENT_PORT)
  --stomp-port N         STOMP listener (env RMQ_STOMP_PORT)
  --web-stomp-port N     Web-STOMP listener (env RMQ_WEB_STOMP_PORT)
                         these three default to 15672, 61613, 15674 when the MQTT and AMQP
                         ports are the defaults, otherwise (or when 0) to free ports
  --dist-port N          Erlang distribution port (env RMQ_DIST_PORT, default AMQP port + 20000)
  --epmd-port N          epmd port (env RMQ_EPMD_PORT, default 4369; shared by all nodes)
  --instance-dir DIR     state, config and logs (env RMQ_INSTANCE_DIR,
                         default <repo>/.cache/rabbitmq-<mqtt port>)
  --no-anonymous         rabbitmq_mqtt allow_anonymous false (env RMQ_ALLOW_ANONYMOUS=false)
  --user NAME:PASS       extra user with all permissions on vhost / (repeatable;
                         env RMQ_USERS="NAME:PASS ...")
  --minimal              enable rabbitmq_mqtt only (faster stop; no management/STOMP)
  --fresh                delete the stored state first (cold start)
  --timeout S            readiness timeout in seconds (env RMQ_START_TIMEOUT, default 60)
EOF
}

MQTT_PORT=${RMQ_MQTT_PORT:-1883}
AMQP_PORT=${RMQ_AMQP_PORT:-5672}
MGMT_PORT=${RMQ_MANAGEMENT_PORT:-}
STOMP_PORT=${RMQ_STOMP_PORT:-}
WEB_STOMP_PORT=${RMQ_WEB_STOMP_PORT:-}
DIST_PORT=${RMQ_DIST_PORT:-}
EPMD_PORT=${RMQ_EPMD_PORT:-4369}
INSTANCE_DIR=${RMQ_INSTANCE_DIR:-}
ALLOW_ANONYMOUS=${RMQ_ALLOW_ANONYMOUS:-true}
read -r -a USERS <<<"${RMQ_USERS:-}"
MINIMAL=0
FRESH=0
TIMEOUT=${RMQ_START_TIMEOUT:-60}

while (($#)); do
  case "$1" in
    --mqtt-port) MQTT_PORT=${2:?}; shift ;;
    --amqp-port) AMQP_PORT=${2:?}; shift ;;
    --management-port) MGMT_PORT=${2:?}; shift ;;
    --stomp-port) STOMP_PORT=${2:?}; shift ;;
    --web-stomp-port) WEB_STOMP_PORT=${2:?}; shift ;;
    --dist-port) DIST_PORT=${2:?}; shift ;;
    --epmd-port) EPMD_PORT=${2:?}; shift ;;
    --instance-dir) INSTANCE_DIR=${2:?}; shift ;;
    --no-anonymous) ALLOW_ANONYMOUS=false ;;
    --user) USERS+=("${2:?}"); shift ;;
    --minimal) MINIMAL=1 ;;
    --fresh) FRESH=1 ;;
    --timeout) TIMEOUT=${2:?}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

need_port --mqtt-port "$MQTT_PORT"
need_port --amqp-port "$AMQP_PORT"
need_port --epmd-port "$EPMD_PORT"
[[ "$ALLOW_ANONYMOUS" == true || "$ALLOW_ANONYMOUS" == false ]] || die "RMQ_ALLOW_ANONYMOUS must be true or false"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout: not a number of seconds: $TIMEOUT"
[[ -x "$RMQ_BIN/rabbitmq-server" ]] || die "$RMQ_BIN/rabbitmq-server not found; run scripts/rabbitmq/install.sh"
command -v epmd >/dev/null || die "epmd not found; run scripts/rabbitmq/install.sh"

if [[ -z "$DIST_PORT" ]]; then
  DIST_PORT=$((AMQP_PORT + 20000))
  if ((DIST_PORT >= 35672 && DIST_PORT <= 35682)); then
    die "AMQP port $AMQP_PORT gives distribution port $DIST_PORT, inside the range 35672-35682 that rabbitmqctl uses; pick another AMQP port or set --dist-port"
  fi
fi
need_port --dist-port "$DIST_PORT"
((DIST_PORT > 65535)) && die "distribution port $DIST_PORT out of range; set --dist-port"

user_names=()
for u in ${USERS[@]+"${USERS[@]}"}; do
  [[ "$u" == *:* ]] || die "--user wants NAME:PASS, got '$u'"
  name=${u%%:*} pass=${u#*:}
  [[ "$name" =~ ^[A-Za-z0-9._@-]+$ ]] || die "--user: user name may use only A-Z a-z 0-9 . _ @ -: '$name'"
  [[ -n "$pass" && "$pass" != *[\"\\[:space:][:cntrl:]]* ]] || die "--user: empty password or one with a quote, backslash or blank: '$name'"
  user_names+=("$name")
done

INSTANCE_DIR=${INSTANCE_DIR:-$REPO_ROOT/.cache/rabbitmq-$MQTT_PORT}
mkdir -p "$INSTANCE_DIR"
INSTANCE_DIR=$(cd "$INSTANCE_DIR" && pwd)
# One start.sh per instance at a time: a second one waits, then finds it running.
exec 8>"$INSTANCE_DIR/start.lock"
flock 8
NODENAME="webos$MQTT_PORT@localhost"
PIDFILE="$INSTANCE_DIR/rabbitmq.pid"
LOG_DIR="$INSTANCE_DIR/log"
SERVER_OUT="$LOG_DIR/server.out"
NODE_LOG="$LOG_DIR/rabbit.log"
EPMD_STATE=$(epmd_state_dir "$EPMD_PORT")

# What was asked for (before free ports are chosen): a running instance must match it.
OPTIONS="mqtt=$MQTT_PORT amqp=$AMQP_PORT management=${MGMT_PORT:-default} stomp=${STOMP_PORT:-default} web-stomp=${WEB_STOMP_PORT:-default} dist=$DIST_PORT epmd=$EPMD_PORT anonymous=$ALLOW_ANONYMOUS minimal=$MINIMAL users=${USERS[*]+${USERS[*]}}"

print_summary() { # prefix [pid]
  # The env file is written once the node is ready; a concurrent start may not have written it yet.
  if [[ -n "${2:-}" ]] && ! grep -qx "RABBITMQ_PID=$2" "$INSTANCE_DIR/env" 2>/dev/null; then
    echo "$1: mqtt 127.0.0.1:$MQTT_PORT amqp 127.0.0.1:$AMQP_PORT pid $2 node $NODENAME dir $INSTANCE_DIR"
    return
  fi
  # shellcheck disable=SC1091
  (. "$INSTANCE_DIR/env" && echo "$1: mqtt 127.0.0.1:$RABBITMQ_MQTT_PORT amqp 127.0.0.1:$RABBITMQ_AMQP_PORT management ${RABBITMQ_MANAGEMENT_PORT:--} stomp ${RABBITMQ_STOMP_PORT:--} web-stomp ${RABBITMQ_WEB_STOMP_PORT:--} dist $RABBITMQ_DIST_PORT anonymous $RABBITMQ_ALLOW_ANONYMOUS pid $RABBITMQ_PID node $RABBITMQ_NODENAME dir $INSTANCE_DIR")
}

# ---- already running? ------------------------------------------------------------------------
running=$(live_pgid_from "$PIDFILE")
if [[ -n "$running" ]]; then
  if [[ "$(cat "$INSTANCE_DIR/options" 2>/dev/null)" != "$OPTIONS" ]]; then
    die "an instance is running in $INSTANCE_DIR (pid $running) with other options ($(cat "$INSTANCE_DIR/options" 2>/dev/null)); stop it first: scripts/rabbitmq/stop.sh --instance-dir $INSTANCE_DIR"
  fi
  if node "$READY_MJS" wait --port "$MQTT_PORT" --tcp-port "$AMQP_PORT" --user guest --pass guest \
    --timeout "$TIMEOUT" --pgid "$running" >/dev/null; then
    print_summary "already running" "$running"
    exit 0
  fi
  log_tail "$NODE_LOG" "$SERVER_OUT"
  die "pid $running is running in $INSTANCE_DIR but not ready after ${TIMEOUT}s (see the log above; stop it with scripts/rabbitmq/stop.sh --instance-dir $INSTANCE_DIR)"
fi
rm -f "$PIDFILE"

# ---- ports -------------------------------------------------------------------------------------
if [[ $MQTT_PORT == 1883 && $AMQP_PORT == 5672 ]]; then
  MGMT_PORT=${MGMT_PORT:-15672} STOMP_PORT=${STOMP_PORT:-61613} WEB_STOMP_PORT=${WEB_STOMP_PORT:-15674}
fi
if ((MINIMAL)); then
  MGMT_PORT="" STOMP_PORT="" WEB_STOMP_PORT=""
else
  read -r -a free <<<"$(free_ports 3)"
  [[ -z "$MGMT_PORT" || "$MGMT_PORT" == 0 ]] && MGMT_PORT=${free[0]}
  [[ -z "$STOMP_PORT" || "$STOMP_PORT" == 0 ]] && STOMP_PORT=${free[1]}
  [[ -z "$WEB_STOMP_PORT" || "$WEB_STOMP_PORT" == 0 ]] && WEB_STOMP_PORT=${free[2]}
  need_port --management-port "$MGMT_PORT"
  need_port --stomp-port "$STOMP_PORT"
  need_port --web-stomp-port "$WEB_STOMP_PORT"
fi
all_ports=("$MQTT_PORT" "$AMQP_PORT" "$DIST_PORT" $MGMT_PORT $STOMP_PORT $WEB_STOMP_PORT)
dups=$(printf '%s\n' "${all_ports[@]}" | sort | uniq -d | tr '\n' ' ')
[[ -z "$dups" ]] || die "port(s) configured twice: $dups"
used=$(ports_in_use "${all_ports[@]}")
[[ -z "${used// /}" ]] || die "port(s) already in use: $used (mqtt $MQTT_PORT amqp $AMQP_PORT dist $DIST_PORT${MGMT_PORT:+ management $MGMT_PORT}${STOMP_PORT:+ stomp $STOMP_PORT}${WEB_STOMP_PORT:+ web-stomp $WEB_STOMP_PORT})"

# ---- instance directory -------------------------------------------------------------------------
if ((FRESH)); then
  rm -rf "$INSTANCE_DIR/mnesia" "$LOG_DIR"
fi
mkdir -p "$INSTANCE_DIR/mnesia" "$LOG_DIR"
# One run per log file, so a failure shows this run's lines; the previous run's stay in *.prev.
for f in "$NODE_LOG" "$SERVER_OUT"; do
  if [[ -f "$f" ]]; then mv -f "$f" "$f.prev"; fi
done
if [[ ! -s "$INSTANCE_DIR/.erlang.cookie" ]]; then
  (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' | tr 0-9a-f A-P >"$INSTANCE_DIR/.erlang.cookie")
fi
chmod 400 "$INSTANCE_DIR/.erlang.cookie"
: >"$INSTANCE_DIR/rabbitmq-env.conf"
rm -f "$INSTANCE_DIR/advanced.config"

if ((MINIMAL)); then
  echo '[rabbitmq_mqtt].' >"$INSTANCE_DIR/enabled_plugins"
else
  echo '[rabbitmq_management,rabbitmq_mqtt,rabbitmq_web_stomp].' >"$INSTANCE_DIR/enabled_plugins"
fi

{
  users_json='{"name": "guest", "password": "guest", "tags": "administrator"}'
  perms_json='{"user": "guest", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}'
  for u in ${USERS[@]+"${USERS[@]}"}; do
    users_json+=", {\"name\": \"${u%%:*}\", \"password\": \"${u#*:}\", \"tags\": \"\"}"
    perms_json+=", {\"user\": \"${u%%:*}\", \"vhost\": \"/\", \"configure\": \".*\", \"write\": \".*\", \"read\": \".*\"}"
  done
  cat <<EOF
{
  "vhosts": [{"name": "/"}],
  "users": [$users_json],
  "permissions": [$perms_json],
  "exchanges": [
    {"name": "webos.topic", "vhost": "/", "type": "topic", "durable": false, "auto_delete": false, "internal": false, "arguments": {}},
    {"name": "webos.fanout", "vhost": "/", "type": "fanout", "durable": false, "auto_delete": false, "internal": false, "arguments": {}}
  ]
}
EOF
} >"$INSTANCE_DIR/definitions.json"
chmod 600 "$INSTANCE_DIR/definitions.json"

{
  cat <<EOF
%% Generated by scripts/rabbitmq/start.sh. The rabbitmq_mqtt section is the production one
%% (MQTT-Server etc/rabbitmq/rabbitmq.config); only ports, bind address and anonymous differ.
[
 {rabbit, [
   {tcp_listeners, [{"127.0.0.1", $AMQP_PORT}]},
   {loopback_users, [<<"guest">>]},
   {load_definitions, "$INSTANCE_DIR/definitions.json"}
 ]},
 {rabbitmq_mqtt, [
   {default_user, <<"guest">>},
   {default_pass, <<"guest">>},
   {allow_anonymous, $ALLOW_ANONYMOUS},
   {vhost, <<"/">>},
   {exchange, <<"webos.topic">>},
   {subscription_ttl, 1800000},
   {prefetch, 10},
   {ssl_listeners, []},
   {tcp_listeners, [{"127.0.0.1", $MQTT_PORT}]},
   {tcp_listen_options, [binary, {packet, raw}, {reuseaddr, true}, {backlog, 128}, {nodelay, true}]}
 ]}
EOF
  if ((!MINIMAL)); then
    cat <<EOF
 ,{rabbitmq_management, [{tcp_config, [{ip, "127.0.0.1"}, {port, $MGMT_PORT}]}]}
 ,{rabbitmq_stomp, [{tcp_listeners, [{"127.0.0.1", $STOMP_PORT}]}]}
 ,{rabbitmq_web_stomp, [{tcp_config, [{ip, "127.0.0.1"}, {port, $WEB_STOMP_PORT}]}]}
EOF
  fi
  echo '].'
} >"$INSTANCE_DIR/rabbitmq.config"

# ---- epmd (shared by every Erlang node on this port) and the node --------------------------------
# See epmd_release in lib.sh: stop.sh stops this epmd when no instance and no node is left.
mkdir -p "$EPMD_STATE"
exec 9>"$EPMD_STATE/lock"
flock 9
if ! epmd -port "$EPMD_PORT" -names >/dev/null 2>&1; then
  (exec 8>&- 9>&- setsid bash -c 'echo $$ >"$1"; exec epmd -port "$2" -address 127.0.0.1' epmd "$EPMD_STATE/pid" "$EPMD_PORT" \
    </dev/null >>"$LOG_DIR/epmd.out" 2>&1) &
  disown $!
  for _ in $(seq 50); do
    epmd -port "$EPMD_PORT" -names >/dev/null 2>&1 && break
    sleep 0.05
  done
  epmd -port "$EPMD_PORT" -names >/dev/null 2>&1 || { log_tail "$LOG_DIR/epmd.out"; die "epmd did not start on port $EPMD_PORT"; }
fi
grep -qxF "$INSTANCE_DIR" "$EPMD_STATE/instances" 2>/dev/null || echo "$INSTANCE_DIR" >>"$EPMD_STATE/instances"

started=$(date +%s.%N)
(umask 077 && echo "$OPTIONS" >"$INSTANCE_DIR/options") # may hold test passwords
echo "=== start $(date -Is) $OPTIONS" >>"$SERVER_OUT"
(
  exec 8>&- 9>&- # the locks must not outlive this script
  # Keep the caller's RabbitMQ/Erlang settings out of the node.
  for v in $(compgen -e | grep -E '^(RABBITMQ_|ERL_)'); do unset "$v"; done
  export HOME="$INSTANCE_DIR"
  export RABBITMQ_NODENAME="$NODENAME"
  export RABBITMQ_CONF_ENV_FILE="$INSTANCE_DIR/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$INSTANCE_DIR/rabbitmq.config"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$INSTANCE_DIR/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$INSTANCE_DIR/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$INSTANCE_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$LOG_DIR"
  export RABBITMQ_LOGS="$NODE_LOG"
  export RABBITMQ_DIST_PORT="$DIST_PORT"
  export ERL_EPMD_PORT="$EPMD_PORT"
  export ERL_CRASH_DUMP="$LOG_DIR/erl_crash.dump"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  cd "$INSTANCE_DIR"
  # setsid: own session and process group (pgid = the pid written to the pidfile).
  exec setsid bash -c 'echo $$ >"$1"; exec "$2"' rabbitmq-server "$PIDFILE" "$RMQ_BIN/rabbitmq-server"
) </dev/null >>"$SERVER_OUT" 2>&1 &
disown $!
for _ in $(seq 100); do
  [[ -s "$PIDFILE" ]] && break
  sleep 0.01
done
flock -u 9
exec 9>&-
PID=$(cat "$PIDFILE" 2>/dev/null) || die "rabbitmq-server did not write $PIDFILE"

# A ctl wrapper with the node's HOME, cookie and name, for debugging.
cat >"$INSTANCE_DIR/rabbitmqctl" <<EOF
#!/bin/sh
HOME='$INSTANCE_DIR' RABBITMQ_NODENAME='$NODENAME' ERL_EPMD_PORT='$EPMD_PORT' RABBITMQ_CONF_ENV_FILE='$INSTANCE_DIR/rabbitmq-env.conf' exec '$RMQ_BIN/rabbitmqctl' "\$@"
EOF
chmod +x "$INSTANCE_DIR/rabbitmqctl"

if ! wait_out=$(node "$READY_MJS" wait --port "$MQTT_PORT" --tcp-port "$AMQP_PORT" --user guest --pass guest \
  --timeout "$TIMEOUT" --pgid "$PID" 2>&1); then
  log_tail "$NODE_LOG" "$SERVER_OUT"
  if group_alive "$PID"; then
    kill -KILL -- "-$PID" 2>/dev/null || true
    note "killed process group $PID"
  fi
  rm -f "$PIDFILE"
  epmd_release "$INSTANCE_DIR" "$EPMD_PORT" >&2
  die "RabbitMQ in $INSTANCE_DIR failed to become ready: $wait_out"
fi

{
  echo "RABBITMQ_MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT"
  echo "RABBITMQ_AMQP_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT"
  [[ -n "$MGMT_PORT" ]] && echo "RABBITMQ_MANAGEMENT_URL=http://127.0.0.1:$MGMT_PORT"
  [[ -n "$WEB_STOMP_PORT" ]] && echo "RABBITMQ_WEB_STOMP_URL=ws://127.0.0.1:$WEB_STOMP_PORT/ws"
  echo "RABBITMQ_MQTT_PORT=$MQTT_PORT"
  echo "RABBITMQ_AMQP_PORT=$AMQP_PORT"
  echo "RABBITMQ_MANAGEMENT_PORT=$MGMT_PORT"
  echo "RABBITMQ_STOMP_PORT=$STOMP_PORT"
  echo "RABBITMQ_WEB_STOMP_PORT=$WEB_STOMP_PORT"
  echo "RABBITMQ_DIST_PORT=$DIST_PORT"
  echo "RABBITMQ_EPMD_PORT=$EPMD_PORT"
  echo "RABBITMQ_NODENAME=$NODENAME"
  echo "RABBITMQ_ALLOW_ANONYMOUS=$ALLOW_ANONYMOUS"
  echo "RABBITMQ_USERS=$(IFS=,; echo "${user_names[*]+${user_names[*]}}")"
  echo "RABBITMQ_PID=$PID"
  echo "RABBITMQ_INSTANCE_DIR=$INSTANCE_DIR"
} >"$INSTANCE_DIR/env"

print_summary "ready in $(elapsed_since "$started")s"
