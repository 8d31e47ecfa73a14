/**
 * One end-to-end bus suite (test/e2e/support/bus-suite.ts), three brokers: the embedded aedes, mosquitto
 * (the broker many users run instead of RabbitMQ) and RabbitMQ with the production MQTT configuration.
 * The shared brokers come from .ci/run; the restart scenario starts a private broker of each kind (one
 * RabbitMQ cold start and restart: the slow one).
 */
import { existsSync } from 'node:fs';
import { afterAll } from 'vitest';
import { startEmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { inCI, requireService } from '../support/brokers.js';
import { aedesProcess, mosquittoProcess, rabbitmqProcess } from '../faults/support/restartable-brokers.js';
import { describeBusSuite } from './support/bus-suite.js';

const embedded = await startEmbeddedBroker({ port: 0 });
afterAll(() => embedded.close());

const mosquittoUrl = requireService('mosquitto');
const rabbitmqUrl = requireService('rabbitmq-mqtt');
const hasMosquitto = existsSync('/usr/sbin/mosquitto') || inCI();
const hasRabbitmq = existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') || inCI();

describeBusSuite({ name: 'the embedded broker (aedes)', url: embedded.url, restartable: aedesProcess });
describeBusSuite({ name: 'mosquitto', url: mosquittoUrl, restartable: hasMosquitto ? mosquittoProcess : undefined });
describeBusSuite({
  name: 'RabbitMQ',
  url: rabbitmqUrl,
  restartable: hasRabbitmq ? rabbitmqProcess : undefined,
  restartTimeoutMs: 240_000,
});
