import { BridgeError, ErrorCode } from '../../core/errors.js';

/**
 * A recording of serial traffic between a host and a board, as JSON lines: a header, then one entry
 * per chunk of bytes in the order they passed, each with its time (ms since the recording started)
 * and its sender. Chunks end at a newline where the traffic has one, so a protocol line is one entry.
 * Bytes are stored exactly (latin1 text: one character per byte, JSON-escaped where needed), so noise
 * and broken lines replay as they happened.
 *
 *   {"format":"smarthome-bridge-recording","version":1,"port":"/dev/ttyACM0","baudRate":115200,"started":"…"}
 *   {"t":0,"from":"board","data":"BOOT 1.0.0 1 smarthome-uno*C4\n"}
 *   {"t":1503.2,"from":"host","data":"SET 1A 016155010*63\n"}
 */
export const RECORDING_FORMAT = 'smarthome-bridge-recording';
export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  version: number;
  port: string;
  baudRate: number;
  /** Wall-clock start, ISO 8601. */
  started: string;
}

export type Sender = 'board' | 'host';

export interface RecordingEntry {
  /** Milliseconds since the recording started. */
  t: number;
  from: Sender;
  /** The bytes, one character per byte. */
  data: string;
}

export interface Recording {
  header: RecordingHeader;
  entries: RecordingEntry[];
}

export function encodeHeader(h: Omit<RecordingHeader, 'format' | 'version'>): string {
  return `${JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...h })}\n`;
}

export function encodeEntry(e: RecordingEntry): string {
  return `${JSON.stringify({ t: Math.round(e.t * 1000) / 1000, from: e.from, data: e.data })}\n`;
}

export const bytesToData = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
export const dataToBytes = (data: string): Buffer => Buffer.from(data, 'latin1');

/** Parses a recording; problems name the file and line. Entries must be in time order. */
export function parseRecording(text: string, source = 'recording'): Recording {
  const lines = text.split('\n');
  const fail = (n: number, why: string): never => {
    throw new BridgeError(ErrorCode.RECORDING_INVALID, `invalid recording ${source}:${n}: ${why}`, { source, line: n });
  };
  const parse = (n: number): Record<string, unknown> => {
    try {
      const v: unknown = JSON.parse(lines[n - 1]!);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch (e) {
      fail(n, `not JSON: ${(e as Error).message}`);
    }
    return fail(n, 'not a JSON object');
  };
  if (lines[0] === undefined || lines[0].trim() === '') fail(1, 'empty; a recording starts with its header line');
  const h = parse(1);
  if (h['format'] !== RECORDING_FORMAT)
    fail(1, `not a smarthome-bridge recording (format ${JSON.stringify(h['format'])})`);
  if (h['version'] !== RECORDING_VERSION)
    fail(1, `recording version ${String(h['version'])}; this program reads version ${RECORDING_VERSION}`);
  if (typeof h['port'] !== 'string' || typeof h['baudRate'] !== 'number' || typeof h['started'] !== 'string') {
    fail(1, 'the header needs port (text), baudRate (number) and started (ISO time)');
  }
  const header = h as unknown as RecordingHeader;
  const entries: RecordingEntry[] = [];
  let last = 0;
  for (let n = 2; n <= lines.length; n++) {
    if (lines[n - 1]!.trim() === '') continue;
    const e = parse(n);
    const { t, from, data } = e;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
      fail(n, '"t" must be a non-negative number of milliseconds');
    if (from !== 'board' && from !== 'host') fail(n, '"from" must be "board" or "host"');
    if (typeof data !== 'string' || data.length === 0 || /[^\u0000-\u00ff]/.test(data))
      fail(n, '"data" must be non-empty text of bytes (\\u0000–\\u00ff)');
    if ((t as number) < last) fail(n, `"t" goes back in time (${String(t)} after ${last})`);
    last = t as number;
    entries.push({ t: t as number, from: from as Sender, data: data as string });
  }
  return { header, entries };
}
