import { describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { fleetConfig } from '../../src/fleet/addressing.js';

describe('fleet sensor periods (--climate-period, --rain-period, --report-period)', () => {
  const base = defaultDevicesConfig();

  it('sets each sensor on its own', () => {
    const c = fleetConfig(base, { climatePeriodMs: 500, rainPeriodMs: 3000 });
    expect(c.sensors.climate).toMatchObject({
      periodMs: 500,
      firstReadingMs: Math.min(base.sensors.climate.firstReadingMs, 500),
    });
    expect(c.sensors.rain.periodMs).toBe(3000);
  });

  it('a sensor period wins over --report-period; the other sensor keeps --report-period', () => {
    const c = fleetConfig(base, { reportPeriodMs: 2000, rainPeriodMs: 250 });
    expect(c.sensors.climate.periodMs).toBe(2000);
    expect(c.sensors.rain.periodMs).toBe(250);
  });

  it('leaves a sensor not given at its devices.json period', () => {
    const c = fleetConfig(base, { climatePeriodMs: 1000 });
    expect(c.sensors.rain).toEqual(base.sensors.rain);
    // The first climate reading never comes later than one period.
    expect(c.sensors.climate.firstReadingMs).toBeLessThanOrEqual(1000);
  });

  it.each([
    [{ climatePeriodMs: 50 }, /--climate-period/],
    [{ rainPeriodMs: 86_400_001 }, /--rain-period/],
    [{ rainPeriodMs: 100.5 }, /--rain-period/],
  ])('refuses %j with CONFIG_INVALID naming the option', (o, message) => {
    expect(() => fleetConfig(base, o)).toThrow(message);
    expect(() => fleetConfig(base, o)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
