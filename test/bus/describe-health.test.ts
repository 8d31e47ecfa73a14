import { describe, expect, it } from 'vitest';
import { describeMessage } from '../../src/bus/describe-message.js';

const health = (over: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      Producer: 'smarthome',
      command: 'health',
      home: 'flat-3',
      time: '2026-01-01T00:00:00.000Z',
      uptimeS: 3725,
      counters: {
        messagesIn: 120,
        messagesOut: 340,
        reconnects: 2,
        inflight: 1,
        pubackTimeouts: 1,
        errorReportsSuppressed: 7,
        'queueFile.pending': 3,
        'queueFile.restored': 0,
        'queueFile.corrupt': 0,
        'error.STATUS_LENGTH': 9,
        'error.PAYLOAD_NOT_JSON': 1,
        'dropped.sensor': 4,
        'link.checksum': 2,
      },
      queueDepth: 2,
      ackLatencyMs: { p50: 2.1, p99: 8.3, count: 10 },
      pubackLatencyMs: { p50: 1.2, p99: 4, count: 300 },
      ...over,
    }),
  );

describe('watch: health reports', () => {
  it('spells out traffic, reconnects, queue, drops, latencies, errors by cause and link counters', () => {
    expect(describeMessage('webos/report/smarthome/info', health())).toBe(
      'smarthome [flat-3] health: up 1h02m; in 120, out 340; reconnects 2 (1 after a PUBACK timeout); queue 2, ' +
        'in flight 1, journalled 3; ' +
        'dropped sensor=4; command ack p50/p99 2.1/8.3 ms, broker ack 1.2/4 ms; errors STATUS_LENGTH=9 ' +
        'PAYLOAD_NOT_JSON=1 (7 reports suppressed); link checksum=2',
    );
  });

  it('says none and - where there is nothing to show, and copes with missing fields', () => {
    const text = describeMessage(
      'webos/report/smarthome/info',
      health({ counters: {}, ackLatencyMs: { p50: 0, p99: 0, count: 0 }, pubackLatencyMs: undefined, uptimeS: 5 }),
    );
    expect(text).toBe(
      'smarthome [flat-3] health: up 5s; in 0, out 0; reconnects 0; queue 2, in flight 0; dropped none; ' +
        'command ack p50/p99 -, broker ack -; errors none',
    );
  });
});
