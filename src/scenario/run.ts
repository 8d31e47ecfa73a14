import { type BridgeError, toBridgeError } from '../core/errors.js';
import { startHome, type StartHomeOptions } from '../harness/start-home.js';
import type { TestHome } from '../harness/test-home.js';
import { describeMatch } from '../harness/match.js';
import { formatPos, type Scenario, type ScenarioStep } from './types.js';

/**
 * Runs a scenario on a fresh home: steps in order, stopping at the first that fails. Every home it
 * starts is closed again, whatever happens.
 */
export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface StepOutcome {
  step: ScenarioStep;
  status: StepStatus;
  wallMs: number;
  error?: BridgeError | undefined;
}

export interface ScenarioResult {
  scenario: Scenario;
  ok: boolean;
  steps: StepOutcome[];
  wallMs: number;
  /** The home could not be started (or stopped): no step ran (or the result is suspect). */
  setupError?: BridgeError | undefined;
  /** The first failed step and the text to show for it. */
  failure?: { step: ScenarioStep; message: string } | undefined;
}

export interface RunScenarioOptions {
  /** Overrides the scenario's own link (the CLI's --link). */
  link?: StartHomeOptions['link'];
  broker?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  logger?: StartHomeOptions['logger'];
  /** Serial link: a tap in front of the port, so serial faults can be injected (needs socat). */
  serialTap?: boolean | undefined;
  /** Called after each step (progress output). */
  onStep?: ((outcome: StepOutcome) => void) | undefined;
}

export async function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const wall0 = performance.now();
  const outcomes: StepOutcome[] = [];
  const result = (extra: Partial<ScenarioResult>): ScenarioResult => {
    for (const step of scenario.steps.slice(outcomes.length)) outcomes.push({ step, status: 'skipped', wallMs: 0 });
    const failed = outcomes.find((o) => o.status === 'failed');
    return {
      scenario,
      steps: outcomes,
      wallMs: performance.now() - wall0,
      ok: !failed && !extra.setupError,
      ...(failed ? { failure: { step: failed.step, message: failureText(failed.step, failed.error!) } } : {}),
      ...extra,
    };
  };
  let home: TestHome;
  try {
    home = await startHome({
      link: options.link ?? scenario.link ?? 'emulated',
      broker: options.broker,
      username: options.username,
      password: options.password,
      devices: scenario.devices,
      seed: scenario.seed,
      time: scenario.time,
      speed: scenario.speed,
      initialStatus: scenario.initialStatus,
      logger: options.logger,
      serialTap: options.serialTap,
    });
  } catch (e) {
    return result({ setupError: toBridgeError(e) });
  }
  let closeError: BridgeError | undefined;
  try {
    // The emulated home boots with the initial status; any other device is brought there by commands.
    if (scenario.initialStatus !== undefined && home.link.kind !== 'emulated') {
      try {
        await home.setStatus(scenario.initialStatus);
      } catch (e) {
        return result({ setupError: toBridgeError(e) });
      }
    }
    for (const step of scenario.steps) {
      const t0 = performance.now();
      try {
        await executeStep(home, step);
        outcomes.push({ step, status: 'passed', wallMs: performance.now() - t0 });
      } catch (e) {
        outcomes.push({ step, status: 'failed', wallMs: performance.now() - t0, error: toBridgeError(e) });
      }
      options.onStep?.(outcomes.at(-1)!);
      if (outcomes.at(-1)!.status === 'failed') break;
    }
  } finally {
    await home.close().catch((e: unknown) => (closeError = toBridgeError(e)));
  }
  return result(closeError ? { setupError: closeError } : {});
}

export async function executeStep(home: TestHome, step: ScenarioStep): Promise<void> {
  switch (step.kind) {
    case 'set':
      return home.set(step.spec.set);
    case 'press':
      return home.press(step.spec.press, step.spec.hold !== undefined ? { holdMs: step.spec.hold } : {});
    case 'pushWindow':
      return home.pushWindow(step.spec.pushWindow === 'open');
    case 'send':
      return home.send(step.spec.send, step.spec.topic !== undefined ? { topic: step.spec.topic } : {});
    case 'wait':
      return home.advance(step.spec.wait);
    case 'expect': {
      const { within, ...match } = step.spec.expect;
      const opts = within !== undefined ? { within } : {};
      if (Object.keys(match).length === 1 && match.status !== undefined) {
        await home.expectStatus(match.status, opts);
        return;
      }
      await home.expectMessage(match, opts);
      return;
    }
    case 'fault':
      return home.fault(step.spec.fault, {
        ...(step.spec.for !== undefined ? { for: step.spec.for } : {}),
        ...(step.spec.bytes !== undefined ? { bytes: step.spec.bytes } : {}),
      });
  }
}

/** What a step does, in a few words: `send 016155010 on webos/smarthome`. */
export function describeStep(step: ScenarioStep): string {
  if (step.spec.name) return step.spec.name;
  switch (step.kind) {
    case 'set':
      return `set ${Object.entries(step.spec.set)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ')}`;
    case 'press':
      return `press ${step.spec.press}${step.spec.hold !== undefined ? ` for ${String(step.spec.hold)}` : ''}`;
    case 'pushWindow':
      return `push the window ${step.spec.pushWindow} by hand`;
    case 'send': {
      const p = typeof step.spec.send === 'string' ? step.spec.send : JSON.stringify(step.spec.send);
      return `send ${p.length > 80 ? `${p.slice(0, 80)}…` : p} on ${step.spec.topic ?? 'webos/smarthome/info'}`;
    }
    case 'wait':
      return `wait ${String(step.spec.wait)}`;
    case 'expect': {
      const { within, ...match } = step.spec.expect;
      const what =
        Object.keys(match).length === 1 && match.status !== undefined ? `status ${match.status}` : describeMatch(match);
      return `expect ${what}${within !== undefined ? ` within ${String(within)}` : ''}`;
    }
    case 'fault':
      return `fault ${step.spec.fault}${step.spec.for !== undefined ? ` for ${String(step.spec.for)}` : ''}`;
  }
}

/** `step 4 (rain.yaml:14:5) expect status 0xxxxxx1x: <the error, indented>` */
export function failureText(step: ScenarioStep, error: Error): string {
  return (
    `step ${step.number} (${formatPos(step.at)}) ${describeStep(step)}:\n  ` +
    `${error.message.split('\n').join('\n  ')}`
  );
}
