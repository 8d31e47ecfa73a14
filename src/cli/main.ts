#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isBridgeError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { runCommand } from './run.js';
import { sendCommand } from './send.js';
import { watchCommand } from './watch.js';
import { scenarioCommand } from './scenario.js';
import { recordCommand } from './record.js';
import { fleetCommand } from './fleet.js';
import { verifyCommand } from './verify.js';
import { portsCommand } from './ports.js';
import { firmwareCommand } from './firmware.js';
import { virtualArduinoCommand } from './virtual-arduino.js';
import { joinDashedValues, refuseBadValues } from './option-values.js';

/** The command words of this invocation (`scenario run`, `send`, …), to point at the right --help. */
function commandWords(): string {
  const [first, second] = hideBin(process.argv);
  const subcommands: Record<string, string[]> = { scenario: ['run'], firmware: ['path', 'build'] };
  const known = ['run', 'send', 'watch', 'record', 'fleet', 'ports', 'virtual-arduino', ...Object.keys(subcommands)];
  if (first === undefined || !known.includes(first)) return 'smarthome-bridge';
  return subcommands[first]?.includes(second ?? '')
    ? `smarthome-bridge ${first} ${second}`
    : `smarthome-bridge ${first}`;
}

/** Known failures print one clear line and exit 2; anything else is a bug and shows its stack. */
function fail(e: unknown): never {
  if (isBridgeError(e)) {
    process.stderr.write(`smarthome-bridge: ${oneLine(e.message)}\n`);
    process.exit(2);
  }
  if (e instanceof Error && !e.stack?.includes('/src/') && !e.stack?.includes('/dist/')) {
    process.stderr.write(`smarthome-bridge: ${oneLine(e.message)}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `smarthome-bridge: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(70);
}

/** A usage error is one line, however many its message has (several bad scenario files, say). */
function oneLine(text: string): string {
  return text
    .trim()
    .split(/\s*\n\s*/)
    .join('; ');
}

process.on('unhandledRejection', fail);

const args = joinDashedValues(hideBin(process.argv));

await yargs(args)
  .scriptName('smarthome-bridge')
  .usage(
    '$0 [command] [options]\n\nThe Car2Home smarthome in software: a virtual smarthome, or a bridge from an ' +
      'Arduino Uno to the Car2Home MQTT bus.',
  )
  .command(runCommand)
  .command(sendCommand)
  .command(watchCommand)
  .command(scenarioCommand)
  .command(recordCommand)
  .command(fleetCommand)
  .command(verifyCommand)
  .command(portsCommand)
  .command(firmwareCommand)
  .command(virtualArduinoCommand)
  .strict()
  .check((argv, options: { number?: string[]; string?: string[] }) =>
    refuseBadValues(argv, args, [...(options.number ?? []), ...(options.string ?? [])]),
  )
  .demandCommand(0)
  .recommendCommands()
  .version(VERSION)
  .help()
  .alias('h', 'help')
  .example('$0', 'a virtual smarthome with an embedded MQTT broker on 127.0.0.1:1883')
  .example('$0 send 016155010', 'in another terminal: aircon on at power 6, light on purple, window open')
  .example(
    '$0 --link serial --port /dev/ttyACM0 --broker mqtt://rabbit.example:1883 --client-id smarthome-livingroom',
    'bridge a real Uno to a production broker',
  )
  .example('$0 <command> --help', 'options and examples of one command')
  .epilogue('Docs: README.md, docs/. Passwords come from $SMARTHOME_BRIDGE_PASSWORD or --password-file.')
  .fail((msg, err) => {
    if (err) fail(err);
    process.stderr.write(`smarthome-bridge: ${oneLine(msg ?? 'bad usage')} (see ${commandWords()} --help)\n`);
    process.exit(2);
  })
  .parseAsync()
  .catch(fail);
