import { beforeAll, describe, expect, it } from 'vitest';
import { Dht11, dht11Frame } from '../../src/board/parts/dht11.js';
import { PwmMeter } from '../../src/board/parts/pwm.js';
import { SERVO_RANGE_JOHNNY_FIVE, Servo, servoAngle } from '../../src/board/parts/servo.js';
import { LineLog, ask, buildProbe, probeBoard } from './probe.js';

let hex: string;
beforeAll(async () => {
  hex = await buildProbe();
});

async function booted() {
  const board = probeBoard(hex);
  const log = new LineLog(board);
  await board.runUntil(() => log.has('READY'), 50);
  return { board, log };
}

describe('Servo part', () => {
  it('measures 544 / 1472 / 2400 µs pulses on D9 for 0 / 90 / 180°', async () => {
    const { board, log } = await booted();
    const servo = new Servo(board, { pin: 9 });
    for (const [deg, us] of [
      [0, 544],
      [90, 1472],
      [180, 2400],
    ] as const) {
      await ask(board, log, `SERVO ${deg}`);
      board.runFor(45); // two 20 ms periods: one may have started before the change
      expect(servo.pulseUs).toBeCloseTo(us, 0);
      expect(servo.angle).toBeCloseTo(deg, 0);
    }
    expect(servo.pulses).toBeGreaterThan(4);
    servo.detach();
  });

  it('converts with the johnny-five range (600–2400 µs) too', () => {
    expect(servoAngle(600, SERVO_RANGE_JOHNNY_FIVE)).toBe(0);
    expect(servoAngle(1500, SERVO_RANGE_JOHNNY_FIVE)).toBe(90);
    expect(servoAngle(2400, SERVO_RANGE_JOHNNY_FIVE)).toBe(180);
    expect(servoAngle(544, SERVO_RANGE_JOHNNY_FIVE)).toBe(0); // clamped
  });
});

describe('PWM part', () => {
  it('measures analogWrite duty within ±1 on Timer0 (D5, D6) and Timer2 (D3, D11)', async () => {
    const { board, log } = await booted();
    const pins = [5, 6, 3, 11];
    const meters = pins.map((pin) => new PwmMeter(board, { pin }));
    for (const value of [0, 1, 17, 64, 128, 200, 254, 255]) {
      for (const pin of pins) await ask(board, log, `PWM ${pin} ${value}`);
      board.runFor(5); // ≥ one period of the slowest (490 Hz) output after the last change
      for (const [i, meter] of meters.entries()) {
        expect(Math.abs(meter.duty() - value), `D${pins[i]} at ${value}`).toBeLessThanOrEqual(1);
      }
    }
    await ask(board, log, 'PWM 5 100');
    await ask(board, log, 'PWM 3 100');
    board.runFor(5);
    expect(meters[0]!.frequency()).toBeCloseTo(976.6, 0); // Timer0 fast PWM
    expect(meters[2]!.frequency()).toBeCloseTo(490.2, 0); // Timer2 phase-correct
  });

  it('reports a constant pin as 0 or 255', async () => {
    const { board, log } = await booted();
    const meter = new PwmMeter(board, { pin: 8 });
    expect(meter.duty()).toBe(0);
    await ask(board, log, 'DW 8 1');
    board.runFor(6);
    expect(meter.duty()).toBe(255);
    expect(meter.frequency()).toBeUndefined();
  });
});

describe('DHT11 part', () => {
  it('builds the datasheet frame with a checksum and clamps below 0 °C', () => {
    expect([...dht11Frame({ temperature: 23.4, humidity: 55 })]).toEqual([55, 0, 23, 4, 82]);
    expect([...dht11Frame({ temperature: -5, humidity: 120 })]).toEqual([100, 0, 0, 0, 100]);
    expect([...dht11Frame({ temperature: 29.96, humidity: 40.4 })]).toEqual([40, 0, 30, 0, 70]);
    expect(dht11Frame({ temperature: 50, humidity: 95 })[4]).toBe((95 + 50) & 0xff);
  });

  it('answers the probe firmware on D2 with the values of the getter', async () => {
    const { board, log } = await booted();
    let reading = { temperature: 21.5, humidity: 48 };
    const dht = new Dht11(board, { pin: 2, read: () => reading });
    expect(await ask(board, log, 'DHT')).toBe('DHT 48 21.5');
    reading = { temperature: 0.1, humidity: 90 };
    expect(await ask(board, log, 'DHT')).toBe('DHT 90 0.1');
    reading = { temperature: -12, humidity: 20 };
    expect(await ask(board, log, 'DHT')).toBe('DHT 20 0.0');
    expect(dht.answers).toBe(3);
    dht.detach();
  });

  it('ignores start pulses shorter than minStartUs and answers nothing without a start', async () => {
    const { board, log } = await booted();
    const dht = new Dht11(board, { pin: 2, read: () => ({ temperature: 20, humidity: 50 }), minStartUs: 25_000 });
    expect(await ask(board, log, 'DHT')).toBe('DHT ERR 1'); // the probe pulls low for 20 ms only
    expect(dht.answers).toBe(0);
  });
});
