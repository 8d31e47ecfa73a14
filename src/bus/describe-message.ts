import {
  COLOUR_NAMES,
  EFFECT_NAMES,
  MODE_NAMES,
  describeCommand,
  describeStatus,
  isValidCommand,
} from '../home/status-codec.js';
import { isBridgeError } from '../core/errors.js';
import { decodeRequest, type JsonControl } from './command-decoder.js';
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
      return `not JSON: ${shown(text, 120)}`;
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
          if (m['error'])
            return `${from}: ${String(m['applied'])} FAILED (${String(m['error'])}), status ${String(m['status'])}`;
          return (
            `${from}: applied ${String(m['applied'])} → status ` +
            `${String(m['status'])}${m['changed'] ? '' : ' (no change)'}`
          );
        }
        return m['event'] === 'button'
          ? `${who} ${home}button ${String(m['button'])} held`
          : `${who} ${home}window ${m['open'] ? 'opened' : 'closed'} by hand`;
      case 'ack':
        return (
          `${who} ${home}ack${m['id'] !== undefined ? ` id ${String(m['id'])}` : ''}: ${String(m['request'])} → ` +
          `${String(m['status'])}${m['changed'] ? '' : ' (no change)'} in ${String(m['latencyMs'])} ms`
        );
      case 'error': {
        const payload = typeof m['excerpt'] === 'string' ? ` (payload ${shown(m['excerpt'], 80)})` : '';
        return (
          `${who} ${home}ERROR ${String(m['code'])}${m['id'] !== undefined ? ` id ${String(m['id'])}` : ''}: ` +
          `${String(m['reason'])}${payload}`
        );
      }
      case 'availability':
        return `${who} ${home}is ${String(m['state'])}${m['link'] ? ` (link ${String(m['link'])})` : ''}`;
      case 'health':
        return `${who} ${home}health: ${describeHealth(m)}`;
      case 'control':
        return `${who} ${describeControlPayload(payload)}`;
      default:
        return `${who} ${cmd} ${shown(trimmed, 160)}`;
    }
  }
  return `text ${shown(text, 120)}${topic.endsWith('/error') || topic.endsWith('/warning') ? ' (error text)' : ''}`;
}

/**
 * Untrusted text as it is, cut, on one line: line breaks and tabs become spaces and other control
 * characters a replacement mark, so a payload cannot break the watch layout or drive the terminal.
 */
function shown(text: string, max: number): string {
  return excerpt(text, max)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\x00-\x1f\x7f\x9b]/g, '\ufffd');
}

/** A JSON control command decoded like a report: what it asks for, or why the bridge will reject it. */
function describeControlPayload(payload: Buffer): string {
  let control: JsonControl;
  let id: unknown;
  try {
    const request = decodeRequest(payload, Number.MAX_SAFE_INTEGER);
    if (request.kind !== 'control' || request.format !== 'json')
      return `control ${shown(payload.toString('utf8'), 160)}`;
    control = request.control;
    id = request.id;
  } catch (e) {
    if (!isBridgeError(e)) throw e;
    return `control (invalid: ${e.message}) ${shown(payload.toString('utf8').trim(), 160)}`;
  }
  return `control${id !== undefined ? ` id ${String(id)}` : ''}: ${describeControl(control)}`;
}

export function describeControl(c: JsonControl): string {
  const parts: string[] = [];
  if (c.mode !== undefined) parts.push(`mode ${MODE_NAMES[c.mode] ?? c.mode}`);
  if (c.aircon !== undefined) {
    const a = typeof c.aircon === 'boolean' ? { enabled: c.aircon } : c.aircon;
    parts.push(a.enabled === false ? 'aircon off' : `aircon on${a.power !== undefined ? ` (power ${a.power})` : ''}`);
  }
  if (c.light !== undefined) {
    const l = typeof c.light === 'boolean' ? { enabled: c.light } : c.light;
    const values = [
      l.color !== undefined ? COLOUR_NAMES[l.color] : undefined,
      l.brightness !== undefined ? `brightness ${l.brightness}` : undefined,
      l.effect !== undefined ? EFFECT_NAMES[l.effect] : undefined,
    ].filter((v) => v !== undefined);
    parts.push(l.enabled === false ? 'light off' : `light on${values.length > 0 ? ` (${values.join(', ')})` : ''}`);
  }
  const openClose = (v: JsonControl['window']): string => (v === true || v === 'open' ? 'open' : 'close');
  if (c.window !== undefined) parts.push(`window ${openClose(c.window)}`);
  if (c.gasValve !== undefined) parts.push(`gas valve ${openClose(c.gasValve)}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing named (mode individual, everything kept)';
}
