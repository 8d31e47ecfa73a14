import type { Logger } from 'pino';
import { loadDevicesConfig, shippedDevicesConfig } from '../config/load.js';
import type { DevicesConfig } from '../config/schema.js';
import { BridgeError, ErrorCode, toBridgeError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { RealClock, VirtualClock, type Clock } from '../environment/clock.js';
import { createLink, type LinkSpec } from '../links/create.js';
import { hasFaultInjection, type FaultInjection } from '../links/faults.js';
import { isLink, type Link, type LinkKind } from '../links/link.js';
import { physicalAccessOf } from '../links/physical.js';
import { startRuntime, type Runtime } from '../runtime.js';
import { HarnessFaults } from './faults.js';
import { BusObserver } from './observer.js';
import { canRelay, startOutageProxy, type OutageProxy } from './outage-proxy.js';
import { Signal } from './signal.js';
import { TestHome } from './test-home.js';
import { TrackedLink } from './tracked-link.js';
import { SERIAL_BAUD_RATE } from '../links/serial/line-types.js';

export interface StartHomeOptions {
  /** Which device: a link kind that needs no arguments, a LinkSpec, or a Link you built (default emulated). */
  link?: 'emulated' | 'firmware' | LinkSpec | Link | undefined;
  /** `embedded` (default: an in-process broker on a free loopback port) or a broker URL. */
  broker?: 'embedded' | string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /** The house: a devices.json path or a parsed config (default: the shipped devices.json). */
  devices?: string | DevicesConfig | undefined;
  /**
   * `virtual` (default for the emulated and replay links): time moves only through advance() and
   * expectations; `real`: wall time, scaled by `speed` (default for links to hardware).
   */
  time?: 'virtual' | 'real' | undefined;
  /** Clock speed for real time (60 = an hour a minute). */
  speed?: number | undefined;
  /** Where virtual time starts (ms since the epoch; default 2021-11-15T00:00:00Z). */
  startTime?: number | undefined;
  /** A clock of your own (for a Link you built on it); overrides `time`, `speed` and `startTime`. */
  clock?: Clock | undefined;
  /** Environment seed (emulated link). */
  seed?: number | undefined;
  /** Status the emulated home boots with. */
  initialStatus?: string | undefined;
  /** Fault injection for a link you built (a link that offers `faults` is asked by itself). */
  linkFaults?: FaultInjection | undefined;
  /**
   * For the serial link: put a serial tap (src/recording/serial-tap.ts) between the bridge and the
   * board, on a pseudo-terminal, so serial-garbage, unplug, replug and board-reset can be injected on a
   * real board too. Needs socat.
   */
  serialTap?: boolean | undefined;
  /** --rtdb-file and --state-file of the runtime: the home restores its status from them at start. */
  rtdbFile?: string | undefined;
  stateFile?: string | undefined;
  logger?: Logger | undefined;
}

export const DEFAULT_VIRTUAL_START = Date.UTC(2021, 10, 15);
let instances = 0;

/** Starts a home on a link, a broker (unless given one) and the bridge between them, in-process. */
export async function startHome(options: StartHomeOptions = {}): Promise<TestHome> {
  const logger = options.logger ?? silentLogger();
  const config = await resolveConfig(options.devices);
  const spec = linkSpecOf(options);
  const kind: LinkKind = 'kind' in spec ? spec.kind : 'emulated';
  const virtual = (options.time ?? (kind === 'emulated' || kind === 'replay' ? 'virtual' : 'real')) === 'virtual';
  const requested: Clock =
    options.clock ??
    (virtual ? new VirtualClock(options.startTime ?? DEFAULT_VIRTUAL_START) : new RealClock(options.speed ?? 1));
  const id = `smarthome-harness-${process.pid}-${++instances}`;
  const cleanups: (() => Promise<void>)[] = [];
  let runtime: Runtime | undefined;
  try {
    let linkSpec = spec;
    let tapFaults: FaultInjection | undefined;
    if (options.serialTap && !isLink(spec) && spec.kind === 'serial') {
      const { SerialTap } = await import('../recording/serial-tap.js');
      const tap = await SerialTap.open({ port: spec.port, baudRate: spec.baudRate ?? SERIAL_BAUD_RATE, pty: {} });
      cleanups.push(() => tap.stop());
      linkSpec = { ...spec, port: tap.hostPath! };
      tapFaults = tap;
    }
    const inner = isLink(linkSpec)
      ? linkSpec
      : await createLink(linkSpec, { config, clock: requested, logger: logger.child({ part: 'link' }) });
    // A link that keeps its own time (an emulated board counts its cycles) is waited on in that time.
    const clock = ownClockOf(inner) ?? requested;

    let brokerUrl = options.broker && options.broker !== 'embedded' ? options.broker : undefined;
    if (!brokerUrl) {
      // Loaded when used, as in runtime.ts.
      const { startEmbeddedBroker } = await import('../bus/embedded-broker.js');
      const broker = await startEmbeddedBroker({ port: 0 });
      cleanups.push(() => broker.close());
      brokerUrl = broker.url;
    }
    let proxy: OutageProxy | undefined;
    if (canRelay(brokerUrl)) {
      proxy = await startOutageProxy(brokerUrl);
      cleanups.push(() => proxy!.close());
    }
    const credentials = { username: options.username, password: options.password };
    const observer = new BusObserver({ url: brokerUrl, clientId: `${id}-observer`, clock, ...credentials });
    cleanups.push(() => observer.stop());
    await observer.start();

    const tracked = new TrackedLink(inner);
    const online = new Signal();
    let liveOnline = false;
    observer.onMessage((m) => {
      const j = m.json as Record<string, unknown> | undefined;
      if (j?.['command'] === 'availability' && j['state'] === 'online' && j['Producer'] === 'smarthome') {
        liveOnline = true;
        online.notify();
      }
    });
    runtime = await startRuntime({
      config,
      link: tracked,
      logger,
      clock,
      brokerUrl: proxy?.url ?? brokerUrl,
      clientId: id,
      ...credentials,
      rtdbFile: options.rtdbFile,
      stateFile: options.stateFile,
    });
    // The bridge announces itself after subscribing, on the same connection: once the observer hears
    // it, commands sent from here reach the bridge.
    if (!(await online.until(() => liveOnline, 10_000))) {
      throw new BridgeError(ErrorCode.BROKER_TIMEOUT, `the bridge did not come online on ${brokerUrl} within 10 s`);
    }
    const faults = new HarnessFaults({
      proxy,
      noProxyReason: proxy
        ? undefined
        : `the bridge talks to ${brokerUrl} directly (only plain mqtt:// brokers can be cut off)`,
      bus: runtime.bus,
      linkKind: inner.kind,
      linkFaults: options.linkFaults ?? tapFaults ?? (hasFaultInjection(inner) ? inner.faults : undefined),
    });
    const home = new TestHome({
      config,
      clock,
      runtime,
      tracked,
      observer,
      physical: physicalAccessOf(inner),
      faults,
      cleanups,
    });
    await home.settle();
    return home;
  } catch (e) {
    await runtime?.stop().catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw toBridgeError(e);
  }
}

async function resolveConfig(devices: StartHomeOptions['devices']): Promise<DevicesConfig> {
  if (devices === undefined) return shippedDevicesConfig();
  if (typeof devices === 'string') return loadDevicesConfig(devices);
  return devices;
}

function linkSpecOf(o: StartHomeOptions): LinkSpec | Link {
  const link = o.link ?? 'emulated';
  if (typeof link === 'string') {
    if (link === 'emulated') return { kind: 'emulated', seed: o.seed, initialStatus: o.initialStatus };
    // The board keeps its own time and the harness waits on it: no need to hold it to the wall clock.
    if (link === 'firmware') return { kind: 'firmware', pacing: 'unpaced', seed: o.seed };
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `link ${JSON.stringify(link)} needs arguments: pass a LinkSpec such as { kind: 'serial', port: '/dev/ttyACM0' }`,
    );
  }
  if (isLink(link)) return link;
  if (link.kind === 'emulated')
    return { ...link, seed: link.seed ?? o.seed, initialStatus: link.initialStatus ?? o.initialStatus };
  return link;
}

function ownClockOf(link: Link): Clock | undefined {
  const c = (link as { clock?: Partial<Clock> }).clock;
  return c && typeof c.now === 'function' && typeof c.setTimer === 'function' && typeof c.clearTimer === 'function'
    ? (c as Clock)
    : undefined;
}
