#include "line.h"
#include "settings.h"

#include <avr/interrupt.h>
#include <avr/sleep.h>

DropCounters dropCounters = {0, 0, 0, 0};

void countDrop(uint16_t &counter) {
  if (counter != 0xFFFF) counter++;
}

uint8_t crc8(const char *data, uint8_t length) {
  uint8_t crc = 0;
  while (length--) {
    crc ^= (uint8_t)*data++;
    for (uint8_t bit = 0; bit < 8; bit++) crc = (crc & 0x80) ? (uint8_t)((crc << 1) ^ 0x07) : (uint8_t)(crc << 1);
  }
  return crc;
}

// ---- receive ----

// One line plus a possible '\r'; bytes beyond are not stored, the line is then too long.
static char rxBuffer[MAX_LINE + 2];
static uint8_t rxLength = 0;
static bool rxOverflow = false;

static int8_t hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lowercase hex is not accepted
}

static void finishLine() {
  uint8_t length = rxLength;
  bool overflow = rxOverflow;
  rxLength = 0;
  rxOverflow = false;
  if (length > 0 && rxBuffer[length - 1] == '\r') length--;
  if (overflow || length > MAX_LINE) {
    countDrop(dropCounters.tooLong);
    return;
  }
  if (length == 0) return;  // empty lines resynchronise, silently
  for (uint8_t i = 0; i < length; i++) {
    char c = rxBuffer[i];
    if (c < 0x20 || c > 0x7E || (c == '*' && i != length - 3)) {
      countDrop(dropCounters.garbled);
      return;
    }
  }
  if (length < 4 || rxBuffer[length - 3] != '*') {
    countDrop(dropCounters.garbled);
    return;
  }
  int8_t high = hexValue(rxBuffer[length - 2]);
  int8_t low = hexValue(rxBuffer[length - 1]);
  if (high < 0 || low < 0) {
    countDrop(dropCounters.garbled);
    return;
  }
  uint8_t bodyLength = length - 3;
  if (crc8(rxBuffer, bodyLength) != (uint8_t)((high << 4) | low)) {
    countDrop(dropCounters.checksum);
    return;
  }
  rxBuffer[bodyLength] = '\0';
  onHostLine(rxBuffer, bodyLength);
}

void lineReceive(uint8_t byte) {
  if (byte == '\n') {
    finishLine();
  } else if (rxLength < MAX_LINE + 1) {
    rxBuffer[rxLength++] = (char)byte;
  } else {
    rxOverflow = true;
  }
}

// ---- transmit ----

static char txBuffer[MAX_LINE + 2];
static uint8_t txLength = 0;
static bool txTruncated = false;

static void txAppend(char c) {
  // Keep room for "*HH"; a field that would not fit is cut (never happens for the lines we send).
  if (txLength < MAX_LINE - 3) txBuffer[txLength++] = c;
  else txTruncated = true;
}

void lineBegin(const __FlashStringHelper *type) {
  txLength = 0;
  txTruncated = false;
  PGM_P p = reinterpret_cast<PGM_P>(type);
  char c;
  while ((c = pgm_read_byte(p++)) != '\0') txAppend(c);
}

void lineField(const char *text) {
  txAppend(' ');
  while (*text) txAppend(*text++);
}

void lineField(const __FlashStringHelper *text) {
  txAppend(' ');
  PGM_P p = reinterpret_cast<PGM_P>(text);
  char c;
  while ((c = pgm_read_byte(p++)) != '\0') txAppend(c);
}

void lineFieldU32(uint32_t value) {
  char digits[11];
  uint8_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  txAppend(' ');
  while (n) txAppend(digits[--n]);
}

void lineFieldCounters() {
  lineFieldU32(dropCounters.checksum);
  lineFieldU32(dropCounters.tooLong);
  lineFieldU32(dropCounters.garbled);
  lineFieldU32(dropCounters.unknown);
}

char hexDigit(uint8_t nibble) {
  nibble &= 0x0F;
  return (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}

// Serial.write spins while its 64-byte transmit buffer is full: a burst of lines (the CFG answer, about
// 300 bytes) would keep the CPU busy for the ~26 ms the UART needs to send it. Instead the CPU sleeps
// (idle mode: the UART keeps sending) until the data-register-empty interrupt has freed a slot. The
// same bytes leave at the same time; the board does no work while they do, which on the emulated Uno is
// most of a booting board's cost (every spin is emulated; a sleep is skipped over).
static void writeSleeping(const uint8_t *data, uint8_t length) {
  set_sleep_mode(SLEEP_MODE_IDLE);
  for (uint8_t i = 0; i < length; i++) {
    for (;;) {
      cli();
      if (Serial.availableForWrite() > 0) break;
      // SEI's next instruction runs before any interrupt, so the interrupt that frees a slot after the
      // check above still wakes the CPU from this sleep.
      sleep_enable();
      sei();
      sleep_cpu();
      sleep_disable();
    }
    sei();
    Serial.write(data[i]);
  }
}

void lineEnd() {
  if (txTruncated) return;  // a cut line would mislead; drop it
  uint8_t crc = crc8(txBuffer, txLength);
  txBuffer[txLength++] = '*';
  txBuffer[txLength++] = hexDigit(crc >> 4);
  txBuffer[txLength++] = hexDigit(crc);
  txBuffer[txLength++] = '\n';
  writeSleeping(reinterpret_cast<const uint8_t *>(txBuffer), txLength);
}
