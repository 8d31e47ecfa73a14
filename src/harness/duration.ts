import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * Durations as tests write them: a number of milliseconds, or text such as `500ms`, `2s`, `1.5m`, `1h`
 * and compounds such as `1m30s`.
 */
export type Duration = number | string;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g;

export function toMs(d: Duration): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw invalid(d);
    return d;
  }
  const text = d.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let consumed = '';
  for (const m of text.matchAll(PART)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    consumed += m[0];
  }
  if (consumed === '' || consumed.replace(/\s/g, '') !== text.replace(/\s/g, '')) throw invalid(d);
  return total;
}

/** 1500 → "1.5s", 90000 → "90s", 250 → "250ms": short and exact enough for reports. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${Math.round(ms) / 1000}s`;
}

function invalid(d: Duration): BridgeError {
  return new BridgeError(
    ErrorCode.CONFIG_INVALID,
    `not a duration: ${JSON.stringify(d)} (use e.g. 500ms, 2s, 1m30s, 1h)`,
  );
}
