// Generated from devices.json by scripts/firmware/write-config.ts (npm run firmware:build): do not edit.
// npm run firmware:check fails when this file is not what devices.json gives. The sketch reports these
// values back in its CFG lines (docs/serial-protocol.md §5.1); the host refuses a board built otherwise.
#ifndef SMARTHOME_CONFIG_H
#define SMARTHOME_CONFIG_H

#include <Arduino.h>

// climate
const uint8_t PIN_DHT = 2;  // sensors.climate.serial.pin: "D2"
const uint32_t CLIMATE_FIRST_MS = 2000UL;  // sensors.climate.firstReadingMs: 2000
const uint32_t CLIMATE_PERIOD_MS = 60000UL;  // sensors.climate.periodMs: 60000

// rain
const uint8_t PIN_RAIN = A1;  // sensors.rain.pin: "A1"
const uint32_t RAIN_PERIOD_MS = 2000UL;  // sensors.rain.periodMs: 2000
const bool RAIN_ACTIVE_LOW = true;  // sensors.rain.activeLow: true

// buttons
const uint8_t PIN_BUTTON_AIRCON = 4;  // sensors.buttons.pins.aircon: "D4"
const uint8_t PIN_BUTTON_LIGHT = 7;  // sensors.buttons.pins.light: "D7"
const uint8_t PIN_BUTTON_GAS = 12;  // sensors.buttons.pins.gas: "D12"
const uint32_t BUTTON_HOLD_MS = 1000UL;  // sensors.buttons.holdMs: 1000

// aircon
const uint8_t PIN_FAN = 3;  // appliances.aircon.pins.fan: "D3"
const uint8_t DUTY_PER_POWER_STEP = 25;  // appliances.aircon.dutyPerPowerStep: 25

// light
const uint8_t PIN_LIGHT_RED = 5;  // appliances.light.pins.red: "D5"
const uint8_t PIN_LIGHT_GREEN = 6;  // appliances.light.pins.green: "D6"
const uint8_t PIN_LIGHT_BLUE = 11;  // appliances.light.pins.blue: "D11"
const uint8_t DUTY_PER_BRIGHTNESS_STEP = 25;  // appliances.light.dutyPerBrightnessStep: 25
const uint32_t SLEEP_STEP_MS = 150UL;  // appliances.light.sleepStepMs: 150
const uint32_t GUIDE_STEP_MS = 1450UL;  // appliances.light.guideStepMs: 1450
const uint32_t TREE_STEP_MS = 500UL;  // appliances.light.treeStepMs: 500

// window
const uint8_t PIN_SERVO = 9;  // appliances.window.pins.servo: "D9"
const uint8_t PIN_CONTACT = 10;  // appliances.window.pins.contact: "D10"
const uint8_t WINDOW_CLOSED_DEG = 0;  // appliances.window.closedDeg: 0
const uint8_t WINDOW_OPEN_DEG = 110;  // appliances.window.openDeg: 110
const uint32_t WINDOW_MS_PER_DEGREE = 10UL;  // appliances.window.msPerDegree: 10
const uint32_t CONTACT_DEBOUNCE_MS = 2000UL;  // appliances.window.contactDebounceMs: 2000

// gas
const uint8_t PIN_GAS_VALVE = 8;  // appliances.gasValve.pins.output: "D8"

#endif
