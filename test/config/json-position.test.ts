import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findJsonSyntaxError, lineColumn } from '../../src/config/json-position.js';

describe('findJsonSyntaxError', () => {
  it.each([
    ['a comment', '// the house\n{}', 0, `unexpected '/', expected a value`],
    ['a trailing comma in an object', '{"a": 1,\n}', 9, `unexpected '}', expected a double-quoted field name`],
    ['a trailing comma in an array', '[1,]', 3, `unexpected ']', expected a value`],
    ['a missing comma', '{"a": 1\n "b": 2}', 9, `unexpected '"', expected "," or "}"`],
    ['a single-quoted name', "{'a': 1}", 1, `unexpected ''', expected a double-quoted field name`],
    ['a cut-off file', '{"a": {', 7, 'unexpected end of file, expected a double-quoted field name'],
    ['an empty file', '', 0, 'unexpected end of file, expected a value'],
    ['text after the value', '{} x', 3, `unexpected 'x' after the end of the JSON value`],
    ['a raw tab in a string', '{"a": "x\ty"}', 8, 'control character inside a string (write it as an escape)'],
    ['a leading zero', '[01]', 2, `unexpected '1', expected "," or "]"`],
    ['a bad escape', '["\\q"]', 2, 'invalid escape inside a string'],
    ['NaN', '{"a": NaN}', 6, `unexpected 'N', expected a value`],
  ])('finds %s', (_what, text, offset, reason) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(findJsonSyntaxError(text)).toEqual({ offset, reason });
  });

  it('finds nothing wrong exactly when JSON.parse succeeds', () => {
    const alphabet = fc.constantFrom(...'{}[]":,.-+eE0123456789 \n\ttrufalsn\\/ab'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string({ unit: alphabet, maxLength: 30 })), (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        expect(findJsonSyntaxError(text) === undefined).toBe(parses);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the spot where a valid document was cut or corrupted', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), fc.nat(), (json, n) => {
        const cut = json.slice(0, n % Math.max(1, json.length));
        let parses = true;
        try {
          JSON.parse(cut);
        } catch {
          parses = false;
        }
        const found = findJsonSyntaxError(cut);
        if (parses) expect(found).toBeUndefined();
        else expect(found!.offset).toBeLessThanOrEqual(cut.length);
      }),
    );
  });
});

describe('lineColumn', () => {
  it('counts from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab\n', 3)).toEqual({ line: 2, column: 1 });
  });
});
