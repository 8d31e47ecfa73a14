import { describe, expect, it } from 'vitest';
import { describeMessage } from '../../src/bus/describe-message.js';

const event = (fields: Record<string, unknown>) =>
  Buffer.from(
    JSON.stringify({
      Producer: 'smarthome',
      command: 'event',
      home: 'h1',
      time: '2026-01-01T00:00:00.000Z',
      event: 'emergency',
      exchange: 'webos.fanout',
      routingKey: '',
      message: 'fire',
      messages: 1,
      applied: '022222220',
      ...fields,
    }),
  );

describe('describeMessage: emergency events', () => {
  it('says what was applied and the status after it', () => {
    expect(describeMessage('webos/report/smarthome/info', event({ status: '016155010', changed: true }))).toBe(
      'smarthome [h1] EMERGENCY from webos.fanout: applied 022222220 → status 016155010',
    );
    expect(describeMessage('webos/report/smarthome/info', event({ status: '016155010', changed: false }))).toBe(
      'smarthome [h1] EMERGENCY from webos.fanout: applied 022222220 → status 016155010 (no change)',
    );
  });

  it('says when the device did not take it', () => {
    expect(
      describeMessage(
        'webos/report/smarthome/info',
        event({ status: '016155011', changed: false, error: 'LINK_TIMEOUT' }),
      ),
    ).toBe('smarthome [h1] EMERGENCY from webos.fanout: 022222220 FAILED (LINK_TIMEOUT), status 016155011');
  });
});

describe('describeMessage: JSON commands are decoded like reports', () => {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));

  it('spells out a control command: what it names, with its id, no escaped JSON', () => {
    const line = describeMessage(
      'webos/smarthome/info',
      json({
        Producer: 'car',
        command: 'control',
        aircon: { power: 6 },
        light: { color: 5, brightness: 3 },
        window: 'open',
        id: '42',
      }),
    );
    expect(line).toBe('car control id 42: aircon on (power 6), light on (purple, brightness 3), window open');
    expect(line).not.toContain('\\');
    expect(
      describeMessage(
        'webos/smarthome',
        json({ Producer: 'android', command: 'control', mode: 3, light: false, gasValve: 'close' }),
      ),
    ).toBe('android control: mode sleep, light off, gas valve close');
  });

  it('says why a control command will be rejected, showing its text as sent', () => {
    const line = describeMessage(
      'webos/smarthome/info',
      json({ Producer: 'car', command: 'control', light: { color: 12 }, id: '43' }),
    );
    expect(line).toBe(
      'car control (invalid: /light/color: must be <= 7) ' +
        '{"Producer":"car","command":"control","light":{"color":12},"id":"43"}',
    );
  });

  it('shows payloads that are not JSON unescaped, on one line', () => {
    expect(describeMessage('webos/smarthome/info', Buffer.from('{"bad":'))).toBe('not JSON: {"bad":');
    expect(describeMessage('webos/smarthome/info', Buffer.from('01615501"'))).toBe('text 01615501"');
    expect(describeMessage('webos/smarthome/info', Buffer.from('a\nb\x1b[2Jc'))).toBe('text a b\ufffd[2Jc');
  });

  it('shows an error report with the offending payload escaped once, not twice', () => {
    const report = json({
      Producer: 'smarthome',
      command: 'error',
      home: 'h1',
      code: 'PAYLOAD_NOT_JSON',
      reason: 'not valid JSON',
      source: 'webos/smarthome/info',
      excerpt: '{"bad":',
    });
    expect(describeMessage('webos/server/error', report)).toBe(
      'smarthome [h1] ERROR PAYLOAD_NOT_JSON: not valid JSON (payload {"bad":)',
    );
  });
});
