/**
 * The status codec over ≥ 100,000 generated inputs each: nothing but a BridgeError escapes validation,
 * every rejection has a stable code and a reason naming the position (or the length), and merging a
 * valid command into a valid status always gives a valid status that follows the "2 = keep" rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/core/errors.js';
import { mergeCommand, POSITION_NAMES, validateCommand, validateStatus } from '../../src/home/status-codec.js';
import { nearCommand, RUNS, validCommand, validStatus } from './arbitraries.js';

const CODES = new Set(['STATUS_LENGTH', 'STATUS_NOT_DIGIT', 'STATUS_RANGE']);

function checkRejection(e: unknown): void {
  if (!(e instanceof BridgeError)) throw new Error(`not a BridgeError: ${String(e)}`);
  if (!CODES.has(e.code)) throw new Error(`unexpected code ${e.code}`);
  if (e.code === 'STATUS_LENGTH') {
    if (!/9 digits/.test(e.message)) throw new Error(`length reason without the expected length: ${e.message}`);
    return;
  }
  const p = e.context['position'];
  if (typeof p !== 'number' || p < 0 || p > 8) throw new Error(`no position in context: ${JSON.stringify(e.context)}`);
  if (!e.message.startsWith(`position ${p} (${POSITION_NAMES[p]})`))
    throw new Error(`reason does not name position ${p}: ${e.message}`);
}

describe('status codec properties', () => {
  it('validateCommand accepts exactly the valid 9-digit commands and rejects everything else with a reason', () => {
    const input = fc.oneof(validCommand, nearCommand, fc.string({ unit: 'grapheme', maxLength: 12 }), fc.anything());
    fc.assert(
      fc.property(input, (text) => {
        let accepted: string | undefined;
        try {
          accepted = validateCommand(text);
        } catch (e) {
          checkRejection(e);
          return;
        }
        expect(accepted).toBe(text);
        expect(accepted).toMatch(/^[0-4][0-2][0-9][0-2][0-9][0-7][0-3][0-2][0-2]$/);
      }),
      { numRuns: RUNS },
    );
  }, 180_000);

  it('validateStatus accepts no "keep" digit and rejects with a reason naming the position', () => {
    fc.assert(
      fc.property(fc.oneof(validStatus, validCommand, nearCommand), (text) => {
        try {
          expect(validateStatus(text)).toMatch(/^[0-4][01][0-9][01][0-9][0-7][0-3][01][01]$/);
        } catch (e) {
          checkRejection(e);
        }
      }),
      { numRuns: RUNS },
    );
  }, 180_000);

  it('mergeCommand of a valid command into a valid status is a valid status that keeps what "2" keeps', () => {
    fc.assert(
      fc.property(validStatus, validCommand, (status, command) => {
        const merged = mergeCommand(status, command);
        expect(validateStatus(merged)).toBe(merged);
        expect(merged[0]).toBe(command[0]);
        // An appliance told "2" keeps its whole group; a window or valve told "2" keeps its digit.
        if (command[1] === '2') expect(merged.slice(1, 3)).toBe(status.slice(1, 3));
        if (command[3] === '2') expect(merged.slice(3, 7)).toBe(status.slice(3, 7));
        if (command[7] === '2') expect(merged[7]).toBe(status[7]);
        if (command[8] === '2') expect(merged[8]).toBe(status[8]);
        // Applying the same command twice changes nothing more.
        expect(mergeCommand(merged, command)).toBe(merged);
      }),
      { numRuns: RUNS },
    );
  }, 180_000);
});
