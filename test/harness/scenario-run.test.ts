import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { junitReport } from '../../src/scenario/report-junit.js';
import { tapReport } from '../../src/scenario/report-tap.js';
import { runScenario, type ScenarioResult } from '../../src/scenario/run.js';
import { REPO_ROOT } from '../support/brokers.js';
import { findAll, parseXml } from '../support/xml.js';

const execFileAsync = promisify(execFile);

const EVERY_STEP = `name: every step kind on the emulated home
initialStatus: "300000000"
steps:
  - set: { raining: true, indoorTemperature: 22.3, indoorHumidity: 48 }
  - wait: 2s
  - expect: { fields: { command: sensor, sensor: rain, rain: 1 }, within: 0 }
  - expect: { fields: { command: sensor, sensor: climate, temp: 22.3, humi: 48 }, within: 0 }
  - press: gas
  - expect: { fields: { command: event, event: button, button: gas }, within: 0 }
  - expect: { status: "000000001" }
  - pushWindow: open
  - expect: { topic: webos/report/smarthome/info, fields: { event: window, open: true }, within: 3s }
  - send: { Producer: car, command: control, id: w1, window: close }
  - expect: { fields: { command: ack, id: w1 }, status: "0xxxxxx0x" }
  - fault: broker-outage
    for: 2s
  - expect: { fields: { command: availability, state: online } }
  - send: "016155010"
    topic: webos/smarthome
  - expect: { status: "016155010" }
`;

const FAILING = `name: fails at the third step
steps:
  - send: "022222212"
  - expect: { status: "0xxxxxx1x" }
  - expect:
      topic: webos/report/smarthome/info
      fields: { command: ack, request: "016155010" }
      within: 1s
  - wait: 1s
`;

describe('runScenario', () => {
  it('runs every step kind on the emulated link', async () => {
    const r = await runScenario(parseScenario(EVERY_STEP, 'every.yaml'));
    expect(r.failure?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => s.status)).toEqual(r.steps.map(() => 'passed'));
  });

  it('stops at the first failed expectation and reports the step, the expected and the observed', async () => {
    const r = await runScenario(parseScenario(FAILING, 'failing.yaml'));
    expect(r.ok).toBe(false);
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'failed', 'skipped']);
    const text = r.failure!.message;
    expect(text).toMatch(
      new RegExp(
        String.raw`^step 3 \(failing\.yaml:5:5\) expect a message on webos\/report\/smarthome\/info ` +
          String.raw`with fields \{"command":"ack","request":"016155010"\} within 1s:\n`,
      ),
    );
    expect(text).toContain('expectMessage failed after waiting 1s of home time');
    expect(text).toContain(
      'expected: a message on webos/report/smarthome/info with fields {"command":"ack","request":"016155010"}',
    );
    expect(text).toContain('022222212 → 000000010');
  });

  it('a step the link cannot do fails with the reason', async () => {
    const r = await runScenario(parseScenario('name: garbage\nsteps:\n  - fault: serial-garbage\n', 'g.yaml'));
    expect(r.failure?.message).toMatch(
      /^step 1 \(g\.yaml:3:5\) fault serial-garbage:\n {2}link emulated cannot inject serial-garbage/,
    );
  });

  it('a home that does not start is an error, not a failed step', async () => {
    const r = await runScenario(parseScenario('name: nowhere\nsteps:\n  - wait: 1s\n', 'n.yaml'), {
      link: { kind: 'serial', port: '/dev/no-such-smarthome-port' },
    });
    expect(r.ok).toBe(false);
    expect(r.setupError?.code).toBe('PORT_UNAVAILABLE');
    expect(r.setupError?.message).toContain('/dev/no-such-smarthome-port');
    expect(r.steps[0]!.status).toBe('skipped');
  });
});

describe('reports', () => {
  let results: ScenarioResult[];
  beforeAll(async () => {
    results = [
      await runScenario(
        parseScenario(
          'name: passes & "quotes" <ok>\nsteps:\n  - send: "016155010"\n  - expect: { status: "016155010" }\n',
          'pass.yaml',
        ),
      ),
      await runScenario(parseScenario(FAILING, 'failing.yaml')),
    ];
  });

  it('JUnit XML is well-formed, counts right and carries the failure', () => {
    const xml = junitReport(results, new Date('2021-11-15T00:00:00Z'));
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ tests: '6', failures: '1', errors: '0' });
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => s.attributes['name'])).toEqual(['passes & "quotes" <ok>', 'fails at the third step']);
    expect(suites[1]!.attributes).toMatchObject({ tests: '4', failures: '1', skipped: '1', file: 'failing.yaml' });
    const cases = findAll(suites[1]!, 'testcase');
    expect(cases.map((c) => c.attributes['name'])).toEqual([
      'step 1: send 022222212 on webos/smarthome/info',
      'step 2: expect status 0xxxxxx1x',
      'step 3: expect a message on webos/report/smarthome/info with fields ' +
        '{"command":"ack","request":"016155010"} within 1s',
      'step 4: wait 1s',
    ]);
    const [failure] = findAll(cases[2]!, 'failure');
    expect(failure!.attributes['type']).toBe('EXPECTATION_FAILED');
    expect(failure!.attributes['message']).toMatch(/^failing\.yaml:5:5: expectMessage failed after waiting 1s/);
    expect(failure!.text).toContain('expected: a message on webos/report/smarthome/info');
    expect(failure!.text).toContain('observed messages');
    expect(findAll(cases[3]!, 'skipped')).toHaveLength(1);
  });

  it('TAP names each scenario and explains the failure in a YAML block', () => {
    const tap = tapReport(results);
    const lines = tap.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'TAP version 14',
      '1..2',
      'ok 1 - passes & "quotes" <ok> (pass.yaml)',
      'not ok 2 - fails at the third step (failing.yaml)',
    ]);
    expect(tap).toContain('  at: failing.yaml:5:5\n  step: 3\n  code: EXPECTATION_FAILED\n');
    expect(lines.at(-2)).toBe('  ...');
  });
});

// Each case starts the CLI under tsx: allow for a slow start on a loaded machine.
describe('smarthome-bridge scenario run', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'scenario-cli-'));
    await writeFile(
      path.join(dir, 'pass.yaml'),
      'name: passes\nsteps:\n  - send: "016155010"\n  - expect: { status: "016155010" }\n',
    );
    await writeFile(path.join(dir, 'failing.yaml'), FAILING);
    await writeFile(path.join(dir, 'broken.yaml'), 'name: broken\nsteps:\n  - wait: soon\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  // Run from the repository (where tsx resolves), with the files given relative to it.
  const rel = (name: string): string => path.relative(REPO_ROOT, path.join(dir, name));
  const cli = (...args: string[]) =>
    execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'scenario', 'run', ...args], {
      cwd: REPO_ROOT,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('exits 1 on a failed step and writes a JUnit report with the failure', async () => {
    const r = await cli(rel('pass.yaml'), rel('failing.yaml'), '--report', 'junit', '--report-file', rel('junit.xml'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✔ passes: 2 steps passed');
    expect(r.stdout).toContain('✘ fails at the third step FAILED');
    expect(r.stdout).toMatch(/step 3 \(\S*failing\.yaml:5:5\) expect a message/);
    expect(r.stdout).toContain('1 of 2 scenarios passed');
    const root = parseXml(await readFile(path.join(dir, 'junit.xml'), 'utf8'));
    expect(root.attributes['failures']).toBe('1');
  });

  it('exits 0 when every scenario passes, with TAP on stdout', async () => {
    const r = await cli(rel('pass.yaml'), '--report', 'tap');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`TAP version 14\n1..1\nok 1 - passes (${rel('pass.yaml')})\n`);
    expect(r.stderr).toContain('1 of 1 scenarios passed');
  });

  it('exits 2 naming the line of an invalid file, running nothing', async () => {
    const r = await cli(rel('pass.yaml'), rel('broken.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('broken.yaml:3:11: /steps/0/wait: must be a duration');
    expect(r.stdout).toBe('');
  });
});
