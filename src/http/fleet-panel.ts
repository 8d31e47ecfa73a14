import type { IncomingMessage, ServerResponse } from 'node:http';
import { BridgeError, ErrorCode } from '../core/errors.js';
import type { DevicesConfig } from '../config/schema.js';
import { homeAddress } from '../fleet/addressing.js';
import type { Fleet } from '../fleet/fleet.js';
import { boardRates } from '../fleet/board-stats.js';
import { emptyStats, rates, type FleetStats } from '../fleet/stats.js';
import { panelUrl, type HttpBind } from './address.js';
import { commandTopic, type Panel } from './home-panel.js';
import { HomeWatch } from './home-watch.js';
import { fleetMetrics } from './metrics.js';
import { PanelServer, send, sendJson } from './server.js';
import { SseHub } from './sse.js';

/**
 * The fleet's panel: the grid of every home (a binary cell array the page paints on a canvas), rates,
 * lateness and ack-latency histograms, connection progress, /metrics summed over all homes and
 * workers, and a home page per home seen from the bus. The fleet is polled once a second, and only
 * while a page or a scrape asks: an unwatched panel costs nothing.
 */
export interface FleetPanelOptions {
  fleet: Fleet;
  config: DevicesConfig;
  prefix: string;
  homes: number;
  url: string;
  bind: HttpBind;
  username?: string | undefined;
  password?: string | undefined;
  tls?:
    | { ca?: Buffer[] | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized: boolean }
    | undefined;
}

const POLL_MS = 1000;
const WATCH_IDLE_MS = 30_000;
const MAX_WATCHES = 8;
/** Histogram bins the page draws: the fleet's 4 % buckets merged eight at a time (about 37 % wide). */
const MERGE = 8;

export async function startFleetPanel(o: FleetPanelOptions): Promise<Panel> {
  const { fleet } = o;
  const startedAt = performance.now();
  let first: { t: number; s: FleetStats } | undefined;
  let prev: { t: number; s: FleetStats } | undefined;
  let last: { t: number; s: FleetStats } | undefined;
  const watches = new Map<string, HomeWatch>();

  const snapshot = (): Record<string, unknown> => {
    const s = last?.s ?? { ...emptyStats(), homes: fleet.indices.length };
    const recent = prev && last ? rates(prev.s, last.s, (last.t - prev.t) / 1000) : undefined;
    const total = first && last ? rates(emptyStats(), last.s, (last.t - startedAt) / 1000) : undefined;
    return {
      prefix: o.prefix,
      homes: o.homes,
      local: fleet.indices.length,
      first: fleet.indices[0] ?? 0,
      step: fleet.indices.length > 1 ? fleet.indices[1]! - fleet.indices[0]! : 1,
      uptimeS: Math.round((performance.now() - startedAt) / 1000),
      stats: { ...s, lateness: undefined, ackLatency: undefined, boards: undefined },
      // Firmware homes: board lag over the last interval, MHz, serial lines, checksum errors, resets.
      boards: s.boards ? boardRates(prev?.s.boards, s.boards) : undefined,
      recent,
      total,
      lateness: bins(s.lateness),
      ackLatency: bins(s.ackLatency),
    };
  };
  const hub = new SseHub(snapshot);
  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    try {
      const s = await fleet.stats();
      const t = performance.now();
      prev = last;
      last = { t, s };
      first ??= last;
      hub.mark();
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => {
    if (hub.clients > 0) void poll();
    for (const [id, w] of watches) {
      if (w.hub.clients === 0 && performance.now() - w.lastUsed > WATCH_IDLE_MS) {
        watches.delete(id);
        void w.stop();
      }
    }
  }, POLL_MS);
  timer.unref();

  const watch = (url: URL): HomeWatch => {
    const id = url.searchParams.get('home') ?? '';
    const index = parseHomeIndex(id, o.prefix);
    if (index === undefined || !fleet.indices.includes(index))
      throw new BridgeError(ErrorCode.PAYLOAD_INVALID, `no home ${JSON.stringify(id)} in this fleet`);
    let w = watches.get(id);
    if (!w) {
      if (watches.size >= MAX_WATCHES)
        throw new BridgeError(ErrorCode.QUEUE_OVERFLOW, `at most ${MAX_WATCHES} fleet homes can be watched at once`);
      const address = homeAddress(o.prefix, index);
      w = new HomeWatch({
        home: id,
        config: o.config,
        url: o.url,
        commandTopic: commandTopic(address.commandFilter),
        username: o.username,
        password: o.password,
        tls: o.tls,
        now: () => Date.now(),
      });
      watches.set(id, w);
      w.start();
    }
    return w;
  };

  const metrics = fleetMetrics(() => fleet.stats());
  const server = new PanelServer(o.bind, {
    get: {
      '/api/fleet': async (_q, res) => {
        await poll();
        sendJson(res, 200, snapshot());
      },
      '/api/cells': async (_q, res) => {
        const c = await fleet.cells();
        // One byte of state per home, then its lateness as little-endian 16-bit ms.
        const body = Buffer.alloc(c.state.length * 3);
        body.set(c.state, 0);
        Buffer.from(c.lateMs.buffer, c.lateMs.byteOffset, c.lateMs.byteLength).copy(body, c.state.length);
        send(res, 200, 'application/octet-stream', body);
      },
      '/api/state': (_q, res, url) => sendJson(res, 200, watch(url).state()),
      '/events': (q: IncomingMessage, res: ServerResponse, url) =>
        url.searchParams.has('home') ? watch(url).hub.handler(q, res) : hub.handler(q, res),
      '/metrics': async (_q, res) => send(res, 200, metrics.registry.contentType, await metrics.text()),
    },
    post: { '/api/command': (q, res, url) => watch(url).command(q, res) },
  });
  await server.start();
  return {
    port: server.port,
    url: `${panelUrl(o.bind.host, server.port)}fleet`,
    stop: async () => {
      clearInterval(timer);
      hub.close();
      await Promise.all([...watches.values()].map((w) => w.stop()));
      await server.stop();
    },
  };
}

function parseHomeIndex(id: string, prefix: string): number | undefined {
  if (!id.startsWith(`${prefix}-`)) return undefined;
  const n = Number(id.slice(prefix.length + 1));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Histogram counts merged for drawing: [upper edge ms, count] pairs up to the last non-empty bin. */
function bins(counts: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < counts.length; i += MERGE) {
    let c = 0;
    for (let j = i; j < Math.min(i + MERGE, counts.length); j++) c += counts[j]!;
    out.push([Math.round(0.01 * 1.04 ** (i + MERGE) * 1000) / 1000, c]);
  }
  return out;
}
