import type { Argv } from 'yargs';
import { parseHttpBind, type HttpBind } from '../http/address.js';

/** `--http` and `--http-token-file`, shared by run, fleet and virtual-arduino. */
export interface HttpArgs {
  http?: string | undefined;
  'http-token-file'?: string | undefined;
}

export function httpOptions<T>(y: Argv<T>, byDefault: string | undefined) {
  return y
    .option('http', {
      type: 'string',
      ...(byDefault ? { default: byDefault } : {}),
      describe:
        'Serve the panel (page, API, /metrics) on [host:]port; off disables ' +
        `it${byDefault ? '' : ' (default off)'}. Beyond loopback (e.g. 0.0.0.0:8080) it needs --http-token-file.`,
    })
    .option('http-token-file', {
      type: 'string',
      describe: 'File whose first line is the panel token (≥ 16 characters): page, API and /metrics then need it.',
    });
}

/** The bind to serve, or undefined for off. */
export function readHttpBind(a: HttpArgs): HttpBind | undefined {
  // A repeated option (npm start -- --http …) arrives as an array: the last one wins.
  const value = Array.isArray(a.http) ? (a.http as string[]).at(-1) : a.http;
  return parseHttpBind(value ?? 'off', a['http-token-file']);
}
