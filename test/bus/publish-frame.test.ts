/**
 * The QoS 0 PUBLISH a bus client frames itself must be the packet mqtt.js would have sent, byte for
 * byte: mqtt-packet (mqtt.js's own encoder and parser) is the reference, at every size where the
 * remaining length changes width and with text that is not ASCII.
 */
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MAX_REMAINING_LENGTH, qos0PublishFrame } from '../../src/bus/publish-frame.js';

const reference = (topic: string, payload: string, retain: boolean): Buffer =>
  mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false });

describe('qos0PublishFrame', () => {
  const topic = 'webos/report/smarthome/info';
  // Remaining length = 2 + topic + payload: 127 and 128 (1 → 2 bytes), 16,383 and 16,384 (2 → 3 bytes),
  // 2,097,151 and 2,097,152 (3 → 4 bytes).
  const sizes = [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152].map((n) => Math.max(0, n - 2 - topic.length));
  it.each(sizes)('a payload of %i bytes is mqtt-packet’s packet', (n) => {
    const payload = 'x'.repeat(n);
    expect(qos0PublishFrame(topic, payload, false).equals(reference(topic, payload, false))).toBe(true);
  });

  it('sets the retain flag', () => {
    const frame = qos0PublishFrame('webos/smarthome/info', '{"a":1}', true);
    expect(frame[0]).toBe(0x31);
    expect(frame.equals(reference('webos/smarthome/info', '{"a":1}', true))).toBe(true);
  });

  it('counts bytes, not characters, in topic and payload', () => {
    const t = 'webos/smarthome/küche-☀/info';
    const p = '{"room":"Wohnküche","weather":"☔","n":"𝄞"}';
    const frame = qos0PublishFrame(t, p, false);
    expect(frame.equals(reference(t, p, false))).toBe(true);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const parsed: mqttPacket.IPublishPacket[] = [];
    parser.on('packet', (packet) => parsed.push(packet as mqttPacket.IPublishPacket));
    parser.parse(frame);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.topic).toBe(t);
    expect(parsed[0]!.payload.toString()).toBe(p);
    expect(parsed[0]!.qos).toBe(0);
  });

  it('refuses what MQTT cannot carry', () => {
    expect(() => qos0PublishFrame('t'.repeat(65_536), '', false)).toThrow(/at most 65,535/);
    expect(MAX_REMAINING_LENGTH).toBe(2 ** 28 - 1);
  });
});
