import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * The panel's `--http [host:]port` option: where the page listens, and whether it needs a token. A
 * bind beyond loopback needs `--http-token-file`: anyone who can reach the port could otherwise open
 * the window of the home.
 */
export interface HttpBind {
  host: string;
  port: number;
  /** Required on every request when set (page, API, events, metrics). */
  token?: string | undefined;
}

export const DEFAULT_HTTP = '127.0.0.1:8080';

/** `off` → undefined; `8080` → 127.0.0.1:8080; `0.0.0.0:8080`, `[::1]:8080`, `localhost:0`. */
export function parseHttpBind(text: string | undefined, tokenFile?: string): HttpBind | undefined {
  const value = (text ?? DEFAULT_HTTP).trim();
  if (value === 'off' || value === 'false' || value === 'no') return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--http must be [host:]port or off (e.g. 8080, 127.0.0.1:8080, 0.0.0.0:8080), got ${JSON.stringify(text)}`,
    );
  }
  const host = m[1] ?? m[2] ?? '127.0.0.1';
  const token = tokenFile !== undefined ? readToken(tokenFile) : undefined;
  if (!isLoopback(host) && token === undefined) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--http ${value} listens beyond this machine: give --http-token-file with a secret (page and API will ` +
        'need it), or bind 127.0.0.1',
    );
  }
  return { host, port, token };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

function readToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BridgeError(
      ErrorCode.CONFIG_UNREADABLE,
      `cannot read --http-token-file ${path}: ${(e as Error).message}`,
    );
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (token.length < 16)
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--http-token-file ${path}: the token must be at least 16 characters on the first line`,
    );
  return token;
}

/** The URL to print on the start line (a wildcard bind is shown as loopback, which always answers). */
export function panelUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`;
}
