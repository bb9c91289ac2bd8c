import type { EngineEvent, Transport } from '../../../shared';

/**
 * Web mode: calls are POST /api/call/<method>, events come over one WebSocket. The token arrives in
 * the URL the server printed; the server also sets an HTTP-only cookie, so blob <img> loads work.
 */
export function httpTransport(): Transport {
  const token = new URLSearchParams(window.location.search).get('token');
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  const listeners = new Set<(event: EngineEvent) => void>();
  let socket: WebSocket | null = null;
  let retry = 0;

  function connect(): void {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    socket = new WebSocket(`${scheme}://${window.location.host}/api/events${query}`);
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
      retry++;
      window.setTimeout(connect, Math.min(10_000, 250 * 2 ** retry));
    };
  }
  connect();

  return {
    async call(method, input, opts) {
      const res = await fetch(`/api/call/${encodeURIComponent(method)}`, {
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
  };
}
