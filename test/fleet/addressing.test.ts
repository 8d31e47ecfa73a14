import { describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import { defaultDevicesConfig } from '../../src/config/load.js';
import {
  checkPrefix,
  fleetConfig,
  homeAddress,
  parseShard,
  shardIndices,
  splitEvenly,
} from '../../src/fleet/addressing.js';

describe('fleet addressing', () => {
  it('gives home i the id, client id and command address <prefix>-<i>', () => {
    expect(homeAddress('home', 7)).toEqual({
      index: 7,
      id: 'home-7',
      clientId: 'home-7',
      commandFilter: 'webos/smarthome/home-7/#',
    });
  });

  it('refuses a prefix that would not be a valid client id or a single topic level', () => {
    expect(checkPrefix('block_B-2')).toBe('block_B-2');
    for (const bad of ['', 'a/b', 'a+b', 'a#', 'x'.repeat(41), 'dot.ted']) {
      expect(() => checkPrefix(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });

  it('--shard i/n selects homes i, i+n, i+2n, …', () => {
    expect(shardIndices(20, parseShard('1/2'))).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    expect(shardIndices(7, parseShard('0/3'))).toEqual([0, 3, 6]);
    expect(shardIndices(5)).toEqual([0, 1, 2, 3, 4]);
    // Every home in exactly one shard.
    const all = [0, 1, 2].flatMap((i) => shardIndices(10, { index: i, count: 3 })).sort((a, b) => a - b);
    expect(all).toEqual([...Array(10).keys()]);
  });

  it('refuses shards that select nothing sensible', () => {
    for (const bad of ['2/2', '1', '-1/2', '1/0', 'a/b', '1/2/3']) {
      let caught: unknown;
      try {
        parseShard(bad);
      } catch (e) {
        caught = e;
      }
      expect(isBridgeError(caught, 'CONFIG_INVALID'), bad).toBe(true);
    }
  });

  it('splits homes over workers in near-equal contiguous slices', () => {
    expect(splitEvenly([1, 2, 3, 4, 5], 2)).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(splitEvenly([1, 2], 4)).toEqual([[1], [2]]);
  });

  it('derives one config for every home: status and availability not retained, one report period', () => {
    const base = defaultDevicesConfig();
    const c = fleetConfig(base, { reportPeriodMs: 1000 });
    expect(c.bus.routes.status.retain).toBe(false);
    expect(c.bus.routes.availability.retain).toBe(false);
    expect(c.bus.routes.sensor).toEqual(base.bus.routes.sensor);
    expect(c.sensors.climate.periodMs).toBe(1000);
    expect(c.sensors.climate.firstReadingMs).toBe(1000);
    expect(c.sensors.rain.periodMs).toBe(1000);
    // The base is untouched (it may be shared).
    expect(base.bus.routes.status.retain).toBe(true);
    expect(fleetConfig(base).sensors).toEqual(base.sensors);
    expect(() => fleetConfig(base, { reportPeriodMs: 50 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
