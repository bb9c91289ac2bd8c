import { describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { chooseStoreAccess, type StoreProbe } from '../../../../src/main/engine/store/db';
import { currentOwner, FOREIGN_STALE_MS, ownerAlive, processStartTicks } from '../../../../src/main/engine/jobs/owner';

const file = '/data/ws/tessera.db';
const healthy: StoreProbe = { dirWritable: true, fileExists: true, fileWritable: true, fileBytes: 8192, walBytes: null, shmExists: false };

describe('how a workspace database is opened', () => {
  it('read-write when the folder and the file are writable', () => {
    expect(chooseStoreAccess(file, healthy)).toEqual({ mode: 'readwrite' });
    expect(chooseStoreAccess(file, { ...healthy, fileExists: false, fileBytes: 0 })).toEqual({ mode: 'readwrite' });
  });

  it('read-only, saying why, when the folder or the file is not writable', () => {
    expect(chooseStoreAccess(file, { ...healthy, dirWritable: false })).toEqual({
      mode: 'readonly',
      reason: 'the folder /data/ws is not writable',
    });
    expect(chooseStoreAccess(file, { ...healthy, fileWritable: false })).toEqual({
      mode: 'readonly',
      reason: '/data/ws/tessera.db is not writable',
    });
  });

  it('refuses an empty file unless init asks for it; an empty file with WAL content is a database', () => {
    const empty = { ...healthy, fileBytes: 0 };
    const refused = chooseStoreAccess(file, empty);
    expect(refused.mode).toBe('refuse');
    if (refused.mode === 'refuse') expect(refused.error.message).toMatch(/^\/data\/ws\/tessera\.db is empty \(0 bytes\)/);
    expect(chooseStoreAccess(file, empty, { allowEmpty: true })).toEqual({ mode: 'readwrite' });
    expect(chooseStoreAccess(file, { ...empty, walBytes: 32768 })).toEqual({ mode: 'readwrite' });
  });
});

describe('job owners', () => {
  it('this process is alive; a pid with another start time (a reused pid) or no such pid is not', () => {
    const me = currentOwner();
    expect(ownerAlive(me, null)).toBe(true);
    expect(ownerAlive({ ...me, start: me.start === null ? '1' : `${me.start}1` }, null)).toBe(false);
    expect(ownerAlive({ pid: 2 ** 22 + 17, host: me.host, start: null }, null)).toBe(false);
    expect(ownerAlive(null, new Date().toISOString())).toBe(false);
  });

  it('a live process of this host started when the owner says is alive (pid 1 here)', () => {
    const start = processStartTicks(1);
    if (start === null) return; // no /proc: only the pid can be checked
    expect(ownerAlive({ pid: 1, host: hostname(), start }, null)).toBe(true);
    expect(ownerAlive({ pid: 1, host: hostname(), start: `${start}0` }, null)).toBe(false);
  });

  it('another host counts as alive while its heartbeat is fresh', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const other = { pid: 1, host: `${hostname()}-elsewhere`, start: null };
    expect(ownerAlive(other, new Date(now - 1000).toISOString(), now)).toBe(true);
    expect(ownerAlive(other, new Date(now - FOREIGN_STALE_MS - 1).toISOString(), now)).toBe(false);
  });
});
