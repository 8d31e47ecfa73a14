import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { loadDevicesConfig } from '../config/load.js';
import { toMs } from '../harness/duration.js';
import type { DevicesConfig } from '../config/schema.js';
import type { TlsOptions } from '../bus/tls-options.js';

/** Options every command that talks to a broker shares. */
export interface BrokerArgs {
  broker?: string | undefined;
  username?: string | undefined;
  'password-file'?: string | undefined;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  insecure?: boolean | undefined;
  devices?: string | undefined;
}

export const PASSWORD_ENV = 'SMARTHOME_BRIDGE_PASSWORD';

export function brokerOptions<T>(y: Argv<T>) {
  return y
    .option('broker', {
      type: 'string',
      coerce: brokerUrl,
      describe: 'Broker URL: mqtt://host:port, mqtts://, ws:// or wss://. Without it, `run` starts an embedded broker.',
    })
    .option('username', {
      type: 'string',
      describe: `MQTT user name. The password comes from $${PASSWORD_ENV} or --password-file, never the command line.`,
    })
    .option('password-file', { type: 'string', describe: 'File holding the MQTT password (first line).' })
    .option('ca', { type: 'string', describe: 'CA certificate (PEM) to verify an mqtts:// broker.' })
    .option('cert', { type: 'string', describe: 'Client certificate (PEM) for mqtts://.' })
    .option('key', { type: 'string', describe: 'Client key (PEM) for mqtts://.' })
    .option('insecure', {
      type: 'boolean',
      default: false,
      describe: 'Skip TLS certificate verification (a warning is logged; never in production).',
    })
    .option('devices', {
      type: 'string',
      describe: 'devices.json to use (default: the one shipped with the package).',
    });
}

const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

/** A --broker URL the MQTT client can use; anything else (http://, a bare host) is a usage error. */
export function brokerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--broker ${JSON.stringify(text)} is not a URL: use e.g. mqtt://127.0.0.1:1883`,
    );
  }
  if (!BROKER_SCHEMES.includes(url.protocol)) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--broker ${text}: the scheme must be mqtt:, mqtts:, ws: or wss: (not ${url.protocol}), e.g. ` +
        `mqtt://${url.host || '127.0.0.1:1883'}`,
    );
  }
  return text;
}

export function readPassword(args: BrokerArgs): string | undefined {
  if (args['password-file']) {
    try {
      return readFileSync(args['password-file'], 'utf8').split(/\r?\n/)[0];
    } catch (e) {
      throw new BridgeError(
        ErrorCode.CONFIG_UNREADABLE,
        `cannot read --password-file ${args['password-file']}: ${(e as Error).message}`,
      );
    }
  }
  return process.env[PASSWORD_ENV];
}

export function readTls(args: BrokerArgs): TlsOptions | undefined {
  const read = (what: string, path: string | undefined): Buffer | undefined => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      throw new BridgeError(ErrorCode.CONFIG_UNREADABLE, `cannot read --${what} ${path}: ${(e as Error).message}`);
    }
  };
  const ca = read('ca', args.ca);
  const cert = read('cert', args.cert);
  const key = read('key', args.key);
  if (!ca && !cert && !key && !args.insecure) return undefined;
  return {
    ...(ca ? { ca: [ca] } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: !args.insecure,
  };
}

export async function readConfig(args: BrokerArgs): Promise<DevicesConfig> {
  return args.devices ? loadDevicesConfig(args.devices) : loadDevicesConfig();
}

/**
 * Exit codes of a long-running command stopped by a signal, after its clean stop. Ctrl-C (SIGINT) is
 * 130, as a shell reports it and as `npx` reports it whatever its child returns; SIGTERM, how service
 * managers and `kill` stop a service, is an ordinary stop: 0.
 */
export const SIGNAL_EXIT_CODE = { SIGINT: 130, SIGTERM: 0 } as const;

/** What every duration option's --help says about its format. */
export const DURATION_HELP = 'a duration: 500ms, 2s, 1m, 1m30s; a bare number is seconds';

/**
 * The one parser for duration options of every command: units (`500ms`, `2s`, `1m`, `1h`, compounds
 * such as `1m30s`), and a bare number is seconds (`--timeout 2` is 2 s). Milliseconds; a malformed or
 * negative value is a usage error naming the option.
 */
export function parseDuration(text: string | number, option?: string): number {
  const raw = typeof text === 'number' ? String(text) : text.trim();
  const bad = (): BridgeError =>
    new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `${option ? `${option}: ` : ''}not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 2s, 1m; a bare ` +
        'number is seconds)',
    );
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  try {
    return toMs(raw);
  } catch {
    throw bad();
  }
}
