import { DevicesSchema } from './schema.js';

/** The shipped JSON Schema text (editors complete devices.json with it). */
export function devicesJsonSchema(): string {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://smarthome-bridge.local/devices.schema.json',
    ...JSON.parse(JSON.stringify(DevicesSchema)),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
