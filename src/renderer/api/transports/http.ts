import type { EngineEvent, Transport } from '../../../shared';

/** Where `tessera serve` listens and the token it printed. */
export interface HttpEndpoint {
  /** `http://host:port`: in a browser the page's own origin. */
  origin: string;
  token: string | null;
}

/** The page's server: its origin, and the token from the URL the server printed. */
function pageEndpoint(): HttpEndpoint {
  return { origin: window.location.origin, token: new URLSearchParams(window.location.search).get('token') };
}

/**
 * Web mode: calls are POST /api/call/<method>, events come over one WebSocket (reconnecting, after
 * which clients refetch everything). The token arrives in the URL the server printed; the server
 * also sets an HTTP-only cookie, so blob <img> loads work. `close` stops the socket (tests).
 */
export function httpTransport(endpoint: HttpEndpoint = pageEndpoint()): Transport & { close(): void } {
  const { origin, token } = endpoint;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  const listeners = new Set<(event: EngineEvent) => void>();
  let socket: WebSocket | null = null;
  let retry = 0;
  let closed = false;

  function connect(): void {
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/api/events${query}`);
    socket.onopen = () => {
      if (retry > 0) for (const l of listeners) l({ name: 'data.changed', payload: { topics: ['*'] } });
      retry = 0;
    };
    socket.onmessage = (msg) => {
      try {
        const event = JSON.parse(String(msg.data)) as EngineEvent;
        for (const l of listeners) l(event);
      } catch {
        // Ignore a malformed frame rather than dropping the connection.
      }
    };
    socket.onclose = () => {
      socket = null;
      if (closed) return;
      retry++;
      setTimeout(connect, Math.min(10_000, 250 * 2 ** retry));
    };
  }
  connect();

  return {
    async call(method, input, opts) {
      const res = await fetch(`${origin}/api/call/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(input ?? {}),
        credentials: 'same-origin',
        ...(opts?.signal === undefined ? {} : { signal: opts.signal as AbortSignal }),
      });
      if (res.status === 401)
        return {
          ok: false,
          error: { code: 'UNAUTHORIZED', message: 'the server refused the token: reopen the URL that "tessera serve" printed' },
        };
      return (await res.json()) as unknown;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    blobBase: () => '/blob/',
    close() {
      closed = true;
      socket?.close();
    },
  };
}
