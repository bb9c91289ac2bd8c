import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

export const TOKEN_COOKIE = 'tessera_token';

/** Host names a browser may use to reach this server; anything else is DNS rebinding and refused. */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (host !== '0.0.0.0' && host !== '::') names.add(host.includes(':') ? `[${host}]` : host);
  return new Set([...names].map((n) => `${n}:${port}`));
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null; // a malformed %-escape is no token
      }
    }
  }
  return null;
}

/** Where a request's token came from, or null when it carries none that matches. */
export function presentedToken(req: IncomingMessage, url: URL, token: string): 'query' | 'header' | 'cookie' | null {
  const q = url.searchParams.get('token');
  if (q !== null && safeEqual(q, token)) return 'query';
  const auth = req.headers.authorization;
  if (auth !== undefined && auth.startsWith('Bearer ') && safeEqual(auth.slice(7), token)) return 'header';
  const c = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  if (c !== null && safeEqual(c, token)) return 'cookie';
  return null;
}

/**
 * A cross-site page may not drive the API even with a leaked cookie: Origin, when sent, must be ours,
 * scheme, host and port alike (the server speaks plain http, so an https:// page is another origin).
 */
export function originAllowed(req: IncomingMessage, hosts: Set<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && hosts.has(`${url.hostname}:${url.port === '' ? '80' : url.port}`);
  } catch {
    return false;
  }
}
