import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BridgeError, ErrorCode } from '../../src/core/errors.js';
import { FLASH_BYTES, parseIntelHex } from '../../src/board/intel-hex.js';

/** One record with a correct checksum. */
function record(type: number, address: number, data: number[]): string {
  const bytes = [data.length, (address >> 8) & 0xff, address & 0xff, type, ...data];
  const sum = bytes.reduce((a, b) => (a + b) & 0xff, 0);
  return `:${[...bytes, (0x100 - sum) & 0xff].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('')}`;
}
const EOF = ':00000001FF';

function expectHexError(text: string, line: number, wording: RegExp): void {
  try {
    parseIntelHex(text);
  } catch (e) {
    expect(e).toBeInstanceOf(BridgeError);
    expect((e as BridgeError).code).toBe(ErrorCode.HEX_INVALID);
    expect((e as BridgeError).context.line).toBe(line);
    expect((e as BridgeError).message).toContain(`line ${line}`);
    expect((e as BridgeError).message).toMatch(wording);
    return;
  }
  throw new Error('expected HEX_INVALID');
}

describe('parseIntelHex', () => {
  it('places data records as little-endian words and leaves the rest erased (0xFFFF)', () => {
    const image = parseIntelHex([record(0, 0x0000, [0x0c, 0x94, 0x5c, 0x00]), EOF].join('\n'));
    expect(image).toBeInstanceOf(Uint16Array);
    expect(image.length).toBe(FLASH_BYTES / 2);
    expect(image[0]).toBe(0x940c);
    expect(image[1]).toBe(0x005c);
    expect(image[2]).toBe(0xffff);
  });

  it('honours extended segment and extended linear address records', () => {
    const text = [
      record(2, 0, [0x01, 0x00]), // segment 0x0100 → base 0x1000
      record(0, 0x0010, [0xaa, 0xbb]),
      record(4, 0, [0x00, 0x00]), // linear 0 → base 0
      record(0, 0x0020, [0x11, 0x22]),
      record(5, 0, [0, 0, 0, 0]), // start linear address: accepted, ignored
      EOF,
    ].join('\r\n');
    const image = parseIntelHex(text);
    expect(image[0x1010 / 2]).toBe(0xbbaa);
    expect(image[0x20 / 2]).toBe(0x2211);
  });

  it('matches avr-objcopy byte for byte on a 20 KB image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'intel-hex-'));
    try {
      const bin = Buffer.alloc(20_000);
      for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919 + (i >> 8)) & 0xff;
      writeFileSync(join(dir, 'in.bin'), bin);
      execFileSync('avr-objcopy', ['-I', 'binary', '-O', 'ihex', join(dir, 'in.bin'), join(dir, 'out.hex')]);
      const image = parseIntelHex(readFileSync(join(dir, 'out.hex'), 'utf8'));
      expect(Buffer.from(image.buffer, 0, bin.length).equals(bin)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the line of a checksum mismatch', () => {
    const good = record(0, 0, [1, 2, 3, 4]);
    const bad = `${good.slice(0, -2)}00`;
    expectHexError([good, record(0, 4, [5]), bad, EOF].join('\n'), 3, /checksum mismatch/);
  });

  it('rejects malformed records with the line number and the reason', () => {
    const data = record(0, 0, [1, 2]);
    expectHexError([data, 'hello', EOF].join('\n'), 2, /does not start with ':'/);
    expectHexError([data, ':0G0000000000', EOF].join('\n'), 2, /non-hex/);
    expectHexError([data, ':0000000', EOF].join('\n'), 2, /odd number/);
    expectHexError([':0400000001020304', EOF].join('\n'), 1, /byte count 4 does not match/);
    expectHexError([data, record(7, 0, []), EOF].join('\n'), 2, /unknown record type 0x07/);
    expectHexError([data, record(4, 0, [1]), EOF].join('\n'), 2, /2 data bytes/);
    expectHexError([data, record(0, 0x7fff, [1, 2]), EOF].join('\n'), 2, /exceeds the 32768-byte flash/);
    expectHexError([data, EOF, data].join('\n'), 3, /after the end-of-file/);
    expectHexError([data, data].join('\n'), 2, /missing end-of-file/);
    expectHexError([EOF].join('\n'), 1, /no data records/);
  });
});
