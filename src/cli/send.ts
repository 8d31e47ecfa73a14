import mqtt from 'mqtt';
import type { Argv, CommandModule } from 'yargs';
import { describeStatus } from '../home/status-codec.js';
import { brokerOptions, parseDuration, readConfig, readPassword, readTls, type BrokerArgs } from './common.js';
import { describeMessage } from '../bus/describe-message.js';

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
      .positional('payload', { type: 'string', demandOption: true, describe: 'e.g. 016155010 or \'{"command":"control","aircon":{"power":6}}\'' })
      .option('topic', { type: 'string', default: 'webos/smarthome/info', describe: 'Topic to send on (Android uses webos/smarthome).' })
      .option('timeout', { type: 'string', default: '5s', describe: 'How long to wait for the acknowledgement.' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the acknowledgement as JSON.' })
      .example('$0 send 016155010', 'aircon on at power 6, light on purple, window open')
      .example('$0 send \'{"Producer":"car","command":"control","window":"open","id":"42"}\'', 'a JSON command with an id') as unknown as Argv<SendArgs>,
  handler: async (a) => {
    const config = await readConfig(a);
    const url = a.broker ?? 'mqtt://127.0.0.1:1883';
    const timeoutMs = parseDuration(a.timeout);
    let payload = a.payload;
    let id: unknown;
    if (payload.trim().startsWith('{')) {
      try {
        const obj = JSON.parse(payload) as Record<string, unknown>;
        if (obj['id'] === undefined) obj['id'] = `send-${process.pid}-${Date.now() % 100000}`;
        id = obj['id'];
        payload = JSON.stringify(obj);
      } catch {
        // Sent as is: the bridge answers with its own error report, which is what the user wants to see.
      }
    }
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
    const timer = setTimeout(() => done(3, `no acknowledgement within ${a.timeout}: is a smarthome-bridge serving on ${url}?`), timeoutMs);
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
      if (m['Producer'] !== 'smarthome') return;
      const mine = id !== undefined ? m['id'] === id : m['id'] === undefined && (m['request'] === payload.trim() || m['excerpt'] === payload.trim().slice(0, 64));
      if (!mine) return;
      clearTimeout(timer);
      if (m['command'] === 'ack') {
        const status = String(m['status']);
        const out = a.json ? JSON.stringify(m) : `${describeMessage(topic, buf)}\nstatus ${status}: ${describeStatus(status)}`;
        done(0, out);
      } else if (m['command'] === 'error') {
        done(1, a.json ? JSON.stringify(m) : `error ${String(m['code'])}: ${String(m['reason'])}`);
      }
    });
    await new Promise(() => undefined);
  },
};
