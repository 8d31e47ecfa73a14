import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running a module. Built (dist/), the module is .js and starts as is. From source
 * (tsx, vitest) it is .ts, and Node 20 applies no `--import` loader to a worker's entry module, so the
 * worker first registers tsx's loader through its public API (`tsx/esm/api`), then imports the entry.
 */
export function startModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const api = import.meta.resolve('tsx/esm/api');
  const code =
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return ` + `import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}
