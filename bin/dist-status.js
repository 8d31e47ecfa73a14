// Whether dist/ holds a build of the current sources. Shared by the `smarthome-bridge` launcher and
// `npm start`'s build step: a stat walk over src/ costs milliseconds, `tsc -b` about a second even when
// nothing changed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const COMPILED_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
export const SOURCE_MAIN = join(ROOT, 'src', 'cli', 'main.ts');
// Written by `tsc -b tsconfig.build.json` at the end of every build that changed anything.
export const BUILD_INFO = join(ROOT, 'dist', '.tsbuildinfo');
// Files besides src/ whose change changes the build.
const BUILD_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => join(ROOT, f));

/** The newest modification time of any file under dir (0 when dir is missing). */
function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

export function distIsCurrent() {
  if (!existsSync(COMPILED_MAIN)) return false;
  // An installed package has no sources: its dist/ is all there is.
  if (!existsSync(SOURCE_MAIN)) return true;
  if (!existsSync(BUILD_INFO)) return false;
  const built = statSync(BUILD_INFO).mtimeMs;
  const inputs = Math.max(
    newest(join(ROOT, 'src')),
    ...BUILD_INPUTS.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)),
  );
  return built >= inputs;
}
