import client from 'prom-client';
import { HISTOGRAM_BUCKETS } from '../fleet/histogram.js';
import type { FleetStats } from '../fleet/stats.js';

/**
 * /metrics in the Prometheus text format (prom-client). One home: its bus, bridge and link counters,
 * read when scraped (nothing runs between scrapes), plus histograms the panel fills from what it sees
 * on the bus. A fleet: sums over every home and worker, no per-home labels (10,000 homes would be
 * 10,000 series per metric).
 */
const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Value = { value: number; labels?: Record<string, string | number>; metricName?: string };
interface Sample {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Value[];
  aggregator: 'sum';
}

/** A metric whose samples are computed when scraped (prom-client's registry takes any `get()`). */
class Computed {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: Sample['type'],
    readonly compute: () => Value[],
  ) {}
  readonly aggregator = 'sum' as const;
  get(): Sample {
    return { name: this.name, help: this.help, type: this.type, values: this.compute(), aggregator: 'sum' };
  }
  reset(): void {}
}

/** Node's process metrics, less the three gauges prom-client names `_total` (promtool flags them). */
function processMetrics(registry: client.Registry): void {
  client.collectDefaultMetrics({ register: registry, prefix: 'smarthome_process_' });
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
    registry.removeSingleMetric(`smarthome_process_nodejs_${name}`);
}

export function register(
  registry: client.Registry,
  name: string,
  help: string,
  type: Sample['type'],
  compute: () => Value[],
): void {
  registry.registerMetric(new Computed(name, help, type, compute) as unknown as client.Metric);
}

/** What one home's metrics read. */
export interface HomeMetricsSource {
  messagesIn(): number;
  sentByRoute(): Partial<Record<string, number>>;
  errors(): Record<string, number>;
  queueDepth(): number;
  reconnects(): number;
  linkKind(): string;
  linkState(): string;
  serialLines(): { in: number; out: number } | undefined;
  checksumErrors(): number;
}

export interface HomeMetrics {
  registry: client.Registry;
  /** An ack seen on the bus (latency the bridge measured, ms). */
  ack(latencyMs: number): void;
  /** A report seen on the bus, `lateMs` after the time it carries. */
  report(lateMs: number): void;
}

const LINK_STATES = ['starting', 'ready', 'unresponsive', 'disconnected', 'stopped'];

export function homeMetrics(src: HomeMetricsSource): HomeMetrics {
  const registry = new client.Registry();
  processMetrics(registry);
  const ack = new client.Histogram({
    name: 'smarthome_ack_latency_seconds',
    help: 'Command receipt to acknowledgement, as the bridge measured it.',
    buckets: LATENCY_BUCKETS_S,
    registers: [registry],
  });
  const late = new client.Histogram({
    name: 'smarthome_report_lateness_seconds',
    help: 'How long after its own time a report reached a subscriber of the broker.',
    buckets: LATENCY_BUCKETS_S,
    registers: [registry],
  });
  register(registry, 'smarthome_messages_in_total', 'Messages received from the broker, by route.', 'counter', () => [
    { labels: { route: 'command' }, value: src.messagesIn() },
  ]);
  register(registry, 'smarthome_messages_out_total', 'Messages published, by route.', 'counter', () =>
    Object.entries(src.sentByRoute()).map(([route, v]) => ({ labels: { route }, value: v ?? 0 })),
  );
  register(registry, 'smarthome_errors_total', 'Errors counted by the bridge, by code.', 'counter', () =>
    Object.entries(src.errors()).map(([code, v]) => ({ labels: { code }, value: v })),
  );
  register(registry, 'smarthome_queue_depth', 'Reports waiting for the broker.', 'gauge', () => [
    { value: src.queueDepth() },
  ]);
  register(registry, 'smarthome_reconnects_total', 'Reconnections to the broker.', 'counter', () => [
    { value: src.reconnects() },
  ]);
  register(registry, 'smarthome_link_state', 'Link state (1 for the current one).', 'gauge', () => {
    const now = src.linkState();
    return LINK_STATES.map((state) => ({ labels: { kind: src.linkKind(), state }, value: state === now ? 1 : 0 }));
  });
  register(
    registry,
    'smarthome_serial_lines_total',
    'Protocol lines on the serial line, by direction (serial and firmware links).',
    'counter',
    () => {
      const l = src.serialLines();
      return l
        ? [
            { labels: { direction: 'in' }, value: l.in },
            { labels: { direction: 'out' }, value: l.out },
          ]
        : [];
    },
  );
  register(
    registry,
    'smarthome_serial_checksum_errors_total',
    'Lines from the board dropped for a bad checksum.',
    'counter',
    () => [{ value: src.checksumErrors() }],
  );
  return {
    registry,
    ack: (ms) => ack.observe(ms / 1000),
    report: (ms) => late.observe(Math.max(0, ms) / 1000),
  };
}

/** The fleet's metrics from its summed stats (taken once per scrape). */
export function fleetMetrics(stats: () => Promise<FleetStats>): { registry: client.Registry; text(): Promise<string> } {
  const registry = new client.Registry();
  processMetrics(registry);
  let current: FleetStats | undefined;
  const s = (): FleetStats => current!;
  register(registry, 'smarthome_fleet_homes', 'Homes assigned to this process.', 'gauge', () => [{ value: s().homes }]);
  register(registry, 'smarthome_fleet_homes_started', 'Homes whose connection was attempted.', 'gauge', () => [
    { value: s().started },
  ]);
  register(registry, 'smarthome_fleet_homes_connected', 'Homes connected to the broker now.', 'gauge', () => [
    { value: s().connected },
  ]);
  register(registry, 'smarthome_messages_in_total', 'Messages received from the broker, all homes.', 'counter', () => [
    { labels: { route: 'command' }, value: s().messagesIn },
  ]);
  register(registry, 'smarthome_messages_out_total', 'Messages published, all homes.', 'counter', () => [
    { labels: { route: 'all' }, value: s().messagesOut },
  ]);
  register(registry, 'smarthome_fleet_reports_total', 'Sensor readings published, all homes.', 'counter', () => [
    { value: s().reports },
  ]);
  register(registry, 'smarthome_errors_total', 'Error reports and refused connections, all homes.', 'counter', () => [
    { labels: { code: 'all' }, value: s().errors },
  ]);
  register(
    registry,
    'smarthome_reconnects_total',
    'Connections lost after being established, all homes.',
    'counter',
    () => [{ value: s().disconnects }],
  );
  register(
    registry,
    'smarthome_ack_latency_seconds',
    'Command receipt to acknowledgement, all homes.',
    'histogram',
    () => histogramValues('smarthome_ack_latency_seconds', s().ackLatency),
  );
  register(
    registry,
    'smarthome_report_lateness_seconds',
    'How late each report went out against its schedule, all homes.',
    'histogram',
    () => histogramValues('smarthome_report_lateness_seconds', s().lateness),
  );
  return {
    registry,
    // One stats round trip to the workers per scrape, before the metrics read it.
    text: async () => {
      current = await stats();
      return registry.metrics();
    },
  };
}

/** The fleet's fine 4 % buckets (fleet/histogram.ts) folded into Prometheus's cumulative `le` buckets. */
function histogramValues(name: string, counts: readonly number[]): Value[] {
  const upper = (i: number): number => (i === 0 ? 0.01 : 0.01 * 1.04 ** i) / 1000; // bucket i's upper edge, s
  const mid = (i: number): number => (i === 0 ? 0.01 : 0.01 * 1.04 ** (i - 0.5)) / 1000;
  const out: Value[] = [];
  let sum = 0;
  let total = 0;
  let i = 0;
  for (const le of LATENCY_BUCKETS_S) {
    while (i < Math.min(counts.length, HISTOGRAM_BUCKETS) && upper(i) <= le) {
      total += counts[i]!;
      sum += counts[i]! * mid(i);
      i++;
    }
    out.push({ metricName: `${name}_bucket`, labels: { le }, value: total });
  }
  for (; i < counts.length; i++) {
    total += counts[i]!;
    sum += counts[i]! * mid(i);
  }
  out.push(
    { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: total },
    { metricName: `${name}_sum`, value: sum },
    { metricName: `${name}_count`, value: total },
  );
  return out;
}
