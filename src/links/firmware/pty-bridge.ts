import { spawn } from 'node:child_process';
import { lstat, rm } from 'node:fs/promises';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { Board } from '../../board/board.js';

/** The UART side of a board (or anything shaped like it). */
export type UartEndpoint = Pick<Board, 'writeSerial' | 'onSerial' | 'feeder'>;

export interface PtyBridgeOptions {
  board: UartEndpoint;
  /** A symlink socat creates to the pty (and removes on exit), e.g. `/tmp/smarthome/ttyUNO`. */
  link?: string;
  /** socat executable (default `socat` on PATH). */
  socat?: string;
  /** How long to wait for socat to report its pty, wall ms (default 5000). */
  startTimeoutMs?: number;
}

export interface PtyBridge {
  /** The pseudo-terminal, e.g. `/dev/pts/5`. */
  readonly path: string;
  readonly link: string | undefined;
  readonly pid: number;
  /** Resolves with socat's exit code once it has exited. */
  readonly exited: Promise<number | null>;
  /** Kills socat (by pid) and detaches from the board. */
  stop(): Promise<void>;
}

const PTY_LINE = /PTY is (\S+)/;

/**
 * Exposes a board's UART on a pseudo-terminal through `socat -d -d pty,raw,echo=0[,link=…] STDIO`:
 * board TX goes to socat's stdin, socat's stdout feeds board RX (with the board's line pacing and
 * backpressure). Any serial program can then open the pty. The board is not started here; run it paced
 * (`board.start({ speed: 1 })`) for other programs to see real-time behaviour. DTR on the pty does not
 * reach the board.
 */
export async function startPtyBridge(options: PtyBridgeOptions): Promise<PtyBridge> {
  const { board, link } = options;
  const exe = options.socat ?? 'socat';
  const pty = `pty,raw,echo=0${link ? `,link=${link}` : ''}`;
  const child = spawn(exe, ['-d', '-d', pty, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  let stderr = '';
  const path = await new Promise<string>((resolve, reject) => {
    const fail = (message: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new BridgeError(ErrorCode.PORT_UNAVAILABLE, message, { socat: exe, stderr: stderr.slice(-500) }));
    };
    const timeoutMs = options.startTimeoutMs ?? 5000;
    const timer = setTimeout(() => fail(`socat did not report a pty within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      fail(e.code === 'ENOENT' ? `socat not found (${exe}); install it: apt-get install socat` : `socat failed: ${e.message}`);
    });
    const onEarlyExit = (code: number | null): void =>
      fail(`socat exited (code ${code}) before creating a pty: ${stderr.trim().slice(-300)}`);
    child.once('exit', onEarlyExit);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (stderr.length < 64 * 1024) stderr += text;
      const m = PTY_LINE.exec(stderr);
      if (m) {
        clearTimeout(timer);
        child.removeListener('exit', onEarlyExit);
        resolve(m[1]!);
      }
    });
  });
  // After the pty line socat keeps logging; discard it.
  child.stderr.removeAllListeners('data');
  child.stderr.resume();
  // socat reports the pty before it creates the symlink: wait for the link, so callers can open it.
  if (link) {
    await waitForPath(link, options.startTimeoutMs ?? 5000, () => child.exitCode !== null).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
  }
  child.stdin.on('error', () => undefined); // EPIPE once socat is gone
  let stopped = false;
  const feed = (chunk: Uint8Array): void => {
    const { feeder } = board;
    const n = Math.min(chunk.length, feeder.capacity - feeder.length);
    if (n > 0) board.writeSerial(chunk.subarray(0, n));
    if (n === chunk.length) return;
    child.stdout.pause();
    void feeder.waitForRoom().then(() => {
      feed(chunk.subarray(n));
      if (!stopped) child.stdout.resume();
    });
  };

  const offSerial = board.onSerial((bytes) => {
    if (child.stdin.writable) child.stdin.write(bytes);
  });
  child.stdout.on('data', (chunk: Buffer) => feed(chunk));

  return {
    path,
    link,
    pid: child.pid!,
    exited,
    async stop(): Promise<void> {
      if (stopped) return exited.then(() => undefined);
      stopped = true;
      offSerial();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      if (link) await rm(link, { force: true });
    },
  };
}

async function waitForPath(path: string, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await lstat(path).then(() => true, () => false)) return;
    if (gone() || performance.now() > deadline) {
      throw new BridgeError(ErrorCode.PORT_UNAVAILABLE, `socat did not create the link ${path} within ${timeoutMs} ms`, { link: path });
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
