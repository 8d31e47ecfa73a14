import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * A pseudo-terminal for another program to open as its serial port, through
 * `socat -d -d pty,raw,echo=0[,link=PATH] STDIO`: what the program writes comes out of `onData`, what
 * `write` gets the program reads. Stopping kills socat (by pid), which closes the pty: to the program
 * that is a cable pulled out.
 */
export interface Pty {
  /** The pty device, e.g. /dev/pts/7. */
  readonly path: string;
  /** The symlink socat made (and removes on exit), if one was asked for. */
  readonly link: string | undefined;
  readonly pid: number;
  write(bytes: Uint8Array): void;
  stop(): Promise<void>;
}

const PTY_LINE = /PTY is (\S+)/;

export async function openPty(options: { link?: string | undefined; onData: (bytes: Buffer) => void; socat?: string }): Promise<Pty> {
  const exe = options.socat ?? 'socat';
  const child = spawn(exe, ['-d', '-d', `pty,raw,echo=0${options.link ? `,link=${options.link}` : ''}`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let stderr = '';
  const path = await new Promise<string>((resolve, reject) => {
    const fail = (message: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new BridgeError(ErrorCode.PORT_UNAVAILABLE, message, { stderr: stderr.slice(-300) }));
    };
    const timer = setTimeout(() => fail('socat did not report a pty within 5 s'), 5000);
    child.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ENOENT' ? `socat not found (${exe}); install it: apt-get install socat` : `socat failed: ${e.message}`));
    const onEarlyExit = (code: number | null): void => fail(`socat exited (code ${code}) before creating a pty: ${stderr.trim().slice(-300)}`);
    child.once('exit', onEarlyExit);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (stderr.length < 16_384) stderr += text;
      const m = PTY_LINE.exec(stderr);
      if (m) {
        clearTimeout(timer);
        child.removeListener('exit', onEarlyExit);
        resolve(m[1]!);
      }
    });
  });
  child.stderr.removeAllListeners('data');
  child.stderr.resume();
  child.stdin.on('error', () => undefined); // EPIPE once socat is gone
  child.stdout.on('data', (chunk: Buffer) => options.onData(chunk));
  let stopped = false;
  return {
    path,
    link: options.link,
    pid: child.pid!,
    write(bytes) {
      if (!stopped && child.stdin.writable) child.stdin.write(bytes);
    },
    async stop() {
      if (stopped) return exited;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      if (options.link) await rm(options.link, { force: true });
    },
  };
}
