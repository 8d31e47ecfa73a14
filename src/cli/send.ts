import mqtt from 'mqtt';
import type { Argv, CommandModule } from 'yargs';
import { describeStatus } from '../home/status-codec.js';
import {
  brokerOptions,
  DURATION_HELP,
  parseDuration,
  readConfig,
  readPassword,
  readTls,
  type BrokerArgs,
} from './common.js';
import { describeMessage } from '../bus/describe-message.js';
import { redactUrl } from '../bus/client.js';
import { excerpt } from '../bus/payloads.js';
import { idOf } from '../bus/command-decoder.js';
import { formatMs } from '../harness/duration.js';

interface SendArgs extends BrokerArgs {
  payload: string;
  topic: string;
  timeout: string;
  json: boolean;
}

/** Exit codes: 0 acknowledged, 1 the bridge reported an error, 3 no answer in time, 2 broker refused. */
export const sendCommand: CommandModule<object, SendArgs> = {
  command: 'send <payload>',
  describe: 'Send a command (a 9-digit string or JSON) and print the acknowledgement and the resulting status.',
  builder: (y) =>
    brokerOptions(y)
      .positional('payload', {
        type: 'string',
        demandOption: true,
        describe: 'e.g. 016155010 or \'{"command":"control","aircon":{"power":6}}\'',
      })
      .option('topic', {
        type: 'string',
        default: 'webos/smarthome/info',
        describe: 'Topic to send on (Android uses webos/smarthome).',
      })
      .option('timeout', {
        type: 'string',
        default: '5s',
        describe: `How long to wait for the acknowledgement (${DURATION_HELP}).`,
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the acknowledgement as JSON.' })
      .example('$0 send 016155010', 'aircon on at power 6, light on purple, window open')
      .example(
        '$0 send \'{"Producer":"car","command":"control","window":"open","id":"42"}\'',
        'a JSON command with an id',
      ) as unknown as Argv<SendArgs>,
  handler: async (a) => {
    const config = await readConfig(a);
    const url = a.broker ?? 'mqtt://127.0.0.1:1883';
    const timeoutMs = parseDuration(a.timeout, '--timeout');
    const { payload, id } = withRequestId(a.payload);
    const mine = answerMatcher(payload, id, a.topic);
    const routes = config.bus.routes;
    const tls = readTls(a);
    const password = readPassword(a);
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: `smarthome-send-${process.pid}`,
      reconnectPeriod: 0,
      connectTimeout: Math.min(timeoutMs, 10_000),
      ...(a.username ? { username: a.username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls ?? {}),
    });
    const done = (code: number, text: string): void => {
      (code === 0 ? process.stdout : process.stderr).write(`${text}\n`);
      client.end(true);
      process.exit(code);
    };
    const timer = setTimeout(
      () =>
        done(
          3,
          `no acknowledgement within ${formatMs(timeoutMs)}: is a smarthome-bridge serving on ${redactUrl(url)}?`,
        ),
      timeoutMs,
    );
    client.on('error', (e: Error & { code?: unknown }) => {
      clearTimeout(timer);
      done(e.code === 4 || e.code === 5 ? 2 : 3, `send: ${e.message}`);
    });
    client.on('connect', () => {
      const filters = [...new Set([routes.ack.topic, routes.error.topic])];
      client.subscribe(filters, { qos: 1 }, () => client.publish(a.topic, payload, { qos: 0 }));
    });
    client.on('message', (topic, buf) => {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
      } catch {
        return;
      }
      if (m['Producer'] !== 'smarthome' || !mine(m)) return;
      clearTimeout(timer);
      if (m['command'] === 'ack') {
        const status = String(m['status']);
        const out = a.json
          ? JSON.stringify(m)
          : `${describeMessage(topic, buf)}\nstatus ${status}: ${describeStatus(status)}`;
        done(0, out);
      } else if (m['command'] === 'error') {
        done(1, a.json ? JSON.stringify(m) : `error ${String(m['code'])}: ${String(m['reason'])}`);
      }
    });
    await new Promise(() => undefined);
  },
};

/**
 * A JSON object command gets an id (unless it has one), so its ack or error report is known by it.
 * Anything else (a 9-digit string, text that is not JSON) is sent exactly as typed.
 */
export function withRequestId(typed: string): { payload: string; id?: string | number } {
  if (!typed.trim().startsWith('{')) return { payload: typed };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typed);
  } catch {
    return { payload: typed };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { payload: typed };
  const obj = parsed as Record<string, unknown>;
  const given = obj['id'];
  // An id the bridge cannot echo (negative, too long, …) leaves its error report matched by excerpt.
  if (given !== undefined)
    return { payload: typed, ...(idOf(given) !== undefined ? { id: given as string | number } : {}) };
  const id = `send-${process.pid}-${Date.now() % 100_000}`;
  return { payload: JSON.stringify({ ...obj, id }), id };
}

/**
 * Tells the bridge's answer to this request among everything on the report topics: by the id when the
 * request has one; otherwise an ack by the command it applied, and an error report by the topic it came
 * from and its excerpt of the payload (the bridge's own excerpt function, so escaping and cut agree).
 */
export function answerMatcher(
  payload: string,
  id: string | number | undefined,
  topic: string,
): (m: Record<string, unknown>) => boolean {
  if (id !== undefined) return (m) => m['id'] === id;
  const cut = excerpt(Buffer.from(payload, 'utf8'));
  const command = payload.trim();
  return (m) => {
    if (m['id'] !== undefined) return false;
    if (m['command'] === 'ack') return m['request'] === command;
    return m['command'] === 'error' && m['source'] === topic && m['excerpt'] === cut;
  };
}
