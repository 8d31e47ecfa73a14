/** The error serialport expects for reads and writes cut short by close(). */
export class CanceledError extends Error {
  readonly canceled = true;
}

/**
 * The receive side of a serialport binding's port: bytes from the device wait here until the stream
 * reads them; a read with nothing to hand waits for the next bytes, or fails when the port closes.
 */
export class ReceiveQueue {
  #rx: Buffer = Buffer.alloc(0);
  #pendingRead: ((err?: Error) => void) | undefined;

  get length(): number {
    return this.#rx.length;
  }

  push(bytes: Uint8Array): void {
    this.#rx = Buffer.concat([this.#rx, bytes]);
    this.#settle();
  }

  /** Copies up to `length` bytes into `buffer` at `offset`, waiting while there are none. */
  async read(buffer: Buffer, offset: number, length: number): Promise<number> {
    while (this.#rx.length === 0) {
      await new Promise<void>((resolve, reject) => {
        this.#pendingRead = (err) => (err ? reject(err) : resolve());
      });
    }
    const bytesRead = this.#rx.copy(buffer, offset, 0, Math.min(length, this.#rx.length));
    this.#rx = this.#rx.subarray(bytesRead);
    return bytesRead;
  }

  clear(): void {
    this.#rx = Buffer.alloc(0);
  }

  /** The port closed: forget what is queued and fail a waiting read with CanceledError. */
  cancel(): void {
    this.clear();
    this.#settle(new CanceledError('port is closed'));
  }

  #settle(err?: Error): void {
    const pending = this.#pendingRead;
    this.#pendingRead = undefined;
    pending?.(err);
  }
}
