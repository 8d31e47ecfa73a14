import type { Link } from '../links/link.js';
import type { HomeEvent, SensorReading } from '../home/types.js';
import { COLOUR_NAMES, EFFECT_NAMES, decodeStatus } from '../home/status-codec.js';
import type { Clock } from '../environment/clock.js';

/**
 * A compact live view of one home for a terminal: appliances, sensors, last events. Redraws in place a
 * few times a second; only used when stdout is a TTY.
 */
export class LiveView {
  #climate: string = '—';
  #rain: string = '—';
  #events: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lines = 0;

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
    this.link.on('event', (e: HomeEvent) => this.#push(e.event === 'button' ? `button ${e.button} held` : `window ${e.open ? 'opened' : 'closed'} by hand`));
    this.link.on('status', (r) => this.#push(`status ${r.status} (${r.cause})`));
    this.#timer = setInterval(() => this.render(), 250);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #push(text: string): void {
    this.#events.unshift(`${new Date(this.clock.now()).toISOString().slice(11, 19)} ${text}`);
    this.#events.length = Math.min(this.#events.length, 4);
  }

  render(): void {
    const status = this.link.status;
    const lines = [this.header];
    if (status) {
      const s = decodeStatus(status);
      lines.push(
        `status  ${status}  mode ${s.mode}   link ${this.link.kind} (${this.link.state})`,
        `aircon  ${s.aircon.on ? `on, power ${s.aircon.power}` : 'off'}`,
        `light   ${s.light.on ? `on, ${COLOUR_NAMES[s.light.colour]}, brightness ${s.light.brightness}, ${EFFECT_NAMES[s.light.effect]}` : 'off'}`,
        `window  ${s.windowOpen ? 'open' : 'closed'}    gas valve ${s.gasValveOpen ? 'OPEN' : 'closed'}`,
        `climate ${this.#climate}    rain ${this.#rain}    ${new Date(this.clock.now()).toISOString().replace('T', ' ').slice(0, 19)}`,
      );
    } else lines.push(`link ${this.link.kind}: ${this.link.state}`);
    lines.push(...this.#events.map((e) => `  ${e}`));
    const clear = this.#lines > 0 ? `\x1b[${this.#lines}A` : '';
    this.out.write(`${clear}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.#lines = lines.length;
  }
}
