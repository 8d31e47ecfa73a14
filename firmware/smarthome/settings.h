// The sketch's own settings, and the tick counts it derives from config.h (generated from devices.json).
// Every value of devices.json lives in config.h; what is here is the sketch's, not the home's.
#ifndef SMARTHOME_SETTINGS_H
#define SMARTHOME_SETTINGS_H

#include "config.h"

#define FIRMWARE_VERSION "1.1.1"
#define PROTOCOL_VERSION "1"
#define BOARD_NAME "smarthome-uno"

// The tick: everything timed runs on it.
const uint8_t TICK_MS = 10;

// Serial line protocol (docs/serial-protocol.md).
const uint32_t SERIAL_BAUD = 115200;
const uint8_t MAX_LINE = 64;  // bytes, checksum included, terminator excluded
const uint16_t HEARTBEAT_TICKS = 1000 / TICK_MS;

// A devices.json timing the tick cannot keep, or one too long for its counter, fails the build here.
static_assert(WINDOW_MS_PER_DEGREE % TICK_MS == 0 && WINDOW_MS_PER_DEGREE / TICK_MS <= 255,
              "appliances.window.msPerDegree must be a multiple of 10 ms, at most 2550");
static_assert(CONTACT_DEBOUNCE_MS % TICK_MS == 0 && CONTACT_DEBOUNCE_MS / TICK_MS <= 65535,
              "appliances.window.contactDebounceMs must be a multiple of 10 ms, at most 655350");
static_assert(BUTTON_HOLD_MS % TICK_MS == 0 && BUTTON_HOLD_MS / TICK_MS <= 254,
              "sensors.buttons.holdMs must be a multiple of 10 ms, at most 2540");
static_assert(SLEEP_STEP_MS % TICK_MS == 0 && SLEEP_STEP_MS / TICK_MS <= 255,
              "appliances.light.sleepStepMs must be a multiple of 10 ms, at most 2550");
static_assert(GUIDE_STEP_MS % TICK_MS == 0 && GUIDE_STEP_MS / TICK_MS <= 255,
              "appliances.light.guideStepMs must be a multiple of 10 ms, at most 2550");
static_assert(TREE_STEP_MS % TICK_MS == 0 && TREE_STEP_MS / TICK_MS <= 255,
              "appliances.light.treeStepMs must be a multiple of 10 ms, at most 2550");
static_assert(CLIMATE_FIRST_MS % TICK_MS == 0 && CLIMATE_FIRST_MS >= 3 * TICK_MS,
              "sensors.climate.firstReadingMs must be a multiple of 10 ms, at least 30");
static_assert(CLIMATE_PERIOD_MS % TICK_MS == 0 && CLIMATE_PERIOD_MS >= 3 * TICK_MS,
              "sensors.climate.periodMs must be a multiple of 10 ms, at least 30");
static_assert(RAIN_PERIOD_MS % TICK_MS == 0 && RAIN_PERIOD_MS >= TICK_MS,
              "sensors.rain.periodMs must be a multiple of 10 ms");
static_assert(WINDOW_CLOSED_DEG <= 180 && WINDOW_OPEN_DEG <= 180, "window angles are 0-180 degrees");

// Window (servo and contact).
const uint8_t WINDOW_TICKS_PER_DEG = WINDOW_MS_PER_DEGREE / TICK_MS;
const uint16_t CONTACT_DEBOUNCE_TICKS = CONTACT_DEBOUNCE_MS / TICK_MS;
const uint16_t SERVO_MIN_COUNT = 1088;      // 544 µs in 0.5 µs timer counts
const uint16_t SERVO_MAX_COUNT = 4800;      // 2400 µs
const uint16_t SERVO_PERIOD_COUNTS = 40000; // 20 ms: ICR1 = 39999

// Buttons.
const uint8_t BUTTON_HOLD_TICKS = BUTTON_HOLD_MS / TICK_MS;

// Appliances.
const uint8_t SLEEP_STEP_TICKS = SLEEP_STEP_MS / TICK_MS;
const uint8_t SLEEP_STEPS = 10;  // each way
const uint8_t GUIDE_STEP_TICKS = GUIDE_STEP_MS / TICK_MS;
const uint8_t TREE_STEP_TICKS = TREE_STEP_MS / TICK_MS;

// Sensors.
const uint32_t CLIMATE_FIRST_TICKS = CLIMATE_FIRST_MS / TICK_MS;
const uint32_t CLIMATE_PERIOD_TICKS = CLIMATE_PERIOD_MS / TICK_MS;
const uint8_t DHT_START_TICKS = 2;  // start signal: 20 ms low (>= 18 ms)
const uint32_t RAIN_PERIOD_TICKS = RAIN_PERIOD_MS / TICK_MS;  // first one period after boot

#endif
