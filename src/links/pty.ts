import { spawn } from 'node:child_process';
import { lstat, rm } from 'node:fs/promises';
import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * A pseudo-terminal for another program to open as its serial port, through
 * `socat -d -d pty,raw,echo=0[,link=PATH] STDIO`: what the program writes comes out of `onData`, what
 * `write` gets the program reads. Stopping kills socat (by pid), which closes the pty: to the program
 * that is a cable pulled out. Used by the serial tap (recording) and the firmware link's pty bridge.
 */
export interface Pty {
  /** The pty device, e.g. /dev/pts/7. */
  readonly path: string;
  /** The symlink socat made (and removes on exit), if one was asked for. */
  readonly link: string | undefined;
  readonly pid: number;
  /** Resolves with socat's exit code once it has exited. */
  readonly exited: Promise<number | null>;
  write(bytes: Uint8Array): void;
  /** Holds back `onData` (backpressure) until `resume`. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export interface PtyOptions {
  /** A symlink socat creates to the pty (and removes on exit), e.g. `/tmp/smarthome/ttyUNO`. */
  link?: string | undefined;
  onData: (bytes: Buffer) => void;
  /** socat executable (default `socat` on PATH). */
  socat?: string | undefined;
  /** How long to wait for socat to report its pty (and make the link), wall ms (default 5000). */
  startTimeoutMs?: number | undefined;
}

const PTY_LINE = /PTY is (\S+)/;

export async function openPty(options: PtyOptions): Promise<Pty> {
  const exe = options.socat ?? 'socat';
  const { link } = options;
  const timeoutMs = options.startTimeoutMs ?? 5000;
  const child = spawn(exe, ['-d', '-d', `pty,raw,echo=0${link ? `,link=${link}` : ''}`, 'STDIO'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
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
    const timer = setTimeout(() => fail(`socat did not report a pty within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      fail(
        e.code === 'ENOENT'
          ? `socat not found (${exe}); install it: apt-get install socat`
          : `socat failed: ${e.message}`,
      );
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
    await waitForPath(link, timeoutMs, () => child.exitCode !== null).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
  }
  child.stdin.on('error', () => undefined); // EPIPE once socat is gone
  child.stdout.on('data', (chunk: Buffer) => options.onData(chunk));
  let stopped = false;
  return {
    path,
    link,
    pid: child.pid!,
    exited,
    write(bytes) {
      if (!stopped && child.stdin.writable) child.stdin.write(bytes);
    },
    pause() {
      child.stdout.pause();
    },
    resume() {
      if (!stopped) child.stdout.resume();
    },
    async stop() {
      if (stopped) return exited.then(() => undefined);
      stopped = true;
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
    if (
      await lstat(path).then(
        () => true,
        () => false,
      )
    )
      return;
    if (gone() || performance.now() > deadline) {
      throw new BridgeError(
        ErrorCode.PORT_UNAVAILABLE,
        `socat did not create the link ${path} within ${timeoutMs} ms`,
        {
          link: path,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
