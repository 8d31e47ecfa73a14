import { CYCLES_PER_MS, PinState, type Board } from '../board.js';

export interface Dht11Reading {
  /** °C; a DHT11 reports 0 for anything below 0 °C. */
  temperature: number;
  /** % relative humidity, 0–100. */
  humidity: number;
}

export interface Dht11Options {
  /** Arduino pin of the data line (the home uses D2). */
  pin: number;
  /** Current values, read at the start of every answer. */
  read: () => Dht11Reading;
  /**
   * Shortest host start signal (data line driven low) that is answered, in µs. The datasheet asks hosts
   * for ≥ 18 000 µs; the default 1000 also serves DHT22-style drivers. Shorter pulses are ignored.
   */
  minStartUs?: number;
  /** Delay between the host releasing the line and the sensor pulling it low, µs (20–40; default 30). */
  responseDelayUs?: number;
}

const US = CYCLES_PER_MS / 1000;
const BIT_LOW_US = 50;
const ZERO_HIGH_US = 27;
const ONE_HIGH_US = 70;

/** The 5-byte DHT11 frame: RH integral, RH decimal (0), T integral, T tenths, checksum. */
export function dht11Frame({ temperature, humidity }: Dht11Reading): Uint8Array {
  const rh = Math.round(Math.min(Math.max(humidity, 0), 100));
  const tenths = Math.round(Math.min(Math.max(temperature, 0), 255.9) * 10);
  const frame = new Uint8Array([rh, 0, Math.floor(tenths / 10), tenths % 10, 0]);
  frame[4] = (frame[0]! + frame[1]! + frame[2]! + frame[3]!) & 0xff;
  return frame;
}

/**
 * A DHT11 on one data pin with its module's pull-up. It watches the line; when the firmware has driven
 * it low for at least `minStartUs` and releases it, the part answers per the datasheet: after
 * `responseDelayUs` it pulls low 80 µs, releases 80 µs, then sends 40 bits MSB first (each 50 µs low,
 * then 27 µs high for 0 or 70 µs high for 1), pulls low 50 µs and releases. The waveform is driven by
 * board clock events; while the firmware drives the pin as an output the part only listens, and an
 * answer stops if the firmware takes the line back as an output.
 */
export class Dht11 {
  /** Answers sent so far. */
  answers = 0;
  /** Answers cut short because the firmware drove the line as an output. */
  aborted = 0;
  /** The last frame sent. */
  lastFrame: Uint8Array | undefined;
  readonly #off: () => void;
  #lowSince: number | undefined;
  #busy = false;

  constructor(
    readonly board: Board,
    readonly options: Dht11Options,
  ) {
    board.setPin(options.pin, true); // the module's pull-up resistor
    this.#off = board.onPinChange((pin, _high, cycles) => {
      if (pin === options.pin) this.#onLine(cycles);
    });
  }

  detach(): void {
    this.#off();
    this.board.releasePin(this.options.pin);
  }

  #onLine(cycles: number): void {
    if (this.board.pinState(this.options.pin) === PinState.Low) {
      this.#lowSince ??= cycles;
      return;
    }
    if (this.#lowSince === undefined) return;
    const lowUs = (cycles - this.#lowSince) / US;
    this.#lowSince = undefined;
    if (!this.#busy && lowUs >= (this.options.minStartUs ?? 1000)) this.#answer();
  }

  #answer(): void {
    this.#busy = true;
    const frame = dht11Frame(this.options.read());
    this.lastFrame = frame;
    // [level, µs until the next transition]
    const steps: [boolean, number][] = [
      [false, 80],
      [true, 80],
    ];
    for (let i = 0; i < 40; i++) {
      const one = (frame[i >> 3]! >> (7 - (i & 7))) & 1;
      steps.push([false, BIT_LOW_US], [true, one ? ONE_HIGH_US : ZERO_HIGH_US]);
    }
    steps.push([false, BIT_LOW_US], [true, 0]);
    let index = 0;
    const next = (): void => {
      const state = this.board.pinState(this.options.pin);
      if (state === PinState.High || state === PinState.Low) {
        // The firmware took the line back mid-answer: stop rather than drive against it.
        this.board.setPin(this.options.pin, true);
        this.#busy = false;
        this.aborted++;
        return;
      }
      const [level, us] = steps[index++]!;
      this.board.setPin(this.options.pin, level);
      if (index < steps.length) this.board.addClockEvent(next, us * US);
      else {
        this.#busy = false;
        this.answers++;
      }
    };
    this.board.addClockEvent(next, (this.options.responseDelayUs ?? 30) * US);
  }
}
