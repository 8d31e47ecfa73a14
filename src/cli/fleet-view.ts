import { boardLine, boardRates } from '../fleet/board-stats.js';
import { rates, type FleetRates, type FleetStats } from '../fleet/stats.js';

/**
 * What `fleet` prints: on a terminal a progress bar while homes connect, then one summary line redrawn
 * in place; otherwise a plain summary line (or a JSON object) per interval.
 */
export type FleetOutput = 'tty' | 'text' | 'json';

const ms = (v: number, n: number): string => (n === 0 ? '—' : v < 10 ? v.toFixed(2) : v.toFixed(0));

export function summaryLine(r: FleetRates): string {
  const ack = `ack p50 ${ms(r.ackP50, r.acks)} p99 ${ms(r.ackP99, r.acks)} ms`;
  const refused = r.refused > 0 ? ` (${r.refused} refused)` : '';
  const late = `late p50 ${ms(r.lateP50, r.reportsPerS)} p99 ${ms(r.lateP99, r.reportsPerS)} ms`;
  return (
    `connected ${r.connected}/${r.homes}${refused}` +
    `${r.connections !== undefined ? ` over ${r.connectionsUp}/${r.connections} connections` : ''} · in ` +
    `${r.inPerS.toFixed(0)}/s · out ${r.outPerS.toFixed(0)}/s · errors ${r.errors} · ${ack} · ${late}`
  );
}

export function progressLine(s: FleetStats, width = 30): string {
  const done = s.homes === 0 ? 1 : s.connected / s.homes;
  const filled = Math.round(done * width);
  return (
    `connecting [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${s.connected}/${s.homes} connected, ` +
    `${s.started - s.connected} waiting for the broker${connectLine(s)}`
  );
}

/** The connect rate now and the first attempts the broker refused (or that failed), while connecting. */
function connectLine(s: FleetStats): string {
  const c = s.connect;
  if (!c) return '';
  const mode = c.adaptive ? ' (adaptive)' : '';
  return ` · ${c.rate}/s${mode} · refused ${c.refused}`;
}

export interface FleetViewOptions {
  /**
   * Rates are averaged over at least this long (the homes' report period): a window shorter than
   * the period sees a period's reports in some windows and none in others.
   */
  averageMs?: number;
}

export class FleetView {
  /** Snapshots of the last averaging window, oldest first (the oldest one at or before its start). */
  readonly #samples: Array<{ at: number; stats: FleetStats }> = [];
  readonly #averageMs: number;
  /** Acknowledgements since start: commands are rare, a per-interval window would mostly be empty. */
  #first: FleetStats | undefined;
  /** The in-place line shown last (tty output), redrawn under log lines. */
  #shown = '';

  constructor(
    private readonly output: FleetOutput,
    private readonly out: NodeJS.WritableStream = process.stdout,
    options: FleetViewOptions = {},
  ) {
    this.#averageMs = options.averageMs ?? 0;
  }

  /** Prints one update for a fresh snapshot. */
  update(stats: FleetStats, now = performance.now()): void {
    const samples = this.#samples;
    this.#first ??= stats;
    const prev = samples.at(-1)?.stats;
    samples.push({ at: now, stats });
    // Keep one snapshot at or before the window's start, so the window is always covered in full.
    while (samples.length > 2 && samples[1]!.at <= now - this.#averageMs) samples.shift();
    if (samples.length < 2) return;
    const from = samples[0]!;
    const r = rates(from.stats, stats, (now - from.at) / 1000);
    const since = rates({ ...this.#first, ackLatency: [] }, stats, 1);
    const shown = { ...r, ackP50: since.ackP50, ackP99: since.ackP99, acks: since.acks };
    // Firmware homes: board lag over the interval, MHz, serial lines, checksum errors, resets.
    const boards = stats.boards ? boardRates(prev?.boards, stats.boards) : undefined;
    const boardsText = boards ? ` · ${boardLine(boards)}` : '';
    if (this.output === 'json') {
      this.out.write(
        `${JSON.stringify({ time: new Date().toISOString(), ...shown, ...(boards ? { boards } : {}), stats })}\n`,
      );
    } else if (this.output === 'text') {
      this.out.write(`${summaryLine(shown)}${boardsText}\n`);
    } else {
      const line =
        stats.connected < stats.homes && stats.started < stats.homes
          ? progressLine(stats)
          : summaryLine(shown) + boardsText;
      this.#shown = line;
      this.out.write(`\r\x1b[2K${line}`);
    }
  }

  /**
   * Writes log text (whole lines) without breaking the in-place line: on a terminal the line is
   * erased, the text written, and the line drawn again below it, in one write.
   */
  writeAbove(text: string): void {
    const lines = text.endsWith('\n') ? text : `${text}\n`;
    this.out.write(this.output === 'tty' ? `\r\x1b[2K${lines}${this.#shown}` : lines);
  }

  /** Ends the in-place line and prints the final counters. */
  finish(stats: FleetStats): void {
    if (this.output === 'tty') this.out.write('\n');
    if (this.output === 'json')
      this.out.write(`${JSON.stringify({ time: new Date().toISOString(), final: true, stats })}\n`);
    else
      this.out.write(
        `stopped: ${stats.messagesOut} messages out, ${stats.messagesIn} in, ${stats.reports} reports, ` +
          `${stats.errors} errors, ${stats.disconnects} connections lost\n`,
      );
  }
}
