import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What `tessera serve` keeps of its last launch on a workspace: the port and the token. A restart
 * on the same port with the same token leaves every open tab working (an annotator's unsaved strokes
 * are retried and saved, the gallery refetches), where a new token made each tab's page refuse every
 * call and drop what it had not saved. The file is the user's only (mode 0600) and lives in the
 * workspace's cache, which web clients may not write (api/writablePath.ts). `--new-token` makes a new one.
 */
export interface ServeState {
  port: number;
  token: string;
  /**
   * The workspace folder it was kept for: a copy of the workspace (`cp -a` to share it, a backup opened
   * elsewhere) gets a token of its own instead of serving with the original's.
   */
  workspace: string;
}

export function serveStateFile(cacheDir: string): string {
  return join(cacheDir, 'serve.json');
}

/** The last launch's port and token on this `workspace`; null when none is kept, it was kept for another folder, or the file is not one of ours. */
export function readServeState(cacheDir: string, workspace: string): ServeState | null {
  try {
    const raw = JSON.parse(readFileSync(serveStateFile(cacheDir), 'utf8')) as Partial<ServeState>;
    const { port, token } = raw;
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) return null;
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{32,128}$/.test(token)) return null;
    if (raw.workspace !== workspace) return null;
    return { port: port as number, token, workspace };
  } catch {
    return null;
  }
}

/** Keeps this launch's port and token (best effort: a read-only workspace keeps nothing). */
export function writeServeState(cacheDir: string, state: ServeState): void {
  const file = serveStateFile(cacheDir);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(temp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch {
    rmSync(temp, { force: true });
  }
}
