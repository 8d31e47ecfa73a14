import {
  AVRADC,
  AVRClock,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  CPU,
  PinState,
  adcConfig,
  avrInstruction,
  clockConfig,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  usart0Config,
} from 'avr8js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { IdleSleep, SLEEP_OPCODE } from './idle-sleep.js';
import { PinBank, type PinChangeListener } from './pin-bank.js';
import { BoardRunner, type RunOptions } from './runner.js';
import { UartFeeder } from './uart-feeder.js';

export { PinState };
export const CPU_HZ = 16_000_000;
export const CYCLES_PER_MS = CPU_HZ / 1000;
const SRAM_BYTES = 0x800;
const ADC_CHANNELS = 8;

export type { PinChangeListener };
export type SerialListener = (bytes: Uint8Array) => void;

/** A callback scheduled on the board's cycle counter; survives resets. */
export interface ClockEvent {
  /** Board cycle count (monotonic, see `Board.cycles`) at which it fires. */
  readonly due: number;
}
interface PendingEvent extends ClockEvent {
  readonly fire: () => void;
}

export interface BoardOptions {
  /** Capacity of the host-side serial RX queue in bytes (default 4096). */
  serialQueueBytes?: number;
  /**
   * While the firmware sleeps (SLEEP in idle mode), jump from one peripheral event to the next instead
   * of stepping every timer tick (default true; the result is the same, see idle-sleep.ts).
   */
  fastForwardSleep?: boolean;
}

/**
 * An emulated Arduino Uno: ATmega328P at 16 MHz (avr8js) with timers 0/1/2, clock, USART0, ADC and
 * ports B/C/D, addressed in Arduino pin numbers (D0–D13, A0–A5 = 14–19).
 *
 * Pin levels: an output pin is what the firmware drives; an input pin is what `setPin` drives from
 * outside, or, when nothing drives it (`releasePin`), high with the internal pull-up and low without.
 * `onPinChange` reports every change of that electrical level with the board cycle count.
 *
 * Time: `cycles` counts every cycle since the board was created (monotonic across resets); `time()` is
 * simulated ms since the last boot, which is what the firmware's `millis()` sees.
 *
 * SLEEP (idle mode) halts the CPU until an interrupt while the peripherals go on, as on the chip
 * (avr8js alone treats it as a no-op); a sketch that sleeps between interrupts runs many times faster.
 */
export class Board {
  readonly feeder: UartFeeder;
  readonly runner: BoardRunner;
  #cpu!: CPU;
  #sleep!: IdleSleep;
  #asleep = false;
  #sleptCycles = 0;
  #usart!: AVRUSART;
  #adc!: AVRADC;
  #cycleBase = 0;
  #boots = 0;
  readonly #pins = new PinBank(() => this.cycles);
  readonly #analog = new Array<number>(ADC_CHANNELS).fill(0);
  readonly #serialListeners = new Set<SerialListener>();
  readonly #events = new Set<PendingEvent>();
  #tx: number[] = [];

  readonly #fastForwardSleep: boolean;

  constructor(
    readonly program: Uint16Array,
    options: BoardOptions = {},
  ) {
    this.#fastForwardSleep = options.fastForwardSleep ?? true;
    this.feeder = new UartFeeder(options.serialQueueBytes);
    this.runner = new BoardRunner(this, CPU_HZ);
    this.#boot();
  }

  /** The avr8js CPU of the current boot (replaced by `reset()`). */
  get cpu(): CPU {
    return this.#cpu;
  }
  get usart(): AVRUSART {
    return this.#usart;
  }
  /** Cycles since the board was created, monotonic across resets. */
  get cycles(): number {
    return this.#cycleBase + this.#cpu.cycles;
  }
  /** Boots so far (1 after construction, +1 per reset). */
  get boots(): number {
    return this.#boots;
  }
  /** Whether the CPU sleeps (SLEEP in idle mode) waiting for an interrupt. */
  get asleep(): boolean {
    return this.#asleep;
  }
  /** Cycles the CPU has slept since the board was created (the rest it executed instructions). */
  get sleptCycles(): number {
    return this.#sleptCycles + this.#sleep.sleptCycles;
  }
  /** Simulated ms since the last boot (cycles / 16000), the firmware's `millis()` timeline. */
  time(): number {
    return this.#cpu.cycles / CYCLES_PER_MS;
  }

  // ---- pins -------------------------------------------------------------------------------------

  /** Drives an input pin from outside (a button, a sensor's data line). */
  setPin(pin: number, high: boolean): void {
    this.#pins.drive(pin, high);
  }
  /** Stops driving a pin from outside: it floats (reads the pull-up, or low without one). */
  releasePin(pin: number): void {
    this.#pins.drive(pin, undefined);
  }
  /** How the firmware has configured the pin: Low/High (output) or Input/InputPullUp. */
  pinState(pin: number): PinState {
    return this.#pins.state(pin);
  }
  /** Electrical level of the pin (see the class comment). */
  pinLevel(pin: number): boolean {
    return this.#pins.level(pin);
  }
  onPinChange(listener: PinChangeListener): () => void {
    return this.#pins.onChange(listener);
  }

  /** Sets the voltage on ADC channel 0–7 (A0–A5 are 0–5), clamped to 0–5 V (AVCC). */
  setAnalog(channel: number, volts: number): void {
    if (!Number.isInteger(channel) || channel < 0 || channel >= ADC_CHANNELS) {
      throw new RangeError(`ADC channel must be 0–7, got ${channel}`);
    }
    if (!Number.isFinite(volts)) throw new RangeError(`volts must be finite, got ${volts}`);
    this.#analog[channel] = Math.min(Math.max(volts, 0), this.#adc.avcc);
    this.#adc.channelValues[channel] = this.#analog[channel];
  }

  // ---- serial -----------------------------------------------------------------------------------

  /** Queues bytes for USART0 RX with line timing; returns how many fit (see `feeder.refused`). */
  writeSerial(bytes: Uint8Array | string): number {
    return this.feeder.push(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }
  /**
   * Queues all of `bytes` for USART0 RX, waiting for room in the feeder as the board takes them in.
   * `assertOpen` runs before each chunk and throws when whoever writes has gone away.
   */
  async writeSerialAll(bytes: Uint8Array, assertOpen: () => void): Promise<void> {
    let rest = bytes;
    while (rest.length > 0) {
      assertOpen();
      const room = this.feeder.capacity - this.feeder.length;
      if (room > 0) {
        const n = Math.min(room, rest.length);
        this.writeSerial(rest.subarray(0, n));
        rest = rest.subarray(n);
      }
      if (rest.length > 0) await this.feeder.waitForRoom();
    }
  }
  /**
   * Bytes on the TX line that the USART did not send (noise, a glitch on the wire): serial listeners
   * get them as if transmitted, after everything the firmware sent before.
   */
  lineNoise(bytes: Uint8Array | string): void {
    if (this.#tx.length > 0) this.#flushTx();
    const data = Uint8Array.from(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    for (const fn of this.#serialListeners) fn(data);
  }
  /** Bytes the firmware transmits, delivered in chunks at the end of each `step`. */
  onSerial(listener: SerialListener): () => void {
    this.#serialListeners.add(listener);
    return () => this.#serialListeners.delete(listener);
  }

  // ---- scheduling -------------------------------------------------------------------------------

  /** Calls `fn` after `delayCycles` (≥ 1) simulated cycles. */
  addClockEvent(fn: () => void, delayCycles: number): ClockEvent {
    const ev: PendingEvent = {
      due: this.cycles + Math.max(1, Math.round(delayCycles)),
      fire: () => {
        if (this.#events.delete(ev)) fn();
      },
    };
    this.#events.add(ev);
    this.#cpu.addClockEvent(ev.fire, ev.due - this.cycles);
    return ev;
  }
  /** Calls `fn` at simulated time `ms` of the current boot (at once when already past). */
  at(ms: number, fn: () => void): ClockEvent {
    return this.addClockEvent(fn, ms * CYCLES_PER_MS - this.#cpu.cycles);
  }
  clearClockEvent(ev: ClockEvent | undefined): void {
    if (ev && this.#events.delete(ev as PendingEvent)) this.#cpu.clearClockEvent((ev as PendingEvent).fire);
  }

  // ---- running ----------------------------------------------------------------------------------

  /** Executes at least `cycles` cycles synchronously, then delivers transmitted serial bytes. */
  step(cycles: number): void {
    const cpu = this.#cpu;
    const sleep = this.#sleep;
    const program = this.program;
    const end = cpu.cycles + cycles;
    while (cpu.cycles < end) {
      if (this.#asleep) {
        if (!sleep.sleep(end)) break;
        this.#asleep = false;
        continue;
      }
      const pc = cpu.pc;
      avrInstruction(cpu);
      cpu.tick();
      if (program[pc] === SLEEP_OPCODE && sleep.entered(pc, SLEEP_OPCODE)) this.#asleep = true;
    }
    if (this.#tx.length > 0) this.#flushTx();
  }
  runFor(simMs: number): void {
    this.step(Math.round(simMs * CYCLES_PER_MS));
  }
  /**
   * Runs until `pred()` holds, checked every simulated ms (or after each runner batch while the runner
   * is started), yielding to the event loop in between; rejects with TIMEOUT after `simMsLimit`.
   */
  async runUntil(pred: () => boolean, simMsLimit: number): Promise<void> {
    const limit = this.cycles + simMsLimit * CYCLES_PER_MS;
    for (;;) {
      if (pred()) return;
      if (this.cycles >= limit) {
        throw new BridgeError(ErrorCode.TIMEOUT, `condition not met within ${simMsLimit} simulated ms`, {
          simMsLimit,
        });
      }
      if (this.runner.running) {
        await new Promise<void>((resolve) => {
          const off = this.runner.onBatch(() => {
            off();
            resolve();
          });
        });
      } else {
        this.step(CYCLES_PER_MS);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
  start(options?: RunOptions): void {
    this.runner.start(options);
  }
  stop(): void {
    this.runner.stop();
  }
  get running(): boolean {
    return this.runner.running;
  }
  /** Simulated MHz measured by the runner (cycles per wall second), undefined before the first window. */
  get mhz(): number | undefined {
    return this.runner.mhz;
  }

  /** Reboots the MCU as the DTR line does: RAM and peripherals cleared, outside inputs kept. */
  reset(): void {
    if (this.#tx.length > 0) this.#flushTx();
    const old = this.#cpu;
    this.#cycleBase += old.cycles;
    // Ends a step() in progress on the old CPU (a listener may reset the board mid-step).
    old.cycles = Number.MAX_SAFE_INTEGER;
    this.#sleptCycles += this.#sleep.sleptCycles;
    this.#asleep = false;
    this.feeder.clear();
    this.#boot();
  }

  #boot(): void {
    const cpu = new CPU(this.program, SRAM_BYTES);
    const timers = [timer0Config, timer1Config, timer2Config].map((config) => new AVRTimer(cpu, config));
    this.#sleep = new IdleSleep(cpu, timers, { fastForward: this.#fastForwardSleep });
    new AVRClock(cpu, CPU_HZ, clockConfig);
    this.#usart = new AVRUSART(cpu, usart0Config, CPU_HZ);
    this.#usart.onByteTransmit = (b) => this.#tx.push(b);
    this.#adc = new AVRADC(cpu, adcConfig);
    for (const [ch, v] of this.#analog.entries()) this.#adc.channelValues[ch] = v;
    this.#cpu = cpu;
    this.#boots++;
    this.#pins.attach({
      B: new AVRIOPort(cpu, portBConfig),
      C: new AVRIOPort(cpu, portCConfig),
      D: new AVRIOPort(cpu, portDConfig),
    });
    for (const ev of this.#events) cpu.addClockEvent(ev.fire, Math.max(1, ev.due - this.cycles));
    this.feeder.attach(cpu, this.#usart);
  }

  #flushTx(): void {
    const bytes = Uint8Array.from(this.#tx);
    this.#tx = [];
    for (const fn of this.#serialListeners) fn(bytes);
  }
}
