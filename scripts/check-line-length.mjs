#!/usr/bin/env node
// No source line over 120 characters (Biome's lineWidth, which the formatter cannot enforce on long
// strings and comments). Lists each offending file:line and exits 1. Run by `npm run lint`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const PATTERNS = [
  'src/*.ts',
  'test/*.ts',
  'bench/*.ts',
  'scripts/*.ts',
  'src/*.js',
  'scripts/*.mjs',
  'bin/*.js',
  'vitest.config.ts',
];

const files = execFileSync('git', ['ls-files', '--', ...PATTERNS], { encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
let offending = 0;
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const length = [...line].length;
    if (length > MAX) {
      offending++;
      console.log(`${file}:${i + 1}: ${length} characters (at most ${MAX})`);
    }
  });
}
if (offending > 0) {
  console.error(`${offending} line(s) over ${MAX} characters`);
  process.exit(1);
}
