import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { JsonLinesChild } from './support/json-lines.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, round } from './support/numbers.js';
import { cpuPerInterval, sampleOneEverySecond } from './support/proc.js';
import type { Benchmark, BenchContext, BenchOutcome, BenchRow } from './support/types.js';

/**
 * The panel's cost: a fleet of 10,000 homes (1 s report period, a private mosquitto) measured twice —
 * with `--http` and the fleet page open in chromium, and without the panel — CPU of the fleet process
 * as the median of 1-s samples over a steady window. And the weight of the pages: JS + CSS served for
 * the home and fleet pages, and the board view with its @wokwi/elements bundle.
 */
const HOMES = 10_000;
const QUICK_HOMES = 1000;
const CPU_TARGET = 1.05;
const WEIGHT_TARGET_BYTES = 300 * 1024;
const NODE_FLAGS = ['--max-semi-space-size=32', '--import', 'tsx'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Run {
  panel: boolean;
  homes: number;
  connected: number;
  cpuPct: number;
  outPerS: number;
  error?: string;
}

async function measure(ctx: BenchContext, homes: number, panel: boolean, windowS: number): Promise<Run> {
  const broker = await startBenchMosquitto();
  const port = await freePort();
  const args = [
    ...NODE_FLAGS,
    'src/cli/main.ts',
    'fleet',
    '--homes',
    String(homes),
    '--broker',
    broker.url,
    '--report-period',
    '1s',
    '--output',
    'json',
    '--interval',
    '1s',
    '--connect-rate',
    '2000',
    '--log-level',
    'error',
  ];
  if (panel) args.push('--http', `127.0.0.1:${port}`);
  const child = new JsonLinesChild(process.execPath, args, ctx.root);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'bench-panel-'));
  let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    const all = await child.waitFor((l) => l.stats.connected >= homes, 120_000);
    if (!all)
      return {
        panel,
        homes,
        connected: child.latest?.stats.connected ?? 0,
        cpuPct: NaN,
        outPerS: NaN,
        error: `connecting stalled (${child.stderr.slice(-200)})`,
      };
    if (panel) {
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/fleet`);
      await page.waitForSelector('#cell-count:has-text("cells")', { timeout: 30_000 });
    }
    await sleep(3000);
    const a = child.latest!;
    const samples = await sampleOneEverySecond(child.pid, windowS);
    const b = child.latest!;
    const seconds = (Date.parse(b.time) - Date.parse(a.time)) / 1000;
    const perSecond = cpuPerInterval(samples);
    return {
      panel,
      homes,
      connected: b.stats.connected,
      cpuPct: round(median(perSecond) * 100, 1),
      outPerS: round((b.stats.messagesOut - a.stats.messagesOut) / seconds, 0),
    };
  } finally {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
    await child.stop();
    await broker.stop();
  }
}

/** Bytes of the JS and CSS a page loads (raw and gzipped). */
function weight(files: string[]): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const b = readFileSync(f);
    raw += b.length;
    gzip += gzipSync(b).length;
  }
  return { raw, gzip };
}

export async function runPanel(ctx: BenchContext): Promise<BenchOutcome> {
  const staticDir = path.join(ctx.root, 'src/http/static');
  const own = readdirSync(staticDir)
    .filter((f) => /\.(js|css)$/.test(f))
    .map((f) => path.join(staticDir, f));
  const pages = weight(own);
  const wokwi = path.join(ctx.root, 'node_modules/@wokwi/elements/dist/wokwi-elements.bundle.min.js');
  const board = weight([...own, wokwi]);
  const homes = ctx.quick ? QUICK_HOMES : HOMES;
  const windowS = ctx.quick ? 5 : 15;
  ctx.log(`panel: ${homes} homes without the panel`);
  const without = await measure(ctx, homes, false, windowS);
  ctx.log(`  ${JSON.stringify(without)}`);
  ctx.log(`panel: ${homes} homes with --http and the fleet page open`);
  const withPanel = await measure(ctx, homes, true, windowS);
  ctx.log(`  ${JSON.stringify(withPanel)}`);
  const ratio = round(withPanel.cpuPct / without.cpuPct, 3);
  const rows: BenchRow[] = [
    { metric: `fleet CPU, ${homes} homes, no panel`, value: without.cpuPct, unit: '% core' },
    { metric: `fleet CPU, ${homes} homes, --http + fleet page open`, value: withPanel.cpuPct, unit: '% core' },
    { metric: 'panel CPU ratio (with / without)', value: ratio, target: `≤ ${CPU_TARGET}`, met: ratio <= CPU_TARGET },
    {
      metric: 'home/fleet page JS + CSS',
      value: round(pages.raw / 1024, 1),
      unit: 'KB',
      target: '≤ 300 KB',
      met: pages.raw <= WEIGHT_TARGET_BYTES,
    },
    { metric: 'home/fleet page JS + CSS, gzipped', value: round(pages.gzip / 1024, 1), unit: 'KB' },
    // The board view adds the @wokwi/elements bundle (the Uno and its parts, with lit): over the budget
    // raw, within it as served (the panel sends it gzipped).
    { metric: 'board view JS + CSS (with @wokwi/elements), raw', value: round(board.raw / 1024, 1), unit: 'KB' },
    {
      metric: 'board view JS + CSS as served (gzip)',
      value: round(board.gzip / 1024, 1),
      unit: 'KB',
      target: '≤ 300 KB',
      met: board.gzip <= WEIGHT_TARGET_BYTES,
    },
  ];
  const error = without.error ?? withPanel.error;
  return {
    status: error ? 'failed' : 'ok',
    ...(error ? { reason: error } : {}),
    rows,
    data: {
      homes,
      windowS,
      without,
      withPanel,
      ratio,
      pages,
      board,
      files: own.map((f) => ({ file: path.relative(ctx.root, f), bytes: statSync(f).size })),
    },
  };
}

export const panel: Benchmark = {
  name: 'panel',
  describe: 'the panel: fleet CPU with --http and the fleet page open vs without (10,000 homes), page weight',
  run: runPanel,
};
