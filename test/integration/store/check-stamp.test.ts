import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { engineInternals } from '../../../src/main/engine/internals';
import { stampFile } from '../../../src/main/engine/store/checkStamp';
import { storeFault } from '../../../src/main/engine/jobs/faults';
import { fillGalleryWorkspace } from '../../../bench/galleryWorkspace';
import { tempDir } from '../../helpers/fixtures';

// quick_check on open is skipped only for a file exactly as Tessera last found or left it sound
// (store/checkStamp.ts): a clean close stamps it; any other write, a copy, a WAL left by a killed
// process or a fault seen in the session makes the next open check it again.
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function workspace(): { ws: string; file: string; open: () => Engine } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const ws = join(t.dir, 'ws');
  const open = (): Engine => {
    const engine = createEngine({ workspace: ws, create: true });
    cleanups.push(() => engine.close());
    return engine;
  };
  return { ws, file: join(ws, 'tessera.db'), open };
}

/** Scrambles the middle leaf page of the largest table in place (same size), as faults.test.ts does. */
function damageAPage(file: string): void {
  // The page is found in a copy: a connection to the file itself would leave its WAL beside it.
  copyFileSync(file, `${file}.probe`);
  const db = new Database(`${file}.probe`, { readonly: true });
  const table = (
    db
      .prepare("SELECT name FROM dbstat WHERE pagetype = 'leaf' AND name NOT LIKE 'sqlite_%' GROUP BY name ORDER BY count(*) DESC LIMIT 1")
      .get() as { name: string }
  ).name;
  const pages = (
    db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").all(table) as Array<{ pageno: number }>
  ).map((p) => p.pageno);
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  db.close();
  const page = pages[Math.floor(pages.length / 2)]!;
  expect(existsSync(`${file}-wal`)).toBe(false);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(397, 0xa5), 0, 397, (page - 1) * pageSize + 3);
  closeSync(fd);
}

describe('quick_check on open, skipped for an unchanged file', () => {
  it('a clean close stamps the file; the next open skips the check, also after a session that wrote', async () => {
    const { file, open } = workspace();
    const first = open();
    expect(first.store.soundBy).toBe('checked');
    fillGalleryWorkspace(first, 200);
    await first.close();
    expect(existsSync(stampFile(file))).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);

    const second = open();
    expect(second.store.soundBy).toBe('unchanged');
    engineInternals(second).db.prepare("INSERT INTO tags (name, color) VALUES ('after', NULL)").run();
    await second.close();
    const third = open();
    expect(third.store.soundBy).toBe('unchanged');
    expect(engineInternals(third).db.prepare("SELECT COUNT(*) FROM tags WHERE name = 'after'").pluck().get()).toBe(1);
    // `tessera check` (workspace.check) always runs the check itself.
    const checked = await third.dispatch('workspace.check', {});
    expect(checked).toMatchObject({ ok: true, value: { ok: true, problems: [] } });
  });

  it('a page overwritten after the close is found on the next open, even with the modification time set back', async () => {
    const { file, open } = workspace();
    const first = open();
    fillGalleryWorkspace(first, 300);
    await first.close();
    const before = statSync(file, { bigint: true });
    spawnSync('cp', ['--preserve=timestamps', file, `${file}.times`]);
    damageAPage(file);
    // Set the modification time back to the nanosecond: only the status-change time tells.
    expect(spawnSync('touch', ['-r', `${file}.times`, file]).status).toBe(0);
    const after = statSync(file, { bigint: true });
    expect([after.mtimeNs, after.size]).toEqual([before.mtimeNs, before.size]);
    const again = open();
    expect(again.store.soundBy).toBe('checked');
    expect(again.store.damage).not.toBeNull();
    expect(again.store.readOnly).toMatch(/damaged/);
    await again.close();
    // A damaged file gets no stamp: every later open checks it.
    const third = open();
    expect(third.store.soundBy).toBe('checked');
    expect(third.store.damage).not.toBeNull();
  });

  it('a WAL left by a process that did not close, or a copied workspace, is checked', async () => {
    const { ws, file, open } = workspace();
    const first = open();
    fillGalleryWorkspace(first, 50);
    await first.close();
    // Another process still holds the file (or was killed): its WAL is beside it.
    const other = new Database(file);
    other.prepare("INSERT INTO tags (name, color) VALUES ('wal', NULL)").run();
    expect(existsSync(`${file}-wal`)).toBe(true);
    const meanwhile = open();
    expect(meanwhile.store.soundBy).toBe('checked');
    await meanwhile.close();
    other.close();
    // A copy has another inode and times: checked once, then stamped by its own clean close.
    const copy = `${ws}-copy`;
    cpSync(ws, copy, { recursive: true });
    cleanups.push(() => undefined);
    const copied = createEngine({ workspace: copy });
    expect(copied.store.soundBy).toBe('checked');
    await copied.close();
    const copiedAgain = createEngine({ workspace: copy });
    expect(copiedAgain.store.soundBy).toBe('unchanged');
    await copiedAgain.close();
    expect(readFileSync(stampFile(join(copy, 'tessera.db')), 'utf8')).not.toBe(readFileSync(stampFile(file), 'utf8'));
  });

  it('a session that saw SQLite report damage or an I/O error leaves no stamp', async () => {
    const { file, open } = workspace();
    await open().close();
    const engine = open();
    expect(engine.store.soundBy).toBe('unchanged');
    const corrupt = Object.assign(new Error('database disk image is malformed'), { name: 'SqliteError', code: 'SQLITE_CORRUPT' });
    expect(storeFault(corrupt, engine.store)?.code).toBe('CORRUPT_FILE');
    expect(engine.store.faultSeen).toBe(true);
    await engine.close();
    expect(existsSync(stampFile(file)) && readFileSync(stampFile(file), 'utf8') !== '').toBe(false);
    expect(open().store.soundBy).toBe('checked');
  });
});
