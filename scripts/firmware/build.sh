#!/usr/bin/env bash
# Builds the Uno sketch firmware/smarthome with arduino-builder (Debian packages, no Java) and
# writes firmware/build/smarthome.hex. The sketch's pins and timings come from devices.json:
# firmware/smarthome/config.h is generated from it first (scripts/firmware/write-config.ts).
#
#   bash scripts/firmware/build.sh           generate config.h, build, print sizes, enforce budgets,
#                                            update the hex
#   bash scripts/firmware/build.sh --check   fail when the committed config.h is not generated from
#                                            devices.json, or (built in a temporary directory) the
#                                            committed firmware/build/smarthome.hex is not current
#
# Budgets: flash <= 28672 bytes (28 KB; the Uno has 32256 after the bootloader), static RAM
# <= 1536 bytes (of 2048; the rest is for the stack). The .hex carries no paths or dates: the same
# sources give the same bytes in any directory, which --check relies on.
set -euo pipefail

FLASH_BUDGET=28672
RAM_BUDGET=1536

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SKETCH="$ROOT/firmware/smarthome/smarthome.ino"
HEX="$ROOT/firmware/build/smarthome.hex"

CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

if ! command -v arduino-builder >/dev/null 2>&1 || ! command -v avr-gcc >/dev/null 2>&1; then
  echo "firmware build: toolchain missing; run: bash scripts/firmware/install-toolchain.sh" >&2
  exit 1
fi

if ((CHECK)); then
  (cd "$ROOT" && npx --no-install tsx scripts/firmware/write-config.ts --check)
else
  (cd "$ROOT" && npx --no-install tsx scripts/firmware/write-config.ts)
fi

BUILD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/smarthome-build.XXXXXX")
trap 'rm -rf "$BUILD_DIR"' EXIT

# /usr/share/arduino-builder carries the ctags recipe when the Java IDE package is not installed.
HARDWARE=(-hardware /usr/share/arduino/hardware)
[[ -d /usr/share/arduino-builder ]] && HARDWARE=(-hardware /usr/share/arduino-builder "${HARDWARE[@]}")

LOG="$BUILD_DIR/build.log"
if ! arduino-builder -compile "${HARDWARE[@]}" -tools /usr/bin -fqbn arduino:avr:uno \
  -build-path "$BUILD_DIR" -warnings all \
  -prefs=compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__ \
  "$SKETCH" >"$LOG" 2>&1; then
  cat "$LOG" >&2
  echo "firmware build: arduino-builder failed" >&2
  exit 1
fi
# Warnings from our own sources (the Debian core's own warnings are not ours to fix).
grep -A3 -E "(/sketch/|firmware/smarthome/)[^ ]*: warning" "$LOG" >&2 || true

FLASH=$(sed -n 's/^Sketch uses \([0-9]*\) bytes.*/\1/p' "$LOG")
RAM=$(sed -n 's/^Global variables use \([0-9]*\) bytes.*/\1/p' "$LOG")
if [[ -z "$FLASH" || -z "$RAM" ]]; then
  cat "$LOG" >&2
  echo "firmware build: could not read the sizes from arduino-builder's output" >&2
  exit 1
fi
echo "flash: $FLASH bytes (budget $FLASH_BUDGET)"
echo "static RAM: $RAM bytes (budget $RAM_BUDGET)"

STATUS=0
if ((FLASH > FLASH_BUDGET)); then
  echo "firmware build: flash $FLASH bytes exceeds the budget of $FLASH_BUDGET" >&2
  STATUS=1
fi
if ((RAM > RAM_BUDGET)); then
  echo "firmware build: static RAM $RAM bytes exceeds the budget of $RAM_BUDGET" >&2
  STATUS=1
fi
((STATUS == 0)) || exit "$STATUS"

BUILT="$BUILD_DIR/smarthome.ino.hex"
if ((CHECK)); then
  if [[ ! -f "$HEX" ]]; then
    echo "firmware check: $HEX is missing; run npm run firmware:build and commit it" >&2
    exit 1
  fi
  if ! cmp -s "$BUILT" "$HEX"; then
    echo "firmware check: firmware/build/smarthome.hex is not built from the current sources;" >&2
    echo "run npm run firmware:build and commit firmware/build/smarthome.hex" >&2
    exit 1
  fi
  echo "firmware check: firmware/build/smarthome.hex is current ($(sha256sum "$HEX" | cut -c1-16))"
  exit 0
fi

mkdir -p "$(dirname "$HEX")"
cp "$BUILT" "$HEX"
echo "wrote firmware/build/smarthome.hex ($(sha256sum "$HEX" | cut -c1-16))"
