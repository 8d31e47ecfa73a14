// DHT11 driver without libraries (datasheet timing; see firmware/README.md for the exact timings
// this driver expects and tolerates).
#ifndef SMARTHOME_DHT11_H
#define SMARTHOME_DHT11_H

#include <Arduino.h>

enum DhtResult : uint8_t {
  DHT_OK = 0,
  DHT_NO_RESPONSE,  // the sensor never pulled the line low after the start signal
  DHT_TIMEOUT,      // a pulse was missing or too long (dhtFailedAt says where)
  DHT_CHECKSUM,     // byte 4 is not the sum of bytes 0-3
};

// Where a DHT_TIMEOUT happened: 1 = response low, 2 = response high, 10 + n = bit n (0-39).
extern uint8_t dhtFailedAt;

// Step 1: drive the line low (the start signal); keep it low at least 18 ms, then call dhtRead().
void dhtStart(uint8_t pin);
// Step 2: releases the line and reads the 40 bits (about 4-5 ms; interrupts off while timing).
DhtResult dhtRead(uint8_t pin, uint8_t data[5]);

#endif
