import { stringify } from 'yaml';
import { describeStep, type ScenarioResult } from './run.js';
import { formatPos } from './types.js';

/**
 * TAP version 14: one test point per scenario; a failure carries a YAML diagnostic block with where
 * (file:line:column), the step, and the full text (expected, observed, time waited).
 */
export function tapReport(results: readonly ScenarioResult[]): string {
  const out = ['TAP version 14', `1..${results.length}`];
  results.forEach((r, i) => {
    const title = `${r.scenario.name} (${r.scenario.file})`.replace(/#/g, '\\#');
    out.push(`${r.ok ? 'ok' : 'not ok'} ${i + 1} - ${title}`);
    if (r.ok) return;
    const failed = r.steps.find((s) => s.status === 'failed');
    const diag: Record<string, unknown> = failed
      ? {
          message: `${describeStep(failed.step)} failed`,
          severity: 'fail',
          at: formatPos(failed.step.at),
          step: failed.step.number,
          code: failed.error?.code,
          details: r.failure?.message ?? failed.error?.message,
        }
      : {
          message: 'the home did not start or stop cleanly',
          severity: 'fail',
          code: r.setupError?.code,
          details: r.setupError?.message,
        };
    out.push(
      '  ---',
      ...stringify(diag, { lineWidth: 0 })
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
      '  ...',
    );
  });
  return `${out.join('\n')}\n`;
}
