#!/usr/bin/env node
// Readiness and port probes for the private brokers started by scripts/rabbitmq and
// scripts/mosquitto. Dependency-free (node:net only) so it runs before `npm ci`.
//
//   node ready.mjs probe  --port P [--host H] [--user U --pass P] [--timeout-ms N]
//       One raw MQTT 3.1.1 CONNECT; prints "connack <rc>".
//       Exit 0 on CONNACK 0, 3 on another return code, 1 on no answer.
//   node ready.mjs wait   --port P [--tcp-port A]... [--user U --pass P] [--any-connack] [--timeout S] [--pgid G]
//       Repeats until every --tcp-port accepts a connection AND the probe gets CONNACK 0
//       (with --any-connack: any CONNACK, for a broker that refuses every login).
//       Exit 0 ready, 1 timeout, 4 when process group G has no live process left.
//   node ready.mjs in-use P...
//       Prints the ports that cannot be bound on 127.0.0.1 (space separated, empty if none).
//   node ready.mjs free-port [--count N]
//       Prints N ports that are free on 127.0.0.1, outside the Erlang CLI range 35672-35682.
import net from 'node:net';
import fs from 'node:fs';

const USAGE = 'usage: ready.mjs probe|wait|in-use|free-port [options] (see the header of this file)';

function parseArgs(argv) {
  const opts = { tcpPorts: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--host':
        opts.host = next();
        break;
      case '--port':
        opts.port = toPort(next());
        break;
      case '--tcp-port':
        opts.tcpPorts.push(toPort(next()));
        break;
      case '--user':
        opts.user = next();
        break;
      case '--pass':
        opts.pass = next();
        break;
      case '--timeout':
        opts.timeoutS = Number(next());
        break;
      case '--timeout-ms':
        opts.timeoutMs = Number(next());
        break;
      case '--pgid':
        opts.pgid = Number(next());
        break;
      case '--count':
        opts.count = Number(next());
        break;
      case '--client-id':
        opts.clientId = next();
        break;
      case '--any-connack':
        opts.anyConnack = true;
        break;
      default:
        if (a.startsWith('--')) fail(`unknown option ${a}`);
        opts.rest.push(a);
    }
  }
  return opts;
}

function fail(msg) {
  process.stderr.write(`ready.mjs: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function toPort(v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`bad port: ${v}`);
  return n;
}

function utf8Field(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

/** MQTT 3.1.1 CONNECT, clean session, keepalive 10 s, optional username/password. */
export function connectPacket({ clientId, user, pass }) {
  let flags = 0x02;
  const payload = [utf8Field(clientId)];
  if (user !== undefined) {
    flags |= 0x80;
    payload.push(utf8Field(user));
    if (pass !== undefined) {
      flags |= 0x40;
      payload.push(utf8Field(pass));
    }
  }
  const variable = Buffer.concat([utf8Field('MQTT'), Buffer.from([0x04, flags, 0x00, 0x0a])]);
  const body = Buffer.concat([variable, ...payload]);
  const remaining = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    remaining.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x10, ...remaining]), body]);
}

/** Resolves with the CONNACK return code, or null when there was no CONNACK. */
export function probeMqtt({ host = '127.0.0.1', port, user, pass, timeoutMs = 2000, clientId }) {
  return new Promise((resolve) => {
    const id = clientId ?? `ready-probe-${process.pid}-${Date.now() % 100000}`;
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (rc) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (rc === 0)
        sock.end(Buffer.from([0xe0, 0x00])); // DISCONNECT
      else sock.destroy();
      resolve(rc);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('connect', () => sock.write(connectPacket({ clientId: id, user, pass })));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4) finish(buf[0] === 0x20 && buf[1] === 0x02 ? buf[3] : null);
    });
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
  });
}

export function tcpOpen(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

function canBind(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function listenEphemeral() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve(srv));
  });
}

/** True when some process of group `pgid` exists and is not a zombie. */
function groupAlive(pgid) {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const [cmd, ...argv] = process.argv.slice(2);
  const o = parseArgs(argv);
  switch (cmd) {
    case 'probe': {
      if (!o.port) fail('probe needs --port');
      const rc = await probeMqtt({
        host: o.host,
        port: o.port,
        user: o.user,
        pass: o.pass,
        timeoutMs: o.timeoutMs,
        clientId: o.clientId,
      });
      process.stdout.write(rc === null ? 'no connack\n' : `connack ${rc}\n`);
      return rc === null ? 1 : rc === 0 ? 0 : 3;
    }
    case 'wait': {
      if (!o.port) fail('wait needs --port');
      const start = Date.now();
      const deadline = start + (o.timeoutS ?? 60) * 1000;
      let last = 'nothing tried yet';
      for (;;) {
        if (o.pgid && !groupAlive(o.pgid)) {
          process.stderr.write(`process group ${o.pgid} exited (last check: ${last})\n`);
          return 4;
        }
        const closed = [];
        for (const p of o.tcpPorts) if (!(await tcpOpen(p, o.host))) closed.push(p);
        if (closed.length) {
          last = `port(s) ${closed.join(' ')} not open yet`;
        } else {
          const rc = await probeMqtt({ host: o.host, port: o.port, user: o.user, pass: o.pass, timeoutMs: 2000 });
          if (rc === 0 || (rc !== null && o.anyConnack)) {
            process.stdout.write(`ready after ${((Date.now() - start) / 1000).toFixed(1)}s\n`);
            return 0;
          }
          last = rc === null ? `MQTT port ${o.port}: no CONNACK` : `MQTT port ${o.port}: CONNACK ${rc}`;
        }
        if (Date.now() >= deadline) {
          process.stderr.write(`not ready after ${o.timeoutS ?? 60}s: ${last}\n`);
          return 1;
        }
        await sleep(200);
      }
    }
    case 'in-use': {
      const ports = o.rest.map(toPort);
      const used = [];
      for (const p of ports) if (!(await canBind(p))) used.push(p);
      process.stdout.write(`${used.join(' ')}\n`);
      return 0;
    }
    case 'free-port': {
      // Hold every listener until all are chosen so the N ports differ.
      const servers = [];
      const ports = [];
      while (ports.length < (o.count ?? 1)) {
        const srv = await listenEphemeral();
        servers.push(srv);
        const { port } = srv.address();
        if (port >= 35672 && port <= 35682) continue;
        ports.push(port);
      }
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      process.stdout.write(`${ports.join(' ')}\n`);
      return 0;
    }
    default:
      fail(cmd ? `unknown command ${cmd}` : 'missing command');
  }
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/ready.mjs')) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`ready.mjs: ${err?.stack ?? err}\n`);
      process.exit(2);
    },
  );
}
