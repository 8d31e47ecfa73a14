/**
 * Arduino Uno pin numbers on the ATmega328P: D0–D7 = PD0–PD7, D8–D13 = PB0–PB5, A0–A5 (14–19) =
 * PC0–PC5.
 */
export type PortName = 'B' | 'C' | 'D';

export interface PinLocation {
  port: PortName;
  bit: number;
}

export const PIN_COUNT = 20;
export const A0 = 14;

/** Port and bit of an Arduino pin number; throws a RangeError for anything but 0–19. */
export function pinLocation(pin: number): PinLocation {
  if (!Number.isInteger(pin) || pin < 0 || pin >= PIN_COUNT) {
    throw new RangeError(`Arduino Uno pin must be 0–19 (D0–D13, A0–A5), got ${pin}`);
  }
  if (pin < 8) return { port: 'D', bit: pin };
  if (pin < A0) return { port: 'B', bit: pin - 8 };
  return { port: 'C', bit: pin - A0 };
}

/** Arduino pin number of a port bit, or undefined when the bit has no Uno pin (PB6/7, PC6/7). */
export function pinNumber(port: PortName, bit: number): number | undefined {
  if (port === 'D') return bit;
  if (port === 'B') return bit < 6 ? 8 + bit : undefined;
  return bit < 6 ? A0 + bit : undefined;
}

/** Arduino pin number of a pin name as devices.json writes it: `D2`–`D13`, `A0`–`A5` (14–19). */
export function unoPin(name: string): number {
  const m = /^([DA])(\d{1,2})$/.exec(name);
  const n = m ? Number(m[2]) : NaN;
  if (m?.[1] === 'D' && n <= 13) return n;
  if (m?.[1] === 'A' && n <= 5) return A0 + n;
  throw new RangeError(`not an Arduino Uno pin: ${JSON.stringify(name)} (D0–D13, A0–A5)`);
}
