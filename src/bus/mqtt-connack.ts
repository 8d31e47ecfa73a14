import { createRequire } from 'node:module';
import type { IConnackPacket } from 'mqtt';

/**
 * mqtt.js's CONNACK handling, without the one statement that costs a fleet 14 MiB.
 *
 * mqtt.js 5.16 starts every CONNACK with `delete client.topicAliasSend` (the broker's topic-alias
 * table of the last connection). V8 deletes fast only the property an object got last; any other
 * turns the object into a dictionary for good: ~1.3 KB more per client, measured as 302 → 288 MiB of
 * RSS for 10,000 homes (`npm run bench -- --only fleet-memory`, docs/performance.md). This handler does
 * what mqtt.js's does, in the same order and with the same errors, and clears the field instead.
 *
 * It replaces the `default` export of mqtt.js's `handlers/connack` module, which mqtt.js's packet
 * dispatch reads at every CONNACK, so it serves every client of the process. mqtt is pinned exactly;
 * `test/bus/mqtt-connack.test.ts` runs mqtt.js's handler and this one through the same cases and fails
 * if they part, and if the dispatch stops calling this one.
 */

/** The parts of an mqtt.js client a CONNACK touches (its fields are private in mqtt.js's types). */
interface ConnackClient {
  options: { protocolVersion?: number; reconnectOnConnackError?: boolean };
  reconnecting: boolean;
  connackReceived: boolean;
  connackTimer: ReturnType<typeof setTimeout> | undefined;
  reconnectSuppressed: boolean;
  topicAliasSend: unknown;
  _serverProperties: IConnackPacket['properties'];
  log(...args: unknown[]): void;
  emit(event: 'error', err: Error): boolean;
  _onConnect(packet: IConnackPacket): void;
  _cleanUp(forced: boolean): void;
  _setupReconnect(): void;
}

interface Pump {
  discardParsedPackets(): void;
}

type ConnackHandler = (client: ConnackClient, packet: IConnackPacket, pump?: Pump) => void;

const require = createRequire(import.meta.url);
const connackModule = require('mqtt/lib/handlers/connack') as { default: ConnackHandler };
const { ReasonCodes } = require('mqtt/lib/handlers/ack') as { ReasonCodes: Record<number, string> };
const { ErrorWithReasonCode } = require('mqtt/lib/shared') as {
  ErrorWithReasonCode: new (message: string, code: number) => Error & { code: number };
};
const TopicAliasSend = (require('mqtt/lib/topic-alias-send') as { default: new (max: number) => unknown }).default;

/** mqtt.js's own handler, kept for the test that holds the two side by side. */
export const mqttJsConnack: ConnackHandler = connackModule.default;

const TOPIC_ALIAS_LIMIT = 0xffff;

export const leanConnack: ConnackHandler = (client, packet, pump) => {
  client.log('_handleConnack');
  const rc = client.options.protocolVersion === 5 ? packet.reasonCode : packet.returnCode;
  if (client.connackReceived) {
    pump?.discardParsedPackets();
    client._cleanUp(true);
    client.emit(
      'error',
      new ErrorWithReasonCode('Protocol error: duplicate CONNACK on the same network connection', 130),
    );
    return;
  }
  client.connackReceived = true;
  clearTimeout(client.connackTimer);
  // The only departure from mqtt.js: cleared, not deleted, so the client keeps its shape.
  client.topicAliasSend = undefined;
  client._serverProperties = packet.properties;
  const aliasMax = packet.properties?.topicAliasMaximum;
  if (aliasMax) {
    if (aliasMax > TOPIC_ALIAS_LIMIT) {
      pump?.discardParsedPackets();
      client._cleanUp(true);
      client.emit('error', new Error('topicAliasMaximum from broker is out of range'));
      return;
    }
    if (aliasMax > 0) client.topicAliasSend = new TopicAliasSend(aliasMax);
  }
  if (rc === 0) {
    client.reconnecting = false;
    client._onConnect(packet);
    return;
  }
  if (rc === undefined || rc < 1) return;
  client.log('_handleConnack :: connection refused with reason code %d', rc);
  pump?.discardParsedPackets();
  client.reconnectSuppressed = true;
  client._cleanUp(true);
  try {
    client.emit('error', new ErrorWithReasonCode(`Connection refused: ${ReasonCodes[rc]}`, rc));
  } finally {
    if (client.options.reconnectOnConnackError) {
      client.reconnectSuppressed = false;
      client._setupReconnect();
    }
  }
};

/** Makes every mqtt.js client of the process use `leanConnack`. Idempotent. */
export function useLeanConnack(): void {
  connackModule.default = leanConnack;
}
