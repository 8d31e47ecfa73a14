import { describe, expect, it } from 'vitest';
import { SensorReportPolicy, withReportPeriod } from '../../src/bus/sensor-reports.js';
import { defaultDevicesConfig } from '../../src/config/load.js';
import type { SensorReading } from '../../src/home/types.js';

const config = defaultDevicesConfig().bus.sensorReports;
const climate = (temperature: number, humidity: number, time = 0): SensorReading => ({
  sensor: 'climate',
  temperature,
  humidity,
  time,
});
const rain = (raining: boolean, time = 0): SensorReading => ({ sensor: 'rain', raining, time });
const MIN = 60_000;

describe('SensorReportPolicy, mode change (the default)', () => {
  it('ships a dead band of 0.5 °C and 3 % RH and a 15 min heartbeat', () => {
    expect(config).toEqual({ mode: 'change', heartbeatMs: 15 * MIN, deadBand: { temperature: 0.5, humidity: 3 } });
  });

  it('publishes the first reading, then only changes beyond the dead band', () => {
    const p = new SensorReportPolicy(config);
    expect(p.shouldReport(climate(27, 55), 0)).toBe(true);
    expect(p.shouldReport(climate(27.4, 57), MIN)).toBe(false);
    expect(p.shouldReport(climate(27.5, 55), 2 * MIN)).toBe(true);
    expect(p.shouldReport(climate(27.5, 58), 3 * MIN)).toBe(true);
    expect(p.suppressed).toBe(1);
  });

  it('compares with the last published reading, so a slow drift is reported once it adds up', () => {
    const p = new SensorReportPolicy(config);
    p.shouldReport(climate(27, 55), 0);
    const sent = [27.2, 27.4, 27.6, 27.8].map((t, i) => p.shouldReport(climate(t, 55), (i + 1) * MIN));
    expect(sent).toEqual([false, false, true, false]);
  });

  it('publishes every change of rain at once and an unchanged sensor on the heartbeat', () => {
    const p = new SensorReportPolicy(config);
    const at = (s: number): number => s * 1000;
    expect(p.shouldReport(rain(false), 0)).toBe(true);
    let sent = 0;
    for (let t = 2; t < 15 * 60; t += 2) if (p.shouldReport(rain(false), at(t))) sent++;
    expect(sent).toBe(0);
    expect(p.shouldReport(rain(false), at(15 * 60))).toBe(true);
    expect(p.shouldReport(rain(true), at(15 * 60 + 2))).toBe(true);
    expect(p.shouldReport(rain(true), at(15 * 60 + 4))).toBe(false);
    expect(p.shouldReport(rain(false), at(15 * 60 + 6))).toBe(true);
  });

  it('keeps climate and rain apart', () => {
    const p = new SensorReportPolicy(config);
    expect(p.shouldReport(rain(false), 0)).toBe(true);
    expect(p.shouldReport(climate(27, 55), 1)).toBe(true);
    expect(p.shouldReport(rain(false), 2)).toBe(false);
  });
});

describe('mode period (an explicit --report-period, the fleet’s load tests)', () => {
  it('publishes every reading', () => {
    const p = new SensorReportPolicy({ ...config, mode: 'period' });
    expect([0, 1, 2, 3].map((t) => p.shouldReport(rain(false), t * 1000))).toEqual([true, true, true, true]);
  });

  it('withReportPeriod sets both sensor periods and mode period, and refuses a period out of range', () => {
    const c = withReportPeriod(defaultDevicesConfig(), 1000);
    expect(c.sensors.rain.periodMs).toBe(1000);
    expect(c.sensors.climate).toMatchObject({ periodMs: 1000, firstReadingMs: 1000 });
    expect(c.bus.sensorReports.mode).toBe('period');
    expect(defaultDevicesConfig().bus.sensorReports.mode).toBe('change');
    expect(() => withReportPeriod(defaultDevicesConfig(), 50)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
