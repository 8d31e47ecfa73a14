import { describe, expect, it } from 'vitest';
import type { Rig, RigFactory } from './rig.js';
import { expectConformant } from './transcript.js';

/**
 * A conformance scenario: it drives a rig (commands, buttons, window, weather, time) and states what
 * must hold on any link. Written once; `conformanceSuite` runs every scenario on the link under test
 * and, given a reference (the TypeScript home), demands the same transcript from both.
 */
export interface Scenario {
  name: string;
  /** Drives the rig; may assert on outputs along the way. */
  run(rig: Rig): Promise<void>;
  /** What must hold afterwards, on any link. */
  check(rig: Rig): void;
  /** Wall-clock budget for the test (default 60 s). */
  timeoutMs?: number;
}

/** Runs a scenario on a fresh rig (started), checks it, and returns the rig, closed. */
export async function runScenario(scenario: Scenario, factory: RigFactory): Promise<Rig> {
  const rig = await factory();
  try {
    await rig.start();
    await scenario.run(rig);
    scenario.check(rig);
  } finally {
    await rig.close();
  }
  return rig;
}

/** One `it` per scenario for `name`'s link; with a reference, also the same transcript as it gives. */
export function conformanceSuite(
  name: string,
  scenarios: readonly Scenario[],
  factory: RigFactory,
  reference?: RigFactory,
): void {
  describe(`conformance on the ${name} link`, () => {
    for (const scenario of scenarios) {
      it(
        scenario.name,
        async () => {
          const rig = await runScenario(scenario, factory);
          if (!reference) return;
          const ref = await runScenario(scenario, reference);
          // Sensor readings are compared up to where both runs had got (the board may overshoot a little).
          expectConformant(rig.transcript, ref.transcript, Math.min(rig.now(), ref.now()) - 50);
        },
        scenario.timeoutMs ?? 60_000,
      );
    }
  });
}

/** The status reports of a transcript after the boot report, as `cause status` lines. */
export function reportsAfterBoot(rig: Rig): string[] {
  const lines = rig.transcript.statusLines();
  expect(lines[0]).toBe('boot 000000000');
  return lines.slice(1);
}

/** Duties match within one step: PWM is measured from pin edges (Timer0 fast PWM is high (v+1)/256). */
export function expectDuty(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: duty ${actual}, expected ${expected} ± 1`).toBeLessThanOrEqual(1);
}
