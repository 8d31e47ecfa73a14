#!/usr/bin/env bash
# Installs the Debian packages for a private RabbitMQ (rabbitmq-server 3.10 and python3-pika).
# Extra package names given as arguments are installed the same way (CI: mosquitto).
# Quick no-op when everything is installed; `apt-get update` runs only when a package is unknown
# to apt (fresh image without package lists) or the first install attempt fails.
set -euo pipefail
PROG=rabbitmq/install.sh

pkgs=(rabbitmq-server python3-pika "$@")
missing=()
for p in "${pkgs[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "$PROG: already installed: ${pkgs[*]}"
  exit 0
fi

SUDO=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "$PROG: need root to install ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive

known=1
for p in "${missing[@]}"; do
  apt-cache show "$p" >/dev/null 2>&1 || known=0
done
if ((known == 0)); then
  echo "$PROG: apt-get update (package lists do not know ${missing[*]})"
  "${SUDO[@]}" apt-get update -qq
fi

echo "$PROG: installing ${missing[*]}"
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  # Stale package lists (404 on download): refresh once and retry.
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
