/** A worker thread that settles its heap again and again and says how often it got no collection. */
import { parentPort, workerData } from 'node:worker_threads';
import { settleFleetHeap } from '../../src/fleet/heap-tuning.js';

let missed = 0;
for (let i = 0; i < (workerData as { times: number }).times; i++) if (settleFleetHeap() === 0) missed++;
parentPort!.postMessage(missed);
