import mqtt from 'mqtt';
import type { Argv, CommandModule } from 'yargs';
import { brokerOptions, readPassword, readTls, type BrokerArgs } from './common.js';
import { describeMessage } from '../bus/describe-message.js';

interface WatchArgs extends BrokerArgs {
  topic: string;
  raw: boolean;
  count?: number;
}

export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch',
  describe: 'Show the bus live, decoded: who sent what, status strings spelled out.',
  builder: (y) =>
    brokerOptions(y)
      .option('topic', { type: 'string', default: 'webos/#', describe: 'Filter to watch.' })
      .option('raw', { type: 'boolean', default: false, describe: 'Also print the raw payload.' })
      .option('count', { type: 'number', describe: 'Exit after this many messages.' })
      .example('$0 watch', 'everything under webos/ on the local broker, decoded')
      .example(
        '$0 watch --broker mqtt://rabbit:1883 --topic "webos/report/#" --raw',
        'reports on a production broker, with the raw payloads',
      ) as unknown as Argv<WatchArgs>,
  handler: async (a) => {
    const url = a.broker ?? 'mqtt://127.0.0.1:1883';
    const tls = readTls(a);
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: `smarthome-watch-${process.pid}`,
      reconnectPeriod: 1000,
      ...(a.username ? { username: a.username } : {}),
      ...(readPassword(a) !== undefined ? { password: readPassword(a) } : {}),
      ...(tls ?? {}),
    });
    let seen = 0;
    client.on('connect', () => {
      // Said once the broker granted the subscription: from then on nothing sent is missed.
      client.subscribe(a.topic, { qos: 0 }, (e) => {
        if (!e) process.stderr.write(`watching ${a.topic} on ${url}\n`);
      });
    });
    client.on('error', (e: Error & { code?: unknown }) => {
      process.stderr.write(`watch: ${e.message}\n`);
      if (e.code === 4 || e.code === 5) process.exit(2);
    });
    client.on('message', (topic, payload) => {
      const time = new Date().toISOString().slice(11, 23);
      process.stdout.write(`${time} ${topic.padEnd(28)} ${describeMessage(topic, payload)}\n`);
      if (a.raw) process.stdout.write(`${' '.repeat(13)}${payload.toString('utf8').slice(0, 500)}\n`);
      if (a.count !== undefined && ++seen >= a.count) client.end(false, {}, () => process.exit(0));
    });
    const stop = (): void => void client.end(false, {}, () => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await new Promise(() => undefined);
  },
};
