import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultDevicesConfig } from '../../../src/config/load.js';
import type { Received } from './recorder.js';

/** The rain sensor period of the fault-test home: a reading every 100 ms. */
export const PERIOD_MS = 100;

/**
 * A devices.json for fault tests: rain read and reported every 100 ms (sensorReports mode `period`:
 * the tests count readings), climate rarely, every report at QoS 1, health as asked. Returns the file and a cleanup.
 */
export function writeFaultDevices(options: { healthPeriodMs?: number; qos?: 0 | 1 } = {}): {
  file: string;
  remove: () => void;
} {
  const c = defaultDevicesConfig();
  c.sensors.rain.periodMs = PERIOD_MS;
  c.sensors.climate.periodMs = 3_600_000;
  c.bus.sensorReports.mode = 'period';
  for (const r of Object.values(c.bus.routes)) r.qos = options.qos ?? 1;
  c.bus.healthPeriodMs = options.healthPeriodMs ?? 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'fault-devices-'));
  const file = path.join(dir, 'devices.json');
  writeFileSync(file, JSON.stringify(c, null, 2));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ReadingCount {
  received: number;
  unique: number;
  /** Copies of a reading already received (QoS 1 may send one again when its PUBACK was lost). */
  duplicates: number;
  /** Readings that arrived after a later one. */
  outOfOrder: number;
  /** Slots (one per period since the first reading) with no reading. */
  missing: number[];
  /** Slots with two different readings (a timer late by half a period or more would do that). */
  crowded: number;
  firstTime: number;
  lastTime: number;
}

export const readingTime = (m: Received): number => Date.parse(String(m.json?.['time']));

/**
 * Counts readings of one run of a home: every period from the first to the last must have exactly one.
 * The home stamps each reading with its scheduled time (drift-free timers), so reading k is exactly k
 * periods after the first, whatever the event loop did; rounding only absorbs the ms of the ISO time.
 */
export function countReadings(readings: Received[], period = PERIOD_MS): ReadingCount {
  const seen = new Set<string>();
  const times: number[] = [];
  let duplicates = 0;
  let outOfOrder = 0;
  for (const m of readings) {
    if (seen.has(m.text)) {
      duplicates++;
      continue;
    }
    seen.add(m.text);
    const t = readingTime(m);
    if (times.length > 0 && t <= times[times.length - 1]!) outOfOrder++;
    times.push(t);
  }
  const first = times[0] ?? NaN;
  const slots = new Set(times.map((t) => Math.round((t - first) / period)));
  const last = Math.max(...slots);
  const missing: number[] = [];
  for (let s = 0; s <= last; s++) if (!slots.has(s)) missing.push(s);
  const crowded = times.length - slots.size;
  return {
    received: readings.length,
    unique: times.length,
    duplicates,
    outOfOrder,
    missing,
    crowded,
    firstTime: first,
    lastTime: times[times.length - 1] ?? NaN,
  };
}
