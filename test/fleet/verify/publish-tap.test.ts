/**
 * The verifier's PUBLISH tap: whatever way the bytes are cut into reads, every QoS 0 and QoS 1 report's
 * payload comes out once and in order, QoS 1 ones are acknowledged in order, and every other packet
 * reaches mqtt.js whole and in order, though each read is lent in a buffer the next read overwrites.
 * mqtt-packet (mqtt.js's own encoder and parser) makes and checks the packets.
 */
import fc from 'fast-check';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PublishTap } from '../../../src/fleet/verify/publish-tap.js';

const publish = (n: number, qos: 0 | 1 | 2, size = 40): Packet => ({
  cmd: 'publish',
  topic: 'webos/report/smarthome/info',
  payload: Buffer.from(`{"n":${n},"pad":"${'x'.repeat(size)}"}`),
  qos,
  retain: false,
  dup: false,
  ...(qos > 0 ? { messageId: 1000 + n } : {}),
});
const others: Packet[] = [
  { cmd: 'connack', returnCode: 0, sessionPresent: false },
  { cmd: 'suback', messageId: 1, granted: [0, 1] },
  { cmd: 'pingresp' },
  { cmd: 'unsuback', messageId: 2, granted: [] },
];

/**
 * Feeds `bytes` cut at `cuts`, each read lent in one reused buffer as the verifier's socket lends it (and
 * overwritten after); returns the payloads, the PUBACKs and what was handed on, parsed.
 */
function run(bytes: Buffer, cuts: number[]) {
  const lent = Buffer.alloc(bytes.length);
  const payloads: string[] = [];
  const acks: Buffer[] = [];
  const handedOn: Buffer[] = [];
  const tap = new PublishTap(
    (b, start, end) => payloads.push(b.toString('utf8', start, end)),
    (a) => acks.push(Buffer.from(a)),
  );
  let from = 0;
  for (const to of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (to <= from) continue;
    bytes.copy(lent, 0, from, to);
    const rest = tap.take(lent.subarray(0, to - from));
    lent.fill(0xee);
    if (rest) handedOn.push(rest);
    from = to;
  }
  const parse = (b: Buffer): Packet[] => {
    const out: Packet[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => out.push(p));
    parser.parse(b);
    return out;
  };
  return { payloads, acks: parse(Buffer.concat(acks)), handedOn: parse(Buffer.concat(handedOn)), tap };
}

describe('PublishTap', () => {
  // Reports of three sizes (remaining length of one, two and three bytes), all QoS, between the others.
  const stream: Packet[] = [];
  for (let n = 0; n < 60; n++) {
    stream.push(publish(n, (n % 3 === 2 ? 1 : 0) as 0 | 1, [10, 300, 20_000][n % 3]));
    if (n % 15 === 0) stream.push(others[(n / 15) % others.length]!);
  }
  stream.push(publish(60, 2));
  const bytes = Buffer.concat(stream.map((p) => mqttPacket.generate(p)));
  const reports = stream.filter((p) => p.cmd === 'publish' && p.qos < 2) as mqttPacket.IPublishPacket[];

  it('takes every report out once, in order, acknowledges QoS 1 in order, and hands on the rest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
        const { payloads, acks, handedOn } = run(bytes, cuts);
        expect(payloads).toEqual(reports.map((p) => p.payload.toString()));
        expect(acks).toEqual(
          reports
            .filter((p) => p.qos === 1)
            .map((p) => expect.objectContaining({ cmd: 'puback', messageId: p.messageId })),
        );
        expect(handedOn.map((p) => p.cmd)).toEqual(['connack', 'suback', 'pingresp', 'unsuback', 'publish']);
        expect((handedOn.at(-1) as mqttPacket.IPublishPacket).qos).toBe(2);
      }),
      { numRuns: 200 },
    );
  });

  it('byte by byte too', () => {
    const { payloads, handedOn } = run(
      bytes,
      Array.from({ length: bytes.length }, (_, i) => i),
    );
    expect(payloads).toHaveLength(reports.length);
    expect(handedOn).toHaveLength(5);
  });

  it('hands bytes it cannot read to mqtt.js untouched, from there on', () => {
    const good = mqttPacket.generate(publish(1, 0));
    // A remaining length with a fifth continuation byte: not MQTT.
    const bad = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    const after = mqttPacket.generate(publish(2, 0));
    const payloads: string[] = [];
    const tap = new PublishTap(
      (b, start, end) => payloads.push(b.toString('utf8', start, end)),
      () => undefined,
    );
    // Each read lent and overwritten once taken, as the socket's are.
    const first = Buffer.concat([good, bad, after]);
    const second = Buffer.from(after);
    const handedOn = [tap.take(first), tap.take(second)];
    first.fill(0xee);
    second.fill(0xee);
    expect(handedOn).toEqual([Buffer.concat([bad, after]), after]);
    expect(payloads).toEqual([(publish(1, 0) as mqttPacket.IPublishPacket).payload.toString()]);
  });

  it('a PUBLISH shorter than its topic is handed on, not read past its end', () => {
    // Remaining length 3: a topic length of 200 cannot fit.
    const short = Buffer.from([0x30, 0x03, 0x00, 0xc8, 0x41]);
    const tap = new PublishTap(
      () => expect.unreachable(),
      () => undefined,
    );
    expect(tap.take(short)).toEqual(short);
  });
});
