#include "home.h"
#include "settings.h"

char homeStatus[STATUS_LENGTH + 1] = "000000000";

// Highest digit a command may carry at each position (state positions accept 2 = keep).
static const uint8_t COMMAND_MAX[STATUS_LENGTH] PROGMEM = {4, 2, 9, 2, 9, 7, 3, 2, 2};

// Colour table (docs/home-behaviour.md §3.4): R, G, B.
static const uint8_t COLOURS[8][3] PROGMEM = {
    {255, 255, 255}, {255, 0, 0},    {0, 0, 255},    {0, 255, 0},
    {255, 255, 80},  {130, 70, 190}, {255, 100, 60}, {0, 170, 255},
};

// Window.
static uint8_t windowAngle = WINDOW_CLOSED_DEG;
static uint8_t windowTarget = WINDOW_CLOSED_DEG;
static uint8_t servoTicks = 0;
static uint16_t contactTicks = 0;  // consecutive ticks the idle contact disagreed with S[7]

// Buttons: aircon, light, gas.
static const uint8_t BUTTON_PINS[3] = {PIN_BUTTON_AIRCON, PIN_BUTTON_LIGHT, PIN_BUTTON_GAS};
static const uint8_t BUTTON_POSITIONS[3] = {1, 3, 8};
static uint8_t buttonTicks[3] = {0, 0, 0};

// Light effect phase: ticks since S[3..6] last changed (wrapped at the effect's cycle).
static uint16_t effectTicks = 0;
static uint8_t lightDuty[3] = {0, 0, 0};
static const uint8_t LIGHT_PINS[3] = {PIN_LIGHT_RED, PIN_LIGHT_GREEN, PIN_LIGHT_BLUE};

static inline uint8_t digitAt(uint8_t i) { return (uint8_t)(homeStatus[i] - '0'); }

// ---- servo on Timer1, OC1A (D9): fast PWM mode 14, TOP = ICR1, prescaler 8 (0.5 µs counts) ----

static void servoBegin() {
  pinMode(PIN_SERVO, OUTPUT);
  TCCR1A = 0;
  TCCR1B = 0;
  TCNT1 = 0;
  ICR1 = SERVO_PERIOD_COUNTS - 1;
  OCR1A = SERVO_MIN_COUNT;
  TCCR1A = _BV(COM1A1) | _BV(WGM11);
  TCCR1B = _BV(WGM13) | _BV(WGM12) | _BV(CS11);
}

static void servoWrite(uint8_t degrees) {
  if (degrees > 180) degrees = 180;
  OCR1A = SERVO_MIN_COUNT + (uint16_t)(((uint32_t)degrees * (SERVO_MAX_COUNT - SERVO_MIN_COUNT)) / 180);
}

// ---- light ----

static uint16_t effectCycleTicks(uint8_t effect) {
  switch (effect) {
    case 1: return (uint16_t)SLEEP_STEP_TICKS * SLEEP_STEPS * 2;
    case 2: return (uint16_t)GUIDE_STEP_TICKS * 8;
    case 3: return (uint16_t)TREE_STEP_TICKS * 2;
    default: return 1;
  }
}

static void lightOutput() {
  uint8_t level = 0;
  uint8_t colour = digitAt(5) & 7;
  if (homeStatus[3] == '1') {
    uint8_t peak = digitAt(4) * DUTY_PER_BRIGHTNESS_STEP;
    level = peak;
    switch (digitAt(6)) {
      case 1: {  // sleep: 0 -> peak -> 0 in SLEEP_STEPS steps each way
        uint8_t step = (uint8_t)(effectTicks / SLEEP_STEP_TICKS);
        uint8_t up = step <= SLEEP_STEPS ? step : (uint8_t)(2 * SLEEP_STEPS - step);
        level = (uint8_t)(((uint16_t)peak * up + SLEEP_STEPS / 2) / SLEEP_STEPS);
        break;
      }
      case 2:  // guide: every colour in turn, from the selected one
        colour = (uint8_t)((colour + effectTicks / GUIDE_STEP_TICKS) & 7);
        break;
      case 3:  // tree: selected and next colour alternate
        colour = (uint8_t)((colour + (effectTicks / TREE_STEP_TICKS) % 2) & 7);
        break;
      default:
        break;
    }
  }
  for (uint8_t ch = 0; ch < 3; ch++) {
    uint16_t component = pgm_read_byte(&COLOURS[colour][ch]);
    uint8_t duty = (uint8_t)((component * level + 127) / 255);  // round(component * level / 255)
    if (duty != lightDuty[ch]) {
      lightDuty[ch] = duty;
      analogWrite(LIGHT_PINS[ch], duty);
    }
  }
}

// ---- actuation follows the stored status (docs/home-behaviour.md §1.3) ----

static void actuate(const char *before) {
  uint8_t target = homeStatus[7] == '1' ? WINDOW_OPEN_DEG : WINDOW_CLOSED_DEG;
  if (target != windowTarget) {
    windowTarget = target;
    servoTicks = 0;
  }
  analogWrite(PIN_FAN, homeStatus[1] == '1' ? digitAt(2) * DUTY_PER_POWER_STEP : 0);
  digitalWrite(PIN_GAS_VALVE, homeStatus[8] == '1' ? HIGH : LOW);
  if (memcmp(before + 3, homeStatus + 3, 4) != 0) effectTicks = 0;  // effect timing restarts
  lightOutput();
}

void homeBegin() {
  for (uint8_t i = 0; i < 3; i++) {
    pinMode(BUTTON_PINS[i], INPUT_PULLUP);
    pinMode(LIGHT_PINS[i], OUTPUT);
    digitalWrite(LIGHT_PINS[i], LOW);
  }
  pinMode(PIN_CONTACT, INPUT_PULLUP);
  pinMode(PIN_FAN, OUTPUT);
  digitalWrite(PIN_FAN, LOW);
  pinMode(PIN_GAS_VALVE, OUTPUT);
  digitalWrite(PIN_GAS_VALVE, LOW);
  servoBegin();
  servoWrite(windowAngle);
  actuate(homeStatus);
}

CommandCheck homeValidate(const char *command, uint8_t length, uint8_t &detail) {
  if (length != STATUS_LENGTH) {
    detail = length;
    return COMMAND_STATUS_LENGTH;
  }
  for (uint8_t i = 0; i < STATUS_LENGTH; i++) {
    detail = i;
    char c = command[i];
    if (c < '0' || c > '9') return COMMAND_STATUS_NOT_DIGIT;
    if ((uint8_t)(c - '0') > pgm_read_byte(&COMMAND_MAX[i])) return COMMAND_STATUS_RANGE;
  }
  return COMMAND_OK;
}

bool homeApply(const char *rx) {
  char before[STATUS_LENGTH + 1];
  memcpy(before, homeStatus, sizeof before);
  homeStatus[0] = rx[0];
  if (rx[1] == '0') {
    homeStatus[1] = '0';
  } else if (rx[1] == '1') {
    homeStatus[1] = '1';
    homeStatus[2] = rx[2];
  }
  if (rx[3] == '0') {
    homeStatus[3] = '0';
  } else if (rx[3] == '1') {
    memcpy(homeStatus + 3, rx + 3, 4);
  }
  if (rx[7] != '2') homeStatus[7] = rx[7];
  if (rx[8] != '2') homeStatus[8] = rx[8];
  actuate(before);
  return memcmp(before, homeStatus, STATUS_LENGTH) != 0;
}

// ---- ticks ----

static void windowTick() {
  if (windowAngle != windowTarget) {
    contactTicks = 0;  // contact changes while travelling are the servo's own doing
    if (++servoTicks >= WINDOW_TICKS_PER_DEG) {
      servoTicks = 0;
      windowAngle += windowAngle < windowTarget ? 1 : -1;
      servoWrite(windowAngle);
    }
    return;
  }
  bool contactOpen = digitalRead(PIN_CONTACT) == HIGH;
  if (contactOpen == (homeStatus[7] == '1')) {
    contactTicks = 0;
    return;
  }
  // Fires when the disagreement has lasted the debounce time since the first tick that saw it.
  if (++contactTicks <= CONTACT_DEBOUNCE_TICKS) return;
  contactTicks = 0;
  char before[STATUS_LENGTH + 1];
  memcpy(before, homeStatus, sizeof before);
  homeStatus[7] = contactOpen ? '1' : '0';
  homeStatus[0] = '0';
  windowAngle = windowTarget = contactOpen ? WINDOW_OPEN_DEG : WINDOW_CLOSED_DEG;
  servoWrite(windowAngle);
  actuate(before);
  reportWindow(contactOpen);
  reportStatus(F("window"));
}

static void buttonsTick() {
  for (uint8_t b = 0; b < 3; b++) {
    if (digitalRead(BUTTON_PINS[b]) != LOW) {
      buttonTicks[b] = 0;
      continue;
    }
    if (buttonTicks[b] > BUTTON_HOLD_TICKS) continue;  // already toggled: release first
    // Toggles once the hold has lasted holdMs since the first tick that saw it pressed.
    if (++buttonTicks[b] <= BUTTON_HOLD_TICKS) continue;
    char before[STATUS_LENGTH + 1];
    memcpy(before, homeStatus, sizeof before);
    uint8_t position = BUTTON_POSITIONS[b];
    homeStatus[position] = homeStatus[position] == '1' ? '0' : '1';
    homeStatus[0] = '0';
    actuate(before);
    reportButton(b);
    reportStatus(F("button"));
  }
}

static void lightTick() {
  // A steady light keeps its output (actuate() sets it on every change); only effects move.
  if (homeStatus[3] != '1' || homeStatus[6] == '0') return;
  if (++effectTicks >= effectCycleTicks(digitAt(6))) effectTicks = 0;
  lightOutput();
}

void homeTick() {
  windowTick();
  buttonsTick();
  lightTick();
}
