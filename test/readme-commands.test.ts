/**
 * Every shell command in README.md's ```sh blocks works as typed after the README's own setup, as a
 * user's shell runs it: bash in the repository, with no node_modules/.bin on PATH (so a bare
 * `smarthome-bridge` fails here as it would there). Commands that need hardware or a production broker
 * are skipped, each with its reason below; a command missing from PLAN fails this test, so a new
 * README command is either run here or skipped with a reason.
 *
 * The one change made to commands: the embedded broker's port. The README uses the default 1883, which
 * another broker on the machine may hold; here `npm start` gets a free port and the commands that talk to
 * it are pointed at that port (appended options, the rest of the line as typed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT } from './support/brokers.js';

type Step =
  /** Runs to its end: exit 0 and, when given, stdout matching `expect`. */
  | { run: true; append?: string; expect?: RegExp }
  /** Runs until stopped: ready when its output matches `ready`; stopped (by pid) when the test ends. */
  | { serve: true; append?: string; dropPrefix?: string; ready: RegExp; why?: string }
  | { skip: string };

const HARDWARE =
  'needs a USB Uno on /dev/ttyACM0 (test/cli/firmware-flash.test.ts flashes and confirms the emulated Uno on a ' +
  'pty; test/links/ covers the links)';
const PLAN: Record<string, Step> = {
  'npm ci && npm start': {
    serve: true,
    dropPrefix: 'npm ci && ',
    append: '-- --broker-port $PORT',
    ready: /smarthome-bridge serving/,
    why: 'npm ci is not run again: it would replace node_modules under the running test runner (.ci/run runs it first)',
  },
  'npm ci && npm test': { skip: 'the whole test suite, which this test is part of' },
  "mosquitto_sub -h 127.0.0.1 -t 'webos/#' -v": {
    serve: true,
    append: '-p $PORT',
    ready: /^webos\/report\/smarthome\/info \{.*"command":"sensor"/m,
  },
  'npx smarthome-bridge watch': {
    serve: true,
    append: '--broker mqtt://127.0.0.1:$PORT',
    ready: /webos\/report\/smarthome\/info +smarthome \[smarthome\] status \d{9}/,
  },
  'mosquitto_pub -h 127.0.0.1 -t webos/smarthome/info -m 016155010': { run: true, append: '-p $PORT' },
  'npx smarthome-bridge send 016155010': {
    run: true,
    append: '--broker mqtt://127.0.0.1:$PORT',
    expect: /^status 016155010: mode individual, aircon on \(power 6\)/m,
  },
  'npx smarthome-bridge firmware flash --port /dev/ttyACM0': { skip: HARDWARE },
  'npx smarthome-bridge --link serial --port /dev/ttyACM0': { skip: HARDWARE },
  'npx smarthome-bridge firmware flash --firmata --port /dev/ttyACM0': { skip: HARDWARE },
  'npx smarthome-bridge --link firmata --port /dev/ttyACM0': { skip: HARDWARE },
  "export SMARTHOME_BRIDGE_PASSWORD='…'": { skip: 'sets the password for the production example below' },
  ['npx smarthome-bridge --broker mqtt://rabbit.example:1883 --username rabbit --client-id smarthome-livingroom ' +
    '--amqp-url amqp://rabbit.example:5672 --rtdb-file ./realtimedb.json']: {
    skip:
      'needs the production RabbitMQ and its password (test/e2e runs --broker, --amqp-url and --rtdb-file ' +
      'against the CI RabbitMQ)',
  },
};

/**
 * The commands of README's ```sh blocks in order: continuation lines joined, comments cut; a comment
 * `# or: CMD` offers CMD as a command too.
 */
function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    const lines = block[1]!.replace(/\s*\\\n\s*/g, ' ').split('\n');
    for (const line of lines) {
      const comment = /\s#\s(.*)$/.exec(line);
      const command = (comment ? line.slice(0, comment.index) : line).trim();
      if (command !== '') commands.push(command);
      const alternative = comment ? /^or: (.+)$/.exec(comment[1]!.trim()) : null;
      if (alternative) commands.push(alternative[1]!.trim());
    }
  }
  return commands;
}

/** The user's PATH: without the node_modules/.bin entries that npm and vitest put in front. */
const USER_PATH = (process.env['PATH'] ?? '')
  .split(path.delimiter)
  .filter((d) => !d.includes(`node_modules${path.sep}.bin`))
  .join(path.delimiter);

interface Shell {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function shell(command: string): Shell {
  const child = spawn('bash', ['-c', command], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: USER_PATH, NO_COLOR: '1', npm_config_update_notifier: 'false' },
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

const serving: Shell[] = [];
afterAll(async () => {
  for (const s of serving.reverse()) {
    if (s.child.exitCode === null && s.child.signalCode === null) process.kill(-s.child.pid!, 'SIGTERM');
    await Promise.race([s.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (s.child.exitCode === null && s.child.signalCode === null) process.kill(-s.child.pid!, 'SIGKILL');
  }
});

describe("README's commands", () => {
  const commands = readmeCommands(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));

  it('are all in the plan: run here, or skipped with a reason', () => {
    expect(
      commands.filter((c) => !(c in PLAN)),
      'README commands missing from PLAN in test/readme-commands.test.ts',
    ).toEqual([]);
    expect(commands.length).toBeGreaterThan(5);
  });

  it('work as typed, in order, after the README setup', async () => {
    const port = await freePort();
    const ran: string[] = [];
    for (const typed of commands) {
      const step = PLAN[typed];
      if (!step || 'skip' in step) continue;
      const base = 'serve' in step && step.dropPrefix ? typed.slice(step.dropPrefix.length) : typed;
      const command = `${base}${step.append ? ` ${step.append.replace('$PORT', String(port))}` : ''}`;
      ran.push(command);
      if ('serve' in step) {
        const s = shell(command);
        serving.push(s);
        const deadline = Date.now() + 120_000;
        while (!step.ready.test(s.output())) {
          if (s.child.exitCode !== null || Date.now() > deadline)
            throw new Error(`${command}: not ready (exit ${s.child.exitCode}); output:\n${s.output()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } else {
        const s = shell(command);
        const timer = setTimeout(() => process.kill(-s.child.pid!, 'SIGKILL'), 60_000);
        const code = await s.exited;
        clearTimeout(timer);
        expect(code, `${command}:\n${s.output()}`).toBe(0);
        if (step.expect) expect(s.output(), command).toMatch(step.expect);
      }
    }
    expect(ran.length).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
