import type { Clock, Timer } from '../../environment/clock.js';
import { dataToBytes, type Recording } from './format.js';
import { decodeBoardLine, decodeHostLine, encodeBoardLine } from '../serial/line-codec.js';
import { LineSplitter } from '../serial/line-splitter.js';
import type { BoardCounters, BoardLine } from '../serial/line-types.js';

/**
 * A recorded board, played back on a clock. The recording is split into what the board said by itself
 * (boot, status changes by button or window, sensor readings, events, heartbeats, noise) and what it
 * said in answer to a host line (docs/serial-protocol.md §6.2: a command's STATUS line and its ACK or
 * ERR, sent together).
 *
 * - Spontaneous lines play at their recorded times, relative to the boot status: BOOT and the boot
 *   status play at once when the port opens, as a Uno's auto-reset does; lines before the first BOOT
 *   (from before that reset) are left out. Lines due while the port is closed are lost.
 * - A host `SET` is answered with the recorded answer to the next unplayed `SET` of the same command,
 *   at once, under the host's id. A `SET` the recording does not hold gets no answer.
 * - `GET`, `PING` and `CNT` change nothing, so they are answered from the state played so far.
 * - A recording without a BOOT line gets one (`BOOT 0.0.0 1 replay`), so a host's handshake succeeds.
 */
interface Timed {
  /** ms after the boot status. */
  at: number;
  data: string;
}

const BOOT_STATUS = '000000000';
const SYNTHETIC_BOOT = encodeBoardLine({ type: 'boot', firmware: '0.0.0', protocol: 1, board: 'replay' });

export class ReplayBoard {
  readonly #clock: Clock;
  readonly #burst: string[];
  readonly #timeline: Timed[];
  readonly #answers = new Map<string, string[][]>();
  readonly #hostSplitter = new LineSplitter();
  #next = 0;
  #origin: number | undefined;
  #timer: Timer | undefined;
  #sink: ((bytes: Buffer) => void) | undefined;
  #status: string | undefined;
  #counters: BoardCounters = { checksum: 0, tooLong: 0, garbled: 0, unknown: 0 };

  constructor(recording: Recording, clock: Clock) {
    this.#clock = clock;
    const { spontaneous, answers } = split(recording);
    for (const [command, reaction] of answers) {
      const list = this.#answers.get(command) ?? [];
      list.push(reaction);
      this.#answers.set(command, list);
    }
    // A host opening a Uno's port resets it: what came before the first BOOT is from before that reset.
    const boot = Math.max(
      0,
      spontaneous.findIndex((s) => decoded(s.data)?.type === 'boot'),
    );
    const statusAfter = spontaneous.findIndex((s, i) => i >= boot && decoded(s.data)?.type === 'status');
    const cut = statusAfter >= 0 ? statusAfter + 1 : Math.min(boot + 1, spontaneous.length);
    this.#burst = spontaneous.slice(boot, cut).map((s) => s.data);
    if (decoded(this.#burst[0] ?? '')?.type !== 'boot') this.#burst.unshift(SYNTHETIC_BOOT);
    const t0 = cut > 0 ? spontaneous[cut - 1]!.t : 0;
    this.#timeline = spontaneous.slice(cut).map((s) => ({ at: s.t - t0, data: s.data }));
  }

  /** Whether the recording still holds an answer to `SET <command>`. */
  hasAnswer(command: string): boolean {
    return (this.#answers.get(command)?.length ?? 0) > 0;
  }

  /** Recorded commands not answered yet, in recording order per command. */
  unplayedCommands(): string[] {
    return [...this.#answers].flatMap(([c, list]) => list.map(() => c));
  }

  /** Spontaneous lines still to come. */
  get remaining(): number {
    return this.#timeline.length - this.#next;
  }

  /** The port opened: the boot burst (first time only), then the timeline from where it is. */
  attach(sink: (bytes: Buffer) => void): void {
    this.#sink = sink;
    if (this.#origin === undefined) {
      this.#origin = this.#clock.now();
      for (const d of this.#burst) this.#play(d);
    } else {
      // What fell due while the port was closed is lost, as on a real port.
      const now = this.#clock.now();
      while (this.#next < this.#timeline.length && this.#origin + this.#timeline[this.#next]!.at < now) this.#next++;
    }
    this.#arm();
  }

  detach(): void {
    this.#sink = undefined;
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  /** Bytes the host wrote. */
  hostBytes(bytes: Uint8Array): void {
    for (const item of this.#hostSplitter.feed(bytes)) {
      if (!item.ok) continue;
      const line = decodeHostLine(item.line);
      if (line.type === 'rejected') continue;
      const status = this.#status ?? BOOT_STATUS;
      const ack = encodeBoardLine({ type: 'ack', id: line.id, status });
      switch (line.type) {
        case 'set': {
          const reaction = this.#answers.get(line.command)?.shift();
          for (const d of reaction ?? []) this.#play(withId(d, line.id));
          break;
        }
        case 'get':
          this.#play(encodeBoardLine({ type: 'status', cause: 'request', status }));
          this.#play(ack);
          break;
        case 'counters':
          this.#play(encodeBoardLine({ type: 'counters', id: line.id, counters: this.#counters }));
          this.#play(ack);
          break;
        case 'ping':
          this.#play(ack);
          break;
      }
    }
  }

  #arm(): void {
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    const origin = this.#origin!;
    const item = this.#timeline[this.#next];
    if (!item || !this.#sink) return;
    this.#timer = this.#clock.setTimer(origin + item.at - this.#clock.now(), () => {
      this.#timer = undefined;
      while (this.#next < this.#timeline.length && origin + this.#timeline[this.#next]!.at <= this.#clock.now()) {
        this.#play(this.#timeline[this.#next++]!.data);
      }
      this.#arm();
    });
  }

  #play(data: string): void {
    const line = decoded(data);
    if (line?.type === 'status' || line?.type === 'ack') this.#status = line.status;
    if (line?.type === 'heartbeat') this.#counters = line.counters;
    if (line?.type === 'boot') this.#status = BOOT_STATUS;
    this.#sink?.(dataToBytes(data));
  }
}

/** A whole, valid board line in `data`, or undefined (noise, a broken line, several lines). */
function decoded(data: string): BoardLine | undefined {
  if (!data.endsWith('\n') || data.indexOf('\n') !== data.length - 1) return undefined;
  const line = decodeBoardLine(data);
  return line.type === 'rejected' ? undefined : line;
}

function withId(data: string, id: number): string {
  const line = decoded(data);
  if (line && (line.type === 'ack' || line.type === 'error' || line.type === 'counters'))
    return encodeBoardLine({ ...line, id });
  return data;
}

/** Board entries split into spontaneous lines and, per recorded SET command, its answer. */
function split(recording: Recording): { spontaneous: { t: number; data: string }[]; answers: [string, string[]][] } {
  const entries = recording.entries;
  const inAnswer = new Set<number>();
  const answers: [string, string[]][] = [];
  entries.forEach((e, k) => {
    const line = e.from === 'board' ? decoded(e.data) : undefined;
    if (!line || (line.type !== 'ack' && line.type !== 'error')) return;
    // The line right before an ACK that the same command caused (STATUS command/request, CNT), or the
    // CFG lines of an answer to CFG.
    let first = k;
    for (let j = k - 1; j >= 0; j--) {
      if (entries[j]!.from !== 'board') continue;
      const prev = decoded(entries[j]!.data);
      const caused =
        line.type === 'ack' &&
        ((prev?.type === 'status' &&
          (prev.cause === 'command' || prev.cause === 'request') &&
          prev.status === line.status) ||
          (prev?.type === 'counters' && prev.id === line.id) ||
          (prev?.type === 'build' && prev.id === line.id));
      if (caused) first = j;
      if (caused && prev?.type === 'build') continue;
      break;
    }
    let host: ReturnType<typeof decodeHostLine> | undefined;
    for (let j = first - 1; j >= 0 && host === undefined; j--) {
      if (entries[j]!.from !== 'host') continue;
      const h = decodeHostLine(entries[j]!.data);
      if (h.type !== 'rejected' && h.id === line.id) host = h;
    }
    if (!host) return; // an answer to something before the recording started
    for (let j = first; j <= k; j++) if (entries[j]!.from === 'board') inAnswer.add(j);
    if (host.type === 'set')
      answers.push([host.command, [first, k].filter((v, i, a) => a.indexOf(v) === i).map((j) => entries[j]!.data)]);
  });
  const spontaneous = entries
    .filter((e, k) => e.from === 'board' && !inAnswer.has(k))
    .map((e) => ({ t: e.t, data: e.data }));
  return { spontaneous, answers };
}
