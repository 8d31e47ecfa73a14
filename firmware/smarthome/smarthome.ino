// Car2Home smarthome for an Arduino Uno.
//
// Implements docs/home-behaviour.md (status merge, actuators, window servo and contact, buttons,
// light effects, DHT11 climate and rain readings) and speaks docs/serial-protocol.md (protocol 1,
// with CFG) at 115200 8N1. Pins and timings come from config.h, generated from devices.json. Arduino core only, no libraries; functions are declared before use so the sketch
// also builds with plain avr-gcc. Wiring and build: firmware/README.md.

#include "settings.h"
#include "dht11.h"
#include "home.h"
#include "line.h"
#include <avr/sleep.h>

static uint32_t tickCount = 0;    // ticks since boot; tick n runs at n * 10 ms
static uint32_t nextTickMs = TICK_MS;
static uint32_t climateDueTick = CLIMATE_FIRST_TICKS - DHT_START_TICKS;  // start signal, then read
static bool dhtStarted = false;
static uint32_t rainDueTick = RAIN_PERIOD_TICKS;
static uint8_t heartbeatCountdown = HEARTBEAT_TICKS;

// ---- reports ----

static const char BUTTON_NAME_0[] PROGMEM = "aircon";
static const char BUTTON_NAME_1[] PROGMEM = "light";
static const char BUTTON_NAME_2[] PROGMEM = "gas";
static const char *const BUTTON_NAMES[3] PROGMEM = {BUTTON_NAME_0, BUTTON_NAME_1, BUTTON_NAME_2};

void reportStatus(const __FlashStringHelper *cause) {
  lineBegin(F("STATUS"));
  lineField(cause);
  lineField(homeStatus);
  lineEnd();
}

void reportButton(uint8_t button) {
  lineBegin(F("EVENT"));
  lineField(F("button"));
  lineField(reinterpret_cast<const __FlashStringHelper *>(pgm_read_ptr(&BUTTON_NAMES[button])));
  lineEnd();
}

void reportWindow(bool open) {
  lineBegin(F("EVENT"));
  lineField(F("window"));
  lineField(open ? F("open") : F("closed"));
  lineEnd();
}

static void reportLog(const __FlashStringHelper *code, const char *text) {
  lineBegin(F("LOG"));
  lineField(F("warn"));
  lineField(code);
  if (text != 0 && text[0] != '\0') lineField(text);
  lineEnd();
}

// ---- host commands ----

// A pin as devices.json writes it: D0-D13, A0-A5 (Arduino pin 14-19).
static void lineFieldPin(uint8_t pin) {
  char text[4];
  bool analog = pin >= A0;
  uint8_t n = analog ? (uint8_t)(pin - A0) : pin;
  text[0] = analog ? 'A' : 'D';
  text[1] = (char)(n >= 10 ? '0' + n / 10 : '0' + n);
  text[2] = n >= 10 ? (char)('0' + n % 10) : '\0';
  text[3] = '\0';
  lineField(text);
}

static void cfgBegin(const char *id, const __FlashStringHelper *group) {
  lineBegin(F("CFG"));
  lineField(id);
  lineField(group);
}

// CFG: the pins and timings this build was compiled with (config.h), in the groups and order of
// docs/serial-protocol.md §5.1, so the host can refuse a build that disagrees with its devices.json.
static void reportBuild(const char *id) {
  cfgBegin(id, F("climate"));
  lineFieldPin(PIN_DHT);
  lineFieldU32(CLIMATE_FIRST_TICKS * TICK_MS);
  lineFieldU32(CLIMATE_PERIOD_TICKS * TICK_MS);
  lineEnd();
  cfgBegin(id, F("rain"));
  lineFieldPin(PIN_RAIN);
  lineFieldU32(RAIN_PERIOD_TICKS * TICK_MS);
  lineFieldU32(RAIN_ACTIVE_LOW ? 1 : 0);
  lineEnd();
  cfgBegin(id, F("buttons"));
  lineFieldPin(PIN_BUTTON_AIRCON);
  lineFieldPin(PIN_BUTTON_LIGHT);
  lineFieldPin(PIN_BUTTON_GAS);
  lineFieldU32((uint32_t)BUTTON_HOLD_TICKS * TICK_MS);
  lineEnd();
  cfgBegin(id, F("aircon"));
  lineFieldPin(PIN_FAN);
  lineFieldU32(DUTY_PER_POWER_STEP);
  lineEnd();
  cfgBegin(id, F("light"));
  lineFieldPin(PIN_LIGHT_RED);
  lineFieldPin(PIN_LIGHT_GREEN);
  lineFieldPin(PIN_LIGHT_BLUE);
  lineFieldU32(DUTY_PER_BRIGHTNESS_STEP);
  lineFieldU32((uint32_t)SLEEP_STEP_TICKS * TICK_MS);
  lineFieldU32((uint32_t)GUIDE_STEP_TICKS * TICK_MS);
  lineFieldU32((uint32_t)TREE_STEP_TICKS * TICK_MS);
  lineEnd();
  cfgBegin(id, F("window"));
  lineFieldPin(PIN_SERVO);
  lineFieldPin(PIN_CONTACT);
  lineFieldU32(WINDOW_CLOSED_DEG);
  lineFieldU32(WINDOW_OPEN_DEG);
  lineFieldU32((uint32_t)WINDOW_TICKS_PER_DEG * TICK_MS);
  lineFieldU32((uint32_t)CONTACT_DEBOUNCE_TICKS * TICK_MS);
  lineEnd();
  cfgBegin(id, F("gas"));
  lineFieldPin(PIN_GAS_VALVE);
  lineEnd();
}

static bool isId(const char *text) {
  uint8_t n = 0;
  for (; text[n] != '\0'; n++) {
    char c = text[n];
    if (n >= 4 || !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return n >= 1;
}

static void answerAck(const char *id) {
  lineBegin(F("ACK"));
  lineField(id);
  lineField(homeStatus);
  lineEnd();
}

static void answerError(const char *id, const __FlashStringHelper *code, int16_t detail) {
  lineBegin(F("ERR"));
  lineField(id);
  lineField(code);
  if (detail >= 0) lineFieldU32((uint32_t)detail);
  lineEnd();
}

static void runSet(const char *id, const char *command) {
  uint8_t detail = 0;
  CommandCheck check = homeValidate(command, (uint8_t)strlen(command), detail);
  if (check == COMMAND_STATUS_LENGTH) return answerError(id, F("STATUS_LENGTH"), detail);
  if (check == COMMAND_STATUS_NOT_DIGIT) return answerError(id, F("STATUS_NOT_DIGIT"), detail);
  if (check == COMMAND_STATUS_RANGE) return answerError(id, F("STATUS_RANGE"), detail);
  if (homeApply(command)) reportStatus(F("command"));
  answerAck(id);
}

// A checksummed line from the host: "<TYPE> <id>[ <argument>]".
void onHostLine(char *body, uint8_t length) {
  (void)length;
  char *fields[3];
  uint8_t count = 0;  // fields seen; more than 3 only matters as "too many"
  char *field = body;
  for (;;) {
    char *space = strchr(field, ' ');
    if (space != 0) *space = '\0';
    if (*field == '\0') return countDrop(dropCounters.unknown);  // empty field
    if (count < 3) fields[count] = field;
    if (count < 255) count++;
    if (space == 0) break;
    field = space + 1;
  }
  uint8_t kind;
  if (strcmp_P(fields[0], PSTR("SET")) == 0) kind = 0;
  else if (strcmp_P(fields[0], PSTR("GET")) == 0) kind = 1;
  else if (strcmp_P(fields[0], PSTR("PING")) == 0) kind = 2;
  else if (strcmp_P(fields[0], PSTR("CNT")) == 0) kind = 3;
  else if (strcmp_P(fields[0], PSTR("CFG")) == 0) kind = 4;
  else return countDrop(dropCounters.unknown);
  if (count < 2 || !isId(fields[1])) return countDrop(dropCounters.unknown);
  const char *id = fields[1];
  if (count != (kind == 0 ? 3 : 2)) {
    countDrop(dropCounters.unknown);  // not a protocol line, but its id is readable: say so
    return answerError(id, F("BAD_ARGS"), -1);
  }
  switch (kind) {
    case 0:
      runSet(id, fields[2]);
      break;
    case 1:
      reportStatus(F("request"));
      answerAck(id);
      break;
    case 2:
      answerAck(id);
      break;
    case 4:
      reportBuild(id);
      answerAck(id);
      break;
    default:
      lineBegin(F("CNT"));
      lineField(id);
      lineFieldCounters();
      lineEnd();
      answerAck(id);
      break;
  }
}

// ---- sensors ----

static void climateTick() {
  if (tickCount != climateDueTick) return;
  if (!dhtStarted) {
    dhtStart(PIN_DHT);
    dhtStarted = true;
    climateDueTick += DHT_START_TICKS;
    return;
  }
  dhtStarted = false;
  climateDueTick += CLIMATE_PERIOD_TICKS - DHT_START_TICKS;
  uint8_t data[5];
  DhtResult result = dhtRead(PIN_DHT, data);
  char text[16];
  text[0] = '\0';
  if (result == DHT_NO_RESPONSE) return reportLog(F("DHT_NO_RESPONSE"), text);
  if (result == DHT_TIMEOUT) {
    // "response 1", "response 2" or "bit N"
    uint8_t at = dhtFailedAt;
    strcpy_P(text, at < 10 ? PSTR("response ") : PSTR("bit "));
    uint8_t n = at < 10 ? at : (uint8_t)(at - 10);
    uint8_t len = (uint8_t)strlen(text);
    if (n >= 10) text[len++] = (char)('0' + n / 10);
    text[len++] = (char)('0' + n % 10);
    text[len] = '\0';
    return reportLog(F("DHT_TIMEOUT"), text);
  }
  if (result == DHT_CHECKSUM || data[0] > 100) {
    // The five bytes as hex, e.g. "2D 00 17 04 49".
    for (uint8_t i = 0; i < 5; i++) {
      text[3 * i] = hexDigit(data[i] >> 4);
      text[3 * i + 1] = hexDigit(data[i]);
      text[3 * i + 2] = i < 4 ? ' ' : '\0';
    }
    return reportLog(result == DHT_CHECKSUM ? F("DHT_CHECKSUM") : F("DHT_RANGE"), text);
  }
  // Temperature: integral byte + decimal byte / 10 (bit 7 of the decimal byte = below zero).
  uint16_t tenths = (uint16_t)data[2] * 10 + (data[3] & 0x7F);
  char temperature[8];
  uint8_t n = 0;
  if (data[3] & 0x80) temperature[n++] = '-';
  char digits[6];
  uint8_t d = 0;
  uint16_t whole = tenths / 10;
  do {
    digits[d++] = (char)('0' + whole % 10);
    whole /= 10;
  } while (whole != 0);
  while (d) temperature[n++] = digits[--d];
  temperature[n++] = '.';
  temperature[n++] = (char)('0' + tenths % 10);
  temperature[n] = '\0';
  lineBegin(F("CLIMATE"));
  lineField(temperature);
  lineFieldU32(data[0]);
  lineEnd();
}

static void rainTick() {
  if (tickCount != rainDueTick) return;
  rainDueTick += RAIN_PERIOD_TICKS;
  lineBegin(F("RAIN"));
  lineField(digitalRead(PIN_RAIN) == (RAIN_ACTIVE_LOW ? LOW : HIGH) ? F("1") : F("0"));
  lineEnd();
}

static void heartbeatTick() {
  if (--heartbeatCountdown != 0) return;
  heartbeatCountdown = HEARTBEAT_TICKS;
  lineBegin(F("HB"));
  lineFieldU32(millis());
  lineFieldCounters();
  lineEnd();
}

// ---- main ----

// Sleeps (idle mode: timers, PWM and the UART keep running) until the next interrupt: Timer0's
// overflow every 1.024 ms or a received byte. Interrupts are enabled by the instruction before SLEEP,
// so a byte that arrived after the check above still wakes the CPU at once.
static void idle() {
  set_sleep_mode(SLEEP_MODE_IDLE);
  cli();
  if (Serial.available() == 0) {
    sleep_enable();
    sei();
    sleep_cpu();
    sleep_disable();
  }
  sei();
}

void setup() {
  homeBegin();
  pinMode(PIN_DHT, INPUT_PULLUP);
  pinMode(PIN_RAIN, INPUT_PULLUP);
  Serial.begin(SERIAL_BAUD);
  lineBegin(F("BOOT"));
  lineField(F(FIRMWARE_VERSION));
  lineField(F(PROTOCOL_VERSION));
  lineField(F(BOARD_NAME));
  lineEnd();
  reportStatus(F("boot"));
}

void loop() {
  // Never returns: the core's main() would otherwise poll serialEvent after every pass.
  for (;;) {
    while (Serial.available() > 0) lineReceive((uint8_t)Serial.read());
    // Run every tick that is due; a late loop catches up tick by tick.
    while ((int32_t)(millis() - nextTickMs) >= 0) {
      nextTickMs += TICK_MS;
      tickCount++;
      homeTick();
      rainTick();
      heartbeatTick();
      climateTick();  // last: a DHT11 read takes about 5 ms
      while (Serial.available() > 0) lineReceive((uint8_t)Serial.read());
    }
    idle();
  }
}
