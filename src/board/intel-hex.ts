import { BridgeError, ErrorCode } from '../core/errors.js';

/** ATmega328P flash: 32 KB. */
export const FLASH_BYTES = 0x8000;

const DATA = 0x00;
const EOF = 0x01;
const EXT_SEGMENT = 0x02;
const START_SEGMENT = 0x03;
const EXT_LINEAR = 0x04;
const START_LINEAR = 0x05;

function invalid(line: number, what: string): BridgeError {
  return new BridgeError(ErrorCode.HEX_INVALID, `Intel HEX line ${line}: ${what}`, { line });
}

function hexBytes(text: string, line: number): Uint8Array {
  if (text.length % 2 !== 0) throw invalid(line, 'odd number of hex digits');
  if (!/^[0-9A-Fa-f]*$/.test(text)) throw invalid(line, 'non-hex character');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Parses an Intel HEX file (data, end-of-file, extended segment/linear address and start address
 * records) into a flash image. Every record's length and checksum is verified; anything wrong throws a
 * BridgeError HEX_INVALID naming the 1-based line number. Data outside `flashBytes` is rejected.
 *
 * Returns the image as little-endian 16-bit words, the layout avr8js's `CPU` expects; unused flash is
 * 0xFFFF (erased).
 */
export function parseIntelHex(text: string, flashBytes = FLASH_BYTES): Uint16Array {
  const bytes = new Uint8Array(flashBytes).fill(0xff);
  const lines = text.split(/\r?\n/);
  let base = 0;
  let sawEof = false;
  let sawData = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    if (sawEof) throw invalid(lineNo, 'record after the end-of-file record');
    if (raw[0] !== ':') throw invalid(lineNo, "record does not start with ':'");
    const rec = hexBytes(raw.slice(1), lineNo);
    if (rec.length < 5) throw invalid(lineNo, 'record too short');
    const count = rec[0]!;
    if (rec.length !== count + 5) {
      throw invalid(lineNo, `byte count ${count} does not match the record length ${rec.length - 5}`);
    }
    let sum = 0;
    for (const b of rec) sum = (sum + b) & 0xff;
    if (sum !== 0) {
      const expected = (0x100 - ((sum - rec[rec.length - 1]!) & 0xff)) & 0xff;
      throw invalid(
        lineNo,
        `checksum mismatch (record says 0x${hex2(rec[rec.length - 1]!)}, computed 0x${hex2(expected)})`,
      );
    }
    const offset = (rec[1]! << 8) | rec[2]!;
    const type = rec[3]!;
    const data = rec.subarray(4, 4 + count);
    switch (type) {
      case DATA: {
        const addr = base + offset;
        if (addr + count > flashBytes) {
          throw invalid(lineNo, `data at 0x${addr.toString(16)} exceeds the ${flashBytes}-byte flash`);
        }
        bytes.set(data, addr);
        sawData = true;
        break;
      }
      case EOF:
        if (count !== 0) throw invalid(lineNo, 'end-of-file record carries data');
        sawEof = true;
        break;
      case EXT_SEGMENT:
        if (count !== 2) throw invalid(lineNo, 'extended segment address record needs 2 data bytes');
        base = ((data[0]! << 8) | data[1]!) << 4;
        break;
      case EXT_LINEAR:
        if (count !== 2) throw invalid(lineNo, 'extended linear address record needs 2 data bytes');
        base = ((data[0]! << 8) | data[1]!) * 0x10000;
        break;
      case START_SEGMENT:
      case START_LINEAR:
        if (count !== 4) throw invalid(lineNo, 'start address record needs 4 data bytes');
        break;
      default:
        throw invalid(lineNo, `unknown record type 0x${hex2(type)}`);
    }
  }
  if (!sawEof) throw invalid(lines.length, 'missing end-of-file record');
  if (!sawData) throw invalid(lines.length, 'no data records');
  const words = new Uint16Array(flashBytes >> 1);
  for (let i = 0; i < words.length; i++) words[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return words;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
