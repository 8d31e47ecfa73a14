import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PanelServer } from '../../src/http/server.js';
import { SseHub } from '../../src/http/sse.js';

describe('server-sent events', () => {
  let n = 0;
  const hub = new SseHub(() => ({ n }));
  let server: PanelServer;
  beforeAll(async () => {
    server = new PanelServer({ host: '127.0.0.1', port: 0 }, { get: { '/events': hub.handler }, post: {} });
    await server.start();
  });
  afterAll(async () => {
    hub.close();
    await server.stop();
  });

  it('coalesce a storm of changes into at most 10 frames a second, the last one current', async () => {
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${server.port}/events`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames: number[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk as Uint8Array);
        for (const m of text.matchAll(/^data: (.*)$/gm)) frames.push((JSON.parse(m[1]!) as { n: number }).n);
        text = text.slice(text.lastIndexOf('\n\n') + 2);
      }
    })().catch(() => undefined);
    await expect.poll(() => frames.length).toBe(1); // the snapshot on connect
    const started = performance.now();
    // 2,000 changes spread over about a second.
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 100; j++) {
        n++;
        hub.mark();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 250));
    const seconds = (performance.now() - started) / 1000;
    ac.abort();
    await reading;
    // One frame on connect, then at most 10 a second (plus one for a partial second).
    expect(frames.length - 1).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
    expect(frames.length - 1).toBeGreaterThanOrEqual(2);
    expect(frames.at(-1)).toBe(2000);
    await expect.poll(() => hub.clients).toBe(0);
  });
});
