import type { AVRTimer, CPU } from 'avr8js';

/**
 * The SLEEP instruction for avr8js, which executes it as a no-op. A sketch that idles in
 * SLEEP_MODE_IDLE between interrupts (ours does, between 10 ms ticks) stops executing instructions
 * until an interrupt is taken, while its timers, USART and ADC go on — as on the real chip.
 *
 * While the CPU sleeps, nothing but peripheral clock events can happen, so time jumps from one event to
 * the next. avr8js counts every timer with a clock event per timer tick (every 8 or 64 cycles), but its
 * counter also accepts many ticks in one step, and one step is exact as long as the counter crosses at
 * most one point where something happens (a compare match, TOP, BOTTOM: pin edges, interrupt flags,
 * OCR updates). So the jump goes to the earliest such point of any timer, or to the next other event
 * (USART, ADC, the board's own parts), whichever comes first. Pin edges and interrupts land on the same
 * cycles as when every tick is stepped; a sleeping board then costs a few callbacks per PWM period
 * instead of one per timer tick.
 *
 * This reads avr8js 0.21.1 internals (the clock event list and the timers' counter state), which is
 * why the package is pinned exactly; `fastForward: false` steps every event instead.
 */
export const SLEEP_OPCODE = 0x9588;
const SMCR = 0x53;
const SMCR_SE = 0x01;
const SREG = 0x5f;
const SREG_I = 0x80;

/** avr8js TimerMode values. */
const PWM_PHASE_CORRECT = 1;
const PWM_PHASE_FREQUENCY_CORRECT = 4;

interface ClockEventEntry {
  cycles: number;
  callback: () => void;
  next: ClockEventEntry | null;
}
interface CpuInternals {
  cycles: number;
  pc: number;
  data: Uint8Array;
  nextInterrupt: number;
  readonly interruptsEnabled: boolean;
  nextClockEvent: ClockEventEntry | null;
  tick(): void;
}
interface TimerInternals {
  count: () => void;
  divider: number;
  lastCycle: number;
  tcnt: number;
  tcntUpdated: boolean;
  updateDivider: boolean;
  countingUp: boolean;
  timerMode: number;
  ocrA: number;
  ocrB: number;
  ocrC: number;
  hasOCRC: boolean;
  readonly TOP: number;
}

export interface IdleSleepOptions {
  /** Jump between timer events (default true); false steps every clock event while asleep. */
  fastForward?: boolean;
}

export class IdleSleep {
  readonly #cpu: CpuInternals;
  readonly #timers = new Map<() => void, TimerInternals>();
  readonly #fastForward: boolean;
  /** Cycles spent asleep so far. */
  sleptCycles = 0;

  constructor(cpu: CPU, timers: readonly AVRTimer[], options: IdleSleepOptions = {}) {
    this.#cpu = cpu as unknown as CpuInternals;
    for (const t of timers) {
      const internals = t as unknown as TimerInternals;
      this.#timers.set(internals.count, internals);
    }
    this.#fastForward = options.fastForward ?? true;
  }

  /**
   * Whether the instruction just executed at `pc` put the CPU to sleep: a SLEEP with the sleep-enable
   * bit set, after which no interrupt was taken (one already pending is taken at once instead).
   */
  entered(pc: number, opcode: number): boolean {
    const cpu = this.#cpu;
    return opcode === SLEEP_OPCODE && cpu.pc === pc + 1 && (cpu.data[SMCR]! & SMCR_SE) !== 0;
  }

  /**
   * Lets the peripherals run until an interrupt is taken (returns true: the CPU is awake and at the
   * handler) or until cycle `end` (returns false: still asleep). Sleeping with interrupts disabled
   * sleeps until `end`, as the chip would sleep forever.
   */
  sleep(end: number): boolean {
    const cpu = this.#cpu;
    const start = cpu.cycles;
    try {
      for (;;) {
        if (cpu.interruptsEnabled && cpu.nextInterrupt >= 0) {
          const pc = cpu.pc;
          cpu.tick();
          if (cpu.pc !== pc) return true;
        }
        if (cpu.cycles >= end) return false;
        const wake = Math.min(end, this.#fastForward ? this.#nextPoint() : (cpu.nextClockEvent?.cycles ?? Infinity));
        if (wake > cpu.cycles) cpu.cycles = wake;
        this.#fireDue();
      }
    } finally {
      this.sleptCycles += cpu.cycles - start;
    }
  }

  /** Fires every event due now; interrupts wait until all have seen this cycle. */
  #fireDue(): void {
    const cpu = this.#cpu;
    const now = cpu.cycles;
    const sreg = cpu.data[SREG]!;
    cpu.data[SREG] = sreg & ~SREG_I;
    try {
      // An event may reset the board, which ends this CPU by moving its clock to the end of time: then
      // stop, or every later event (timers counting up to the end of time) would fire now.
      while (cpu.nextClockEvent !== null && cpu.nextClockEvent.cycles <= now && cpu.cycles === now) cpu.tick();
    } finally {
      cpu.data[SREG] = (cpu.data[SREG]! & ~SREG_I) | (sreg & SREG_I);
    }
  }

  /** The earliest cycle at which an event does something: a timer's next point, or any other event. */
  #nextPoint(): number {
    let next = Infinity;
    for (let e = this.#cpu.nextClockEvent; e !== null; e = e.next) {
      if (e.cycles >= next) break; // the list is sorted: nothing later can come first
      const timer = this.#timers.get(e.callback);
      if (timer === undefined) return Math.min(next, e.cycles);
      next = Math.min(next, pointOf(timer, e.cycles));
    }
    return next;
  }
}

/** The cycle of a timer's next tick at which something happens (its scheduled event when unsure). */
function pointOf(t: TimerInternals, scheduled: number): number {
  // A stopped or externally clocked timer (divider 0) or a pending write: its own event decides.
  if (t.tcntUpdated || t.updateDivider || !t.divider) return scheduled;
  const ticks = ticksToNextPoint(t);
  return Math.max(scheduled, t.lastCycle + ticks * t.divider);
}

/** Timer ticks until the counter next reaches a compare value, TOP or BOTTOM (at least 1). */
export function ticksToNextPoint(
  t: Pick<TimerInternals, 'tcnt' | 'countingUp' | 'timerMode' | 'ocrA' | 'ocrB' | 'ocrC' | 'hasOCRC' | 'TOP'>,
): number {
  const top = t.TOP;
  const value = t.tcnt;
  if (!(top > 0) || value > top) return 1;
  const bouncing = t.timerMode === PWM_PHASE_CORRECT || t.timerMode === PWM_PHASE_FREQUENCY_CORRECT;
  const up = t.countingUp;
  // Plain calls, no arrays or closures: this runs for every timer on every wake-up of a sleeping board.
  const best = Math.min(
    distance(t.ocrA, value, top, bouncing, up),
    distance(t.ocrB, value, top, bouncing, up),
    t.hasOCRC ? distance(t.ocrC, value, top, bouncing, up) : Infinity,
    distance(top, value, top, bouncing, up),
    distance(0, value, top, bouncing, up),
  );
  return best >= 1 && best !== Infinity ? best : 1;
}

/**
 * Ticks from `value` to `p`: counting up and wrapping after TOP, or (`bouncing`, phase-correct PWM)
 * up to TOP and back down to 0.
 */
function distance(p: number, value: number, top: number, bouncing: boolean, up: boolean): number {
  if (p < 0 || p > top) return Infinity;
  if (!bouncing) return p > value ? p - value : top + 1 - value + p;
  if (up) return p > value ? p - value : 2 * top - value - p;
  return p < value ? value - p : value + p;
}
