import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeMqtt } from '../../scripts/rabbitmq/ready.mjs';

/**
 * A private mosquitto for one benchmark run: 127.0.0.1 on a free port, no persistence, and only
 * errors and warnings logged (the test helper logs everything, which at 20,000 messages a second would
 * be the benchmark), and TCP_NODELAY on client sockets as RabbitMQ's production listener has. Its fd limit is this
 * process's (`ulimit -n`), which caps the homes it can hold.
 */
export interface BenchMosquitto {
  url: string;
  pid: number;
  stop(): Promise<void>;
  log(): Promise<string>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startBenchMosquitto(): Promise<BenchMosquitto> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  const logFile = path.join(dir, 'mosquitto.log');
  await writeFile(
    conf,
    [
      'user root',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'allow_anonymous true',
      'max_connections -1',
      'set_tcp_nodelay true',
      'max_queued_messages 1000',
      `listener ${port} 127.0.0.1`,
      '',
    ].join('\n'),
  );
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  // A bench that dies (an uncaught error, such as EPIPE when its output is piped into `head`) must not
  // leave its broker running: 'exit' still fires then.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${await readFile(logFile, 'utf8')}`);
    if ((await probeMqtt({ port, user: 'guest', pass: 'guest', timeoutMs: 1000 })) === 0) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('mosquitto did not answer within 15 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid!,
    log: () => readFile(logFile, 'utf8'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
