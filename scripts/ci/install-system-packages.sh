#!/usr/bin/env bash
# Debian packages the tests need: socat (pseudo-terminals), the AVR toolchain (firmware build),
# RabbitMQ, mosquitto and its clients, python3-pika (the original backend's AMQP library), openssl (TLS
# test certificates), chromium (the panel's page tests) and prometheus (promtool checks /metrics).
# Idempotent: installs only what is missing.
set -euo pipefail
want=(socat gcc-avr avr-libc arduino-core-avr arduino-builder rabbitmq-server mosquitto mosquitto-clients python3-pika openssl chromium prometheus)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
