/**
 * Every usage mistake a new user can make on the command line is one line on stderr and exit 2, before
 * anything starts (no broker bound, no port opened); every command's --help is its own and has examples.
 * The real CLI as a process.
 */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/common.js';
import { ErrorCode } from '../../src/core/errors.js';
import { runCli } from '../support/cli-process.js';

const CLI = { timeout: 90_000 };

/** One line, prefixed, no stack trace, exit 2. */
function expectUsageError(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^smarthome-bridge: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at |unexpected error/);
  expect(r.code).toBe(2);
}

// A port nobody listens on: nothing in this table may get as far as connecting anyway.
const NOWHERE = 'mqtt://127.0.0.1:9';

describe.concurrent('usage errors: one line, exit 2', () => {
  it.each([
    // run: every link kind without what it needs, and bad values
    [['run', '--link', 'serial'], /--link serial needs --port/],
    [['run', '--link', 'firmata'], /--link firmata needs --port/],
    [['run', '--link', 'replay'], /--link replay needs --file/],
    [['--link', 'serial', '--broker', NOWHERE], /--link serial needs --port/],
    [['run', '--speed', '0', '--broker', NOWHERE], /--speed must be a positive number/],
    [['run', '--speed', '-3', '--broker', NOWHERE], /--speed must be a positive number/],
    [['run', '--queue-size', '0', '--broker', NOWHERE], /--queue-size must be a positive whole number/],
    [['run', '--connect-timeout', 'soon', '--broker', NOWHERE], /--connect-timeout: not a duration: "soon"/],
    [['run', '--health-period', '5 minutes', '--broker', NOWHERE], /--health-period: not a duration/],
    [['run', '--link', 'bluetooth'], /Invalid values:.*link/],
    [['run', '--no-such-option'], /Unknown argument/],
    // --broker takes only MQTT schemes, in every command that has it
    [
      ['run', '--broker', 'http://127.0.0.1:1883'],
      /--broker http:\/\/127\.0\.0\.1:1883: the scheme must be mqtt:, mqtts:, ws: or wss:/,
    ],
    [['send', '016155010', '--broker', 'amqp://127.0.0.1:5672'], /the scheme must be mqtt:/],
    [['watch', '--broker', '127.0.0.1:1883'], /--broker|scheme/],
    [['fleet', '--homes', '2', '--broker', 'https://rabbit'], /the scheme must be mqtt:/],
    [['scenario', 'run', 'examples/a.yaml', '--broker', 'tcp://x:1883'], /the scheme must be mqtt:/],
    // send
    [['send'], /Not enough non-option arguments.*see smarthome-bridge send --help/],
    [['send', '016155010', '--timeout', 'later', '--broker', NOWHERE], /--timeout: not a duration: "later"/],
    // record
    [['record', '--out', 'x.jsonl'], /Missing required argument: port/],
    [['record', '--port', '/dev/null'], /Missing required argument: out/],
    [['record', '--port', '/dev/null', '--out', '/tmp/x.jsonl', '--duration', 'ever'], /--duration: not a duration/],
    // fleet
    [['fleet', '--embedded'], /fleet needs --homes N/],
    [['fleet', '--homes', '2'], /fleet needs --broker URL, or --embedded/],
    [['fleet', '--homes', '2', '--embedded', '--interval', 'often'], /--interval: not a duration/],
    [['fleet', '--homes', '2', '--embedded', '--keepalive', '200ms'], /--keepalive must be 0 \(off\) or at least 1s/],
    // scenario
    [['scenario'], /Not enough non-option arguments.*scenario --help/],
    [['scenario', 'run'], /Not enough non-option arguments/],
    [['scenario', 'run', 'no-such-file.yaml'], /no-such-file\.yaml/],
    // firmware, virtual-arduino, unknown commands
    [['firmware'], /Not enough non-option arguments.*firmware --help/],
    [['virtual-arduino', '--speed', '0'], /--speed must be a positive number/],
    [['virtual-arduino', '--symlink', '/tmp/a', '--link', '/tmp/b'], /give --symlink only/],
    [['flash-it'], /Unknown argument: flash-it/],
  ])('%j', CLI, async (args, message) => {
    expectUsageError(await runCli(args), message);
  });

  it('scenario run --link serial without --port names the missing option', CLI, async () => {
    const r = await runCli(['scenario', 'run', 'examples/android-toggle.yaml', '--link', 'serial']);
    expectUsageError(r, /--link serial needs --port/);
  });
});

describe.concurrent('--help: its own, with examples', () => {
  it.each([
    [[], 'smarthome-bridge [command] [options]', true],
    [['run'], 'smarthome-bridge run', true],
    [['send'], 'smarthome-bridge send <payload>', true],
    [['watch'], 'smarthome-bridge watch', false],
    [['ports'], 'smarthome-bridge ports', false],
    [['scenario'], 'smarthome-bridge scenario <command>', false],
    [['scenario', 'run'], 'smarthome-bridge scenario run <files..>', false],
    [['record'], 'smarthome-bridge record', true],
    [['fleet'], 'smarthome-bridge fleet', true],
    [['firmware'], 'smarthome-bridge firmware <command>', false],
    [['firmware', 'path'], 'smarthome-bridge firmware path', false],
    [['firmware', 'build'], 'smarthome-bridge firmware build', false],
    [['virtual-arduino'], 'smarthome-bridge virtual-arduino', false],
  ] as const)('%j --help', CLI, async (args, usage, hasDurations) => {
    const r = await runCli([...args, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(usage);
    expect(r.stdout).toContain('\nExamples:\n');
    const examples = r.stdout.slice(r.stdout.indexOf('\nExamples:\n'));
    expect(examples).toMatch(/\n {2}smarthome-bridge /);
    // Every duration option says how a bare number reads.
    if (hasDurations) expect(r.stdout.replace(/\s+/g, ' ')).toContain('a bare number is seconds');
  });
});

describe('parseDuration, the one parser of every duration option', () => {
  it.each([
    ['2', 2000],
    ['0.5', 500],
    ['0', 0],
    [2, 2000],
    ['500ms', 500],
    ['2s', 2000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    [' 3s ', 3000],
  ] as const)('%j → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '-1', '-1s', '2 parsecs', '1x', 's'])('%j is a CONFIG_INVALID naming the option', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(
      expect.objectContaining({
        code: ErrorCode.CONFIG_INVALID,
        message: expect.stringMatching(/^--timeout: not a duration/),
      }),
    );
  });
});
