import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../support/brokers.js';
import { Proc } from './processes.js';

export interface Certificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: verifying the broker against it must fail. */
  otherCa: string;
}

const openssl = (args: string[], cwd: string): void => void execFileSync('openssl', args, { cwd, stdio: 'pipe' });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A test CA, a broker certificate for 127.0.0.1/localhost, a client certificate, and an unrelated CA; P-256 keys
 * (quick).
 */
export function makeCertificates(dir: string): Certificates {
  const p = (f: string): string => path.join(dir, f);
  openssl(
    ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=smarthome test CA'],
    dir,
  );
  openssl(
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      'other-ca.key',
      '-out',
      'other-ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=some other CA',
    ],
    dir,
  );
  writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'smarthome-bridge'],
  ] as const) {
    openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  }
  return {
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    otherCa: p('other-ca.pem'),
  };
}

/** mosquitto with one TLS listener on 127.0.0.1 that demands a client certificate from the test CA. */
export async function startTlsMosquitto(
  dir: string,
  certs: Certificates,
): Promise<{ port: number; url: string; proc: Proc }> {
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      'user root',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'allow_anonymous true',
      `listener ${port} 127.0.0.1`,
      `cafile ${certs.ca}`,
      `certfile ${certs.serverCert}`,
      `keyfile ${certs.serverKey}`,
      'require_certificate true',
      '',
    ].join('\n'),
  );
  const proc = new Proc('mosquitto', ['-c', conf]);
  const end = Date.now() + 15_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) break;
    if (!proc.running || Date.now() > end) throw new Error(`TLS mosquitto did not start:\n${proc.output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `mqtts://127.0.0.1:${port}`, proc };
}
