import type { DevicesConfig } from '../config/schema.js';
import { mqttToAmqp } from '../core/topics.js';
import type { BootStatus } from '../restore.js';

/**
 * One line for `run`'s start: where the reports go (MQTT topic and AMQP key), how often sensors speak,
 * and which status the home came back with.
 *   reports on webos/report/smarthome/info (AMQP webos.report.smarthome.info), error reports on …; sensors on
 *   change (±0.5 °C, ±3 % RH, rain) and every 15 min; status 016155010 restored from rtdb-file
 */
export function whereReportsGo(config: DevicesConfig, restored: BootStatus): string {
  const routes = config.bus.routes;
  const topics = new Map<string, string[]>();
  for (const [name, r] of Object.entries(routes)) topics.set(r.topic, [...(topics.get(r.topic) ?? []), name]);
  // The topic most routes share is "reports"; the others are named by their routes.
  const groups = [...topics].sort((x, y) => y[1].length - x[1].length);
  const where = groups
    .map(
      ([topic, names], i) =>
        `${i === 0 ? 'reports' : `${names.join('/')} reports`} on ${topic} (AMQP ${mqttToAmqp(topic)})`,
    )
    .join(', ');
  const s = config.bus.sensorReports;
  const sensors =
    s.mode === 'period'
      ? `sensors every reading (climate ${seconds(config.sensors.climate.periodMs)}, rain ` +
        `${seconds(config.sensors.rain.periodMs)})`
      : `sensors on change (±${s.deadBand.temperature} °C, ±${s.deadBand.humidity} % RH, rain) and every ` +
        `${seconds(s.heartbeatMs)}`;
  const status =
    restored.from === 'default'
      ? `status ${restored.status} (nothing stored)`
      : `status ${restored.status} restored from ${restored.from}`;
  return `${where}; ${sensors}; ${status}`;
}

const seconds = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);
