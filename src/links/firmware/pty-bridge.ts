import type { Board } from '../../board/board.js';
import { openPty, type Pty } from '../pty.js';

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

/**
 * Exposes a board's UART on a pseudo-terminal through `socat -d -d pty,raw,echo=0[,link=…] STDIO`:
 * board TX goes to socat's stdin, socat's stdout feeds board RX (with the board's line pacing and
 * backpressure). Any serial program can then open the pty. The board is not started here; run it paced
 * (`board.start({ speed: 1 })`) for other programs to see real-time behaviour. DTR on the pty does not
 * reach the board.
 */
export async function startPtyBridge(options: PtyBridgeOptions): Promise<PtyBridge> {
  const { board } = options;
  let stopped = false;
  // Board RX with the board's line pacing: socat's output waits while the feeder is full.
  const feed = (chunk: Uint8Array): void => {
    const { feeder } = board;
    const n = Math.min(chunk.length, feeder.capacity - feeder.length);
    if (n > 0) board.writeSerial(chunk.subarray(0, n));
    if (n === chunk.length) return;
    pty.pause();
    void feeder.waitForRoom().then(() => {
      feed(chunk.subarray(n));
      if (!stopped) pty.resume();
    });
  };
  const pty: Pty = await openPty({
    link: options.link,
    socat: options.socat,
    startTimeoutMs: options.startTimeoutMs,
    onData: feed,
  });
  const offSerial = board.onSerial((bytes) => pty.write(bytes));
  return {
    path: pty.path,
    link: pty.link,
    pid: pty.pid,
    exited: pty.exited,
    async stop(): Promise<void> {
      if (!stopped) offSerial();
      stopped = true;
      await pty.stop();
    },
  };
}
