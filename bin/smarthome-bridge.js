#!/usr/bin/env node
// The `smarthome-bridge` command. It runs the compiled CLI in dist/ when that is current, and otherwise
// (a fresh clone, or sources edited since the last build) the TypeScript sources through tsx, so
// `npx smarthome-bridge …` works without a build step and never runs stale code.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { COMPILED_MAIN, SOURCE_MAIN, distIsCurrent } from './dist-status.js';

if (distIsCurrent()) {
  await import(pathToFileURL(COMPILED_MAIN).href);
} else if (existsSync(SOURCE_MAIN)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(SOURCE_MAIN).href);
} else {
  process.stderr.write(`smarthome-bridge: neither ${COMPILED_MAIN} nor ${SOURCE_MAIN} exists; reinstall the package\n`);
  process.exit(2);
}
