import { BridgeError, ErrorCode } from '../core/errors.js';
import type { BusClient } from '../bus/client.js';
import { isLinkFault, type FaultInjection, type LinkFault, type LinkFaultOptions } from '../links/faults.js';
import { toMs, type Duration } from './duration.js';
import type { OutageProxy } from './outage-proxy.js';
import { sleep } from './signal.js';

/**
 * Faults a test can inject. `broker-outage` and `broker-restore` are the harness's own (it cuts the
 * bridge off the broker through its relay), so they work on every link; the others are the link's
 * (src/links/faults.ts) and are refused with a clear error by links that cannot do them.
 */
export type FaultName = LinkFault | 'broker-outage' | 'broker-restore';
export const FAULT_NAMES: readonly FaultName[] = [
  'serial-garbage',
  'unplug',
  'replug',
  'board-reset',
  'broker-outage',
  'broker-restore',
];

export interface FaultOptions extends LinkFaultOptions {
  /** For `broker-outage`: restore the broker after this much home time (default: stay down). */
  for?: Duration | undefined;
}

export interface HarnessFaultsOptions {
  /** Present when the bridge talks to the broker through the relay. */
  proxy: OutageProxy | undefined;
  /** Why there is no relay, for the error (e.g. a TLS broker). */
  noProxyReason?: string | undefined;
  bus: BusClient;
  linkKind: string;
  /** The link's own fault injection (or a serial tap in front of it), if any. */
  linkFaults: FaultInjection | undefined;
}

/** How long the bridge may take to notice a cut or to reconnect (its reconnect period is 1 s). */
const RECONNECT_WALL_MS = 10_000;

export class HarnessFaults {
  readonly #o: HarnessFaultsOptions;

  constructor(options: HarnessFaultsOptions) {
    this.#o = options;
  }

  /** The faults this home can inject. */
  supported(): FaultName[] {
    const own: FaultName[] = this.#o.proxy ? ['broker-outage', 'broker-restore'] : [];
    return [...(this.#o.linkFaults?.supported ?? []), ...own];
  }

  async inject(name: FaultName, options: FaultOptions, advance: (ms: number) => Promise<void>): Promise<void> {
    if (name === 'broker-outage' || name === 'broker-restore') {
      const proxy = this.#o.proxy;
      if (!proxy) {
        throw new BridgeError(
          ErrorCode.FAULT_UNSUPPORTED,
          `cannot inject ${name}: ${this.#o.noProxyReason ?? 'the bridge is not behind the harness relay'}`,
        );
      }
      if (name === 'broker-restore') return this.#restore(proxy);
      proxy.cut();
      await this.#until(() => !this.#o.bus.connected, 'notice the broker outage');
      if (options.for !== undefined) {
        await advance(toMs(options.for));
        await this.#restore(proxy);
      }
      return;
    }
    if (!isLinkFault(name)) {
      throw new BridgeError(
        ErrorCode.FAULT_UNSUPPORTED,
        `unknown fault ${JSON.stringify(name)} (known: ${FAULT_NAMES.join(', ')})`,
      );
    }
    const lf = this.#o.linkFaults;
    if (!lf?.supported.includes(name)) {
      throw new BridgeError(
        ErrorCode.FAULT_UNSUPPORTED,
        `link ${this.#o.linkKind} cannot inject ${name}` +
          (lf ? ` (it can: ${lf.supported.join(', ') || 'none'})` : ' (it offers no fault injection)') +
          `; faults available here: ${this.supported().join(', ') || 'none'}`,
        { link: this.#o.linkKind, fault: name },
      );
    }
    await lf.inject(name, options);
  }

  async #restore(proxy: OutageProxy): Promise<void> {
    proxy.restore();
    await this.#until(() => this.#o.bus.connected, 'reconnect after the outage');
  }

  async #until(ready: () => boolean, what: string): Promise<void> {
    const deadline = performance.now() + RECONNECT_WALL_MS;
    while (!ready()) {
      if (performance.now() > deadline) {
        throw new BridgeError(ErrorCode.TIMEOUT, `the bridge did not ${what} within ${RECONNECT_WALL_MS / 1000} s`);
      }
      await sleep(20);
    }
  }
}
