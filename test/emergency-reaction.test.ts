/**
 * The home's answer to an emergency broadcast, on the embedded broker: the configured command applied in
 * turn with bus commands, then a status report and an emergency event; a burst joins one reaction; a
 * device that fails is reported. (The AMQP side, against RabbitMQ: test/bus/amqp-emergency.test.ts and
 * test/e2e/rabbitmq-compat.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDevicesConfig } from '../src/config/load.js';
import { BridgeError, ErrorCode } from '../src/core/errors.js';
import { silentLogger } from '../src/core/logger.js';
import { EmergencyReaction } from '../src/emergency-reaction.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { MqttRecorder, type Seen } from './support/mqtt-recorder.js';

const config = parseDevicesConfig({ bus: { healthPeriodMs: 0, maxErrorReportsPerSecond: 1000 } });
const fanout = { exchange: 'webos.fanout', routingKey: '', text: 'earthquake' };
let runtime: Runtime;
let bus: MqttRecorder;
let reaction: EmergencyReaction;

const fromHome = (command: string) => (m: Seen) =>
  m.json?.['Producer'] === 'smarthome' && m.json['command'] === command;
const emergencyEvent = (m: Seen): boolean => fromHome('event')(m) && m.json!['event'] === 'emergency';

async function command(payload: string): Promise<void> {
  const mark = bus.mark();
  await bus.publish('webos/smarthome/info', payload);
  await bus.next((m) => fromHome('ack')(m) && m.json!['request'] === payload, mark);
}

beforeAll(async () => {
  runtime = await startRuntime({
    config,
    link: { kind: 'emulated' },
    logger: silentLogger(),
    embeddedBroker: { port: 0 },
  });
  bus = await MqttRecorder.connect(runtime.brokerUrl, ['webos/#']);
  reaction = new EmergencyReaction({
    bridge: runtime.bridge,
    link: runtime.link,
    command: '022222220',
    homeId: 'smarthome',
    clock: runtime.clock,
    logger: silentLogger(),
  });
});
afterAll(async () => {
  await bus?.close();
  await runtime?.stop();
});

describe('emergency reaction', () => {
  it('closes the gas valve, keeps the rest, and publishes the status report and then the emergency event', async () => {
    await command('016155011');
    const published = vi.spyOn(runtime.bus, 'publish');
    const mark = bus.mark();
    reaction.trigger(fanout);
    const event = await bus.next(emergencyEvent, mark);
    await bus.next((m) => fromHome('status')(m) && m.json!['status'] === '016155010', mark);
    expect(event.topic).toBe(config.bus.routes.event.topic);
    expect(event.json).toMatchObject({
      exchange: 'webos.fanout',
      message: 'earthquake',
      messages: 1,
      applied: '022222220',
      status: '016155010',
      changed: true,
    });
    expect(event.json).not.toHaveProperty('error');
    // The order the bridge hands them to the bus (the embedded broker may deliver a retained one later).
    expect(published.mock.calls.map(([m]) => m.route)).toEqual(['status', 'event']);
    published.mockRestore();
    expect(runtime.link.status).toBe('016155010');
  });

  it('waits for the command before it and runs before the command after it', async () => {
    await command('016155011');
    const apply = vi.spyOn(runtime.link, 'apply');
    const mark = bus.mark();
    await bus.publish('webos/smarthome/info', '022222212');
    await vi.waitFor(() => expect(apply).toHaveBeenCalledWith('022222212'));
    reaction.trigger(fanout);
    await bus.publish('webos/smarthome/info', '022222221');
    await bus.next((m) => fromHome('ack')(m) && m.json!['request'] === '022222221', mark);
    expect(apply.mock.calls.map(([c]) => c)).toEqual(['022222212', '022222220', '022222221']);
    apply.mockRestore();
    const order = bus
      .since(mark)
      .filter((m) => fromHome('ack')(m) || emergencyEvent(m))
      .map((m) => String(m.json!['request'] ?? `emergency ${String(m.json!['status'])}`));
    expect(order).toEqual(['022222212', 'emergency 016155010', '022222221']);
    await command('016155011');
  });

  it('a burst of broadcasts while one waits for the device is one reaction', async () => {
    await command('016155011');
    const mark = bus.mark();
    for (let i = 0; i < 50; i++) reaction.trigger({ ...fanout, text: `alarm ${i}` });
    await reaction.settled();
    await bus.next(emergencyEvent, mark);
    await command('016155011');
    const events = bus.since(mark).filter(emergencyEvent);
    expect(events).toHaveLength(1);
    expect(events[0]!.json).toMatchObject({ message: 'alarm 0', messages: 50, status: '016155010' });
  });

  it('a device that does not take the command: an error report and the event say so', async () => {
    await command('016155011');
    const spy = vi
      .spyOn(runtime.link, 'apply')
      .mockRejectedValueOnce(new BridgeError(ErrorCode.LINK_TIMEOUT, 'the device did not answer'));
    const mark = bus.mark();
    reaction.trigger(fanout);
    const event = await bus.next(emergencyEvent, mark);
    spy.mockRestore();
    expect(event.json).toMatchObject({
      applied: '022222220',
      status: '016155011',
      changed: false,
      error: 'LINK_TIMEOUT',
    });
    const error = await bus.next(fromHome('error'), mark);
    expect(error.json).toMatchObject({ code: 'LINK_TIMEOUT', source: 'amqp:webos.fanout' });
    // Commands still work afterwards.
    await command('022222220');
    expect(runtime.link.status).toBe('016155010');
  });
});
