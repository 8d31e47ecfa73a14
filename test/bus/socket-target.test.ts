/**
 * How an MQTT connection is made: a plain TCP broker gets a socket built here and options that mqtt.js
 * keeps as one compact object shared in shape by every client (a fleet holds 10,000 of them); URLs with
 * credentials, TLS and WebSocket stay mqtt.connect's.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { socketTarget } from '../../src/bus/socket-target.js';
import { clientOptions, newMqttClient } from '../../src/bus/client.js';
import { REPO_ROOT } from '../support/brokers.js';

describe('socketTarget', () => {
  it.each([
    ['mqtt://127.0.0.1:1884', { host: '127.0.0.1', port: 1884 }],
    ['tcp://localhost', { host: 'localhost', port: 1883 }],
    ['mqtt://[::1]:1999', { host: '::1', port: 1999 }],
    ['mqtts://broker.local', { host: 'broker.local', port: 8883, tls: { rejectUnauthorized: true } }],
  ])('%s', (url, target) => {
    expect(socketTarget(url, undefined)).toEqual(target);
  });

  it.each(['ws://127.0.0.1:9001', 'mqtt://user:pass@127.0.0.1', 'mqtt://127.0.0.1?clientId=x'])(
    '%s is left to mqtt.connect',
    (url) => {
      expect(socketTarget(url, undefined)).toBeUndefined();
    },
  );
});

const home = {
  url: 'mqtt://127.0.0.1:9',
  clientId: 'home-1',
  keepaliveS: 30,
  subscriptions: [],
  username: 'car2home',
  password: 'secret',
  reconnectPeriodMs: 0,
};
const will = { topic: 'webos/smarthome/info', payload: '{"online":false}', qos: 1 as const, retain: true };

describe('newMqttClient', () => {
  it('gives mqtt.js options it adds no key to but its own two, on a socket of its own for plain TCP', () => {
    const opts = clientOptions(home, will);
    const given = Object.keys(opts);
    const client = newMqttClient(home.url, opts);
    client.end(true);
    expect(client.options).toBe(opts);
    expect(Object.keys(client.options)).toEqual([...given, 'customHandleAcks']);
    expect(client.options).not.toHaveProperty('host');
    expect(client.options.will?.payload?.toString()).toBe(will.payload);
    expect(client.options.username).toBe('car2home');
  });

  it('leaves credentials in the URL to mqtt.connect', () => {
    const { username: _u, password: _p, ...anonymous } = home;
    const client = newMqttClient('mqtt://user:pw@127.0.0.1:9', clientOptions(anonymous, undefined));
    client.end(true);
    expect(client.options.username).toBe('user');
    expect(client.options.password).toBe('pw');
    expect(client.options).toHaveProperty('host', '127.0.0.1');
  });

  it("keeps every client's options compact and of one shape (V8's own view, in a process of its own)", () => {
    const script = `
      import { clientOptions, newMqttClient } from './src/bus/client.ts';
      const options = (id) => clientOptions({ ...${JSON.stringify(home)}, clientId: id }, ${JSON.stringify(will)});
      const a = newMqttClient('mqtt://127.0.0.1:9', options('a'));
      const b = newMqttClient('mqtt://127.0.0.1:9', options('b'));
      const fast = %HasFastProperties(a.options);
      console.log(JSON.stringify({ fast, sameShape: %HaveSameMap(a.options, b.options) }));
      a.end(true);
      b.end(true);
    `;
    const run = spawnSync(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ fast: true, sameShape: true });
  });

  it("leaves mqtt-packet's 65,536-Buffer number cache unmade (a fleet would hold it for its whole run)", () => {
    const script = `
      import { createRequire } from 'node:module';
      import { PassThrough } from 'node:stream';
      import { clientOptions, newMqttClient } from './src/bus/client.ts';
      const require = createRequire(import.meta.url);
      const mqttPacket = require(require.resolve('mqtt-packet', { paths: [require.resolve('mqtt')] }));
      const numbers = require(require.resolve('mqtt-packet/numbers', { paths: [require.resolve('mqtt')] }));
      const client = newMqttClient('mqtt://127.0.0.1:9', clientOptions(${JSON.stringify(home)}, undefined));
      client.end(true);
      mqttPacket.writeToStream({ cmd: 'publish', topic: 'a/b', payload: 'x', qos: 0 }, new PassThrough());
      console.log(JSON.stringify({ cached: Object.keys(numbers.cache).length }));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ cached: 0 });
  });
});
