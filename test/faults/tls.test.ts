/**
 * mqtts:// against mosquitto with certificates made by openssl in the test: verification is on by
 * default; the right CA connects, a wrong CA ends the bridge at once with a message that points at --ca,
 * and --insecure connects with a warning. A fleet's verifier counts its reports over TLS too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines } from '../support/cli-process.js';
import { bridgeProcess } from './support/processes.js';
import { makeCertificates, startTlsMosquitto, type Certificates } from './support/tls.js';
import type { Proc } from './support/processes.js';

let dir: string;
let certs: Certificates;
let broker: { url: string; proc: Proc };
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
  certs = makeCertificates(dir);
  broker = await startTlsMosquitto(dir, certs);
}, 60_000);
afterAll(async () => {
  await broker?.proc.kill();
  rmSync(dir, { recursive: true, force: true });
});

const run = (...extra: string[]): Proc =>
  bridgeProcess([
    'run',
    '--broker',
    broker.url,
    '--client-id',
    `tls-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
    '--log-level',
    'info',
    ...extra,
  ]);

describe('TLS to the broker', () => {
  it('connects with the right CA and a client certificate', async () => {
    const bridge = run('--ca', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey);
    try {
      await bridge.waitFor(/connected to broker/, 60_000);
      expect(bridge.output).not.toMatch(/insecure|NOT verified/i);
      expect((await bridge.stop()).code).toBe(0);
    } finally {
      await bridge.kill();
    }
  }, 90_000);

  it('refuses a broker its CA did not sign: exit 2 with a message naming --ca, without retrying', async () => {
    const bridge = run('--ca', certs.otherCa, '--cert', certs.clientCert, '--key', certs.clientKey);
    try {
      const exit = await bridge.exited;
      expect(exit.code).toBe(2);
      expect(bridge.stderr).toMatch(/smarthome-bridge: TLS to mqtts:\/\/127\.0\.0\.1:\d+ failed: .*certificate.*--ca/);
      expect(bridge.stderr).toMatch(/"code":"BROKER_REFUSED"/);
      expect(bridge.output).not.toMatch(/connected to broker/);
    } finally {
      await bridge.kill();
    }
  }, 90_000);

  it('fleet --verify over mqtts counts every report its homes sent', async () => {
    // The verifier reads its TLS socket itself (a buffer of its own, reports taken out before mqtt.js).
    const fleet = bridgeProcess([
      'fleet',
      '--homes',
      '4',
      '--broker',
      broker.url,
      '--ca',
      certs.ca,
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKey,
      '--prefix',
      `tlsv${process.pid}`,
      '--report-period',
      '300ms',
      '--verify',
      '--output',
      'json',
      '--interval',
      '500ms',
    ]);
    try {
      await fleet.waitFor(/"type":"verify"[^\n]*"received":(?:[3-9]\d|\d{3,})/, 60_000);
      await fleet.stop();
    } finally {
      await fleet.kill();
    }
    const lines = jsonLines(fleet.stdout);
    const final = lines.find((l) => l['type'] === 'final');
    const fleetFinal = lines.find((l) => l['final'] === true) as { stats: { reports: number } } | undefined;
    expect(final).toMatchObject({ homes: 4, lost: 0, duplicates: 0, reordered: 0, invalid: 0 });
    expect(final?.['expected']).toBe(fleetFinal?.stats.reports);
    expect(final?.['received']).toBeGreaterThanOrEqual(30);
  }, 90_000);

  it('with --insecure connects to a broker it cannot verify, and warns', async () => {
    const bridge = run('--insecure', '--cert', certs.clientCert, '--key', certs.clientKey);
    try {
      await bridge.waitFor(/connected to broker/, 60_000);
      expect(bridge.stderr).toMatch(/--insecure: the broker certificate is NOT verified/);
      expect((await bridge.stop()).code).toBe(0);
    } finally {
      await bridge.kill();
    }
  }, 90_000);
});
