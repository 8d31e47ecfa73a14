import { describeCommand, describeStatus, isValidCommand } from '../home/status-codec.js';
import { excerpt } from './payloads.js';
import { describeHealth } from './describe-health.js';

/** One bus message spelled out for people: who sent what, status strings decoded. */
export function describeMessage(topic: string, payload: Buffer): string {
  const text = payload.toString('utf8');
  const trimmed = text.trim();
  if (/^\d{9}$/.test(trimmed)) {
    return isValidCommand(trimmed) ? `command ${trimmed}: ${describeCommand(trimmed)}` : `command ${trimmed} (invalid)`;
  }
  if (trimmed.startsWith('{')) {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      return `not JSON: "${excerpt(text, 120)}"`;
    }
    const who = typeof m['Producer'] === 'string' ? m['Producer'] : '?';
    const home = typeof m['home'] === 'string' ? `[${m['home']}] ` : '';
    const cmd = String(m['command'] ?? '?');
    switch (cmd) {
      case 'status':
        if (who === 'smarthome' && typeof m['status'] === 'string' && /^\d{9}$/.test(m['status'])) {
          return `${who} ${home}status ${m['status']} (${String(m['cause'])}): ${describeStatus(m['status'])}`;
        }
        return `${who} asks for the status${m['id'] !== undefined ? ` (id ${String(m['id'])})` : ''}`;
      case 'sensor':
        return m['sensor'] === 'climate'
          ? `${who} ${home}climate ${String(m['temp'])} °C, ${String(m['humi'])} % RH`
          : `${who} ${home}rain ${m['rain'] === 1 ? 'raining' : 'dry'}`;
      case 'event':
        if (m['event'] === 'emergency') {
          const from = `${who} ${home}EMERGENCY from ${String(m['exchange'])}`;
          if (m['error']) return `${from}: ${String(m['applied'])} FAILED (${String(m['error'])}), status ${String(m['status'])}`;
          return `${from}: applied ${String(m['applied'])} → status ${String(m['status'])}${m['changed'] ? '' : ' (no change)'}`;
        }
        return m['event'] === 'button' ? `${who} ${home}button ${String(m['button'])} held` : `${who} ${home}window ${m['open'] ? 'opened' : 'closed'} by hand`;
      case 'ack':
        return `${who} ${home}ack${m['id'] !== undefined ? ` id ${String(m['id'])}` : ''}: ${String(m['request'])} → ${String(m['status'])}${m['changed'] ? '' : ' (no change)'} in ${String(m['latencyMs'])} ms`;
      case 'error':
        return `${who} ${home}ERROR ${String(m['code'])}${m['id'] !== undefined ? ` id ${String(m['id'])}` : ''}: ${String(m['reason'])}`;
      case 'availability':
        return `${who} ${home}is ${String(m['state'])}${m['link'] ? ` (link ${String(m['link'])})` : ''}`;
      case 'health':
        return `${who} ${home}health: ${describeHealth(m)}`;
      case 'control':
        return `${who} control ${excerpt(trimmed, 160)}`;
      default:
        return `${who} ${cmd} ${excerpt(trimmed, 160)}`;
    }
  }
  return `text "${excerpt(text, 120)}"${topic.endsWith('/error') || topic.endsWith('/warning') ? ' (error text)' : ''}`;
}
