import { BridgeError, ErrorCode } from '../core/errors.js';
import type { DevicesConfig } from '../config/schema.js';
import type { SensorReading } from '../home/types.js';

/**
 * Which sensor readings go on the bus. The original device wrote rain every 2 s and climate every
 * 60 s to Firebase, where a write costs nobody anything; on the shared RabbitMQ every publish also piles
 * up in the unconsumed `data.log` queue (docs/car2home-bus.md §4). So by default (`change`) a reading
 * is published only when it moved beyond the dead band since the last *published* one, or when the
 * heartbeat passed; `period` publishes every reading (load tests, an explicit --report-period).
 * Comparing with the last published value, not the last reading, means a slow drift is still reported
 * once it adds up to the dead band.
 */
export type SensorReportsConfig = DevicesConfig['bus']['sensorReports'];

export class SensorReportPolicy {
  readonly #c: SensorReportsConfig;
  // The last published reading of each sensor and when: fields, not a Map of records (a fleet keeps a
  // policy per home; these are ~40 bytes, the Map and its records ~250).
  #climate: SensorReading | undefined;
  #climateAt = 0;
  #rain: SensorReading | undefined;
  #rainAt = 0;
  /** Readings held back (for health). */
  suppressed = 0;

  constructor(config: SensorReportsConfig) {
    this.#c = config;
  }

  /** Whether `r` should be published; if so it becomes the reference for the next decision. */
  shouldReport(r: SensorReading, now: number): boolean {
    // Every reading goes out: nothing to remember (a fleet reads ten thousand a second, and each one
    // kept for a period would outlive the young generation and be promoted: old-space garbage).
    if (this.#c.mode === 'period') return true;
    const climate = r.sensor === 'climate';
    const last = climate ? this.#climate : this.#rain;
    const report =
      last === undefined ||
      now - (climate ? this.#climateAt : this.#rainAt) >= this.#c.heartbeatMs ||
      this.#moved(last, r);
    if (!report) this.suppressed++;
    else if (climate) {
      this.#climate = r;
      this.#climateAt = now;
    } else {
      this.#rain = r;
      this.#rainAt = now;
    }
    return report;
  }

  #moved(before: SensorReading, r: SensorReading): boolean {
    if (r.sensor === 'rain') return before.sensor !== 'rain' || before.raining !== r.raining;
    if (before.sensor !== 'climate') return true;
    const band = this.#c.deadBand;
    return (
      Math.abs(r.temperature - before.temperature) >= band.temperature ||
      Math.abs(r.humidity - before.humidity) >= band.humidity
    );
  }
}

/**
 * The config with one explicit report period for both sensors (`--report-period`): read on that period
 * (the first climate reading no later than that) and every reading published (mode `period`), so a load
 * test gets the rate it asked for.
 */
export function withReportPeriod(config: DevicesConfig, periodMs: number): DevicesConfig {
  if (!(Number.isInteger(periodMs) && periodMs >= 100 && periodMs <= 86_400_000)) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--report-period must be between 100 ms and 24 h, got ${periodMs} ms`,
    );
  }
  const sensors = config.sensors;
  return {
    ...config,
    sensors: {
      ...sensors,
      climate: { ...sensors.climate, periodMs, firstReadingMs: Math.min(sensors.climate.firstReadingMs, periodMs) },
      rain: { ...sensors.rain, periodMs },
    },
    bus: { ...config.bus, sensorReports: { ...config.bus.sensorReports, mode: 'period' } },
  };
}
