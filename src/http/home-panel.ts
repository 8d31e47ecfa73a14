import type { IncomingMessage, ServerResponse } from 'node:http';
import { BridgeError, ErrorCode } from '../core/errors.js';
import type { DevicesConfig } from '../config/schema.js';
import type { Runtime } from '../runtime.js';
import { physicalAccessOf } from '../links/physical.js';
import { FirmwareLink } from '../links/firmware/firmware-link.js';
import { SerialLink } from '../links/serial/serial-link.js';
import { panelUrl, type HttpBind } from './address.js';
import { boardSnapshot } from './board-view.js';
import { pressButton } from './board-panel.js';
import { BusTap } from './bus-tap.js';
import { HomeModel } from './home-model.js';
import { homeMetrics } from './metrics.js';
import { PanelServer, readJson, send, sendJson } from './server.js';
import { SseHub } from './sse.js';

/**
 * The panel of one running bridge (`run --http`): the home page, its API and /metrics. It reads the
 * bridge's link and bus (never changes them) and sends commands as a bus client of its own.
 */
export interface HomePanelOptions {
  runtime: Runtime;
  config: DevicesConfig;
  bind: HttpBind;
  /** A server already listening on `bind` (taken before the bridge started); else one is started here. */
  server?: PanelServer | undefined;
  username?: string | undefined;
  password?: string | undefined;
  tls?:
    | { ca?: Buffer[] | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized: boolean }
    | undefined;
}

export interface Panel {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Where the panel sends commands: the bridge's command filter with `info` for its `#`. */
export function commandTopic(filter: string): string {
  return filter.endsWith('#') ? `${filter.slice(0, -1)}info` : filter;
}

export async function startHomePanel(o: HomePanelOptions): Promise<Panel & { server: PanelServer }> {
  const { runtime, config } = o;
  const { link, bridge, bus, clock } = runtime;
  const home = config.device.id;
  const model = new HomeModel(home);
  const physical = physicalAccessOf(link);
  const serial = link instanceof FirmwareLink ? link.serial : link instanceof SerialLink ? link : undefined;
  const started = clock.now();
  const metrics = homeMetrics({
    messagesIn: () => bus.counters.messagesIn,
    sentByRoute: () => bus.sentByRoute,
    errors: () => bridge.errorCounts(),
    queueDepth: () => bus.outbox.size,
    reconnects: () => bus.counters.reconnects,
    linkKind: () => link.kind,
    linkState: () => link.state,
    serialLines: () => serial?.lines,
    checksumErrors: () => link.counters()['checksum'] ?? 0,
  });
  const reportRoutes = new Set(Object.values(config.bus.routes).map((r) => r.topic));
  let hub: SseHub | undefined;
  const tap = new BusTap({
    url: runtime.brokerUrl,
    clientId: `${config.bus.clientId}-panel-${process.pid}`,
    filters: [...reportRoutes, config.bus.commandFilter],
    username: o.username,
    password: o.password,
    tls: o.tls,
    onMessage: (topic, payload) => {
      const t = clock.now();
      model.ingest(topic, payload, t);
      if (payload[0] === 0x7b && reportRoutes.has(topic)) observe(payload, t);
      hub?.mark();
    },
  });
  const observe = (payload: Buffer, t: number): void => {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    if (m['home'] !== home) return;
    if (m['command'] === 'ack' && typeof m['latencyMs'] === 'number') metrics.ack(m['latencyMs']);
    if (m['command'] === 'sensor' && typeof m['time'] === 'string') metrics.report(t - Date.parse(m['time']));
  };

  const live = (): Record<string, unknown> => {
    const snap = model.snapshot();
    delete snap['history'];
    return {
      ...snap,
      now: clock.now(),
      started,
      speed: clock.speed,
      link: {
        kind: link.kind,
        state: link.state,
        linkStatus: link.status,
        ...(serial ? { port: serial.path, baudRate: serial.baudRate, lines: serial.lines } : {}),
        counters: link.counters(),
      },
      outputs: physical?.outputs(),
      physical: physical !== undefined,
      board: link instanceof FirmwareLink,
      bus: {
        url: runtime.brokerUrl.replace(/\/\/[^@/]*@/, '//'),
        connected: bus.connected,
        panelConnected: tap.connected,
        commandTopic: commandTopic(config.bus.commandFilter),
      },
      bridgeHealth: bridge.health(),
      buttonHoldMs: config.sensors.buttons.holdMs,
    };
  };
  hub = new SseHub(live);
  link.on('state', () => hub?.mark());
  link.on('status', () => hub?.mark());
  // The window travels and the light animates between reports: a watching page gets frames meanwhile.
  const animate = setInterval(() => {
    if (hub && hub.clients > 0 && physical) hub.mark();
  }, 200);
  animate.unref();

  let seq = 0;
  const postCommand = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = (await readJson(req)) as { payload?: unknown };
    let payload: string;
    let id: string | undefined;
    let request: string | undefined;
    if (typeof body.payload === 'string' && /^\s*\d{9}\s*$/.test(body.payload)) {
      payload = body.payload.trim();
      request = payload;
    } else if (typeof body.payload === 'object' && body.payload !== null && !Array.isArray(body.payload)) {
      const obj = { ...(body.payload as Record<string, unknown>) };
      obj['id'] ??= `panel-${process.pid}-${++seq}`;
      id = String(obj['id']);
      obj['id'] = id;
      payload = JSON.stringify(obj);
    } else if (typeof body.payload === 'string') {
      // Anything else is sent as it is: the bridge's error report is the answer the user wants to see.
      payload = body.payload;
    } else
      throw new BridgeError(
        ErrorCode.PAYLOAD_INVALID,
        'give {"payload": "<9 digits>"} or {"payload": {…JSON command…}}',
      );
    const answer = await tap.send(commandTopic(config.bus.commandFilter), payload, home, id, request);
    if (answer.reply['command'] === 'ack')
      model.noteRoundTrip(answer.reply['id'], String(answer.reply['request']), answer.roundTripMs);
    hub?.mark();
    sendJson(res, 200, { sent: payload, topic: commandTopic(config.bus.commandFilter), ...answer });
  };

  const server = o.server ?? new PanelServer(o.bind);
  server.serve({
    get: {
      '/api/state': (_q, res) => sendJson(res, 200, { ...live(), history: model.history }),
      '/api/board': (_q, res) =>
        link instanceof FirmwareLink
          ? sendJson(res, 200, boardSnapshot(link.board, link.wiring, config))
          : sendJson(res, 404, { error: 'no emulated board' }),
      '/events': (q, res) => hub!.handler(q, res),
      '/metrics': async (_q, res) => send(res, 200, metrics.registry.contentType, await metrics.registry.metrics()),
    },
    post: {
      '/api/command': postCommand,
      '/api/press': (q, res) => pressButton(q, res, physical, config.sensors.buttons.holdMs, clock.speed),
    },
  });
  tap.start();
  try {
    if (!o.server) await server.start();
  } catch (e) {
    clearInterval(animate);
    hub.close();
    await tap.stop();
    throw e;
  }
  return {
    server,
    port: server.port,
    url: panelUrl(o.bind.host, server.port),
    stop: async () => {
      clearInterval(animate);
      hub?.close();
      await server.stop();
      await tap.stop();
    },
  };
}
