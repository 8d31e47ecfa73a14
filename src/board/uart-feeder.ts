import type { AVRUSART, CPU } from 'avr8js';
import { guardUsartRx } from './usart-rx-guard.js';

/** Cycles between checks while the firmware has not enabled its receiver yet (100 µs at 16 MHz). */
const RX_ENABLE_POLL_CYCLES = 1600;

/**
 * The host side of the board's serial line: a bounded byte queue fed into USART0 RX one character at a
 * time with real line timing. avr8js's `writeByte` takes a character and lands it `cyclesPerChar`
 * later (1360 cycles at 115200 baud with U2X); the next character is handed over from `onRxComplete`,
 * so characters follow each other back to back exactly as on a real wire and none is dropped while
 * the receiver is busy. Until `Serial.begin` enables the receiver, bytes wait in the queue.
 *
 * Bytes that do not fit are refused and counted (`refused`), never buffered without limit.
 */
export class UartFeeder {
  readonly #ring: Uint8Array;
  #head = 0;
  #length = 0;
  #cpu: CPU | undefined;
  #usart: USARTLike | undefined;
  #pollPending = false;
  #waiters: { max: number; resolve: () => void }[] = [];
  /** Bytes refused because the queue was full. */
  refused = 0;
  /** Bytes handed to the USART. */
  delivered = 0;

  constructor(readonly capacity = 4096) {
    if (!(capacity >= 1)) throw new RangeError(`serial queue capacity must be ≥ 1, got ${capacity}`);
    this.#ring = new Uint8Array(capacity);
  }

  /** Bytes waiting to be received by the firmware. */
  get length(): number {
    return this.#length;
  }

  /** Connects to a (new) CPU and its USART0, e.g. after a reset. */
  attach(cpu: CPU, usart: AVRUSART): void {
    this.#cpu = cpu;
    this.#usart = usart;
    this.#pollPending = false;
    const guard = guardUsartRx(cpu);
    usart.onRxComplete = () => {
      guard.landed();
      this.#kick();
    };
    this.#kick();
  }

  /** Queues bytes; returns how many were accepted (the rest are counted in `refused`). */
  push(bytes: Uint8Array): number {
    const accepted = Math.min(bytes.length, this.capacity - this.#length);
    for (let i = 0; i < accepted; i++) {
      this.#ring[(this.#head + this.#length + i) % this.capacity] = bytes[i]!;
    }
    this.#length += accepted;
    this.refused += bytes.length - accepted;
    this.#kick();
    return accepted;
  }

  /** Drops everything queued (a reset loses bytes in flight). */
  clear(): void {
    this.#head = 0;
    this.#length = 0;
    this.#wake();
  }

  /** Resolves once at most `maxQueued` bytes wait (default: half the capacity; 0 = all received). */
  waitForRoom(maxQueued = this.capacity / 2): Promise<void> {
    if (this.#length <= maxQueued) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ max: maxQueued, resolve }));
  }

  #kick(): void {
    const usart = this.#usart;
    if (!usart || this.#length === 0 || usart.rxBusy) return;
    if (!usart.rxEnable) {
      if (!this.#pollPending && this.#cpu) {
        this.#pollPending = true;
        const cpu = this.#cpu;
        cpu.addClockEvent(() => {
          if (cpu !== this.#cpu) return;
          this.#pollPending = false;
          this.#kick();
        }, RX_ENABLE_POLL_CYCLES);
      }
      return;
    }
    const byte = this.#ring[this.#head]!;
    if (usart.writeByte(byte) === false) return;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    this.delivered++;
    if (this.#waiters.length > 0) this.#wake();
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => this.#length <= w.max);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => this.#length > w.max);
    for (const w of ready) w.resolve();
  }
}

type USARTLike = Pick<AVRUSART, 'rxBusy' | 'rxEnable' | 'writeByte' | 'onRxComplete'>;
