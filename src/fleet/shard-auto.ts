import { BridgeError, ErrorCode } from '../core/errors.js';
import { parseShard, type Shard } from './addressing.js';

/**
 * `--shard auto`: the shard from the environment of a Kubernetes Indexed Job (deploy/kubernetes/
 * fleet-job.yaml). Kubernetes sets JOB_COMPLETION_INDEX in every pod; the shard count is not in the
 * pod's environment, so the manifest passes its `completions` as FLEET_SHARDS.
 */
export const SHARD_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const SHARD_COUNT_ENV = 'FLEET_SHARDS';

/** `i/n`, or `auto` = `$JOB_COMPLETION_INDEX/$FLEET_SHARDS`. */
export function resolveShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  if (text.trim() !== 'auto') return parseShard(text);
  const index = env[SHARD_INDEX_ENV];
  const count = env[SHARD_COUNT_ENV];
  if (index === undefined || index === '' || count === undefined || count === '') {
    const missing = [index ? undefined : SHARD_INDEX_ENV, count ? undefined : SHARD_COUNT_ENV]
      .filter(Boolean)
      .join(' and ');
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--shard auto needs ${missing} in the environment (set by an Indexed Job: deploy/kubernetes/fleet-job.yaml)`,
    );
  }
  if (
    !/^\d+$/.test(index.trim()) ||
    !/^\d+$/.test(count.trim()) ||
    Number(index) >= Number(count) ||
    Number(count) < 1
  ) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--shard auto: ${SHARD_INDEX_ENV}=${JSON.stringify(index)} and ` +
        `${SHARD_COUNT_ENV}=${JSON.stringify(count)} must be whole numbers with 0 ≤ index < count`,
    );
  }
  return { index: Number(index), count: Number(count) };
}
