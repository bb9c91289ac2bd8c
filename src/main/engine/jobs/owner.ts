import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Which process runs a job: its pid, the host, and the process's start time (from /proc on Linux),
 * so a pid reused by an unrelated process after a crash does not keep a dead job "running".
 * Stored in the job's params under `jobOwner`; the runner also refreshes `updated_at` every
 * HEARTBEAT_MS while the job runs, which is all another host can go by.
 */
export interface JobOwner {
  pid: number;
  host: string;
  /** Linux: /proc/<pid>/stat start time in clock ticks since boot; null where there is no /proc. */
  start: string | null;
}

export const HEARTBEAT_MS = 15_000;
/** A job of another host whose heartbeat is older than this is taken as dead. */
export const FOREIGN_STALE_MS = 4 * HEARTBEAT_MS;

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start !== undefined && /^\d+$/.test(start) ? start : null;
  } catch {
    return null;
  }
}

let self: JobOwner | undefined;
export function currentOwner(): JobOwner {
  self ??= { pid: process.pid, host: hostname(), start: processStartTicks(process.pid) };
  return self;
}

export function parseOwner(value: unknown): JobOwner | null {
  if (typeof value !== 'object' || value === null) return null;
  const o = value as Record<string, unknown>;
  if (typeof o['pid'] !== 'number' || typeof o['host'] !== 'string') return null;
  return { pid: o['pid'], host: o['host'], start: typeof o['start'] === 'string' ? o['start'] : null };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that owns a job is still running. Same host: the pid exists and (where /proc
 * tells) started when the owner did. Another host: its heartbeat is recent. No owner: a job from a
 * Tessera without owners, or one whose owner we cannot name, is taken as dead (the old behaviour).
 */
export function ownerAlive(owner: JobOwner | null, heartbeatIso: string | null, now = Date.now()): boolean {
  if (owner === null) return false;
  const me = currentOwner();
  if (owner.host !== me.host) {
    const beat = heartbeatIso === null ? NaN : Date.parse(heartbeatIso);
    return Number.isFinite(beat) && now - beat < FOREIGN_STALE_MS;
  }
  if (owner.pid === me.pid) return owner.start === me.start;
  if (!Number.isInteger(owner.pid) || owner.pid <= 0 || !pidExists(owner.pid)) return false;
  if (owner.start === null) return true;
  const start = processStartTicks(owner.pid);
  return start === null || start === owner.start;
}
