import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { WebSocket } from 'ws';
import { loadWs } from '../engine/lazyPackages';
import { ApiError, parseBlobPath } from '../../shared';
import type { Engine } from '../engine/engine';
import { deniedDirs, realPathOf, type PathAccess } from '../engine/api/writablePath';
import { allowedHosts, originAllowed, presentedToken, TOKEN_COOKIE } from './auth';
import { missingPath, readStatic } from './staticFiles';

export interface ServerOptions {
  engine: Engine;
  host: string;
  port: number;
  token: string;
  /** The built renderer (index.html + assets); null serves the API only. */
  staticDir: string | null;
  /**
   * Folders web clients may read files from (imports, models), besides the workspace, which is
   * always allowed. Default: the folder the server was started in and the user's home directory.
   */
  allowDirs?: readonly string[] | undefined;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Real paths of the folders web clients may read from (writes: the workspace only). */
  readRoots: readonly string[];
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

/** HTTP status of a failed /blob/ read by its error code (anything else: 500, with its one line). */
/**
 * Why the server could not listen, in one line that says what to do (Node's own text is
 * "getaddrinfo ENOTFOUND 999.1.1.1" or "listen EADDRINUSE: address already in use :::4789").
 */
export function listenError(err: unknown, host: string, port: number): ApiError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const at = port === 0 ? host : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ApiError('CONFLICT', `port ${port} is in use (another tessera serve?): pass --port N or stop the other`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EADDRNOTAVAIL':
      return new ApiError(
        'INVALID_INPUT',
        `cannot listen on ${at}: no such address on this machine (pass --host with one of its addresses, e.g. 127.0.0.1 or 0.0.0.0)`,
      );
    case 'EACCES':
      return new ApiError(
        'IO_ERROR',
        `cannot listen on ${at}: permission denied (ports below 1024 need administrator rights): pass --port N`,
      );
    default:
      return new ApiError('IO_ERROR', `cannot listen on ${at}: ${code ?? (err instanceof Error ? err.message : String(err))}`);
  }
}

const BLOB_STATUS: Partial<Record<ApiError['code'], number>> = { NOT_FOUND: 404, CORRUPT_FILE: 409, IO_ERROR: 503 };

const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
];

/** The page's policy: it may talk to this server only (its own origin, and its WebSocket there). */
function csp(host: string): string {
  return [...CSP.slice(0, 4), `connect-src 'self' ws://${host}`, ...CSP.slice(4)].join('; ');
}

/**
 * The real paths web clients may read under. The workspace always; then the given folders, or by
 * default the server's folder and the home directory (each skipped when it is the filesystem root,
 * which would open the whole disk: name "/" explicitly with --allow-dir if that is really meant).
 * A folder that is missing, not a folder or inside a system folder is refused.
 */
export function readRootsFor(workspace: string, allowDirs: readonly string[] | undefined): string[] {
  const roots = [realPathOf(workspace, 'workspace')];
  const asked = allowDirs ?? [process.cwd(), homedir()].filter((d) => resolve(d) !== resolve('/'));
  for (const dir of asked) {
    const info = statSync(dir, { throwIfNoEntry: false });
    if (info === undefined || !info.isDirectory()) throw new ApiError('INVALID_INPUT', `--allow-dir ${dir}: not a folder`);
    const real = realPathOf(resolve(dir), '--allow-dir');
    if (!roots.includes(real)) roots.push(real);
  }
  const denied = deniedDirs(roots);
  for (const r of roots) {
    const sys = denied.find((d) => r === d || r.startsWith(`${d}/`));
    if (sys !== undefined && process.platform !== 'win32')
      throw new ApiError('INVALID_INPUT', `--allow-dir ${r}: system folders (${sys}) are never opened to web clients`);
  }
  return roots;
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

/** A request body over MAX_BODY (declared or as sent): answered 413, and its connection closed. */
class BodyTooLarge extends Error {}

/**
 * The body of an API call, at most MAX_BODY bytes. Past that (or when Content-Length says so) it
 * rejects with BodyTooLarge at once and discards whatever the client still sends: the caller
 * answers 413 with `Connection: close`, since the rest of that body would otherwise be read as the
 * connection's next request (which was never answered).
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size <= MAX_BODY) {
        chunks.push(chunk);
        return;
      }
      over = true;
      chunks.length = 0;
      reject(new BodyTooLarge());
    });
    req.on('end', () => {
      if (!over) resolveBody(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/**
 * The HTTP + WebSocket transport of the contract. Every request (HTML, API, blobs, the socket) needs
 * the per-launch token; foreign Host headers are refused (DNS rebinding); cross-origin calls too.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  let hosts = new Set<string>();
  const readRoots = readRootsFor(opts.engine.paths.root, opts.allowDirs);
  const pathAccess: PathAccess = { readRoots };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers.host === undefined || !hosts.has(req.headers.host)) {
      return send(res, 403, 'forbidden: unexpected Host header\n', 'text/plain; charset=utf-8');
    }
    const host = req.headers.host;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${host}`);
      // Everything below decodes the path; a malformed %-escape is the client's mistake, not ours.
      decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'bad request: malformed URL\n', 'text/plain; charset=utf-8');
    }
    const via = presentedToken(req, url, opts.token);
    if (via === null)
      return send(
        res,
        401,
        'unauthorized: open the URL that "tessera serve" printed (it carries the token)\n',
        'text/plain; charset=utf-8',
      );
    if (!originAllowed(req, hosts)) return send(res, 403, 'forbidden: cross-origin request\n', 'text/plain; charset=utf-8');

    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'INVALID_INPUT', message: 'use POST' } });
      const method = decodeURIComponent(url.pathname.slice('/api/call/'.length));
      let input: unknown;
      try {
        const body = await readBody(req);
        input = body.length === 0 ? {} : (JSON.parse(body) as unknown);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          const message = `request body too large: an API call takes at most ${MAX_BODY / (1024 * 1024)} MiB`;
          res.writeHead(413, {
            'Content-Type': 'application/json; charset=utf-8',
            'X-Content-Type-Options': 'nosniff',
            Connection: 'close',
          });
          // Node closes the connection once the answer is out (Connection: close): the rest of the body is never parsed as a request.
          res.end(JSON.stringify({ ok: false, error: { code: 'INVALID_INPUT', message } }));
          return;
        }
        return sendJson(res, 400, { ok: false, error: { code: 'INVALID_INPUT', message: 'request body is not valid JSON' } });
      }
      return sendJson(res, 200, await opts.engine.dispatch(method, input, { transport: 'http', pathAccess }));
    }
    if (url.pathname.startsWith('/blob/')) {
      const ref = parseBlobPath(url.pathname.slice('/blob/'.length));
      if (ref === null) return send(res, 404, 'not found\n', 'text/plain; charset=utf-8');
      try {
        const blob = await opts.engine.blobs.read(ref);
        // Thumbnails and image files are immutable for a registered image: let the gallery reuse them
        // while scrolling. Masks and maps change with edits and runs, so they are never cached.
        const cache: Record<string, string> =
          ref.kind === 'thumb' || ref.kind === 'image' ? { 'Cache-Control': 'private, max-age=600' } : {};
        return send(res, 200, blob.bytes, blob.contentType, cache);
      } catch (err) {
        // One line for the page, and in tessera.log unless it is a plain "no such row or file": a file
        // changed since import (409), a workspace that is gone (503), a bug (500, with its stack).
        const status = err instanceof ApiError ? (BLOB_STATUS[err.code] ?? 500) : 500;
        const message =
          err instanceof ApiError ? err.message : `internal error reading /blob/${ref.kind}; see tessera.log in the workspace`;
        if (status !== 404) opts.engine.logger.error(`${url.pathname}: ${message}`, err instanceof ApiError ? undefined : err);
        return send(res, status, `${message}\n`, 'text/plain; charset=utf-8');
      }
    }
    if (opts.staticDir === null) return send(res, 404, 'not found\n', 'text/plain; charset=utf-8');
    const file = await readStatic(opts.staticDir, url.pathname);
    if (file === null) {
      // A route typed without its '#' goes to it; a missing file (script, stylesheet, image) is a 404, not the page.
      if (missingPath(url.pathname) === 'route') {
        // The page's token stays in the address; the route's own query (a gallery's filters and sort) goes
        // with it into the hash, where the app reads it (`/datasets/1?tag=hard` -> `/#/datasets/1?tag=hard`).
        const outer = new URLSearchParams();
        const inner = new URLSearchParams();
        for (const [k, v] of url.searchParams) (k === 'token' ? outer : inner).append(k, v);
        const q = (p: URLSearchParams): string => (p.size === 0 ? '' : `?${p.toString()}`);
        res.writeHead(302, { Location: `/${q(outer)}#${url.pathname}${q(inner)}`, 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
      return send(res, 404, 'not found\n', 'text/plain; charset=utf-8');
    }
    const extra: Record<string, string> = { 'Content-Security-Policy': csp(host), 'Referrer-Policy': 'no-referrer' };
    // The first page load carries ?token=; a strict, HTTP-only cookie then authorizes the page's own fetches and <img> loads.
    if (via === 'query') extra['Set-Cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(opts.token)}; HttpOnly; SameSite=Strict; Path=/`;
    return send(res, 200, file.bytes, file.type, extra);
  };

  const server = createHttpServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.engine.logger.error('http request failed', err);
      if (!res.headersSent) send(res, 500, 'internal error\n', 'text/plain; charset=utf-8');
      else res.destroy();
    });
  });

  // The socket only carries events to the page; a page sends nothing, so anything over a small frame is refused (1009).
  const wss = new (loadWs().WebSocketServer)({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  const unsubscribe = opts.engine.events.subscribe((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });
  server.on('upgrade', (req, socket, head) => {
    let url: URL | null;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`);
    } catch {
      url = null;
    }
    const ok =
      url !== null &&
      req.headers.host !== undefined &&
      hosts.has(req.headers.host) &&
      url.pathname === '/api/events' &&
      presentedToken(req, url, opts.token) !== null &&
      originAllowed(req, hosts);
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // A malformed frame (reserved bits, no mask, an oversized payload) fails that one socket: ws has
      // already sent the close code (1002/1009); without this listener the error would end the server.
      ws.on('error', (err) => {
        opts.engine.logger.info(`event socket closed: ${err.message}`);
        sockets.delete(ws);
        ws.terminate();
      });
    });
  });

  try {
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolvePromise());
    });
  } catch (err) {
    unsubscribe();
    wss.close();
    throw listenError(err, opts.host, opts.port);
  }
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(opts.host, port);
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}/?token=${opts.token}`,
    port,
    readRoots,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
