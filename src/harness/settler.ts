import { VirtualClock, type Clock } from '../environment/clock.js';
import type { Runtime } from '../runtime.js';
import type { BusObserver } from './observer.js';
import { nextTurn, Signal } from './signal.js';
import type { TrackedLink } from './tracked-link.js';

/** The longest the harness waits on wall time for bus work that should take milliseconds. */
export const SETTLE_WALL_MS = 5000;

/**
 * Knows when the bridge has caught up: every command the harness sent has reached it, the link has
 * answered every call, and everything published before has come back to the observer (a marker sent
 * through the bridge's own connection arrives after all of it).
 */
export class Settler {
  /** Notified on every observed message and every command the bridge receives. */
  readonly changed = new Signal();
  readonly #pending: { topic: string; payload: string }[] = [];
  #seenEvents = -1;

  constructor(
    readonly runtime: Runtime,
    readonly tracked: TrackedLink,
    readonly observer: BusObserver,
    readonly commandTimeoutMs: number,
  ) {
    observer.onMessage(() => this.changed.notify());
    runtime.bus.on('message', (topic, payload) => {
      const text = payload.toString('utf8');
      const i = this.#pending.findIndex((p) => p.topic === topic && p.payload === text);
      if (i >= 0) this.#pending.splice(i, 1);
      this.changed.notify();
    });
    // Commands sent while the bridge is cut off are lost (QoS 0); nobody waits for them.
    runtime.bus.on('disconnected', () => this.#pending.splice(0));
  }

  /** A command on its way to the bridge (only when the bridge is connected and subscribed to it). */
  expectDelivery(topic: string, payload: string): void {
    if (this.runtime.bus.connected) this.#pending.push({ topic, payload });
  }

  /** Whether the link said something, or commands are on their way, since the last settle. */
  get dirty(): boolean {
    return this.tracked.eventCount !== this.#seenEvents || this.#pending.length > 0;
  }

  async settle(): Promise<void> {
    const { tracked, observer, runtime } = this;
    await this.changed.until(() => this.#pending.length === 0, SETTLE_WALL_MS);
    await nextTurn();
    await tracked.whenIdle(this.commandTimeoutMs + 1000);
    await nextTurn();
    if (!runtime.bus.connected) return;
    await observer.barrier(
      (topic, payload) => runtime.bus.publishNow({ route: 'ack', topic, payload, qos: 0, retain: false }),
      SETTLE_WALL_MS,
    );
    this.#seenEvents = tracked.eventCount;
  }
}

/**
 * A delay in home time on the home's own clock: wall time for a real clock, board cycles for an
 * emulated board's clock (which may run faster or slower than the wall).
 */
export function homeDelay(clock: Clock, ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: ReturnType<Clock['setTimer']> | undefined;
  const done = new Promise<void>((resolve) => {
    timer = clock.setTimer(ms, resolve);
  });
  return { done, cancel: () => clock.clearTimer(timer) };
}

/**
 * Looks for something until `withinMs` of home time have passed: a virtual clock is stepped from one
 * timer to the next (settling the bus when the link said something), a real one is waited on.
 * Resolves with what `check` found, or undefined at the deadline, with the time waited.
 */
export async function waitInHomeTime<T>(
  clock: Clock,
  settler: Settler,
  withinMs: number,
  check: () => T | undefined,
): Promise<{ found: T | undefined; waitedMs: number; wallMs: number }> {
  const start = clock.now();
  const deadline = start + withinMs;
  const wall0 = performance.now();
  const virtual = clock instanceof VirtualClock ? clock : undefined;
  await settler.settle();
  for (;;) {
    const found = check();
    const now = clock.now();
    if (found !== undefined || now >= deadline)
      return { found, waitedMs: now - start, wallMs: performance.now() - wall0 };
    if (virtual) {
      const next = virtual.nextDue();
      const to = next === undefined ? deadline : Math.min(Math.max(next, now), deadline);
      virtual.advanceTo(to);
      // Links behind a stream (serial, replay) emit what the timers caused a turn later.
      await nextTurn();
      // A round trip through the broker only when the link said something, commands are pending, or
      // this is the last look (the bridge's own timers, such as health, publish without the link).
      if (settler.dirty || to >= deadline) await settler.settle();
    } else {
      const delay = homeDelay(clock, deadline - now);
      await settler.changed.waitOr(delay.done);
      delay.cancel();
    }
  }
}
