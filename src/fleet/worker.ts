import { parentPort, workerData } from 'node:worker_threads';
import { toBridgeError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { FleetSlice } from './slice.js';
import type { WorkerCommand, WorkerInit, WorkerMessage } from './worker-protocol.js';

/**
 * A worker thread running one slice of the fleet. It posts its stats on every `stats` request and on
 * a fatal refusal, and stops (every home offline and disconnected) on `stop`.
 */
const port = parentPort;
if (!port) throw new Error('fleet worker: run as a worker thread');
const init = workerData as WorkerInit;
const post = (m: WorkerMessage): void => port.postMessage(m);

// Buffers arrive as plain Uint8Arrays after the structured clone.
const tls = init.slice.tls;
const asBuffer = (b: Uint8Array | undefined): Buffer | undefined => (b ? Buffer.from(b) : undefined);
const slice = new FleetSlice({
  ...init.slice,
  tls: tls
    ? { ...tls, ca: tls.ca?.map((b) => Buffer.from(b)), cert: asBuffer(tls.cert), key: asBuffer(tls.key) }
    : undefined,
  logger: createLogger(init.logLevel).child({ worker: init.worker }),
});
slice.on('fatal', (e) => post({ type: 'fatal', message: e.message, code: e.code }));
port.on('message', (m: WorkerCommand) => {
  if (m.type === 'stats') post({ type: 'stats', seq: m.seq, stats: slice.stats() });
  else if (m.type === 'fault') {
    slice.inject(m.index, m.fault, { bytes: m.bytes }).then(
      () => post({ type: 'fault', seq: m.seq }),
      (e: unknown) => {
        const err = toBridgeError(e);
        post({ type: 'fault', seq: m.seq, error: { message: err.message, code: err.code } });
      },
    );
  } else if (m.type === 'cells') post({ type: 'cells', seq: m.seq, cells: slice.cells() });
  else if (m.type === 'stop') {
    void slice.stop().then(() => {
      post({ type: 'stopped', stats: slice.stats() });
      port.close();
    });
  }
});
slice.start();
post({ type: 'started' });
