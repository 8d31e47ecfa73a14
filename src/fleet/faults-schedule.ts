import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { BridgeError, ErrorCode } from '../core/errors.js';
import type { Clock, Timer } from '../environment/clock.js';
import { isLinkFault, LINK_FAULTS, type LinkFault, type LinkFaultOptions } from '../links/faults.js';
import { homeKind, type FleetMix } from './mix.js';

/**
 * A fleet's fault schedule (`fleet --faults FILE`, YAML or JSON): link faults injected into chosen homes
 * at given times after the fleet started. Only firmware homes have boards to fault.
 *
 * ```yaml
 * - at: 10s            # after the fleet started (bare numbers are seconds)
 *   home: home-3       # a home id, its index, or `homes: [home-3, 7]`
 *   fault: unplug      # unplug | replug | board-reset | serial-garbage
 *   for: 5s            # unplug only: replug after this long
 * - at: 20s
 *   homes: [1, 5]
 *   fault: serial-garbage
 *   bytes: "#@!junk\n" # optional: the noise (default: random bytes and a newline)
 * ```
 */
export interface ScheduledFault {
  atMs: number;
  homes: number[];
  fault: LinkFault;
  /** unplug: replug after this long. */
  forMs?: number | undefined;
  bytes?: string | undefined;
}

export interface ScheduleContext {
  prefix: string;
  /** Homes in the whole fleet. */
  homes: number;
  mix: FleetMix;
}

const KEYS = new Set(['at', 'home', 'homes', 'fault', 'for', 'bytes']);

function duration(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(value.trim()) : null;
  if (!m)
    throw new Error(
      `${what} must be a duration such as 500ms, 10s or 2m (bare numbers are seconds), got ${JSON.stringify(value)}`,
    );
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

function homeIndex(value: unknown, ctx: ScheduleContext): number {
  const text = String(value);
  const m = new RegExp(`^(?:${ctx.prefix.replace(/[-]/g, '\\-')}-)?(\\d+)$`).exec(text);
  const index = m ? Number(m[1]) : NaN;
  if (!(typeof value === 'number' || typeof value === 'string') || !(index >= 0 && index < ctx.homes)) {
    throw new Error(
      `home ${JSON.stringify(value)} is not a home of this fleet (${ctx.prefix}-0 … ` +
        `${ctx.prefix}-${ctx.homes - 1}, or an index)`,
    );
  }
  if (homeKind(index, ctx.mix) !== 'firmware')
    throw new Error(`${ctx.prefix}-${index} runs the emulated home, which has no board to fault (firmware homes only)`);
  return index;
}

function entry(raw: unknown, ctx: ScheduleContext): ScheduledFault {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('must be a map with at, home(s) and fault');
  const e = raw as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !KEYS.has(k));
  if (unknown.length) throw new Error(`unknown key ${JSON.stringify(unknown[0])} (keys: ${[...KEYS].join(', ')})`);
  if (typeof e['fault'] !== 'string' || !isLinkFault(e['fault']))
    throw new Error(`fault must be one of ${LINK_FAULTS.join(', ')}, got ${JSON.stringify(e['fault'])}`);
  if (e['at'] === undefined) throw new Error('at is missing (when, after the fleet started)');
  if ((e['home'] === undefined) === (e['homes'] === undefined)) throw new Error('give either home or homes');
  const list = e['homes'] ?? [e['home']];
  if (!Array.isArray(list) || list.length === 0) throw new Error('homes must be a non-empty list');
  if (e['for'] !== undefined && e['fault'] !== 'unplug')
    throw new Error('for is only for unplug (the replug after it)');
  if (e['bytes'] !== undefined && (e['fault'] !== 'serial-garbage' || typeof e['bytes'] !== 'string'))
    throw new Error('bytes is a string, only for serial-garbage');
  return {
    atMs: duration(e['at'], 'at'),
    homes: list.map((h) => homeIndex(h, ctx)),
    fault: e['fault'],
    ...(e['for'] !== undefined ? { forMs: duration(e['for'], 'for') } : {}),
    ...(e['bytes'] !== undefined ? { bytes: e['bytes'] as string } : {}),
  };
}

/** Parses and checks a schedule; any problem is one CONFIG_INVALID line naming the file and entry. */
export function parseFaultSchedule(text: string, ctx: ScheduleContext, file = 'schedule'): ScheduledFault[] {
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML 1.2 reads JSON too
  } catch (e) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--faults ${file}: not YAML or JSON: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  if (!Array.isArray(doc))
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--faults ${file}: want a list of faults (- at: 10s, home: ${ctx.prefix}-0, fault: unplug)`,
    );
  return doc.map((raw, i) => {
    try {
      return entry(raw, ctx);
    } catch (e) {
      throw new BridgeError(ErrorCode.CONFIG_INVALID, `--faults ${file}: entry ${i + 1}: ${(e as Error).message}`);
    }
  });
}

export async function readFaultSchedule(file: string, ctx: ScheduleContext): Promise<ScheduledFault[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new BridgeError(ErrorCode.CONFIG_INVALID, `--faults ${file}: cannot read it: ${(e as Error).message}`);
  }
  return parseFaultSchedule(text, ctx, file);
}

export interface FaultTarget {
  inject(index: number, fault: LinkFault, options?: LinkFaultOptions): Promise<void>;
}

export interface InjectedFault {
  /** ms after the schedule started. */
  atMs: number;
  home: number;
  fault: LinkFault;
  error?: string | undefined;
}

/**
 * Runs a schedule on `clock` against a fleet: every fault at its time, an unplug's replug `for` later.
 * `onFault` hears each injection (with the error when it failed; the schedule goes on). Returns a stop.
 */
export function runFaultSchedule(
  schedule: readonly ScheduledFault[],
  target: FaultTarget,
  clock: Clock,
  onFault: (f: InjectedFault) => void,
): () => void {
  const start = clock.now();
  const timers = new Set<Timer>();
  let stopped = false;
  const at = (ms: number, fn: () => void): void => {
    const t = clock.setTimer(Math.max(0, start + ms - clock.now()), () => {
      timers.delete(t);
      if (!stopped) fn();
    });
    timers.add(t);
  };
  const fire = (home: number, fault: LinkFault, options: LinkFaultOptions): void => {
    const atMs = clock.now() - start;
    target.inject(home, fault, options).then(
      () => onFault({ atMs, home, fault }),
      (e: unknown) => onFault({ atMs, home, fault, error: e instanceof Error ? e.message : String(e) }),
    );
  };
  for (const f of schedule) {
    for (const home of f.homes) {
      at(f.atMs, () => fire(home, f.fault, f.bytes !== undefined ? { bytes: f.bytes } : {}));
      if (f.forMs !== undefined) at(f.atMs + f.forMs, () => fire(home, 'replug', {}));
    }
  }
  return () => {
    stopped = true;
    for (const t of timers) clock.clearTimer(t);
    timers.clear();
  };
}
