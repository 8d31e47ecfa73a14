#!/usr/bin/env bash
# Installs the Debian packages that build the Uno sketch (firmware/smarthome): gcc-avr, avr-libc,
# arduino-core-avr and arduino-builder. Idempotent: a quick no-op when everything is present.
# See docs in firmware/README.md.
set -euo pipefail

PACKAGES=(gcc-avr avr-libc arduino-core-avr arduino-builder)

present() {
  command -v avr-gcc >/dev/null 2>&1 &&
    command -v arduino-builder >/dev/null 2>&1 &&
    [[ -f /usr/lib/avr/include/avr/io.h ]] &&
    [[ -f /usr/share/arduino/hardware/arduino/avr/platform.txt ]] &&
    [[ -d /usr/share/arduino-builder ]]
}

if present; then
  echo "firmware toolchain present: $(avr-gcc -dumpversion 2>/dev/null | head -n1) (avr-gcc), arduino-builder $(arduino-builder -version 2>/dev/null | head -n1 | awk '{print $NF}')"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-toolchain: apt-get not found; install ${PACKAGES[*]} with your package manager" >&2
  exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "install-toolchain: run as root or install sudo" >&2
    exit 1
  fi
fi

"${SUDO[@]}" apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"

if ! present; then
  echo "install-toolchain: packages installed but the toolchain is still incomplete" >&2
  exit 1
fi
echo "firmware toolchain installed"
