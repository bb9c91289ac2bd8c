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

/** URL prefixes that only ever name files or endpoints: a miss there is a 404, never the page. */
const FILE_PREFIXES = ['/assets/', '/api/', '/blob/'];

/**
 * What a URL path that is no file of the built renderer gets. The renderer's routes live in the hash
 * (`/#/datasets/1`), so the page is served at `/` (and `/index.html`) only. A path that looks like a
 * file (an extension) or lies under an asset or API prefix is a 404: answering it with the page gave
 * a blank page and "wrong MIME type" errors (a script or stylesheet that was HTML). Any other path is
 * taken for a route typed without its `#` and sent to it (`/datasets/1` -> `/#/datasets/1`), where the
 * app shows it or its own "not found".
 */
export function missingPath(urlPath: string): 'page' | 'notFound' | 'route' {
  if (urlPath === '/' || urlPath === '/index.html') return 'page';
  if (FILE_PREFIXES.some((p) => urlPath.startsWith(p) || urlPath === p.slice(0, -1))) return 'notFound';
  const last = urlPath.split('/').at(-1) ?? '';
  if (extname(last) !== '' || last.startsWith('.')) return 'notFound';
  return 'route';
}

/**
 * Resolves a URL path inside the built renderer; never outside it. `/` is index.html; any other path
 * that is no file there is null (the server decides with missingPath).
 */
export async function readStatic(root: string, urlPath: string): Promise<{ bytes: Buffer; type: string } | null> {
  const base = resolve(root);
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const candidate = resolve(join(base, rel));
  if (candidate !== base && !candidate.startsWith(base + sep)) return null;
  const info = await stat(candidate).catch(() => null);
  const file = info?.isFile() === true ? candidate : missingPath(urlPath) === 'page' ? join(base, 'index.html') : null;
  if (file === null) return null;
  const bytes = await readFile(file).catch(() => null);
  if (bytes === null) return null;
  return { bytes, type: TYPES[extname(file)] ?? 'application/octet-stream' };
}
