import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { loadDevicesConfig } from '../config/load.js';
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
    .option('broker', { type: 'string', describe: 'Broker URL (mqtt://host:port, mqtts://…). Without it, `run` starts an embedded broker.' })
    .option('username', { type: 'string', describe: `MQTT user name. The password comes from $${PASSWORD_ENV} or --password-file, never the command line.` })
    .option('password-file', { type: 'string', describe: 'File holding the MQTT password (first line).' })
    .option('ca', { type: 'string', describe: 'CA certificate (PEM) to verify an mqtts:// broker.' })
    .option('cert', { type: 'string', describe: 'Client certificate (PEM) for mqtts://.' })
    .option('key', { type: 'string', describe: 'Client key (PEM) for mqtts://.' })
    .option('insecure', { type: 'boolean', default: false, describe: 'Skip TLS certificate verification (a warning is logged; never in production).' })
    .option('devices', { type: 'string', describe: 'devices.json to use (default: the one shipped with the package).' });
}

export function readPassword(args: BrokerArgs): string | undefined {
  if (args['password-file']) {
    try {
      return readFileSync(args['password-file'], 'utf8').split(/\r?\n/)[0];
    } catch (e) {
      throw new BridgeError(ErrorCode.CONFIG_UNREADABLE, `cannot read --password-file ${args['password-file']}: ${(e as Error).message}`);
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
  return { ...(ca ? { ca: [ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: !args.insecure };
}

export async function readConfig(args: BrokerArgs): Promise<DevicesConfig> {
  return args.devices ? loadDevicesConfig(args.devices) : loadDevicesConfig();
}

/** Parses "2s", "500ms", "1.5m", or a plain number of ms. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new BridgeError(ErrorCode.CONFIG_INVALID, `not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 2s, 1m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}
