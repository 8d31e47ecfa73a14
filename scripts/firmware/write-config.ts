/**
 * Generates firmware/smarthome/config.h from devices.json (the single source of the sketch's pins and
 * timings; the table is src/config/board-build.ts). `--check` writes nothing and fails when the
 * committed config.h is not what devices.json gives, naming the first field that differs. Run by
 * scripts/firmware/build.sh. `--devices FILE` and `--header FILE` name other files (tests).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BOARD_BUILD, BUILD_GROUPS, configValue, type BuildField } from '../../src/config/board-build.js';
import { loadDevicesConfig } from '../../src/config/load.js';
import type { DevicesConfig } from '../../src/config/schema.js';

const TARGET = fileURLToPath(new URL('../../firmware/smarthome/config.h', import.meta.url));
const RELATIVE = 'firmware/smarthome/config.h';

const C_TYPES: Record<BuildField['kind'], string> = { pin: 'uint8_t', ms: 'uint32_t', uint8: 'uint8_t', flag: 'bool' };

/** A pin as the Arduino core names it: D2 → 2, A1 → A1. */
function cValue(field: BuildField, value: unknown): string {
  if (field.kind === 'pin') return String(value).replace(/^D/, '');
  if (field.kind === 'flag') return value ? 'true' : 'false';
  return field.kind === 'ms' ? `${String(value)}UL` : String(value);
}

export function configHeader(config: DevicesConfig): string {
  const lines = [
    '// Generated from devices.json by scripts/firmware/write-config.ts (npm run firmware:build): do not edit.',
    '// npm run firmware:check fails when this file is not what devices.json gives. The sketch reports these',
    '// values back in its CFG lines (docs/serial-protocol.md §5.1); the host refuses a board built otherwise.',
    '#ifndef SMARTHOME_CONFIG_H',
    '#define SMARTHOME_CONFIG_H',
    '',
    '#include <Arduino.h>',
  ];
  for (const group of BUILD_GROUPS) {
    lines.push('', `// ${group}`);
    for (const field of BOARD_BUILD[group]) {
      const value = configValue(config, field.path);
      lines.push(
        `const ${C_TYPES[field.kind]} ${field.constant} = ${cValue(field, value)};  // ${field.path}: ` +
          `${JSON.stringify(value)}`,
      );
    }
  }
  lines.push('', '#endif', '');
  return lines.join('\n');
}

/** The first field whose line in `committed` differs from `header`'s, as `path is X there, Y in <source>`. */
function staleField(committed: string, header: string, source: string): string | undefined {
  const valueIn = (text: string, constant: string): string | undefined =>
    new RegExp(`^const \\w+ ${constant} = [^;]*;  // [\\w.]+: (.*)$`, 'm').exec(text)?.[1];
  for (const field of BUILD_GROUPS.flatMap((g) => BOARD_BUILD[g] as readonly BuildField[])) {
    const was = valueIn(committed, field.constant);
    const now = valueIn(header, field.constant);
    if (was !== now) return `${field.path} is ${was ?? 'missing'} there, ${now} in ${source}`;
  }
  return undefined;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const devices = option('--devices');
  const target = option('--header') ?? TARGET;
  const header = configHeader(await loadDevicesConfig(devices));
  if (!check) {
    writeFileSync(target, header);
    console.log(`wrote ${RELATIVE} from devices.json`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing: stale as well
  }
  if (committed !== header) {
    const source = devices ?? 'devices.json';
    const field = staleField(committed, header, source);
    console.error(
      `firmware check: ${RELATIVE} is not generated from ${source}${field ? ` (${field})` : ''}; ` +
        'run npm run firmware:build and commit it',
    );
    process.exit(1);
  }
  console.log(`firmware check: ${RELATIVE} matches devices.json`);
}

main().catch((e: unknown) => {
  console.error(`firmware config: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
