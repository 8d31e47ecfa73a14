import { afterEach, describe, expect, it } from 'vitest';
import { parseDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { MqttRecorder, type Seen } from '../support/mqtt-recorder.js';
import type { Rig, RigFactory } from './rig.js';

// Every reading published (mode period): the test follows the room minute by minute.
const config = parseDevicesConfig({ bus: { healthPeriodMs: 0, sensorReports: { mode: 'period' } } });
const fromBridge = (command: string) => (m: Seen) =>
  m.json?.['Producer'] === 'smarthome' && m.json['command'] === command;

/**
 * The same home seen from the bus: the link behind the runtime and an embedded broker, driven by a real
 * MQTT client. A command is acknowledged and reported; a bad one gets its error report; an air-con
 * switched on from the bus cools the room the sensor reports then show.
 */
export function busConformance(name: string, factory: RigFactory): void {
  describe(`the ${name} link on the bus`, () => {
    let rig: Rig | undefined;
    let runtime: Runtime | undefined;
    let bus: MqttRecorder | undefined;
    afterEach(async () => {
      await bus?.close();
      await runtime?.stop();
      await rig?.close();
    });

    it('bus command → acknowledgement and status report; a bad command → its error; air-con on → cooler sensor ' +
      'reports', async () => {
      rig = await factory();
      runtime = await startRuntime({
        config,
        link: rig.link,
        logger: silentLogger(),
        embeddedBroker: { host: '127.0.0.1', port: 0 },
      });
      bus = await MqttRecorder.connect(runtime.brokerUrl, ['webos/#']);

      let mark = bus.mark();
      await bus.publish('webos/smarthome/info', '016155010');
      const ack = await bus.next(
        (m) => fromBridge('ack')(m) && m.json!['request'] === '016155010',
        mark,
        10_000,
        'ack',
      );
      expect(ack.json).toMatchObject({ status: '016155010', changed: true });
      const status = await bus.next(
        (m) => fromBridge('status')(m) && m.json!['status'] === '016155010',
        mark,
        10_000,
        'status report',
      );
      expect(status.json).toMatchObject({ cause: 'command' });

      mark = bus.mark();
      await bus.publish('webos/smarthome/info', '016158010');
      const error = await bus.next(fromBridge('error'), mark, 10_000, 'error report');
      expect(error.json).toMatchObject({ code: 'STATUS_RANGE' });

      rig.physical.setConditions({ indoorTemperature: 27 });
      mark = bus.mark();
      await bus.publish('webos/smarthome/info', '019000000');
      await bus.next((m) => fromBridge('ack')(m) && m.json!['request'] === '019000000', mark, 10_000, 'ack');
      await rig.advance(20 * 60_000);
      const temps = (): number[] =>
        bus!
          .since(mark)
          .filter((m) => fromBridge('sensor')(m) && m.json!['sensor'] === 'climate')
          .map((m) => m.json!['temp'] as number);
      // One reading a minute (the bus delivers them a moment after the device time that made them).
      await expect.poll(() => temps().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(19);
      // Power 9 for 20 minutes: about 1.5 °C cooler.
      expect(temps()[0]! - temps().at(-1)!).toBeGreaterThan(1);
    }, 300_000);
  });
}
