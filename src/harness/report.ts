import { BridgeError, ErrorCode } from '../core/errors.js';
import { describeMessage } from '../bus/describe-message.js';
import { describeStatus, isValidCommand } from '../home/status-codec.js';
import { formatMs } from './duration.js';
import { statusOf, type MessageMatch } from './match.js';
import type { ObservedMessage } from './observer.js';

/**
 * The text of a failed expectation: what was expected, what was observed (the last few messages and
 * statuses, with home-clock times relative to the start), and how long the harness waited.
 */
export interface ExpectationFailure {
  /** `expectStatus`, `expectMessage`, … */
  what: string;
  expected: string;
  /** Home-clock ms waited, and wall ms. */
  waitedMs: number;
  wallMs: number;
  messages: readonly ObservedMessage[];
  /** Home-clock time the harness started (times are shown relative to it). */
  startedAt: number;
  /** The link's own idea of its status, if it has one. */
  linkStatus?: string | undefined;
  match?: MessageMatch | undefined;
}

const SHOWN = 8;

export function expectationError(f: ExpectationFailure): BridgeError {
  const rel = (t: number): string => `+${((t - f.startedAt) / 1000).toFixed(3)}s`;
  const lines = [
    `${f.what} failed after waiting ${formatMs(f.waitedMs)} of home time (${formatMs(f.wallMs)} wall)`,
    `  expected: ${f.expected}`,
  ];
  const statuses = f.messages.filter((m) => statusOf(m) !== undefined).slice(-SHOWN);
  lines.push(statuses.length > 0 ? '  observed statuses (last first):' : '  observed statuses: none on the bus');
  for (const m of [...statuses].reverse()) {
    const s = statusOf(m)!;
    const j = m.json as Record<string, unknown>;
    const why =
      j['command'] === 'ack' ? `ack${j['id'] !== undefined ? ` id ${String(j['id'])}` : ''}` : String(j['cause']);
    lines.push(`    ${rel(m.receivedAt)} ${s} (${why}): ${isValidCommand(s) ? describeStatus(s) : 'not a status'}`);
  }
  if (f.linkStatus !== undefined) lines.push(`  link status now: ${f.linkStatus}`);
  const recent = f.messages.slice(-SHOWN);
  lines.push(
    recent.length > 0
      ? `  observed messages (last ${recent.length} of ${f.messages.length}, last first):`
      : '  observed messages: none',
  );
  for (const m of [...recent].reverse()) {
    lines.push(`    ${rel(m.receivedAt)} ${m.topic} ${describeMessage(m.topic, Buffer.from(m.payload))}`);
  }
  return new BridgeError(ErrorCode.EXPECTATION_FAILED, lines.join('\n'), {
    expected: f.expected,
    waitedMs: f.waitedMs,
    wallMs: f.wallMs,
    observed: recent.map((m) => ({ topic: m.topic, payload: m.payload })),
    ...(f.match ? { match: f.match } : {}),
  });
}
