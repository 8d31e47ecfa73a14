// `npm start`'s build step: compiles src/ into dist/ only when a source (or the build configuration)
// changed since the last build, so a warm start costs a stat walk instead of a `tsc` run.
import { spawnSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BUILD_INFO, distIsCurrent, ROOT } from '../bin/dist-status.js';

if (!distIsCurrent()) {
  process.stderr.write('building dist/ (sources changed since the last build)…\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  // tsc leaves its build info alone when the change did not touch the output (a lock file, a touched
  // source): mark the build current anyway, or every start would check again.
  if (r.status === 0) utimesSync(BUILD_INFO, new Date(), new Date());
  process.exit(r.status ?? 1);
}
