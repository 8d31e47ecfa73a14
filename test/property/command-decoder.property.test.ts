/**
 * The bus command decoder over ≥ 100,000 generated inputs each: arbitrary bytes, arbitrary JSON, and
 * JSON commands with injection attempts in every field. Only BridgeErrors with a code and a reason come
 * out; whatever is accepted becomes a validated 9-digit command, and that command frames as exactly one
 * serial line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlToCommand, decodeRequest, type Request } from '../../src/bus/command-decoder.js';
import { BridgeError, ErrorCode } from '../../src/core/errors.js';
import { isValidCommand } from '../../src/home/status-codec.js';
import { decodeHostLine, encodeHostLine } from '../../src/links/serial/line-codec.js';
import { controlLike, nearCommand, RUNS, validCommand, validStatus } from './arbitraries.js';

const MAX_BYTES = 4096;
const CODES = new Set<string>(Object.values(ErrorCode));

/** Decodes, and for every accepted control, turns it into the command the device would get. */
function decodeToCommand(payload: Buffer, current: string): { request?: Request; command?: string } {
  let request: Request;
  try {
    request = decodeRequest(payload, MAX_BYTES);
  } catch (e) {
    if (!(e instanceof BridgeError)) throw new Error(`not a BridgeError: ${String(e)}`);
    if (!CODES.has(e.code) || e.message.length === 0)
      throw new Error(`rejection without code or reason: ${e.code} ${e.message}`);
    if ((e.code === 'PAYLOAD_INVALID' || e.code === 'COMMAND_UNKNOWN') && !/^\/|must be an object/.test(e.message)) {
      throw new Error(`reason does not name where: ${e.message}`);
    }
    return {};
  }
  if (request.kind === 'status') return { request };
  const command = request.format === 'legacy' ? request.command : controlToCommand(request.control, current);
  return { request, command };
}

/** The command must be a validated 9-digit string that frames as one SET line and reads back the same. */
function checkCommand(command: string): void {
  expect(command).toMatch(/^[0-9]{9}$/);
  expect(isValidCommand(command)).toBe(true);
  const line = encodeHostLine({ type: 'set', id: 1, command });
  expect(line.indexOf('\n')).toBe(line.length - 1);
  expect(line).not.toMatch(/[\r\u0000]/);
  expect(decodeHostLine(line)).toEqual({ type: 'set', id: 1, command });
}

const options = { numRuns: RUNS };

describe('JSON command decoder properties', () => {
  it('arbitrary bytes: only BridgeErrors, and anything accepted is a validated command', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 20 },
          { arbitrary: fc.uint8Array({ minLength: 4090, maxLength: 4100 }), weight: 1 },
        ),
        validStatus,
        (bytes, current) => {
          const { command } = decodeToCommand(Buffer.from(bytes), current);
          if (command !== undefined) checkCommand(command);
        },
      ),
      options,
    );
  }, 300_000);

  it('arbitrary JSON and near-miss legacy strings: only BridgeErrors, accepted commands are valid', () => {
    const text = fc.oneof(
      fc.json({ maxDepth: 3 }),
      nearCommand,
      validCommand,
      fc.string({ unit: 'grapheme', maxLength: 40 }),
    );
    fc.assert(
      fc.property(text, validStatus, (t, current) => {
        const { command } = decodeToCommand(Buffer.from(t), current);
        if (command !== undefined) checkCommand(command);
      }),
      options,
    );
  }, 300_000);

  it('JSON commands with injection attempts in every field never give anything but a validated 9-digit command', () => {
    fc.assert(
      fc.property(controlLike, validStatus, (obj, current) => {
        const { request, command } = decodeToCommand(Buffer.from(JSON.stringify(obj)), current);
        if (command !== undefined) checkCommand(command);
        // An id that comes back is printable ASCII: it cannot break a log line or a report.
        if (request?.id !== undefined) expect(String(request.id)).toMatch(/^[\x20-\x7e]{1,64}$/);
      }),
      options,
    );
  }, 300_000);
});
