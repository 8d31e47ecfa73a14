import { BridgeError, ErrorCode } from '../../core/errors.js';
import { checksumHex } from './checksum.js';
import { MAX_LINE_LENGTH, type LineErrorCode, type LineRejection } from './line-types.js';

/**
 * Framing shared by both directions: `<body>*HH`, printable ASCII, at most MAX_LINE_LENGTH bytes.
 * docs/serial-protocol.md §2–§3.
 */

const PRINTABLE = /^[\x20-\x7e]*$/;
const FRAMED = /^([^*]+)\*([0-9A-F]{2})$/;

export function reject(code: LineErrorCode, reason: string, id?: number): LineRejection {
  return id === undefined ? { type: 'rejected', code, reason } : { type: 'rejected', code, reason, id };
}

/** Strips one trailing `\n` or `\r\n`, if any. */
function withoutTerminator(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/**
 * Checks a received line (with or without its terminator) and splits its body into fields. Never
 * throws: a bad line comes back as a rejection (too long, garbled, checksum, or empty field = unknown).
 */
export function unframe(raw: string): string[] | LineRejection {
  const text = withoutTerminator(raw);
  if (text.length > MAX_LINE_LENGTH) {
    return reject(ErrorCode.LINE_TOO_LONG, `line of ${text.length} bytes exceeds ${MAX_LINE_LENGTH}`);
  }
  if (!PRINTABLE.test(text)) {
    const at = [...text].findIndex((c) => !PRINTABLE.test(c));
    const code = text.charCodeAt(at);
    return reject(ErrorCode.LINE_GARBLED, `non-printable byte 0x${code.toString(16).padStart(2, '0')} at ${at}`);
  }
  const framed = FRAMED.exec(text);
  if (framed === null) return reject(ErrorCode.LINE_GARBLED, 'no "*HH" checksum at the end');
  const body = framed[1]!;
  const expected = checksumHex(body);
  if (framed[2] !== expected) {
    return reject(ErrorCode.LINE_CHECKSUM, `checksum ${framed[2]} does not match ${expected}`);
  }
  const fields = body.split(' ');
  if (fields.some((f) => f === ''))
    return reject(ErrorCode.LINE_UNKNOWN, 'empty field (double, leading or trailing space)');
  return fields;
}

/** Builds a complete line, terminator included, from a body the caller has validated field by field. */
export function frame(body: string): string {
  const line = `${body}*${checksumHex(body)}`;
  if (!PRINTABLE.test(body) || body.includes('*') || /^ | $| {2}/.test(body) || body === '') {
    throw new BridgeError(ErrorCode.LINE_FIELD_INVALID, `not a valid line body: ${JSON.stringify(body)}`);
  }
  if (line.length > MAX_LINE_LENGTH) {
    throw new BridgeError(ErrorCode.LINE_FIELD_INVALID, `line of ${line.length} bytes exceeds ${MAX_LINE_LENGTH}`, {
      length: line.length,
    });
  }
  return `${line}\n`;
}
