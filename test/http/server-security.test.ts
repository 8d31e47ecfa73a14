import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PanelServer, sendJson } from '../../src/http/server.js';
import { runCli } from '../support/cli-process.js';

const TOKEN = 'panel-token-0123456789abcdef';

describe('panel server: token, cross-site guard', () => {
  let server: PanelServer;
  let base: string;
  let pressed = 0;
  beforeAll(async () => {
    server = new PanelServer(
      { host: '127.0.0.1', port: 0, token: TOKEN },
      {
        get: { '/api/state': (_q, res) => sendJson(res, 200, { ok: true }) },
        post: {
          '/api/press': (_q, res) => {
            pressed++;
            sendJson(res, 200, { pressed });
          },
        },
      },
    );
    await server.start();
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.stop());

  const post = (headers: Record<string, string>) =>
    fetch(`${base}/api/press`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ button: 'light' }),
    });

  it('answers /healthz without the token (process supervisors)', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('wants the token for the page and the API: header, bearer, or ?token= on a GET', async () => {
    expect((await fetch(`${base}/api/state`)).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect(
      (await fetch(`${base}/api/state`, { headers: { 'x-panel-token': 'wrong-token-0123456789abc' } })).status,
    ).toBe(401);
    expect((await fetch(`${base}/api/state`, { headers: { 'x-panel-token': TOKEN } })).status).toBe(200);
    expect((await fetch(`${base}/api/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${base}/api/state?token=${TOKEN}`)).status).toBe(200);
  });

  it('answers a POST without the token 401, and does not act on it', async () => {
    const before = pressed;
    expect((await post({})).status).toBe(401);
    // The token in the URL is for GETs only: a command must carry it in a header.
    expect(
      (
        await fetch(`${base}/api/press?token=${TOKEN}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(401);
    expect(pressed).toBe(before);
    expect((await post({ 'x-panel-token': TOKEN })).status).toBe(200);
    expect(pressed).toBe(before + 1);
  });

  it('refuses a cross-origin POST even with the token (Origin, Sec-Fetch-Site), and a non-JSON one', async () => {
    const before = pressed;
    expect((await post({ 'x-panel-token': TOKEN, origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ 'x-panel-token': TOKEN, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ 'x-panel-token': TOKEN, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    const form = await fetch(`${base}/api/press`, {
      method: 'POST',
      headers: { 'x-panel-token': TOKEN, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'button=light',
    });
    expect(form.status).toBe(415);
    expect(pressed).toBe(before);
    expect((await post({ 'x-panel-token': TOKEN, origin: base, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('serves the page files from the package, none outside it', async () => {
    const auth = { headers: { 'x-panel-token': TOKEN } };
    const page = await fetch(`${base}/`, auth);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/static/home.js');
    expect((await fetch(`${base}/static/home.js`, auth)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}/vendor/wokwi-elements.js`, auth)).status).toBe(200);
    expect((await fetch(`${base}/static/../../server.ts`, auth)).status).toBe(404);
    expect((await fetch(`${base}/static/%2e%2e/home-panel.ts`, auth)).status).toBe(404);
  });
});

// Each starts the CLI under tsx, which takes seconds on a loaded machine.
describe('panel options on the command line', { timeout: 90_000 }, () => {
  it('a bind beyond loopback without --http-token-file is one line and exit 2', async () => {
    const r = await runCli(['run', '--broker-port', '0', '--http', '0.0.0.0:0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--http-token-file/);
  });

  it('fleet and virtual-arduino refuse it too', async () => {
    const f = await runCli(['fleet', '--homes', '1', '--embedded', '--broker-port', '0', '--http', '0.0.0.0:0']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/--http-token-file/);
    const v = await runCli(['virtual-arduino', '--http', '0.0.0.0:0']);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/--http-token-file/);
  });

  it('a busy port given with --http is one line and exit 2', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    try {
      const r = await runCli(['run', '--broker-port', '0', '--http', `127.0.0.1:${port}`]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`127.0.0.1:${port} is already in use`));
    } finally {
      holder.close();
    }
  });

  it('a non-loopback bind with a token file serves, and says so on the start line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'panel-token-'));
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    const { startCli } = await import('../support/cli-process.js');
    const cli = startCli([
      'run',
      '--broker-port',
      '0',
      '--http',
      '0.0.0.0:0',
      '--http-token-file',
      path.join(dir, 'token'),
      '--log-level',
      'warn',
    ]);
    try {
      await expect.poll(() => cli.stdout(), { timeout: 60_000 }).toMatch(/panel http:\/\/127\.0\.0\.1:\d+\//);
      const url = /panel (http:\/\/\S+)/.exec(cli.stdout())![1]!;
      expect((await fetch(`${url}api/state`)).status).toBe(401);
      expect((await fetch(`${url}api/state`, { headers: { 'x-panel-token': TOKEN } })).status).toBe(200);
    } finally {
      cli.kill('SIGTERM');
      await cli.exited;
    }
  });
});
