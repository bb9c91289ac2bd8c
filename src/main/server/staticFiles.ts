import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Resolves a URL path inside the built renderer; never outside it. SPA routes fall back to index.html. */
export async function readStatic(root: string, urlPath: string): Promise<{ bytes: Buffer; type: string } | null> {
  const base = resolve(root);
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const candidate = resolve(join(base, rel));
  if (candidate !== base && !candidate.startsWith(base + sep)) return null;
  const info = await stat(candidate).catch(() => null);
  const file = info?.isFile() === true ? candidate : join(base, 'index.html');
  const bytes = await readFile(file).catch(() => null);
  if (bytes === null) return null;
  return { bytes, type: TYPES[extname(file)] ?? 'application/octet-stream' };
}
