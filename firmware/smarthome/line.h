// The serial line protocol on the board side: receive framing with drop counters, and a line
// builder that appends the checksum. docs/serial-protocol.md.
#ifndef SMARTHOME_LINE_H
#define SMARTHOME_LINE_H

#include <Arduino.h>

struct DropCounters {
  uint16_t checksum;
  uint16_t tooLong;
  uint16_t garbled;
  uint16_t unknown;
};
extern DropCounters dropCounters;

// Saturating increment of one drop counter.
void countDrop(uint16_t &counter);

// CRC-8/SMBUS (poly 0x07, init 0, no reflection, no final XOR).
uint8_t crc8(const char *data, uint8_t length);

// '0'-'9', 'A'-'F' for the low four bits.
char hexDigit(uint8_t nibble);

// Feeds one received byte. When it completes a well-formed line with a good checksum, calls
// onHostLine() with the body (the text before '*', NUL-terminated). Bad lines are counted, never passed.
void lineReceive(uint8_t byte);
void onHostLine(char *body, uint8_t length);  // defined by the sketch

// Line output: lineBegin(type), then fields, then lineEnd() writes "<body>*HH\n".
void lineBegin(const __FlashStringHelper *type);
void lineField(const char *text);
void lineField(const __FlashStringHelper *text);
void lineFieldU32(uint32_t value);
void lineFieldCounters();
void lineEnd();

#endif
