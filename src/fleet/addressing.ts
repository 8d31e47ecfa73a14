import { BridgeError, ErrorCode } from '../core/errors.js';
import type { DevicesConfig } from '../config/schema.js';

/**
 * Who each home of a fleet is, and which of them this process runs. Home `i` is `<prefix>-<i>`: that
 * is its MQTT client id, the `home` in every report, and its command address
 * `webos/smarthome/<prefix>-<i>/#`.
 */
export interface HomeAddress {
  index: number;
  id: string;
  clientId: string;
  commandFilter: string;
}

/** Where a fleet home's command address begins: the home id is the level after it. */
const COMMAND_ROOT = 'webos/smarthome/';

export function homeAddress(prefix: string, index: number): HomeAddress {
  const id = `${prefix}-${index}`;
  return { index, id, clientId: id, commandFilter: `${COMMAND_ROOT}${id}/#` };
}

/**
 * The home a command topic addresses: the level after `webos/smarthome/`, or undefined for a topic
 * outside the fleet's command addresses (the shared `webos/smarthome`).
 */
export function homeOfTopic(topic: string): string | undefined {
  if (!topic.startsWith(COMMAND_ROOT)) return undefined;
  const end = topic.indexOf('/', COMMAND_ROOT.length);
  const id = end < 0 ? topic.slice(COMMAND_ROOT.length) : topic.slice(COMMAND_ROOT.length, end);
  return id.length > 0 ? id : undefined;
}

/** A prefix that keeps ids valid client ids and single topic levels (devices.json device.id rules). */
export function checkPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      '--prefix must be 1–40 letters, digits, _ or - (it becomes a client id and a topic level), got ' +
        `${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** Parses `i/n` (0 ≤ i < n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1) || !(index >= 0) || index >= count) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--shard wants i/n with 0 ≤ i < n (e.g. 0/2 and 1/2 for two machines), got ${JSON.stringify(text)}`,
    );
  }
  return { index, count };
}

/** The homes a shard runs: i, i+n, i+2n, … below `homes`. */
export function shardIndices(homes: number, shard: Shard = { index: 0, count: 1 }): number[] {
  const out: number[] = [];
  for (let i = shard.index; i < homes; i += shard.count) out.push(i);
  return out;
}

/** Splits a list into `parts` contiguous slices of near-equal size (empty slices dropped). */
export function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  const n = Math.max(1, Math.floor(parts));
  for (let p = 0; p < n; p++) {
    const slice = items.slice(Math.floor((p * items.length) / n), Math.floor(((p + 1) * items.length) / n));
    if (slice.length > 0) out.push(slice);
  }
  return out;
}

export interface FleetConfigOptions {
  /** Sensor period for every home (climate and rain), instead of devices.json's. */
  reportPeriodMs?: number | undefined;
  /** Climate period alone (wins over reportPeriodMs). */
  climatePeriodMs?: number | undefined;
  /** Rain period alone (wins over reportPeriodMs). */
  rainPeriodMs?: number | undefined;
}

function checkPeriod(option: string, p: number | undefined): number | undefined {
  if (p !== undefined && !(Number.isInteger(p) && p >= 100 && p <= 86_400_000)) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `${option} must be a whole number of ms between 100 ms and 24 h, got ${p} ms`,
    );
  }
  return p;
}

/**
 * The devices.json every home of the fleet runs, derived once and shared: the same house, with
 * - status and availability not retained: thousands of homes share one report topic, and a retained
 *   message there would only say which home happened to publish last;
 * - optionally its own period per sensor (`--climate-period`, `--rain-period`) or one for both
 *   (`--report-period`), so a fleet can match another tool's message rate; the first climate reading
 *   comes no later than its period, and every reading is published (sensorReports mode `period`): a
 *   load test gets the rate it asked for.
 * Per-home identity (id, client id, command filter, environment seed) is passed beside it.
 */
export function fleetConfig(base: DevicesConfig, options: FleetConfigOptions = {}): DevicesConfig {
  const both = checkPeriod('--report-period', options.reportPeriodMs);
  const climate = checkPeriod('--climate-period', options.climatePeriodMs) ?? both;
  const rain = checkPeriod('--rain-period', options.rainPeriodMs) ?? both;
  const sensors = base.sensors;
  const periodic = climate !== undefined || rain !== undefined;
  const c: DevicesConfig = {
    ...base,
    sensors: {
      ...sensors,
      climate:
        climate === undefined
          ? sensors.climate
          : {
              ...sensors.climate,
              periodMs: climate,
              firstReadingMs: Math.min(sensors.climate.firstReadingMs, climate),
            },
      rain: rain === undefined ? sensors.rain : { ...sensors.rain, periodMs: rain },
    },
    bus: periodic ? { ...base.bus, sensorReports: { ...base.bus.sensorReports, mode: 'period' } } : base.bus,
  };
  const routes = c.bus.routes;
  return {
    ...c,
    bus: {
      ...c.bus,
      routes: {
        ...routes,
        status: { ...routes.status, retain: false },
        availability: { ...routes.availability, retain: false },
      },
    },
  };
}
