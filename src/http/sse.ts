import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Server-sent events, coalesced: `mark()` says something changed; at most `maxPerSecond` times a
 * second the hub builds one snapshot (only if a page is watching) and writes it to every page. A fleet
 * of 10,000 homes changes thousands of times a second; the pages get at most ten frames.
 */
export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #minGapMs: number;
  readonly #snapshot: () => unknown;
  #dirty = false;
  #last = 0;
  #timer: NodeJS.Timeout | undefined;
  #keepalive: NodeJS.Timeout;
  frames = 0;

  constructor(snapshot: () => unknown, maxPerSecond = 10) {
    this.#snapshot = snapshot;
    this.#minGapMs = 1000 / maxPerSecond;
    this.#keepalive = setInterval(() => {
      for (const c of this.#clients) c.write(': keepalive\n\n');
    }, 15_000);
    this.#keepalive.unref();
  }

  get clients(): number {
    return this.#clients.size;
  }

  handler = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    this.#clients.add(res);
    res.write(`data: ${JSON.stringify(this.#snapshot())}\n\n`);
    req.on('close', () => this.#clients.delete(res));
  };

  mark(): void {
    if (this.#dirty || this.#clients.size === 0) return;
    this.#dirty = true;
    const wait = Math.max(0, this.#last + this.#minGapMs - performance.now());
    this.#timer = setTimeout(() => this.#flush(), wait);
    this.#timer.unref();
  }

  close(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#keepalive);
    for (const c of this.#clients) c.end();
    this.#clients.clear();
  }

  #flush(): void {
    this.#dirty = false;
    this.#last = performance.now();
    if (this.#clients.size === 0) return;
    const frame = `data: ${JSON.stringify(this.#snapshot())}\n\n`;
    this.frames++;
    for (const c of this.#clients) c.write(frame);
  }
}
