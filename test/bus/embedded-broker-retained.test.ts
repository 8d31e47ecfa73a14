import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';

let broker: EmbeddedBroker | undefined;
const clients: mqtt.MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  await broker?.close();
  broker = undefined;
});

// moscajs/aedes#955, #994: a retained message overtaken by the next one was dropped by aedes's dedupe.
it('delivers a retained report followed at once by a non-retained message to live subscribers', async () => {
  broker = await startEmbeddedBroker({ port: 0 });
  const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  clients.push(sub);
  const got: string[] = [];
  sub.on('message', (_t, p) => got.push(p.toString()));
  // Overlapping filters: dedupe must still give each message once.
  await sub.subscribeAsync(['webos/#', 'webos/report/smarthome/info']);
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  clients.push(pub);
  await Promise.all([
    pub.publishAsync('webos/report/smarthome/info', 'status-1', { retain: true }),
    pub.publishAsync('webos/report/smarthome/info', 'ack-1'),
    pub.publishAsync('webos/report/smarthome/info', 'status-2', { retain: true }),
    pub.publishAsync('webos/report/smarthome/info', 'sensor-1'),
  ]);
  await expect.poll(() => got.length).toBe(4);
  expect([...got].sort()).toEqual(['ack-1', 'sensor-1', 'status-1', 'status-2']);
  // The broker keeps the last retained one for later subscribers.
  const late = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  clients.push(late);
  const retained = new Promise<string>((resolve) => late.on('message', (_t, p) => resolve(p.toString())));
  await late.subscribeAsync('webos/report/smarthome/info');
  expect(await retained).toBe('status-2');
});
