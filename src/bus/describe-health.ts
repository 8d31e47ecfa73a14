/** A health report spelled out on one line for `watch`: traffic, connection, queue, latencies, errors by cause. */
export function describeHealth(m: Record<string, unknown>): string {
  const c = (m['counters'] ?? {}) as Record<string, number>;
  const n = (k: string): number => (typeof c[k] === 'number' ? c[k] : 0);
  const group = (prefix: string): string =>
    Object.entries(c)
      .filter(([k, v]) => k.startsWith(prefix) && v > 0)
      .map(([k, v]) => `${k.slice(prefix.length)}=${v}`)
      .join(' ');
  const latency = (key: string): string => {
    const l = m[key] as { p50?: number; p99?: number; count?: number } | undefined;
    return l && (l.count ?? 0) > 0 ? `${l.p50 ?? 0}/${l.p99 ?? 0} ms` : '-';
  };
  const parts = [
    `up ${uptime(Number(m['uptimeS'] ?? 0))}`,
    `in ${n('messagesIn')}, out ${n('messagesOut')}`,
    `reconnects ${n('reconnects')}${n('pubackTimeouts') ? ` (${n('pubackTimeouts')} after a PUBACK timeout)` : ''}`,
    `queue ${String(m['queueDepth'] ?? 0)}, in flight ` +
      `${n('inflight')}${'queueFile.pending' in c ? `, journalled ${n('queueFile.pending')}` : ''}` +
      `${n('queueFile.corrupt') ? ` (${n('queueFile.corrupt')} corrupt lines skipped)` : ''}`,
    `dropped ${group('dropped.') || 'none'}`,
    `command ack p50/p99 ${latency('ackLatencyMs')}, broker ack ${latency('pubackLatencyMs')}`,
    'errors ' +
      `${group('error.') || 'none'}` +
      `${n('errorReportsSuppressed') ? ` (${n('errorReportsSuppressed')} reports suppressed)` : ''}`,
  ];
  const link = group('link.');
  if (link) parts.push(`link ${link}`);
  return parts.join('; ');
}

function uptime(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
