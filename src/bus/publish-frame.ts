/**
 * An MQTT 3.1.1 PUBLISH at QoS 0 as one Buffer (§3.3): fixed header, remaining length, topic, payload;
 * no packet identifier at QoS 0. mqtt-packet writes the same packet as five chunks (two of them strings
 * Node encodes again in its writev), behind mqtt.js's generic publish path: about a tenth of a fleet's
 * CPU per report (docs/performance.md, "Beside peers").
 */
export function qos0PublishFrame(topic: string, payload: string, retain: boolean): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  if (topicBytes > 0xffff) throw new RangeError(`topic of ${topicBytes} bytes: MQTT allows at most 65,535`);
  const remaining = 2 + topicBytes + Buffer.byteLength(payload);
  if (remaining > MAX_REMAINING_LENGTH)
    throw new RangeError(`PUBLISH of ${remaining} bytes: MQTT allows at most 268,435,455`);
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x200000 ? 3 : 4;
  // allocUnsafe takes small frames from Node's shared pool: no ArrayBuffer of their own.
  const frame = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  frame[0] = retain ? 0x31 : 0x30;
  let at = 1;
  let rest = remaining;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    frame[at++] = rest > 0 ? byte | 0x80 : byte;
  } while (rest > 0);
  frame[at++] = topicBytes >>> 8;
  frame[at++] = topicBytes & 0xff;
  at += frame.write(topic, at);
  frame.write(payload, at);
  return frame;
}

/** The largest remaining length the variable-length encoding holds (four bytes of seven bits). */
export const MAX_REMAINING_LENGTH = 268_435_455;
