import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { RealClock } from '../../src/environment/clock.js';
import { startHomePanel, type Panel } from '../../src/http/home-panel.js';
import type { LinkSpec } from '../../src/links/create.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';

/** A bridge (embedded broker on a free port) with its panel on a free loopback port. */
export async function startPanelledBridge(
  link: LinkSpec,
  speed = 1,
): Promise<{ runtime: Runtime; panel: Panel; base: string; stop(): Promise<void> }> {
  const config = await loadDevicesConfig();
  config.bus.healthPeriodMs = 0;
  const runtime = await startRuntime({
    config,
    link,
    clock: new RealClock(speed),
    logger: silentLogger(),
    embeddedBroker: { port: 0 },
  });
  const panel = await startHomePanel({ runtime, config, bind: { host: '127.0.0.1', port: 0 } });
  return {
    runtime,
    panel,
    base: panel.url.replace(/\/$/, ''),
    stop: async () => {
      await panel.stop();
      await runtime.stop();
    },
  };
}

/** `promtool check metrics` on a scrape: its complaints, or '' when the text is valid and lint-clean. */
export function promtoolCheck(text: string): string {
  if (!existsSync('/usr/bin/promtool'))
    throw new Error('promtool is missing: apt-get install prometheus (scripts/ci/install-system-packages.sh)');
  const r = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`.trim() || `promtool exited ${r.status}`;
}

/** The value of one sample line of a scrape (`name{labels}`), or undefined. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

export const post = (base: string, path: string, body: unknown): Promise<Response> =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
