// Compile-time configuration of the smarthome sketch. Every value matches the defaults of
// devices.json and docs/home-behaviour.md (pins: §4; periods and timings: §2, §3).
#ifndef SMARTHOME_CONFIG_H
#define SMARTHOME_CONFIG_H

#include <Arduino.h>

#define FIRMWARE_VERSION "1.0.0"
#define PROTOCOL_VERSION "1"
#define BOARD_NAME "smarthome-uno"

// Pins (docs/home-behaviour.md §4).
const uint8_t PIN_DHT = 2;            // DHT11 data
const uint8_t PIN_FAN = 3;            // air-con fan PWM (Timer2, OC2B)
const uint8_t PIN_BUTTON_AIRCON = 4;  // to GND, pull-up
const uint8_t PIN_LIGHT_RED = 5;      // PWM (Timer0, OC0B)
const uint8_t PIN_LIGHT_GREEN = 6;    // PWM (Timer0, OC0A)
const uint8_t PIN_BUTTON_LIGHT = 7;   // to GND, pull-up
const uint8_t PIN_GAS_VALVE = 8;      // high = open
const uint8_t PIN_SERVO = 9;          // Timer1 OC1A, 50 Hz
const uint8_t PIN_CONTACT = 10;       // window contact to GND, pull-up: high = open
const uint8_t PIN_LIGHT_BLUE = 11;    // PWM (Timer2, OC2A)
const uint8_t PIN_BUTTON_GAS = 12;    // to GND, pull-up
const uint8_t PIN_RAIN = A1;          // rain sensor digital output, low = rain

// The tick: everything timed runs on it.
const uint8_t TICK_MS = 10;

// Serial line protocol (docs/serial-protocol.md).
const uint32_t SERIAL_BAUD = 115200;
const uint8_t MAX_LINE = 64;  // bytes, checksum included, terminator excluded
const uint16_t HEARTBEAT_TICKS = 1000 / TICK_MS;

// Window (servo and contact).
const uint8_t WINDOW_CLOSED_DEG = 0;
const uint8_t WINDOW_OPEN_DEG = 110;
const uint8_t WINDOW_TICKS_PER_DEG = 10 / TICK_MS;          // msPerDegree 10
const uint16_t CONTACT_DEBOUNCE_TICKS = 2000 / TICK_MS;     // contactDebounceMs 2000
const uint16_t SERVO_MIN_COUNT = 1088;                      // 544 µs in 0.5 µs timer counts
const uint16_t SERVO_MAX_COUNT = 4800;                      // 2400 µs
const uint16_t SERVO_PERIOD_COUNTS = 40000;                 // 20 ms: ICR1 = 39999

// Buttons.
const uint8_t BUTTON_HOLD_TICKS = 1000 / TICK_MS;           // holdMs 1000

// Appliances.
const uint8_t DUTY_PER_POWER_STEP = 25;
const uint8_t DUTY_PER_BRIGHTNESS_STEP = 25;
const uint8_t SLEEP_STEP_TICKS = 150 / TICK_MS;             // sleepStepMs 150
const uint8_t SLEEP_STEPS = 10;                             // each way
const uint8_t GUIDE_STEP_TICKS = 1450 / TICK_MS;            // guideStepMs 1450
const uint8_t TREE_STEP_TICKS = 500 / TICK_MS;              // treeStepMs 500

// Sensors.
const uint32_t CLIMATE_FIRST_TICKS = 2000 / TICK_MS;        // firstReadingMs 2000
const uint32_t CLIMATE_PERIOD_TICKS = 60000UL / TICK_MS;    // periodMs 60000
const uint8_t DHT_START_TICKS = 2;                          // start signal: 20 ms low (>= 18 ms)
const uint32_t RAIN_PERIOD_TICKS = 2000 / TICK_MS;          // periodMs 2000 (first one period after boot)

#endif
