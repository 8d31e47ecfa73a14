import type { Link } from '../links/link.js';
import type { HomeEvent, SensorReading } from '../home/types.js';
import { COLOUR_NAMES, EFFECT_NAMES, decodeStatus } from '../home/status-codec.js';
import type { Clock } from '../environment/clock.js';

/**
 * Where log lines go: stderr, until a live view on the same terminal takes them (`LiveView.writeAbove`),
 * so a log line never lands inside the region the view redraws.
 */
export class LogDestination {
  #target: (text: string) => void = (text) => void process.stderr.write(text);

  write(text: string): void {
    this.#target(text);
  }

  /** Sends every line from now on to `target`. */
  redirect(target: (text: string) => void): void {
    this.#target = target;
  }
}

/**
 * A compact live view of one home for a terminal: appliances, sensors, last events. Redraws in place a
 * few times a second; only used when stdout is a TTY. Log lines on that terminal go through
 * `writeAbove`, which scrolls them above the region.
 */
export class LiveView {
  #climate: string = '—';
  #rain: string = '—';
  #events: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lines = 0;
  /** Lines of the frame #frame() built last. */
  #frameLines = 0;

  constructor(
    private readonly link: Link,
    private readonly clock: Clock,
    private readonly header: string,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  start(): void {
    this.link.on('sensor', (r: SensorReading) => {
      if (r.sensor === 'climate') this.#climate = `${r.temperature.toFixed(1)} °C, ${r.humidity} % RH`;
      else this.#rain = r.raining ? 'raining' : 'dry';
    });
    this.link.on('event', (e: HomeEvent) =>
      this.#push(e.event === 'button' ? `button ${e.button} held` : `window ${e.open ? 'opened' : 'closed'} by hand`),
    );
    this.link.on('status', (r) => this.#push(`status ${r.status} (${r.cause})`));
    this.#timer = setInterval(() => this.render(), 250);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Writes text (whole lines) above the live region in one write: the region is erased, the text
   * takes its place and the region is drawn again below it. Once stopped, text is simply appended.
   */
  writeAbove(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (!this.#timer) {
      this.out.write(line);
      return;
    }
    const erase = this.#lines > 0 ? `\x1b[${this.#lines}A\r\x1b[J` : '';
    this.out.write(`${erase}${line}${this.#frame()}`);
    this.#lines = this.#frameLines;
  }

  #push(text: string): void {
    this.#events.unshift(`${new Date(this.clock.now()).toISOString().slice(11, 19)} ${text}`);
    this.#events.length = Math.min(this.#events.length, 4);
  }

  render(): void {
    const clear = this.#lines > 0 ? `\x1b[${this.#lines}A` : '';
    this.out.write(`${clear}${this.#frame()}`);
    this.#lines = this.#frameLines;
  }

  /** The region's text, every line erased before it is written; sets #frameLines. */
  #frame(): string {
    const status = this.link.status;
    const lines = [this.header];
    if (status) {
      const s = decodeStatus(status);
      lines.push(
        `status  ${status}  mode ${s.mode}   link ${this.link.kind} (${this.link.state})`,
        `aircon  ${s.aircon.on ? `on, power ${s.aircon.power}` : 'off'}`,
        'light   ' +
          `${
            s.light.on
              ? `on, ${COLOUR_NAMES[s.light.colour]}, brightness ` +
                `${s.light.brightness}, ${EFFECT_NAMES[s.light.effect]}`
              : 'off'
          }`,
        `window  ${s.windowOpen ? 'open' : 'closed'}    gas valve ${s.gasValveOpen ? 'OPEN' : 'closed'}`,
        `climate ${this.#climate}    rain ${this.#rain}    ` +
          `${new Date(this.clock.now()).toISOString().replace('T', ' ').slice(0, 19)}`,
      );
    } else lines.push(`link ${this.link.kind}: ${this.link.state}`);
    lines.push(...this.#events.map((e) => `  ${e}`));
    this.#frameLines = lines.length;
    return `${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`;
  }
}
