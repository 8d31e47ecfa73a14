/**
 * Where a report's payload goes: bytes `start` to `end` of `bytes`, the verifier's only during the call
 * (no Buffer is made per payload: at 20,000 reports a second each view cost as much as reading its numbers).
 */
export type PayloadSink = (bytes: Buffer, start: number, end: number) => void;

/**
 * Takes the PUBLISH packets out of a verifier's incoming MQTT bytes before mqtt.js sees them: each
 * payload goes straight to the verifier, a QoS 1 one is acknowledged here (PUBACK, in the order the
 * packets came, as MQTT 3.1.1 §4.6 asks), and every other packet (CONNACK, SUBACK, UNSUBACK, PINGRESP,
 * and a QoS 2 PUBLISH, which a verifier never subscribes to) is handed on to mqtt.js, which keeps the
 * session. mqtt.js parsed each report into a packet object and handled it on a tick of its own: at
 * 20,000 reports a second that was most of the verifier's CPU (docs/performance.md, "Verify's own cost").
 *
 * Bytes that are not MQTT as this reads it (a remaining length over four bytes, a PUBLISH shorter than
 * its topic) are handed to mqtt.js from there on, untouched, for it to report as it always has.
 *
 * A read is lent, not given: the socket reads into one buffer again and again (batched-reads.ts). A
 * payload is the verifier's only during its call; what this keeps (the start of a packet whose rest has
 * not come) and what it hands on is copied.
 */
export class PublishTap {
  readonly #onPublish: PayloadSink;
  readonly #writeAcks: (acks: Buffer) => void;
  /** The reads holding the start of a packet whose rest has not arrived yet, and their length. */
  #parts: Buffer[] | undefined;
  #partsLength = 0;
  /** Bytes the first packet of #parts needs in all (known once its header is whole). */
  #needed = 0;
  /** Set at the first bytes this could not read: everything goes to mqtt.js from then on. */
  #bypass = false;
  constructor(onPublish: PayloadSink, writeAcks: (acks: Buffer) => void) {
    this.#onPublish = onPublish;
    this.#writeAcks = writeAcks;
  }

  /**
   * Takes the PUBLISH packets out of `chunk` (valid only during the call); returns the bytes left for
   * mqtt.js (a copy), or undefined.
   */
  take(chunk: Buffer): Buffer | undefined {
    if (this.#bypass) return Buffer.from(chunk);
    let buf = chunk;
    if (this.#parts) {
      // Kept, not joined, until the packet is whole: a large report arriving in many small reads
      // would otherwise be copied again at every read.
      this.#parts.push(Buffer.from(chunk));
      this.#partsLength += chunk.length;
      if (this.#partsLength < this.#needed) return undefined;
      buf = Buffer.concat(this.#parts, this.#partsLength);
      this.#parts = undefined;
    }
    let needed = 0;
    let rest: Buffer[] | undefined;
    let acks: number[] | undefined;
    let at = 0;
    while (at < buf.length) {
      // Fixed header: type and flags, then the remaining length in one to four bytes of seven bits.
      let length = 0;
      let i = at + 1;
      let shift = 0;
      let complete = false;
      while (i < buf.length && shift < 28) {
        const byte = buf[i++]!;
        length += (byte & 0x7f) << shift; // below 2^28: no overflow
        shift += 7;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (shift >= 28) return this.#giveUp(rest, buf.subarray(at), acks);
        needed = buf.length - at + 1; // the header continues in the next read
        break;
      }
      const end = i + length;
      if (end > buf.length) {
        needed = end - at;
        break;
      }
      const first = buf[at]!;
      const qos = (first >> 1) & 3;
      if (first >> 4 === 3 && qos < 2) {
        let payloadAt = i + 2 + (length >= 2 ? buf.readUInt16BE(i) : 0);
        if (qos === 1) {
          if (payloadAt + 2 > end) return this.#giveUp(rest, buf.subarray(at), acks);
          acks ??= [];
          acks.push(buf.readUInt16BE(payloadAt));
          payloadAt += 2;
        }
        if (length < 2 || payloadAt > end) return this.#giveUp(rest, buf.subarray(at), acks);
        this.#onPublish(buf, payloadAt, end);
      } else {
        rest ??= [];
        rest.push(buf.subarray(at, end));
      }
      at = end;
    }
    if (at < buf.length) {
      this.#parts = [Buffer.from(buf.subarray(at))];
      this.#partsLength = buf.length - at;
      this.#needed = needed;
    }
    if (acks) this.#writeAcks(pubacks(acks));
    return join(rest);
  }

  #giveUp(rest: Buffer[] | undefined, unread: Buffer, acks: number[] | undefined): Buffer {
    this.#bypass = true;
    if (acks) this.#writeAcks(pubacks(acks));
    return join([...(rest ?? []), unread])!;
  }
}

function pubacks(ids: number[]): Buffer {
  const out = Buffer.allocUnsafe(4 * ids.length);
  for (let k = 0; k < ids.length; k++) {
    out[4 * k] = 0x40;
    out[4 * k + 1] = 2;
    out.writeUInt16BE(ids[k]!, 4 * k + 2);
  }
  return out;
}

/** The parts as one Buffer of their own (a copy even of a single part: the read it is in is lent). */
function join(parts: Buffer[] | undefined): Buffer | undefined {
  if (!parts) return undefined;
  return parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts);
}
