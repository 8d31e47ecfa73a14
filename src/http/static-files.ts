import { readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The page's files, served from the package: src/http/static/ (plain ES modules and CSS, no bundler),
 * found from the package root whether this module runs from dist/http/ or from src/http/ under tsx,
 * and the Uno drawing from node_modules/@wokwi/elements. Nothing is fetched from elsewhere: the page
 * works offline.
 */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STATIC_DIR = path.join(PACKAGE_ROOT, 'src/http/static');
const WOKWI_BUNDLE = (() => {
  try {
    return path.join(
      path.dirname(createRequire(import.meta.url).resolve('@wokwi/elements/package.json')),
      'dist/wokwi-elements.bundle.min.js',
    );
  } catch {
    return undefined;
  }
})();

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

const PAGES: Record<string, string> = {
  '/': 'home.html',
  '/home': 'home.html',
  '/fleet': 'fleet.html',
  '/board': 'board.html',
};

export async function serveStatic(pathname: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  let file: string | undefined;
  if (PAGES[pathname]) file = path.join(STATIC_DIR, PAGES[pathname]);
  else if (pathname === '/vendor/wokwi-elements.js') file = WOKWI_BUNDLE;
  else if (pathname.startsWith('/static/')) {
    const rel = path.normalize(pathname.slice('/static/'.length));
    if (rel.startsWith('..') || path.isAbsolute(rel)) return false;
    file = path.join(STATIC_DIR, rel);
  }
  if (!file) return false;
  const body = await load(file);
  if (!body) return false;
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const sent = gzip ? body.gzip : body.raw;
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': sent.length,
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    Vary: 'Accept-Encoding',
    'Cache-Control': 'no-cache',
    // Everything the page needs comes from here: no inline script, no other origin.
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  });
  res.end(req.method === 'HEAD' ? undefined : sent);
  return true;
}

/**
 * Files are read and gzipped once (a few hundred KB in all, the Uno drawing most of it: 469 KB raw,
 * 105 KB gzipped) and kept while the file is unchanged.
 */
const cache = new Map<string, { mtimeMs: number; raw: Buffer; gzip: Buffer }>();
async function load(file: string): Promise<{ raw: Buffer; gzip: Buffer } | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === info.mtimeMs) return hit;
  const raw = await readFile(file);
  const entry = { mtimeMs: info.mtimeMs, raw, gzip: gzipSync(raw) };
  cache.set(file, entry);
  return entry;
}
