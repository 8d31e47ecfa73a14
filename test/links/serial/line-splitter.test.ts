import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/core/errors.js';
import { LineSplitter, type SplitItem } from '../../../src/links/serial/line-splitter.js';
import { MAX_LINE_LENGTH } from '../../../src/links/serial/line-types.js';

const lines = (items: SplitItem[]): string[] => items.flatMap((i) => (i.ok ? [i.line] : []));
const codes = (items: SplitItem[]): string[] => items.flatMap((i) => (i.ok ? [] : [i.code]));

describe('LineSplitter', () => {
  it('splits on \\n and on \\r\\n alike', () => {
    const s = new LineSplitter();
    expect(lines(s.feed('PING 1*AD\nRAIN 1*BE\r\nRAIN 0*B9\n'))).toEqual(['PING 1*AD', 'RAIN 1*BE', 'RAIN 0*B9']);
    expect(s.counters).toEqual({ lines: 3, tooLong: 0, garbled: 0 });
  });

  it('joins a line split across chunks, byte by byte too', () => {
    const s = new LineSplitter();
    expect(s.feed('ACK 1A 01')).toEqual([]);
    expect(s.pending).toBe(9);
    expect(lines(s.feed(Buffer.from('6155010*02\r')))).toEqual([]);
    expect(lines(s.feed('\nRA'))).toEqual(['ACK 1A 016155010*02']);
    const out: string[] = [];
    for (const byte of Buffer.from('IN 1*BE\r\n')) out.push(...lines(s.feed(Uint8Array.of(byte))));
    expect(out).toEqual(['RAIN 1*BE']);
    expect(s.pending).toBe(0);
  });

  it('keeps a \\r split from its \\n across chunks', () => {
    const s = new LineSplitter();
    expect(s.feed('RAIN 1*BE\r')).toEqual([]);
    expect(lines(s.feed('\n'))).toEqual(['RAIN 1*BE']);
  });

  it('skips empty lines silently', () => {
    const s = new LineSplitter();
    expect(s.feed('\n\r\n\n')).toEqual([]);
    expect(s.counters).toEqual({ lines: 0, tooLong: 0, garbled: 0 });
  });

  it(`accepts exactly ${MAX_LINE_LENGTH} bytes (with or without \\r) and drops ${MAX_LINE_LENGTH + 1}`, () => {
    const s = new LineSplitter();
    const max = 'x'.repeat(MAX_LINE_LENGTH);
    expect(lines(s.feed(`${max}\n${max}\r\n`))).toEqual([max, max]);
    const items = s.feed(`${max}y\n${max}y\r\nnext\n`);
    expect(codes(items)).toEqual([ErrorCode.LINE_TOO_LONG, ErrorCode.LINE_TOO_LONG]);
    expect(lines(items)).toEqual(['next']);
    expect(s.counters.tooLong).toBe(2);
  });

  it('never holds more than the maximum of an endless line, and recovers at its end', () => {
    const s = new LineSplitter();
    for (let i = 0; i < 1000; i++) expect(s.feed('garbage without end '.repeat(50))).toEqual([]);
    expect(s.pending).toBeGreaterThan(MAX_LINE_LENGTH);
    const items = s.feed('tail\nPING 1*AD\n');
    expect(codes(items)).toEqual([ErrorCode.LINE_TOO_LONG]);
    expect(lines(items)).toEqual(['PING 1*AD']);
    expect(s.counters).toEqual({ lines: 1, tooLong: 1, garbled: 0 });
  });

  it('reports NUL, control, non-ASCII bytes and a stray \\r as garbled, and serves the next line', () => {
    const s = new LineSplitter();
    const items = s.feed(
      Buffer.concat([
        Buffer.from('RAIN\x001*BE\n'),
        Buffer.from([0xff, 0xfe, 0x0a]),
        Buffer.from('temp 23°C\n'),
        Buffer.from('RA\rIN 1*BE\n'),
        Buffer.from('\x1b[31mRAIN 1*BE\n'),
        Buffer.from('RAIN 1*BE\n'),
      ]),
    );
    expect(codes(items)).toEqual(Array(5).fill(ErrorCode.LINE_GARBLED));
    expect(lines(items)).toEqual(['RAIN 1*BE']);
    expect(s.counters).toEqual({ lines: 1, tooLong: 0, garbled: 5 });
  });

  it('forgets an unfinished line on reset, keeping its counters', () => {
    const s = new LineSplitter(8);
    s.feed('123456789\nhalf');
    s.reset();
    expect(s.pending).toBe(0);
    expect(lines(s.feed('ok\n'))).toEqual(['ok']);
    expect(s.counters).toEqual({ lines: 1, tooLong: 1, garbled: 0 });
  });

  it('rejects a nonsensical maximum', () => {
    expect(() => new LineSplitter(0)).toThrow(RangeError);
  });
});
