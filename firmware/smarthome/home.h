// The home: status string, command validation and merge, actuators, window, buttons and light
// effects. docs/home-behaviour.md is the contract; src/home/ implements the same in TypeScript.
#ifndef SMARTHOME_HOME_H
#define SMARTHOME_HOME_H

#include <Arduino.h>

const uint8_t STATUS_LENGTH = 9;

// Result of validating a command (docs/home-behaviour.md §1.1).
enum CommandCheck : uint8_t {
  COMMAND_OK = 0,
  COMMAND_STATUS_LENGTH,     // detail: the length
  COMMAND_STATUS_NOT_DIGIT,  // detail: the first bad position
  COMMAND_STATUS_RANGE,      // detail: the first bad position
};

// The stored status S: nine digits and a NUL.
extern char homeStatus[STATUS_LENGTH + 1];

void homeBegin();
CommandCheck homeValidate(const char *command, uint8_t length, uint8_t &detail);
// Merges a validated command into S and actuates; returns true when S changed.
bool homeApply(const char *command);
// One 10 ms tick: servo travel, window contact, buttons, light effect.
void homeTick();

// Reports the home raises from homeTick() (defined by the sketch).
void reportButton(uint8_t button);  // 0 aircon, 1 light, 2 gas
void reportWindow(bool open);
void reportStatus(const __FlashStringHelper *cause);

#endif
