import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseDevicesConfig } from '../../src/config/load.js';
import { resolveShard, SHARD_COUNT_ENV, SHARD_INDEX_ENV } from '../../src/fleet/shard-auto.js';
import { shardIndices } from '../../src/fleet/addressing.js';
import { REPO_ROOT } from '../support/brokers.js';
import { startCli } from '../support/cli-process.js';

/** The parts of the manifest's documents these tests read (Job, ConfigMap, Secret, Deployment). */
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}
interface Container {
  args: string[];
  env: EnvVar[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; volumes: { name: string; configMap?: { name: string } }[] };
}
interface Document {
  kind: string;
  apiVersion: string;
  metadata: { name: string };
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
  };
  data: Record<string, string>;
  stringData: Record<string, string>;
}

const manifest = parseAllDocuments(readFileSync(path.join(REPO_ROOT, 'deploy/kubernetes/fleet-job.yaml'), 'utf8')).map(
  (d) => d.toJS() as Document | null,
);
const byKind = (kind: string): Document[] => manifest.filter((d): d is Document => d?.kind === kind);
const option = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

describe('deploy/kubernetes/fleet-job.yaml', () => {
  const job = byKind('Job')[0]!;
  const pod = job.spec.template.spec;
  const fleet = pod.containers[0]!;
  const env = Object.fromEntries(fleet.env.map((e) => [e.name, e]));

  it('is an Indexed Job whose pods run fleet --shard auto, with FLEET_SHARDS equal to completions', () => {
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(fleet.args[0]).toBe('fleet');
    expect(option(fleet.args, '--shard')).toBe('auto');
    expect(Number(env[SHARD_COUNT_ENV]!.value)).toBe(job.spec.completions);
    expect(job.spec.parallelism).toBe(job.spec.completions); // every shard runs at once: a fleet, not a batch
    expect(Number(option(fleet.args, '--homes'))).toBeGreaterThanOrEqual(job.spec.completions);
  });

  it('mounts the ConfigMap where --devices points, and it holds a valid devices.json', () => {
    const configMap = byKind('ConfigMap')[0]!;
    const volume = pod.volumes.find((v) => v.configMap?.name === configMap.metadata.name);
    expect(volume).toBeDefined();
    const mount = fleet.volumeMounts.find((m) => m.name === volume!.name)!;
    const devices = option(fleet.args, '--devices')!;
    expect(path.posix.dirname(devices)).toBe(mount.mountPath);
    const file = configMap.data[path.posix.basename(devices)]!;
    expect(() => parseDevicesConfig(JSON.parse(file))).not.toThrow();
  });

  it('takes the broker password from the Secret, never from the command line', () => {
    const secret = byKind('Secret')[0]!;
    const ref = env['SMARTHOME_BRIDGE_PASSWORD']!.valueFrom!.secretKeyRef;
    expect(ref.name).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData)).toContain(ref.key);
    expect(fleet.args.join(' ')).not.toMatch(/password/i);
  });

  it('runs verify as its own Deployment, reading the AMQP URL from the Secret', () => {
    const deployment = byKind('Deployment')[0]!;
    const verify = deployment.spec.template.spec.containers[0]!;
    expect(verify.args[0]).toBe('verify');
    const urlArg = option(verify.args, '--amqp-url')!;
    const envName = /^\$\((\w+)\)$/.exec(urlArg)![1];
    const ref = verify.env.find((e) => e.name === envName)!.valueFrom!.secretKeyRef;
    expect(ref.name).toBe(byKind('Secret')[0]!.metadata.name);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });
});

describe('--shard auto', () => {
  it('takes index and count from JOB_COMPLETION_INDEX and FLEET_SHARDS', () => {
    expect(resolveShard('auto', { [SHARD_INDEX_ENV]: '2', [SHARD_COUNT_ENV]: '4' })).toEqual({ index: 2, count: 4 });
    expect(shardIndices(10, resolveShard('auto', { [SHARD_INDEX_ENV]: '1', [SHARD_COUNT_ENV]: '4' }))).toEqual([
      1, 5, 9,
    ]);
    expect(resolveShard('1/3', {})).toEqual({ index: 1, count: 3 });
  });

  it.each([
    [{}, /JOB_COMPLETION_INDEX and FLEET_SHARDS/],
    [{ [SHARD_INDEX_ENV]: '0' }, /needs FLEET_SHARDS/],
    [{ [SHARD_INDEX_ENV]: '4', [SHARD_COUNT_ENV]: '4' }, /0 ≤ index < count/],
    [{ [SHARD_INDEX_ENV]: 'x', [SHARD_COUNT_ENV]: '4' }, /whole numbers/],
    [{ [SHARD_INDEX_ENV]: '0', [SHARD_COUNT_ENV]: '0' }, /0 ≤ index < count/],
  ])('refuses a missing or invalid environment %j', (env, message) => {
    expect(() => resolveShard('auto', env)).toThrow(message);
  });

  it('the CLI exits 2 with one line when the environment is not set', async () => {
    const run = startCli(['fleet', '--homes', '4', '--broker', 'mqtt://127.0.0.1:1', '--shard', 'auto'], {
      [SHARD_INDEX_ENV]: '',
      [SHARD_COUNT_ENV]: '',
    });
    const timer = setTimeout(() => run.kill(), 60_000);
    const { code } = await run.exited;
    clearTimeout(timer);
    await new Promise((r) => (run.child.stderr!.readableEnded ? r(null) : run.child.stderr!.once('close', r)));
    expect(code).toBe(2);
    expect(run.stderr().trim().split('\n')).toHaveLength(1);
    expect(run.stderr()).toMatch(/--shard auto needs JOB_COMPLETION_INDEX and FLEET_SHARDS/);
  });
});
