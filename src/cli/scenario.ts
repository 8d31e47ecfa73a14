import { writeFile } from 'node:fs/promises';
import type { LevelWithSilent } from 'pino';
import type { Argv, CommandModule } from 'yargs';
import { BridgeError, ErrorCode, isBridgeError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { LinkSpec } from '../links/create.js';
import { loadScenario } from '../scenario/load.js';
import { junitReport } from '../scenario/report-junit.js';
import { tapReport } from '../scenario/report-tap.js';
import { describeStep, runScenario, type ScenarioResult, type StepOutcome } from '../scenario/run.js';
import type { Scenario } from '../scenario/types.js';
import { brokerUrl, readPassword, type BrokerArgs } from './common.js';

interface ScenarioRunArgs extends BrokerArgs {
  files: string[];
  link?: 'emulated' | 'firmware' | 'serial' | 'firmata' | 'replay';
  port?: string;
  baud?: number;
  hex?: string;
  file?: string;
  report?: 'junit' | 'tap';
  'report-file'?: string;
  bail: boolean;
  'serial-tap': boolean;
  'log-level': LevelWithSilent;
}

/** Exit codes: 0 every scenario passed, 1 a step failed or a home did not start, 2 a file is invalid. */
const runSubcommand: CommandModule<object, ScenarioRunArgs> = {
  command: 'run <files..>',
  describe: 'Run scenario files (YAML or JSON) against a home and report each step.',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'Scenario files.' })
      .option('link', {
        choices: ['emulated', 'firmware', 'serial', 'firmata', 'replay'] as const,
        describe: "Run on this link instead of the scenario's own (default emulated).",
      })
      .option('port', { type: 'string', describe: 'Serial port for --link serial or firmata, e.g. /dev/ttyACM0.' })
      .option('baud', { type: 'number', describe: 'Baud rate for --link serial (default 115200).' })
      .option('hex', { type: 'string', describe: 'Firmware .hex for --link firmware.' })
      .option('file', { type: 'string', describe: 'Recording for --link replay.' })
      .option('broker', {
        type: 'string',
        coerce: brokerUrl,
        describe: 'Use this broker (mqtt://, mqtts://, ws://, wss://) instead of an embedded one.',
      })
      .option('username', {
        type: 'string',
        describe: 'MQTT user name (password from $SMARTHOME_BRIDGE_PASSWORD or --password-file).',
      })
      .option('password-file', { type: 'string', describe: 'File holding the MQTT password.' })
      .option('report', {
        choices: ['junit', 'tap'] as const,
        describe: 'Also write a machine-readable report (to --report-file, or stdout).',
      })
      .option('report-file', {
        type: 'string',
        describe: 'Where to write the report (the human summary then goes to stdout).',
      })
      .option('serial-tap', {
        type: 'boolean',
        default: false,
        describe:
          'With --link serial: put a tap (a socat pty) in front of the port, so fault steps (serial-garbage, ' +
          'unplug, replug, board-reset) work.',
      })
      .option('bail', { type: 'boolean', default: false, describe: 'Stop after the first scenario that fails.' })
      .option('log-level', {
        choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
        default: 'silent' as const,
        describe: 'Bridge log level (JSON lines on stderr).',
      })
      .example('$0 scenario run examples/*.yaml', 'every example on the emulated home')
      .example(
        '$0 scenario run examples/*.yaml --link serial --port /dev/ttyACM0 --report junit --report-file junit.xml',
        'on a real Uno, with a JUnit report for CI',
      ) as unknown as Argv<ScenarioRunArgs>,
  handler: async (a) => {
    const scenarios = await loadAll(a.files);
    const human = a.report && !a['report-file'] ? process.stderr : process.stdout;
    const say = (text: string): void => void human.write(`${text}\n`);
    const logger = createLogger(a['log-level']);
    const link = linkOverride(a);
    if (a.port !== undefined && a.link !== 'serial' && a.link !== 'firmata') {
      process.stderr.write(
        `smarthome-bridge: --port ${a.port} is ignored: only --link serial and firmata use a serial port\n`,
      );
    }
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      say(`${scenario.name} (${scenario.file})`);
      const r = await runScenario(scenario, {
        link,
        broker: a.broker,
        username: a.username,
        password: readPassword(a),
        logger,
        serialTap: a['serial-tap'],
        onStep: (o) => say(stepLine(o)),
      });
      results.push(r);
      say(summaryLine(r));
      if (!r.ok && a.bail) break;
    }
    const failed = results.filter((r) => !r.ok).length;
    say(
      `${results.length - failed} of ${scenarios.length} scenarios ` +
        `passed${results.length < scenarios.length ? ` (stopped after the first failure: --bail)` : ''}`,
    );
    if (a.report) {
      const text = a.report === 'junit' ? junitReport(results) : tapReport(results);
      if (a['report-file']) await writeFile(a['report-file'], text);
      else process.stdout.write(text);
    }
    process.exitCode = failed > 0 ? 1 : 0;
  },
};

export const scenarioCommand: CommandModule = {
  command: 'scenario <command>',
  describe: 'Scenario files: hardware-in-the-loop tests written as steps (docs/testing.md).',
  builder: (y) =>
    y
      .command(runSubcommand)
      .demandCommand(1)
      .example('$0 scenario run examples/*.yaml', 'every example on the emulated home')
      .example(
        '$0 scenario run examples/*.yaml --link firmware --report junit --report-file junit.xml',
        'on the emulated Uno, with a JUnit report',
      ),
  handler: () => undefined,
};

async function loadAll(files: string[]): Promise<Scenario[]> {
  const scenarios: Scenario[] = [];
  const problems: string[] = [];
  for (const f of files) {
    try {
      scenarios.push(await loadScenario(f));
    } catch (e) {
      if (!isBridgeError(e)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length > 0) throw new BridgeError(ErrorCode.SCENARIO_INVALID, problems.join('\n'));
  return scenarios;
}

function linkOverride(a: ScenarioRunArgs): LinkSpec | undefined {
  const need = (v: string | undefined, flag: string): string => {
    if (!v) throw new BridgeError(ErrorCode.CONFIG_INVALID, `--link ${a.link} needs ${flag}`);
    return v;
  };
  switch (a.link) {
    case undefined:
      return undefined;
    case 'emulated':
      return { kind: 'emulated' };
    case 'firmware':
      // Unpaced: the harness waits on the board's own clock, so scenarios run as fast as the CPU allows.
      return { kind: 'firmware', hex: a.hex, pacing: 'unpaced' };
    case 'serial':
      return { kind: 'serial', port: need(a.port, '--port'), baudRate: a.baud };
    case 'firmata':
      return { kind: 'firmata', port: need(a.port, '--port') };
    case 'replay':
      return { kind: 'replay', file: need(a.file, '--file') };
  }
}

const MARK = { passed: '✔', failed: '✘', skipped: '-' } as const;

function stepLine(o: StepOutcome): string {
  return `  ${MARK[o.status]} ${o.step.number} ${describeStep(o.step)} (${Math.round(o.wallMs)} ms)`;
}

function summaryLine(r: ScenarioResult): string {
  if (r.ok) return `✔ ${r.scenario.name}: ${r.steps.length} steps passed in ${(r.wallMs / 1000).toFixed(2)} s\n`;
  const lines = [`✘ ${r.scenario.name} FAILED`];
  if (r.failure) lines.push(`  ${r.failure.message.split('\n').join('\n  ')}`);
  if (r.setupError) lines.push(`  ${r.setupError.message}`);
  return `${lines.join('\n')}\n`;
}
