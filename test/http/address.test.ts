import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import { isLoopback, parseHttpBind } from '../../src/http/address.js';

const tokenFile = (text: string): string => {
  const f = path.join(mkdtempSync(path.join(os.tmpdir(), 'panel-token-')), 'token');
  writeFileSync(f, text);
  return f;
};

describe('--http [host:]port', () => {
  it('defaults to loopback, takes a bare port, and off', () => {
    expect(parseHttpBind(undefined)).toEqual({ host: '127.0.0.1', port: 8080, token: undefined });
    expect(parseHttpBind('9000')).toMatchObject({ host: '127.0.0.1', port: 9000 });
    expect(parseHttpBind('[::1]:0')).toMatchObject({ host: '::1', port: 0 });
    expect(parseHttpBind('off')).toBeUndefined();
  });

  it('refuses a bind beyond loopback without a token file, with CONFIG_INVALID', () => {
    expect(() => parseHttpBind('0.0.0.0:8080')).toThrow(/--http-token-file/);
    try {
      parseHttpBind('0.0.0.0:8080');
    } catch (e) {
      expect(isBridgeError(e, 'CONFIG_INVALID')).toBe(true);
    }
    expect(parseHttpBind('0.0.0.0:8080', tokenFile('s3cret-token-0123456789\n'))).toMatchObject({
      host: '0.0.0.0',
      token: 's3cret-token-0123456789',
    });
  });

  it('refuses a short token and nonsense', () => {
    expect(() => parseHttpBind('0.0.0.0:1', tokenFile('short'))).toThrow(/16 characters/);
    expect(() => parseHttpBind('host:port')).toThrow(/\[host:\]port/);
    expect(() => parseHttpBind('70000')).toThrow(/\[host:\]port/);
  });

  it('knows loopback addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('192.168.1.2')).toBe(false);
  });
});

describe('--http on the command line', () => {
  it('is off unless given, and the last one wins (npm start -- --http off)', async () => {
    const { readHttpBind } = await import('../../src/cli/http-options.js');
    expect(readHttpBind({})).toBeUndefined();
    expect(readHttpBind({ http: '127.0.0.1:8080' })).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(readHttpBind({ http: ['127.0.0.1:8080', 'off'] as unknown as string })).toBeUndefined();
    expect(readHttpBind({ http: ['127.0.0.1:8080', '9000'] as unknown as string })).toMatchObject({ port: 9000 });
  });
});
