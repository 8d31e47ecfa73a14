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

/** Known failures print one clear line and exit 2; anything else is a bug and shows its stack. */
function fail(e: unknown): never {
  if (isBridgeError(e)) {
    process.stderr.write(`smarthome-bridge: ${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof Error && !e.stack?.includes('/src/') && !e.stack?.includes('/dist/')) {
    process.stderr.write(`smarthome-bridge: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`smarthome-bridge: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(70);
}

process.on('unhandledRejection', fail);

await yargs(hideBin(process.argv))
  .scriptName('smarthome-bridge')
  .usage('$0 [command] [options]\n\nThe Car2Home smarthome in software: a virtual smarthome, or a bridge from an Arduino Uno to the Car2Home MQTT bus.')
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
  .demandCommand(0)
  .recommendCommands()
  .version(VERSION)
  .help()
  .alias('h', 'help')
  .epilogue('Docs: README.md, docs/. Passwords come from $SMARTHOME_BRIDGE_PASSWORD or --password-file.')
  .fail((msg, err) => {
    if (err) fail(err);
    process.stderr.write(`smarthome-bridge: ${msg}\nRun smarthome-bridge --help for usage.\n`);
    process.exit(2);
  })
  .parseAsync()
  .catch(fail);
