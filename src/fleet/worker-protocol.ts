import type { LevelWithSilent } from 'pino';
import type { ErrorCode } from '../core/errors.js';
import type { LinkFault } from '../links/faults.js';
import type { FleetCells, SliceOptions } from './slice.js';
import type { FleetStats } from './stats.js';

/** Messages between the fleet's main thread and its worker threads (structured-clone safe). */
export interface WorkerInit {
  worker: number;
  logLevel: LevelWithSilent;
  slice: Omit<SliceOptions, 'logger'>;
}

export type WorkerCommand =
  | { type: 'stats'; seq: number }
  | { type: 'cells'; seq: number }
  | { type: 'stop' }
  | { type: 'fault'; seq: number; index: number; fault: LinkFault; bytes?: string | undefined };

export type WorkerMessage =
  | { type: 'started' }
  | { type: 'stats'; seq: number; stats: FleetStats }
  | { type: 'cells'; seq: number; cells: FleetCells }
  | { type: 'fatal'; message: string; code: ErrorCode }
  | { type: 'stopped'; stats: FleetStats }
  | { type: 'fault'; seq: number; error?: { message: string; code: ErrorCode } | undefined };
