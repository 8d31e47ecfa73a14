# shellcheck shell=bash
# Sourced by .ci/run: installs and starts the brokers the tests use and exports their
# SMARTHOME_TEST_* variables (contract: test/support/brokers.ts). The caller stops them with
# brokers_stop, from its EXIT trap. Locally: `source .ci/run.d/brokers.sh`, later `brokers_stop`.
#
#   RabbitMQ, production config: MQTT 11883, AMQP 5673, management 15673, STOMP 61614,
#                                Web-STOMP 15676, dist 25673
#   RabbitMQ, anonymous off:     MQTT 11893, AMQP 5683, dist 25683 (rabbitmq_mqtt only),
#                                extra user device:device-secret
#   mosquitto:                   MQTT 11884
#   epmd:                        4369 (shared; stopped with the last node)
# Ports avoid the defaults (1883, 5672, 15672, ...) so a developer's own broker does not clash,
# and the AMQP ports keep the distribution ports (AMQP + 20000) out of 35672-35682. Every port can be
# moved with its BROKERS_*_PORT variable below (the test runner's global setup does, when these are
# taken). With BROKERS_NO_START=1, sourcing only defines brokers_start and brokers_stop.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  echo "usage: source ${BASH_SOURCE[0]}   (then brokers_stop to stop the brokers)" >&2
  exit 2
fi

BROKERS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BROKERS_DIR=${BROKERS_DIR:-$BROKERS_REPO/.cache/ci-brokers}
BROKERS_AUTH_USER=${BROKERS_AUTH_USER:-device:device-secret}
BROKERS_MQTT_PORT=${BROKERS_MQTT_PORT:-11883}
BROKERS_AMQP_PORT=${BROKERS_AMQP_PORT:-5673}
BROKERS_MANAGEMENT_PORT=${BROKERS_MANAGEMENT_PORT:-15673}
BROKERS_STOMP_PORT=${BROKERS_STOMP_PORT:-61614}
BROKERS_WEB_STOMP_PORT=${BROKERS_WEB_STOMP_PORT:-15676}
BROKERS_DIST_PORT=${BROKERS_DIST_PORT:-$((BROKERS_AMQP_PORT + 20000))}
BROKERS_AUTH_MQTT_PORT=${BROKERS_AUTH_MQTT_PORT:-11893}
BROKERS_AUTH_AMQP_PORT=${BROKERS_AUTH_AMQP_PORT:-5683}
BROKERS_AUTH_DIST_PORT=${BROKERS_AUTH_DIST_PORT:-$((BROKERS_AUTH_AMQP_PORT + 20000))}
BROKERS_MOSQUITTO_PORT=${BROKERS_MOSQUITTO_PORT:-11884}

# Idempotent: stops whatever of the three is running, keeps going on errors.
brokers_stop() {
  local rc=0
  "$BROKERS_REPO/scripts/mosquitto/stop.sh" --instance-dir "$BROKERS_DIR/mosquitto-$BROKERS_MOSQUITTO_PORT" || rc=1
  # State is thrown away: no graceful shutdown needed (saves ~6 s).
  "$BROKERS_REPO/scripts/rabbitmq/stop.sh" --instance-dir "$BROKERS_DIR/rabbitmq-$BROKERS_AUTH_MQTT_PORT" --kill || rc=1
  "$BROKERS_REPO/scripts/rabbitmq/stop.sh" --instance-dir "$BROKERS_DIR/rabbitmq-$BROKERS_MQTT_PORT" --kill || rc=1
  return $rc
}

brokers_start() {
  local t0 pid_main pid_auth rc_main=0 rc_auth=0
  t0=$(date +%s)
  "$BROKERS_REPO/scripts/rabbitmq/install.sh" mosquitto mosquitto-clients || return 1

  mkdir -p "$BROKERS_DIR"
  # The two RabbitMQ nodes boot in parallel (each cold start mostly waits for its Ra cluster).
  "$BROKERS_REPO/scripts/rabbitmq/start.sh" --fresh --timeout 120 --instance-dir "$BROKERS_DIR/rabbitmq-$BROKERS_MQTT_PORT" \
    --mqtt-port "$BROKERS_MQTT_PORT" --amqp-port "$BROKERS_AMQP_PORT" --dist-port "$BROKERS_DIST_PORT" \
    --management-port "$BROKERS_MANAGEMENT_PORT" --stomp-port "$BROKERS_STOMP_PORT" --web-stomp-port "$BROKERS_WEB_STOMP_PORT" &
  pid_main=$!
  "$BROKERS_REPO/scripts/rabbitmq/start.sh" --fresh --timeout 120 --instance-dir "$BROKERS_DIR/rabbitmq-$BROKERS_AUTH_MQTT_PORT" \
    --mqtt-port "$BROKERS_AUTH_MQTT_PORT" --amqp-port "$BROKERS_AUTH_AMQP_PORT" --dist-port "$BROKERS_AUTH_DIST_PORT" \
    --minimal --no-anonymous --user "$BROKERS_AUTH_USER" &
  pid_auth=$!
  "$BROKERS_REPO/scripts/mosquitto/start.sh" --instance-dir "$BROKERS_DIR/mosquitto-$BROKERS_MOSQUITTO_PORT" --port "$BROKERS_MOSQUITTO_PORT" || {
    wait "$pid_main" "$pid_auth"
    return 1
  }
  wait "$pid_main" || rc_main=$?
  wait "$pid_auth" || rc_auth=$?
  if ((rc_main || rc_auth)); then
    echo "brokers: RabbitMQ failed to start (see above)" >&2
    return 1
  fi

  export SMARTHOME_TEST_RABBITMQ_MQTT_URL=mqtt://127.0.0.1:$BROKERS_MQTT_PORT
  export SMARTHOME_TEST_RABBITMQ_AMQP_URL=amqp://guest:guest@127.0.0.1:$BROKERS_AMQP_PORT
  export SMARTHOME_TEST_RABBITMQ_MANAGEMENT_URL=http://127.0.0.1:$BROKERS_MANAGEMENT_PORT
  export SMARTHOME_TEST_RABBITMQ_AUTH_MQTT_URL=mqtt://127.0.0.1:$BROKERS_AUTH_MQTT_PORT
  export SMARTHOME_TEST_RABBITMQ_AUTH_AMQP_URL=amqp://guest:guest@127.0.0.1:$BROKERS_AUTH_AMQP_PORT
  export SMARTHOME_TEST_RABBITMQ_AUTH_USER="$BROKERS_AUTH_USER"
  export SMARTHOME_TEST_MOSQUITTO_URL=mqtt://127.0.0.1:$BROKERS_MOSQUITTO_PORT
  echo "brokers: ready in $(($(date +%s) - t0))s"
  env | grep '^SMARTHOME_TEST_' | sort
}

[[ -n ${BROKERS_NO_START:-} ]] || brokers_start || return 1
