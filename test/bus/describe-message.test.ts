import { describe, expect, it } from 'vitest';
import { describeMessage } from '../../src/bus/describe-message.js';

const event = (fields: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ Producer: 'smarthome', command: 'event', home: 'h1', time: '2026-01-01T00:00:00.000Z', event: 'emergency', exchange: 'webos.fanout', routingKey: '', message: 'fire', messages: 1, applied: '022222220', ...fields }));

describe('describeMessage: emergency events', () => {
  it('says what was applied and the status after it', () => {
    expect(describeMessage('webos/report/smarthome/info', event({ status: '016155010', changed: true }))).toBe('smarthome [h1] EMERGENCY from webos.fanout: applied 022222220 → status 016155010');
    expect(describeMessage('webos/report/smarthome/info', event({ status: '016155010', changed: false }))).toBe('smarthome [h1] EMERGENCY from webos.fanout: applied 022222220 → status 016155010 (no change)');
  });

  it('says when the device did not take it', () => {
    expect(describeMessage('webos/report/smarthome/info', event({ status: '016155011', changed: false, error: 'LINK_TIMEOUT' }))).toBe(
      'smarthome [h1] EMERGENCY from webos.fanout: 022222220 FAILED (LINK_TIMEOUT), status 016155011',
    );
  });
});
