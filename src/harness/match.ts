import { topicMatches } from '../core/topics.js';
import type { ObservedMessage } from './observer.js';

/**
 * What an expectation looks for in a bus message. Every named part must match:
 * - `topic`: an MQTT topic or filter (`webos/report/smarthome/info`, `webos/+/info`, `webos/#`);
 * - `payload`: the exact payload text (for the 9-digit strings the apps send);
 * - `fields`: a partial JSON payload. Keys may be paths (`"aircon.on": true`); nested objects match
 *   partially; numbers, strings and booleans also match their text (`id: 42` matches `"id": "42"`);
 * - `status`: the `status` field of a status report or acknowledgement, as a status pattern.
 */
export interface MessageMatch {
  topic?: string | undefined;
  payload?: string | undefined;
  fields?: Record<string, unknown> | undefined;
  status?: string | undefined;
}

/**
 * A status pattern: nine characters, each a digit or `x` (any digit): `0xxxxxx1x` is "mode 0, window
 * open, whatever else".
 */
export function statusMatches(pattern: string, status: string): boolean {
  if (pattern.length !== status.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p !== 'x' && p !== 'X' && p !== '?' && p !== status[i]) return false;
  }
  return true;
}

export function isStatusPattern(text: string): boolean {
  return /^[0-9xX?]{9}$/.test(text);
}

/** The status a message carries: a smarthome status report or acknowledgement. */
export function statusOf(m: ObservedMessage): string | undefined {
  const j = m.json as Record<string, unknown> | undefined;
  if (j?.['Producer'] !== 'smarthome') return undefined;
  if (j['command'] !== 'status' && j['command'] !== 'ack') return undefined;
  return typeof j['status'] === 'string' ? j['status'] : undefined;
}

export function messageMatches(m: ObservedMessage, match: MessageMatch): boolean {
  if (match.topic !== undefined && !topicMatches(match.topic, m.topic)) return false;
  if (match.payload !== undefined && m.payload.trim() !== match.payload.trim()) return false;
  if (match.status !== undefined) {
    const s = statusOf(m);
    if (s === undefined || !statusMatches(match.status, s)) return false;
  }
  if (match.fields !== undefined) {
    if (typeof m.json !== 'object' || m.json === null) return false;
    for (const [key, want] of Object.entries(match.fields)) {
      if (!valueMatches(want, lookup(m.json, key))) return false;
    }
  }
  return true;
}

function lookup(obj: unknown, key: string): unknown {
  if (typeof obj === 'object' && obj !== null && Object.hasOwn(obj, key)) return (obj as Record<string, unknown>)[key];
  let v: unknown = obj;
  for (const part of key.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function valueMatches(want: unknown, got: unknown): boolean {
  if (want === got) return true;
  if (want === null || got === null || want === undefined || got === undefined) return false;
  if (Array.isArray(want)) {
    return Array.isArray(got) && got.length === want.length && want.every((w, i) => valueMatches(w, got[i]));
  }
  if (typeof want === 'object') {
    if (typeof got !== 'object' || Array.isArray(got)) return false;
    return Object.entries(want).every(([k, w]) => valueMatches(w, lookup(got, k)));
  }
  const scalar = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);
  return scalar(want) && scalar(got) && String(want) === String(got);
}

/** "a message on webos/report/smarthome/info with {"command":"ack","id":"42"}" */
export function describeMatch(match: MessageMatch): string {
  const parts: string[] = [];
  parts.push(match.topic !== undefined ? `a message on ${match.topic}` : 'a message on any topic');
  if (match.payload !== undefined) parts.push(`with payload ${JSON.stringify(match.payload)}`);
  if (match.status !== undefined) parts.push(`carrying status ${match.status}`);
  if (match.fields !== undefined) parts.push(`with fields ${JSON.stringify(match.fields)}`);
  return parts.join(' ');
}
