/**
 * Authentication: a wrong password ends the bridge with the broker's reason and exit code 2 (mosquitto
 * and RabbitMQ, anonymous access off); the password, from $SMARTHOME_BRIDGE_PASSWORD or --password-file,
 * never appears in the output, even at trace level.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUserPass, requireService, startMosquitto, type MosquittoInstance } from '../support/brokers.js';
import { bridgeProcess, Proc } from './support/processes.js';

const USER = 'device';
const PASSWORD = 'Tr0ub4dor-and-3-horses';
const WRONG = 'not-the-password-42';
const REFUSED = /refused the connection: .*(user name or password|not authori[sz]ed).*CONNACK [45]/;

let dir: string;
let mosquitto: MosquittoInstance;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'auth-'));
  mosquitto = await startMosquitto({ allowAnonymous: false, users: [{ username: USER, password: PASSWORD }] });
}, 60_000);
afterAll(async () => {
  await mosquitto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function bridge(url: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  return bridgeProcess(
    [
      'run',
      '--broker',
      url,
      '--client-id',
      `auth-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
      '--log-level',
      'trace',
      ...args,
    ],
    env,
  );
}

async function expectRefused(p: Proc, secret: string): Promise<void> {
  const t0 = Date.now();
  try {
    const exit = await p.exited;
    expect(exit.code).toBe(2);
    expect(p.stderr).toMatch(REFUSED);
    expect(p.output).not.toContain(secret);
    // Startup included; a refusal is final, never retried until some timeout.
    expect(Date.now() - t0).toBeLessThan(30_000);
  } finally {
    await p.kill();
  }
}

describe('authentication against mosquitto (anonymous off)', () => {
  it('a wrong password from $SMARTHOME_BRIDGE_PASSWORD ends the bridge with exit 2 and the reason', async () => {
    await expectRefused(bridge(mosquitto.url, ['--username', USER], { SMARTHOME_BRIDGE_PASSWORD: WRONG }), WRONG);
  }, 60_000);

  it('no credentials at all: exit 2 with the reason', async () => {
    await expectRefused(bridge(mosquitto.url, []), PASSWORD);
  }, 60_000);

  it('the right password from --password-file connects, and is nowhere in the output at trace level', async () => {
    const file = path.join(dir, 'password');
    writeFileSync(file, `${PASSWORD}\n`, { mode: 0o600 });
    const p = bridge(mosquitto.url, ['--username', USER, '--password-file', file]);
    try {
      await p.waitFor(/connected to broker/, 60_000);
      expect((await p.stop()).code).toBe(0);
      expect(p.output).not.toContain(PASSWORD);
      expect(p.child.spawnargs.join(' ')).not.toContain(PASSWORD);
    } finally {
      await p.kill();
    }
  }, 60_000);

  it('the right password from $SMARTHOME_BRIDGE_PASSWORD connects, and is nowhere in the output', async () => {
    const p = bridge(mosquitto.url, ['--username', USER], { SMARTHOME_BRIDGE_PASSWORD: PASSWORD });
    try {
      await p.waitFor(/connected to broker/, 60_000);
      expect((await p.stop()).code).toBe(0);
      expect(p.output).not.toContain(PASSWORD);
    } finally {
      await p.kill();
    }
  }, 60_000);
});

describe('credentials revoked while running', () => {
  it('a broker that comes back refusing the bridge ends it with exit 2 instead of retrying forever', async () => {
    const m = await startMosquitto({ allowAnonymous: false, users: [{ username: USER, password: PASSWORD }] });
    try {
      const p = bridge(m.url, ['--username', USER], { SMARTHOME_BRIDGE_PASSWORD: PASSWORD });
      try {
        await p.waitFor(/connected to broker/, 60_000);
        await m.halt();
        execFileSync('mosquitto_passwd', ['-b', path.join(m.dir, 'passwd'), USER, 'a-new-password']);
        // Same config and port, new password (started directly: the helper's readiness probe knows only the old one).
        const again = new Proc('mosquitto', ['-c', path.join(m.dir, 'mosquitto.conf')]);
        try {
          const exit = await p.exited;
          expect(exit.code).toBe(2);
          expect(p.stderr).toMatch(REFUSED);
          expect(p.output).not.toContain(PASSWORD);
        } finally {
          await again.kill();
        }
      } finally {
        await p.kill();
      }
    } finally {
      await m.stop();
    }
  }, 90_000);
});

const rabbitUrl = requireService('rabbitmq-auth-mqtt');
const rabbitUser = requireService('rabbitmq-auth-user');

describe.skipIf(!rabbitUrl || !rabbitUser)('authentication against RabbitMQ (allow_anonymous false)', () => {
  it('a wrong password ends the bridge with exit 2 and CONNACK 4', async () => {
    const { username } = parseUserPass(rabbitUser!);
    const p = bridge(rabbitUrl!, ['--username', username], { SMARTHOME_BRIDGE_PASSWORD: WRONG });
    await expectRefused(p, WRONG);
    expect(p.stderr).toMatch(/bad user name or password \(CONNACK 4\)/);
  }, 60_000);

  it('the right user and password connect', async () => {
    const { username, password } = parseUserPass(rabbitUser!);
    const p = bridge(rabbitUrl!, ['--username', username], { SMARTHOME_BRIDGE_PASSWORD: password });
    try {
      await p.waitFor(/connected to broker/, 60_000);
      expect((await p.stop()).code).toBe(0);
      expect(p.output).not.toContain(password);
    } finally {
      await p.kill();
    }
  }, 60_000);
});
