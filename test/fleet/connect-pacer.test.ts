import { describe, expect, it } from 'vitest';
import { ConnectPacer, type ConnectPacerOptions } from '../../src/fleet/connect-pacer.js';

/**
 * The connect pacer on an injected clock: a simulated broker answers every connection after a latency
 * the test chooses, and the slice's 20 ms tick is played by hand.
 */
class Sim {
  now = 0;
  readonly pacer: ConnectPacer;
  /** Connections waiting for their answer: [due time, start stamp, refused]. */
  pending: Array<[number, number, boolean]> = [];
  launched = 0;
  maxInFlightSeen = 0;

  constructor(options: ConnectPacerOptions) {
    this.pacer = new ConnectPacer(options, () => this.now);
  }

  /** Runs `ms` of ticks; every connection opened is answered after latency(now) ms (refused when asked). */
  run(ms: number, latency: () => number, refuse = (): boolean => false): void {
    for (const end = this.now + ms; this.now < end; ) {
      this.now += 20;
      this.pending = this.pending.filter(([due, stamp, refused]) => {
        if (due > this.now) return true;
        if (refused) this.pacer.failed();
        else this.pacer.connected(stamp);
        return false;
      });
      const n = this.pacer.take();
      for (let k = 0; k < n; k++) {
        this.pending.push([this.now + latency(), this.pacer.launched(), refuse()]);
        this.launched++;
      }
      this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.pacer.inFlight);
    }
  }
}

const OPTIONS = { initialRate: 1000, maxRate: 20_000, maxInFlight: 2000, latencyFloorMs: 200, adjustEveryMs: 200 };

describe('ConnectPacer', () => {
  it('grows while CONNACKs come back fast, up to its ceiling', () => {
    const sim = new Sim(OPTIONS);
    sim.run(1000, () => 10);
    expect(sim.pacer.rate).toBeGreaterThan(4000);
    sim.run(3000, () => 10);
    expect(sim.pacer.rate).toBe(20_000);
    expect(sim.pacer.stats().backoffs).toBe(0);
  });

  it('opens connections at about the rate it states', () => {
    const sim = new Sim({ fixedRate: 500 });
    sim.run(2000, () => 10);
    expect(sim.launched).toBeGreaterThanOrEqual(950);
    expect(sim.launched).toBeLessThanOrEqual(1050);
    expect(sim.pacer.rate).toBe(500);
  });

  it('backs off when CONNACK latency rises well above the best it saw', () => {
    const sim = new Sim(OPTIONS);
    sim.run(1000, () => 10);
    const before = sim.pacer.rate;
    sim.run(3000, () => 800);
    expect(sim.pacer.rate).toBeLessThan(before / 2);
    expect(sim.pacer.stats().backoffs).toBeGreaterThan(0);
  });

  it('does not count latency under its floor as congestion', () => {
    const sim = new Sim(OPTIONS);
    sim.run(600, () => 5);
    sim.run(1000, () => 150);
    expect(sim.pacer.stats().backoffs).toBe(0);
  });

  it('halves on refusals, down to its minimum, and grows again once they stop', () => {
    const sim = new Sim({ ...OPTIONS, minRate: 10 });
    sim.run(
      3000,
      () => 10,
      () => true,
    );
    expect(sim.pacer.rate).toBe(10);
    expect(sim.pacer.stats().refused).toBe(sim.launched - sim.pacer.inFlight);
    sim.run(3000, () => 10);
    expect(sim.pacer.rate).toBeGreaterThan(10);
  });

  it('never has more connections waiting for CONNACK than its window, even from a silent broker', () => {
    const sim = new Sim({ ...OPTIONS, maxInFlight: 300 });
    sim.run(5000, () => 60_000);
    expect(sim.maxInFlightSeen).toBe(300);
    expect(sim.launched).toBe(300);
  });

  it('bounds a fixed rate to one second of connections in flight', () => {
    const sim = new Sim({ fixedRate: 100 });
    sim.run(5000, () => 60_000);
    expect(sim.launched).toBe(100);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new ConnectPacer({ fixedRate: 0 }, () => 0)).toThrow(/positive/);
  });
});
