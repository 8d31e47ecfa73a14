import net from 'node:net';

/**
 * A TCP forwarder between the bridge and a broker that the test can shut: while shut, nothing listens
 * (the bridge sees "connection refused", like a dead broker). It lets a test bring the broker back and
 * re-subscribe its observer before the bridge may reconnect, so what the observer counts is exact.
 */
export class Gate {
  readonly #pairs = new Set<net.Socket>();
  #server: net.Server | undefined;
  port = 0;

  constructor(private readonly targetPort: number) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((down) => {
      const up = net.connect(this.targetPort, '127.0.0.1');
      this.#pairs.add(down).add(up);
      const close = (): void => {
        down.destroy();
        up.destroy();
        this.#pairs.delete(down);
        this.#pairs.delete(up);
      };
      down.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
      down.pipe(up);
      up.pipe(down);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and cuts every forwarded connection. */
  async shut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#pairs) s.destroy();
    this.#pairs.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
