import { describeStep, type ScenarioResult } from './run.js';
import { formatPos } from './types.js';

/**
 * JUnit XML as CI systems read it (GitLab, Jenkins, GitHub test reporters): one testsuite per scenario
 * file, one testcase per step; the failed step carries a <failure> with the step, the expected and the
 * observed; steps after it are <skipped/>. A home that would not start is one testcase with an <error>.
 */
export function junitReport(results: readonly ScenarioResult[], timestamp = new Date()): string {
  const suites = results.map((r) => suite(r, timestamp));
  const sum = (k: keyof Counts): number => suites.reduce((a, s) => a + s[k], 0);
  const time = seconds(results.reduce((a, r) => a + r.wallMs, 0));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="smarthome-bridge scenarios" tests="${sum('tests')}" failures="${sum('failures')}" ` +
      `errors="${sum('errors')}" time="${time}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function suite(r: ScenarioResult, timestamp: Date): Counts & { xml: string } {
  const cases: string[] = [];
  const classname = attr(r.scenario.file);
  const startFailed = r.setupError !== undefined && r.steps.every((s) => s.status === 'skipped');
  if (r.setupError && startFailed) {
    cases.push(
      `    <testcase classname="${classname}" name="start the home" time="0">`,
      `      <error message="${attr(firstLine(r.setupError.message))}" ` +
        `type="${attr(r.setupError.code)}">${text(r.setupError.message)}</error>`,
      '    </testcase>',
    );
  } else {
    for (const o of r.steps) {
      const name = attr(`step ${o.step.number}: ${describeStep(o.step)}`);
      const head =
        `    <testcase classname="${classname}" name="${name}" file="${attr(o.step.at.file)}" ` +
        `line="${o.step.at.line}" time="${seconds(o.wallMs)}"`;
      if (o.status === 'passed') cases.push(`${head}/>`);
      else if (o.status === 'skipped')
        cases.push(`${head}>`, '      <skipped message="an earlier step failed"/>', '    </testcase>');
      else {
        const body = r.failure?.message ?? o.error?.message ?? 'failed';
        cases.push(
          `${head}>`,
          '      <failure ' +
            `message="${attr(`${formatPos(o.step.at)}: ${firstLine(o.error?.message ?? 'failed')}`)}" ` +
            `type="${attr(o.error?.code ?? 'FAILED')}">${text(body)}</failure>`,
          '    </testcase>',
        );
      }
    }
    if (r.setupError) {
      cases.push(
        `    <testcase classname="${classname}" name="stop the home" time="0">`,
        `      <error message="${attr(firstLine(r.setupError.message))}" ` +
          `type="${attr(r.setupError.code)}">${text(r.setupError.message)}</error>`,
        '    </testcase>',
      );
    }
  }
  const counts: Counts = {
    tests: cases.filter((c) => c.startsWith('    <testcase')).length,
    failures: r.steps.filter((s) => s.status === 'failed').length,
    errors: r.setupError ? 1 : 0,
    skipped: startFailed ? 0 : r.steps.filter((s) => s.status === 'skipped').length,
  };
  const xml = [
    `  <testsuite name="${attr(r.scenario.name)}" tests="${counts.tests}" failures="${counts.failures}" ` +
      `errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(r.wallMs)}" ` +
      `timestamp="${timestamp.toISOString().slice(0, 19)}" file="${attr(r.scenario.file)}">`,
    ...cases,
    '  </testsuite>',
  ].join('\n');
  return { ...counts, xml };
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);
const firstLine = (s: string): string => s.split('\n')[0] ?? '';

/** Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR). */
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
