import { describe, expect, it } from 'vitest';
import { homeOfTopic } from '../../src/fleet/addressing.js';
import { CommandRouter, gatewayId } from '../../src/fleet/gateway.js';

describe('gateway command routing', () => {
  it('reads the home id from the command address', () => {
    expect(homeOfTopic('webos/smarthome/home-17/info')).toBe('home-17');
    expect(homeOfTopic('webos/smarthome/home-17')).toBe('home-17');
    expect(homeOfTopic('webos/smarthome/home-17/a/b')).toBe('home-17');
    expect(homeOfTopic('webos/smarthome')).toBeUndefined();
    expect(homeOfTopic('webos/smarthome/')).toBeUndefined();
    expect(homeOfTopic('webos/report/smarthome/info')).toBeUndefined();
    expect(gatewayId('home', 3)).toBe('home-gw-3');
  });

  it('hands a command to its home only, and counts what has no home here', () => {
    const router = new CommandRouter<{ deliver(topic: string, payload: Buffer): void }>();
    const got: string[] = [];
    for (const id of ['h-1', 'h-2', 'h-10'])
      router.add(id, { deliver: (topic, payload) => got.push(`${id} ${topic} ${payload.toString()}`) });
    expect(router.route('webos/smarthome/h-1/info', Buffer.from('a'))).toBe(true);
    expect(router.route('webos/smarthome/h-10/info', Buffer.from('b'))).toBe(true);
    // h-1 is a prefix of h-10 and h-100 is no home here: whole levels are compared, not prefixes.
    expect(router.route('webos/smarthome/h-100/info', Buffer.from('c'))).toBe(false);
    expect(router.route('webos/smarthome/info', Buffer.from('d'))).toBe(false);
    router.remove('h-2');
    expect(router.route('webos/smarthome/h-2/info', Buffer.from('e'))).toBe(false);
    expect(got).toEqual(['h-1 webos/smarthome/h-1/info a', 'h-10 webos/smarthome/h-10/info b']);
    expect(router.unrouted).toBe(3);
    expect(router.size).toBe(2);
  });
});
