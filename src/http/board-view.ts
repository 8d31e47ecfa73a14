import type { Board } from '../board/board.js';
import { PIN_COUNT, unoPin } from '../board/pins.js';
import type { DevicesConfig } from '../config/schema.js';
import type { EnvironmentWiring } from '../links/firmware/wiring.js';

/**
 * The emulated Uno's pins as the board view draws them: every pin's level and mode, and what the parts
 * around the board measure (servo pulse and angle, PWM duties, the DHT11's last answer, the buttons).
 */
export interface BoardSnapshot {
  /** Simulated ms since the last boot (the firmware's millis()). */
  millis: number;
  /** Per Arduino pin 0–19: level (1/0) and whether the firmware drives it (output). */
  pins: Array<{ pin: number; high: boolean; output: boolean }>;
  servo: { pin: number; pulseUs: number | undefined; angle: number | undefined; windowAngle: number };
  fan: { pin: number; duty: number };
  light: { pins: { r: number; g: number; b: number }; duty: { r: number; g: number; b: number } };
  dht: { pin: number; answers: number; temperature: number | undefined; humidity: number | undefined };
  buttons: Record<string, { pin: number; pressed: boolean }>;
  gasValve: { pin: number; open: boolean };
  rain: { pin: number; high: boolean };
  contact: { pin: number; high: boolean };
}

export function boardSnapshot(board: Board, wiring: EnvironmentWiring, config: DevicesConfig): BoardSnapshot {
  const a = config.appliances;
  const s = config.sensors;
  const pins: BoardSnapshot['pins'] = [];
  for (let pin = 0; pin < PIN_COUNT; pin++) {
    const state = board.pinState(pin);
    // avr8js PinState: Low 0, High 1, Input 2, InputPullUp 3.
    pins.push({ pin, high: board.pinLevel(pin), output: state === 0 || state === 1 });
  }
  const frame = wiring.dht.lastFrame;
  const button = (name: string): { pin: number; pressed: boolean } => {
    const pin = unoPin(name);
    return { pin, pressed: !board.pinLevel(pin) };
  };
  const out = wiring.outputs();
  return {
    millis: Math.round(board.time()),
    pins,
    servo: {
      pin: unoPin(a.window.pins.servo),
      pulseUs: wiring.servo.pulseUs,
      angle: wiring.servo.angle,
      windowAngle: out.windowAngle,
    },
    fan: { pin: unoPin(a.aircon.pins.fan), duty: out.fanDuty },
    light: {
      pins: { r: unoPin(a.light.pins.red), g: unoPin(a.light.pins.green), b: unoPin(a.light.pins.blue) },
      duty: out.light,
    },
    dht: {
      pin: unoPin(s.climate.serial.pin),
      answers: wiring.dht.answers,
      temperature: frame ? frame[2]! + frame[3]! / 10 : undefined,
      humidity: frame ? frame[0]! : undefined,
    },
    buttons: {
      aircon: button(s.buttons.pins.aircon),
      light: button(s.buttons.pins.light),
      gas: button(s.buttons.pins.gas),
    },
    gasValve: { pin: unoPin(a.gasValve.pins.output), open: out.gasValveOpen },
    rain: { pin: unoPin(s.rain.pin), high: board.pinLevel(unoPin(s.rain.pin)) },
    contact: { pin: unoPin(a.window.pins.contact), high: board.pinLevel(unoPin(a.window.pins.contact)) },
  };
}
