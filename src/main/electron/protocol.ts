import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { ApiError, parseBlobPath } from '../../shared';
import type { Engine } from '../engine/engine';

export const SCHEME = 'tessera';
export const APP_ORIGIN = `${SCHEME}://app`;

const CSP =
  "default-src 'self'; img-src 'self' tessera: blob: data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * tessera://app/...  -> the built renderer, with a path-containment check (Electron's docs omit it);
 * tessera://blob/... -> engine blobs, which only ever name files registered in the workspace.
 */
export function protocolHandler(engine: Engine, rendererDir: string) {
  const root = resolve(rendererDir);
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.host === 'blob') {
      const ref = parseBlobPath(url.pathname);
      if (ref === null) return new Response('not found', { status: 404 });
      try {
        const blob = await engine.blobs.read(ref);
        return new Response(Buffer.from(blob.bytes), { headers: { 'Content-Type': blob.contentType } });
      } catch (err) {
        return new Response(err instanceof ApiError ? err.message : 'internal error', {
          status: err instanceof ApiError && err.code === 'NOT_FOUND' ? 404 : 500,
        });
      }
    }
    if (url.host !== 'app') return new Response('not found', { status: 404 });
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
    const file = resolve(join(root, rel));
    if (!file.startsWith(root + sep)) return new Response('forbidden', { status: 403 });
    const bytes = await readFile(file).catch(() => null);
    if (bytes === null) return new Response('not found', { status: 404 });
    return new Response(bytes, {
      headers: { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP },
    });
  };
}
