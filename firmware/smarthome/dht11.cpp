#include "dht11.h"

// The read runs with interrupts off and is timed by micros(). Interrupts are let in for a few
// instructions right after each edge the driver sees, and at no other time: a pending interrupt then
// runs at the start of a pulse (the shortest is 26 µs; the Arduino core's interrupt handlers take a
// few µs) instead of delaying the detection of an edge. This keeps micros() exact (it tolerates only
// one pending Timer0 overflow, i.e. about 1 ms with interrupts off), keeps millis() from losing time,
// and lets the serial receiver take every byte (one per 87 µs at 115200) during the read.

uint8_t dhtFailedAt = 0;

static const uint8_t RESPONSE_TIMEOUT_US = 150;  // each of: wait for low (20-40), low (80), high (80)
static const uint8_t BIT_TIMEOUT_US = 120;       // each of: bit low (50), bit high (26-28 or 70)
static const uint8_t ONE_THRESHOLD_US = 48;      // a high pulse longer than this is a 1

static volatile uint8_t *dhtIn;
static uint8_t dhtMask;
static uint8_t dhtSreg;      // SREG of the caller (interrupts enabled in loop())
static uint32_t dhtLastEdge;  // micros() just after the last edge was seen
static const uint8_t TIMED_OUT = 0xFF;

// Measures the pulse that began at the last edge: lets pending interrupts run, then waits while the
// line is at `level`. Returns the pulse length in µs, or TIMED_OUT past `timeout`. Each edge is
// stamped right after the read that saw it, so both ends of a pulse carry the same small lag.
static uint8_t pulse(bool level, uint8_t timeout) {
  // Interrupts on for three instructions: after each handler the CPU runs one instruction before it
  // takes the next, so up to three pending handlers (Timer0 overflow, serial receive, serial transmit)
  // run here, one after the other.
  SREG = dhtSreg;
  __asm__ __volatile__("nop\n\tnop\n\tnop");
  cli();
  for (;;) {
    bool high = (*dhtIn & dhtMask) != 0;
    uint32_t now = micros();
    uint32_t took = now - dhtLastEdge;
    if (high != level) {
      dhtLastEdge = now;
      return (uint8_t)(took > 254 ? 254 : took);
    }
    if (took > timeout) return TIMED_OUT;
  }
}

void dhtStart(uint8_t pin) {
  digitalWrite(pin, LOW);
  pinMode(pin, OUTPUT);
}

DhtResult dhtRead(uint8_t pin, uint8_t data[5]) {
  dhtIn = portInputRegister(digitalPinToPort(pin));
  dhtMask = digitalPinToBitMask(pin);
  for (uint8_t i = 0; i < 5; i++) data[i] = 0;
  DhtResult result = DHT_OK;
  dhtSreg = SREG;
  cli();
  pinMode(pin, INPUT_PULLUP);  // release: the sensor answers after 20-40 µs
  dhtLastEdge = micros();
  if (pulse(true, RESPONSE_TIMEOUT_US) == TIMED_OUT) {
    result = DHT_NO_RESPONSE;
  } else if (pulse(false, RESPONSE_TIMEOUT_US) == TIMED_OUT) {
    result = DHT_TIMEOUT;
    dhtFailedAt = 1;
  } else if (pulse(true, RESPONSE_TIMEOUT_US) == TIMED_OUT) {
    result = DHT_TIMEOUT;
    dhtFailedAt = 2;
  } else {
    for (uint8_t bit = 0; bit < 40; bit++) {
      uint8_t high = TIMED_OUT;
      if (pulse(false, BIT_TIMEOUT_US) != TIMED_OUT) high = pulse(true, BIT_TIMEOUT_US);
      if (high == TIMED_OUT) {
        result = DHT_TIMEOUT;
        dhtFailedAt = (uint8_t)(10 + bit);
        break;
      }
      data[bit / 8] = (uint8_t)((data[bit / 8] << 1) | (high > ONE_THRESHOLD_US ? 1 : 0));
    }
  }
  SREG = dhtSreg;
  if (result == DHT_OK && (uint8_t)(data[0] + data[1] + data[2] + data[3]) != data[4]) result = DHT_CHECKSUM;
  return result;
}
