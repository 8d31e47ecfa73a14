import { describe, expect, it } from 'vitest';
import { checksumHex, crc8 } from '../../../src/links/serial/checksum.js';

describe('CRC-8/SMBUS line checksum', () => {
  it('gives the catalogued check value 0xF4 for "123456789"', () => {
    expect(crc8('123456789')).toBe(0xf4);
    expect(crc8(Buffer.from('123456789'))).toBe(0xf4);
  });

  it('is 0 for nothing and two uppercase hex digits always', () => {
    expect(crc8('')).toBe(0);
    expect(checksumHex('')).toBe('00');
    expect(checksumHex('PING 1')).toBe('AD');
    expect(checksumHex('SET 1A 016155010')).toBe('63');
  });

  it('matches the worked example of docs/serial-protocol.md bit by bit', () => {
    // Bitwise reference implementation, as in the sketch.
    const bitwise = (text: string): number => {
      let c = 0;
      for (const ch of Buffer.from(text)) {
        c ^= ch;
        for (let i = 0; i < 8; i++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
      }
      return c;
    };
    for (const body of ['PING 1', 'ACK 1A 016155010', 'HB 4294967295 65535 65535 65535 65535', '~}|{ !']) {
      expect(crc8(body)).toBe(bitwise(body));
    }
  });

  it('detects every single-bit error and every swap of two adjacent different bytes', () => {
    const body = 'SET 1A 016155010';
    const good = crc8(body);
    const bytes = Buffer.from(body);
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(bytes);
        bad[i]! ^= 1 << bit;
        expect(crc8(bad)).not.toBe(good);
      }
      if (i + 1 < bytes.length && bytes[i] !== bytes[i + 1]) {
        const swapped = Buffer.from(bytes);
        [swapped[i], swapped[i + 1]] = [bytes[i + 1]!, bytes[i]!];
        expect(crc8(swapped)).not.toBe(good);
      }
    }
  });
});
