/**
 * What arrived of each home's numbered reports (docs/fleet.md, "Verifying delivery"): pure, no I/O.
 *
 * Per home and boot the reports are numbered 0, 1, 2, …. What is expected of a home is every number up
 * to the highest it is known to have sent: the highest seq received, or the count its availability
 * message announced (online at every connect, offline at a clean stop), whichever is more. So
 * - a number skipped over is counted lost at once, and un-lost when it arrives late (out of order);
 * - a number received twice is a duplicate;
 * - reports lost after a home's last received one count only once it announces its count (a clean
 *   stop); a home that dies silently loses its tail unnoticed.
 * A higher `boot` is a restarted home: its old gaps stay lost, numbering starts again at 0. A report of an
 * older boot is counted `stale` (received, but not expected any more).
 * With `baseline: 'first-seen'` (a verifier that joins a running fleet) a home's first report sets where
 * its numbering is taken to start; with `'zero'` (`fleet --verify`, subscribed before any home boots)
 * everything from 0 is expected.
 */
export type Baseline = 'zero' | 'first-seen';

export type Arrival = 'new' | 'duplicate' | 'reordered' | 'stale';

export interface TrackerOptions {
  baseline: Baseline;
  /** Gaps remembered per home; a longer gap is counted lost for good (a late arrival then counts as a duplicate). */
  maxGapsPerHome?: number;
}

export interface SequenceTotals {
  homes: number;
  /** Reports expected: per home and boot, every number from the baseline to the highest known. */
  expected: number;
  /** Distinct expected reports received. */
  received: number;
  lost: number;
  duplicates: number;
  /** Reports that arrived after a higher number of the same home. */
  reordered: number;
  /** Reports of a boot older than the newest seen. */
  stale: number;
  /** Homes seen starting a new boot. */
  restarts: number;
}

export interface HomeAnomalies {
  home: string;
  lost: number;
  duplicates: number;
  reordered: number;
  restarts: number;
}

/** A home's entry in the tracker (kept by a caller that reports it again without the lookup: reportTo). */
export interface HomeState {
  boot: number;
  /** First number expected in this boot. */
  base: number;
  /** Highest number known to exist (received or announced); base − 1 when none. */
  highest: number;
  missing: Set<number>;
  /** Lost for good: earlier boots' gaps, gaps past maxGapsPerHome. */
  closedLost: number;
  duplicates: number;
  reordered: number;
  restarts: number;
}

export class SequenceTracker {
  readonly #baseline: Baseline;
  readonly #maxGaps: number;
  readonly #homes = new Map<string, HomeState>();
  #expected = 0;
  #lost = 0;
  #duplicates = 0;
  #reordered = 0;
  #stale = 0;
  #restarts = 0;

  constructor(o: TrackerOptions) {
    this.#baseline = o.baseline;
    this.#maxGaps = o.maxGapsPerHome ?? 100_000;
  }

  /** One numbered report of `home`. */
  report(home: string, boot: number, seq: number): Arrival {
    const s = this.#homes.get(home);
    if (!s) return this.reportTo(this.#newHome(home, boot, this.#baseline === 'zero' ? 0 : seq), boot, seq);
    return this.reportTo(s, boot, seq);
  }

  /** The entry of a home seen (reported or announced), to report it with reportTo: no lookup by name. */
  entry(home: string): HomeState | undefined {
    return this.#homes.get(home);
  }

  /** One numbered report of the home whose entry this is. */
  reportTo(s: HomeState, boot: number, seq: number): Arrival {
    if (boot > s.boot) {
      this.#restart(s, boot);
    } else if (boot < s.boot) {
      this.#stale++;
      return 'stale';
    }
    if (seq > s.highest) {
      this.#extend(s, seq);
      return 'new';
    }
    if (seq < s.base) {
      // A verifier that joined late: an earlier number than the first it saw (reordered on the way).
      this.#extendDown(s, seq);
      s.reordered++;
      this.#reordered++;
      return 'reordered';
    }
    if (s.missing.delete(seq)) {
      this.#lost--;
      s.reordered++;
      this.#reordered++;
      return 'reordered';
    }
    s.duplicates++;
    this.#duplicates++;
    return 'duplicate';
  }

  /** A home says it has numbered `count` reports in `boot` (its availability message). */
  announce(home: string, boot: number, count: number): void {
    let s = this.#homes.get(home);
    if (!s) {
      // Announced before any report: everything from 0 (zero) or from now on (first-seen) is expected.
      s = this.#newHome(home, boot, this.#baseline === 'zero' ? 0 : count);
    } else if (boot > s.boot) {
      this.#restart(s, boot);
    } else if (boot < s.boot) {
      return;
    }
    if (count - 1 > s.highest) this.#extend(s, count - 1, false);
  }

  /** Homes seen (reported or announced). */
  get homeCount(): number {
    return this.#homes.size;
  }

  totals(): SequenceTotals {
    return {
      homes: this.#homes.size,
      expected: this.#expected,
      received: this.#expected - this.#lost,
      lost: this.#lost,
      duplicates: this.#duplicates,
      reordered: this.#reordered,
      stale: this.#stale,
      restarts: this.#restarts,
    };
  }

  /** The homes with anything wrong, worst (most lost, then duplicated, then reordered) first. */
  anomalies(limit = 20): HomeAnomalies[] {
    const out: HomeAnomalies[] = [];
    for (const [home, s] of this.#homes) {
      const lost = s.closedLost + s.missing.size;
      if (lost || s.duplicates || s.reordered || s.restarts)
        out.push({ home, lost, duplicates: s.duplicates, reordered: s.reordered, restarts: s.restarts });
    }
    out.sort(
      (a, b) =>
        b.lost - a.lost || b.duplicates - a.duplicates || b.reordered - a.reordered || a.home.localeCompare(b.home),
    );
    return out.slice(0, limit);
  }

  #newHome(home: string, boot: number, base: number): HomeState {
    const s: HomeState = {
      boot,
      base,
      highest: base - 1,
      missing: new Set(),
      closedLost: 0,
      duplicates: 0,
      reordered: 0,
      restarts: 0,
    };
    this.#homes.set(home, s);
    return s;
  }

  /** A new boot: the old one's gaps stay lost; numbering restarts at 0. */
  #restart(s: HomeState, boot: number): void {
    s.closedLost += s.missing.size;
    s.missing = new Set();
    s.boot = boot;
    s.base = 0;
    s.highest = -1;
    s.restarts++;
    this.#restarts++;
  }

  /** Numbers up to `seq` now exist; those not received (all but `seq` itself when it arrived) are missing. */
  #extend(s: HomeState, seq: number, received = true): void {
    const gapEnd = received ? seq - 1 : seq;
    const gap = gapEnd - s.highest;
    this.#expected += seq - s.highest;
    if (gap > 0) {
      this.#lost += gap;
      const room = this.#maxGaps - s.missing.size;
      if (gap > room) {
        // Too many to remember: the oldest part of this gap is lost for good.
        s.closedLost += gap - Math.max(0, room);
        for (let n = gapEnd - Math.max(0, room) + 1; n <= gapEnd; n++) s.missing.add(n);
      } else {
        for (let n = s.highest + 1; n <= gapEnd; n++) s.missing.add(n);
      }
    }
    s.highest = seq;
  }

  /** A number below the baseline arrived: the baseline moves down; the numbers between are missing. */
  #extendDown(s: HomeState, seq: number): void {
    const gap = s.base - seq - 1;
    this.#expected += s.base - seq;
    this.#lost += gap;
    for (let n = seq + 1; n < s.base; n++) s.missing.add(n);
    s.base = seq;
  }
}
