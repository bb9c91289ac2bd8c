import type { EngineEvent, EventName, EventPayload } from '../../shared/api/contract';

export type EventListener = (event: EngineEvent) => void;

/** Fan-out of engine events to transports (IPC, WebSocket, in-process). One hub per engine instance. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const event = { name, payload } as EngineEvent;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the job that emitted.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
