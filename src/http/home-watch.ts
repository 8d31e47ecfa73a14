import type { IncomingMessage, ServerResponse } from 'node:http';
import { BridgeError, ErrorCode } from '../core/errors.js';
import type { DevicesConfig } from '../config/schema.js';
import { BusTap } from './bus-tap.js';
import { HomeModel } from './home-model.js';
import { readJson, sendJson } from './server.js';
import { SseHub } from './sse.js';

/**
 * One home of a fleet seen from the bus alone (its bridge may run in another thread): the same model
 * and page as `run`'s panel, fed by a bus client of its own that lives while a page watches it. Reports
 * of every home share one topic, so the tap only runs for homes someone opened.
 */
export interface HomeWatchOptions {
  home: string;
  config: DevicesConfig;
  url: string;
  commandTopic: string;
  username?: string | undefined;
  password?: string | undefined;
  tls?:
    | { ca?: Buffer[] | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized: boolean }
    | undefined;
  now: () => number;
}

export class HomeWatch {
  readonly model: HomeModel;
  readonly hub: SseHub;
  readonly #tap: BusTap;
  readonly #o: HomeWatchOptions;
  lastUsed = performance.now();
  #seq = 0;
  #ask: NodeJS.Timeout | undefined;

  constructor(o: HomeWatchOptions) {
    this.#o = o;
    this.model = new HomeModel(o.home);
    this.hub = new SseHub(() => this.#live());
    const homeField = Buffer.from(`"home":${JSON.stringify(o.home)}`);
    const reportTopics = new Set(Object.values(o.config.bus.routes).map((r) => r.topic));
    this.#tap = new BusTap({
      url: o.url,
      clientId: `panel-${o.home}-${process.pid}`.slice(0, 64),
      filters: [...reportTopics, o.commandTopic],
      username: o.username,
      password: o.password,
      tls: o.tls,
      onMessage: (topic, payload) => {
        // Every home's reports arrive here: those not naming this home are skipped before parsing.
        if (topic !== o.commandTopic && !payload.includes(homeField)) return;
        this.model.ingest(topic, payload, o.now());
        this.hub.mark();
      },
    });
  }

  start(): void {
    this.#tap.start();
    // Fleet status reports are not retained: ask the home (its ack carries the status) until it answers.
    let asking = false;
    this.#ask = setInterval(() => {
      if (this.model.status !== undefined) return clearInterval(this.#ask);
      if (asking || !this.#tap.connected) return;
      asking = true;
      const id = `panel-status-${++this.#seq}`;
      void this.#tap
        .send(
          this.#o.commandTopic,
          JSON.stringify({ Producer: 'panel', command: 'status', id }),
          this.#o.home,
          id,
          undefined,
        )
        .then(
          (a) => {
            if (typeof a.reply['status'] === 'string' && this.model.status === undefined)
              this.model.noteStatus(a.reply['status'], 'request');
            this.hub.mark();
          },
          () => undefined,
        )
        .finally(() => (asking = false));
    }, 250);
    this.#ask.unref();
  }

  state(): Record<string, unknown> {
    this.lastUsed = performance.now();
    return { ...this.#live(), history: this.model.history };
  }

  async command(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.lastUsed = performance.now();
    const body = (await readJson(req)) as { payload?: unknown };
    let payload: string;
    let id: string | undefined;
    let request: string | undefined;
    if (typeof body.payload === 'string' && /^\s*\d{9}\s*$/.test(body.payload)) request = payload = body.payload.trim();
    else if (typeof body.payload === 'object' && body.payload !== null && !Array.isArray(body.payload)) {
      id = String((body.payload as Record<string, unknown>)['id'] ?? `panel-${process.pid}-${++this.#seq}`);
      payload = JSON.stringify({ ...(body.payload as Record<string, unknown>), id });
    } else if (typeof body.payload === 'string') payload = body.payload;
    else
      throw new BridgeError(
        ErrorCode.PAYLOAD_INVALID,
        'give {"payload": "<9 digits>"} or {"payload": {…JSON command…}}',
      );
    const answer = await this.#tap.send(this.#o.commandTopic, payload, this.#o.home, id, request);
    if (answer.reply['command'] === 'ack') {
      this.model.noteRoundTrip(answer.reply['id'], String(answer.reply['request']), answer.roundTripMs);
      if (typeof answer.reply['status'] === 'string') this.model.noteStatus(answer.reply['status'], 'command');
    }
    this.hub.mark();
    sendJson(res, 200, { sent: payload, topic: this.#o.commandTopic, ...answer });
  }

  async stop(): Promise<void> {
    clearInterval(this.#ask);
    this.hub.close();
    await this.#tap.stop();
  }

  #live(): Record<string, unknown> {
    const snap = this.model.snapshot();
    delete snap['history'];
    return {
      ...snap,
      now: this.#o.now(),
      speed: 1,
      link: {
        kind: 'emulated (fleet)',
        state: this.model.availability === 'offline' ? 'stopped' : this.model.status ? 'ready' : 'starting',
        counters: {},
      },
      physical: false,
      board: false,
      bus: {
        url: this.#o.url.replace(/\/\/[^@/]*@/, '//'),
        connected: this.#tap.connected,
        panelConnected: this.#tap.connected,
        commandTopic: this.#o.commandTopic,
      },
    };
  }
}
