/**
 * MQTT topic helpers and RabbitMQ's topic ↔ routing-key mapping (its MQTT plugin swaps `/`↔`.` and
 * `+`↔`*`, nothing else; docs/rabbitmq.md §2).
 */

/** Does an MQTT topic match a subscription filter (`+` one level, `#` the rest, including none)? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** `webos/smarthome/info` → `webos.smarthome.info`; `+` → `*`. */
export function mqttToAmqp(topic: string): string {
  return topic.replace(/\//g, '.').replace(/\+/g, '*');
}

/** `webos.smarthome.info` → `webos/smarthome/info`; `*` → `+`. */
export function amqpToMqtt(key: string): string {
  return key.replace(/\./g, '/').replace(/\*/g, '+');
}
