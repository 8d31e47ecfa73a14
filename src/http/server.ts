import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { BridgeError, ErrorCode } from '../core/errors.js';
import type { HttpBind } from './address.js';
import { serveStatic } from './static-files.js';

/**
 * The panel's HTTP server (Node's http module): routes, the token check and the cross-site guard.
 *
 * Safety: with a token, every request must carry it (header `x-panel-token`, `Authorization: Bearer`,
 * or `?token=` for GETs, since a browser's EventSource cannot set headers). A POST must carry it in a
 * header, must be JSON, and must not come from another site (Origin / Sec-Fetch-Site): a page elsewhere
 * cannot make the visitor's browser press a button of the home, token or not.
 */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface Routes {
  get: Record<string, Handler>;
  post: Record<string, Handler>;
}

const MAX_BODY_BYTES = 16 * 1024;

export class PanelServer {
  readonly #server: Server;
  readonly #bind: HttpBind;
  #routes: Routes | undefined;
  #port = 0;

  /** Without routes the server answers 503 until `serve()`: the port is taken before the bridge starts. */
  constructor(bind: HttpBind, routes?: Routes) {
    this.#bind = bind;
    this.#routes = routes;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 5000;
  }

  serve(routes: Routes): void {
    this.#routes = routes;
  }

  get port(): number {
    return this.#port;
  }
  get host(): string {
    return this.#bind.host;
  }

  async start(): Promise<void> {
    const { host, port } = this.#bind;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') {
          reject(
            new BridgeError(
              ErrorCode.HTTP_PORT_BUSY,
              `cannot serve the panel: ${host}:${port} is already in use; pick another with --http, or --http off`,
              { host, port },
            ),
          );
        } else
          reject(
            new BridgeError(ErrorCode.CONFIG_INVALID, `cannot serve the panel on ${host}:${port}: ${e.message}`, {
              host,
              port,
            }),
          );
      });
      this.#server.listen(port, host, () => resolve());
    });
    const a = this.#server.address();
    this.#port = typeof a === 'object' && a ? a.port : port;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://panel');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      if (url.pathname === '/healthz' && req.method === 'GET') return void send(res, 200, 'text/plain', 'ok\n');
      if (!this.#authorised(req, url))
        return void send(res, 401, 'application/json', JSON.stringify({ error: 'token required' }));
      const routes = this.#routes;
      if (!routes) return void send(res, 503, 'text/plain', 'starting\n');
      if (req.method === 'POST') {
        if (crossSite(req))
          return void send(res, 403, 'application/json', JSON.stringify({ error: 'cross-site request refused' }));
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
          return void send(res, 415, 'application/json', JSON.stringify({ error: 'send JSON' }));
        const h = routes.post[url.pathname];
        if (!h) return void send(res, 404, 'application/json', JSON.stringify({ error: 'no such endpoint' }));
        return void (await h(req, res, url));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return void send(res, 405, 'text/plain', 'method not allowed\n');
      const h = routes.get[url.pathname];
      if (h) return void (await h(req, res, url));
      if (await serveStatic(url.pathname, req, res)) return;
      send(res, 404, 'text/plain', 'not found\n');
    } catch (e) {
      if (!res.headersSent)
        send(
          res,
          e instanceof BridgeError ? 400 : 500,
          'application/json',
          JSON.stringify({ error: (e as Error).message, ...(e instanceof BridgeError ? { code: e.code } : {}) }),
        );
      else res.destroy();
    }
  }

  #authorised(req: IncomingMessage, url: URL): boolean {
    const token = this.#bind.token;
    if (token === undefined) return true;
    const auth = req.headers.authorization;
    const given =
      (req.headers['x-panel-token'] as string | undefined) ??
      (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined) ??
      // Only GETs may carry it in the URL (links, EventSource); a command must be a header.
      (req.method === 'GET' ? (url.searchParams.get('token') ?? undefined) : undefined);
    return given !== undefined && safeEqual(given, token);
  }
}

/** A request another site's page made the browser send (fetch metadata, else Origin against Host). */
export function crossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type.includes('charset') || type.startsWith('image') ? type : `${type}; charset=utf-8`,
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

/** Reads a JSON body of at most 16 KB (a larger one is refused, not buffered). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new BridgeError(ErrorCode.PAYLOAD_TOO_LARGE, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BridgeError(ErrorCode.PAYLOAD_NOT_JSON, 'request body is not JSON');
  }
}
