/** Writes devices.schema.json from the TypeBox schema (the single source); a test checks it is current. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { devicesJsonSchema } from '../src/config/json-schema.js';

const target = fileURLToPath(new URL('../devices.schema.json', import.meta.url));
writeFileSync(target, devicesJsonSchema());
console.log(`wrote ${target}`);
