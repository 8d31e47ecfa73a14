import type { Firmata } from 'firmata-io';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import { pinName, type FirmataPinMap } from './firmata-pins.js';

const ANALOG_CHANNEL_NONE = 127;

/**
 * Checks the board's capability report against the pins devices.json asks for: a Firmata build without
 * Servo support, or a board with other PWM or analog pins than the Uno, is refused with the pins it
 * lacks instead of failing silently later.
 */
export function checkCapabilities(io: Firmata, pins: FirmataPinMap, firmware: string): void {
  const { MODES } = io;
  const problems: string[] = [];
  const need = (pin: number, mode: number, what: string): void => {
    if (!io.pins[pin]?.supportedModes.includes(mode)) problems.push(`${pinName(pin)} cannot be ${what}`);
  };
  need(pins.servo, MODES.SERVO, 'a servo output');
  for (const pin of [pins.fan, pins.light.red, pins.light.green, pins.light.blue]) need(pin, MODES.PWM, 'a PWM output');
  need(pins.gasValve, MODES.OUTPUT, 'a digital output');
  for (const pin of [pins.contact, pins.rain, ...Object.values(pins.buttons)])
    need(pin, MODES.INPUT, 'a digital input');
  for (const pin of [pins.temperature.pin, pins.humidity.pin]) {
    const info = io.pins[pin];
    if (!info || info.analogChannel === ANALOG_CHANNEL_NONE || !info.supportedModes.includes(MODES.ANALOG))
      problems.push(`${pinName(pin)} cannot be an analog input`);
  }
  if (problems.length > 0) {
    throw new BridgeError(
      ErrorCode.PROTOCOL_MISMATCH,
      `the board's firmware (${firmware}) cannot drive devices.json's pins: ${problems.join('; ')}`,
      { firmware, problems },
    );
  }
}
