/**
 * `smarthome-bridge` on a real pseudo-terminal (util-linux `script`), with bad commands making it log
 * while the live view redraws: what the terminal shows has every log line whole and above the live
 * region, and the region in one piece.
 */
import { spawn } from 'node:child_process';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT } from '../support/brokers.js';
import { TerminalScreen } from '../support/terminal.js';

let stopTerminal: (() => void) | undefined;
afterEach(() => stopTerminal?.());

async function until(what: () => boolean, label: () => string, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the live view on a terminal', () => {
  it('shows log lines above the live region, never inside it', async () => {
    const port = await freePort();
    const command = `${process.execPath} --import tsx src/cli/main.ts --broker-port ${port} --log-level info`;
    const child = spawn('script', ['-q', '-f', '-c', command, '/dev/null'], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stopTerminal = () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    };
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    await until(
      () => output.includes('Car2Home smarthome on'),
      () => `the live view; terminal so far:\n${output}`,
    );

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0 });
    for (const bad of ['{"bad":', '0161', '016159010']) {
      await client.publishAsync('webos/smarthome/info', bad);
      await new Promise((r) => setTimeout(r, 400));
    }
    await client.endAsync();
    await until(
      () => (output.match(/"code":"STATUS_RANGE"/g) ?? []).length > 0,
      () => `the third warning; terminal so far:\n${output}`,
    );
    // Let the view redraw a few times after the last log line.
    await new Promise((r) => setTimeout(r, 800));
    stopTerminal();

    const screen = new TerminalScreen();
    screen.write(output);
    const lines = screen.text();
    const headers = lines.flatMap((l, i) => (l.includes('Car2Home smarthome on') ? [i] : []));
    expect(headers, lines.join('\n')).toHaveLength(1);
    const top = headers[0]!;
    const block = lines.slice(top);
    expect(
      block.slice(1, 6).map((l) => l.split(' ')[0]),
      lines.join('\n'),
    ).toEqual(['status', 'aircon', 'light', 'window', 'climate']);
    // Nothing but the view below its header: the region was not scrolled or torn by a log line.
    expect(block.filter((l) => l.includes('{'))).toEqual([]);
    // Every log line is whole (valid JSON) and the three warnings are all there, above the region.
    // Above the region: the start line saying where reports go, then the log lines.
    const logs = lines.slice(0, top).filter((l) => !l.startsWith('reports on '));
    for (const l of logs) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
    const codes = logs.map((l) => (JSON.parse(l) as { code?: string }).code).filter(Boolean);
    expect(codes).toEqual(['PAYLOAD_NOT_JSON', 'STATUS_LENGTH', 'STATUS_RANGE']);
  }, 90_000);
});
