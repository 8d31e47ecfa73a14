/**
 * mqtt.js logs through `debug` some fifteen times per publish and several times per received packet,
 * each call checking whether the namespace is enabled (and formatting its arguments): with many
 * connections about a tenth of its CPU per message, and ~7 % of a verifier's JavaScript time at 20,000
 * reports a second. Only when DEBUG asks for mqttjs is mqtt.js's own logger kept.
 */
const wanted = /mqttjs/.test(process.env['DEBUG'] ?? '');

/** Spread into mqtt.js client options: `{ log }` that does nothing, or nothing when DEBUG names mqttjs. */
export const mqttLogOption: { log?: () => void } = wanted ? {} : { log: () => undefined };
