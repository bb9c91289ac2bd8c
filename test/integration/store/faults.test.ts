import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeToys } from '../../../tools/toy-models';
import { BIN, tessera, type CliResult } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';
import { SCHEMA_VERSION } from '../../../src/main/engine/store/migrations';
import { BACK_TO_SCHEMA_11 } from '../../helpers/schema';
import { writeSceneDataset } from '../../helpers/scenes';

// Faults of the machine, made for real: a full file system (a 16 KiB tmpfs in a private mount
// namespace), a folder the user may not write (the CLI run as another user when the tests run as
// root, since root ignores permissions), a read-only mount (a read-only bind mount), a database
// file with a page overwritten on purpose, an empty tessera.db.

const root = process.getuid?.() === 0;
/** `unshare` for a private mount namespace: as root directly, otherwise as root of a user namespace. */
const unshareArgs = root ? ['-m'] : ['-rm'];
const canMount =
  spawnSync('unshare', [...unshareArgs, 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs "$d" && umount "$d" && rmdir "$d"'])
    .status === 0;

let t: ReturnType<typeof tempDir>;
let data: Awaited<ReturnType<typeof writeSceneDataset>>;
let ws: string;

beforeAll(async () => {
  t = tempDir();
  data = await writeSceneDataset(
    join(t.dir, 'scenes'),
    Array.from({ length: 12 }, (_, i) => ({
      name: `s${String(i).padStart(2, '0')}`,
      width: 160,
      height: 120,
      rects: [{ x: (i * 7) % 80, y: (i * 5) % 50, w: 50, h: 40, cls: 1 + (i % 3) }],
    })),
  );
  ws = join(t.dir, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes']).code).toBe(0);
}, 120_000);
afterAll(() => t.cleanup());

/** Runs a shell script in a private mount namespace (mounts vanish with it). */
function inMountNamespace(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('unshare', [...unshareArgs, 'sh', '-c', script], {
    env: { ...process.env, TESSERA_WORKSPACE: '', NODE: process.execPath, BIN },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function counts(dbFile: string): Record<string, number> {
  const db = new Database(dbFile, { readonly: true });
  const out: Record<string, number> = {};
  for (const table of ['datasets', 'images', 'samples', 'annotations', 'runs', 'predictions'])
    out[table] = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  out['integrity'] = db.pragma('integrity_check', { simple: true }) === 'ok' ? 1 : 0;
  db.close();
  return out;
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.skipIf(!canMount)('a full disk', () => {
  it('an export that runs out of space says so in one line naming the file and leaves no folder behind', () => {
    const before = counts(join(ws, 'tessera.db'));
    const small = join(t.dir, 'small');
    mkdirSync(small);
    const r = inMountNamespace(
      `mount -t tmpfs -o size=16k tmpfs "${small}" || exit 99
       "$NODE" "$BIN" --workspace "${ws}" export --dataset scenes --format voc --out "${small}/out"; echo "rc=$?"
       echo "left:$(ls -A "${small}")"`,
    );
    expect(r.stdout).toContain('rc=1');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^error: no space left on the device while writing ${small}/out/\\S+; free some space and try again$`),
    );
    expect(r.stdout).toContain('left:\n');
    expect(counts(join(ws, 'tessera.db'))).toEqual(before);
  });

  it('an import into a workspace on a full disk names the database file, and the workspace stays as it was', () => {
    const small = join(t.dir, 'small-ws');
    const copy = join(t.dir, 'after-full');
    mkdirSync(small);
    // The tmpfs holds the workspace with a little room to spare; the import needs more.
    const bytes = Math.ceil(statSync(join(ws, 'tessera.db')).size / 4096) * 4096 + 16 * 4096;
    const r = inMountNamespace(
      `mount -t tmpfs -o size=${bytes} tmpfs "${small}" || exit 99
       cp -a "${ws}" "${small}/ws" || exit 98
       for i in 1 2 3 4 5 6; do
         "$NODE" "$BIN" --workspace "${small}/ws" import folder "${data.images}" --masks "${data.masks}" --name "more$i" 2>>"${small}/../err.txt" >/dev/null
         echo "rc$i=$?"
       done
       cp -a "${small}/ws" "${copy}"`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rc\d=1/);
    const err = readFileSync(join(t.dir, 'err.txt'), 'utf8').trim().split('\n');
    const full = err.filter((l) => l.includes('no space left'));
    expect(full.length).toBeGreaterThan(0);
    for (const line of full) expect(line).toMatch(/^error: no space left on the device (for|while writing) \S*small-ws\/ws\/tessera\.db/);
    expect(err.filter((l) => /internal error/.test(l))).toEqual([]);
    // Every import that failed left nothing: the datasets present are exactly the ones that finished.
    const db = new Database(join(copy, 'tessera.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const names = (db.prepare('SELECT name FROM datasets ORDER BY id').all() as Array<{ name: string }>).map((d) => d.name);
    const ok = [...r.stdout.matchAll(/rc(\d)=0/g)].map((m) => `more${m[1]}`);
    expect(names).toEqual(['scenes', ...ok]);
    for (const name of names) {
      const n = db.prepare('SELECT count(*) AS n FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ?').get(name) as {
        n: number;
      };
      expect(n.n).toBe(12);
    }
    db.close();
  });
});

describe('a folder the user may not write', () => {
  it('an export into it fails with "permission denied" naming that folder (where the staging folder is made) and writes nothing', () => {
    const locked = join(t.dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const out = join(locked, 'out');
    let r;
    if (root) {
      // Root ignores permissions: run the CLI as "nobody" on a copy of the workspace it owns.
      chmodSync(t.dir, 0o755); // mkdtemp made it 0700
      const mine = join(t.dir, 'nobody-ws');
      cpSync(ws, mine, { recursive: true });
      spawnSync('chown', ['-R', '65534:65534', mine]);
      const s = spawnSync(process.execPath, [BIN, '--workspace', mine, 'export', '--dataset', 'scenes', '--format', 'coco', '--out', out], {
        uid: 65534,
        gid: 65534,
        env: { ...process.env, TESSERA_WORKSPACE: '', HOME: '/nonexistent' },
        encoding: 'utf8',
      });
      r = { code: s.status, stderr: s.stderr };
    } else {
      r = tessera(['--workspace', ws, 'export', '--dataset', 'scenes', '--format', 'coco', '--out', out]);
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot write in ${locked} (permission denied): an export is first written into a hidden folder beside ${out}, then moved in; make ${locked} writable, or choose an export folder elsewhere\n`,
    );
    expect(readdirSync(locked)).toEqual([]);
  });
});

describe('init where the user may not make the workspace folder', () => {
  it('says "permission denied" naming the folder it could not make (was raw EACCES naming ws/cache)', () => {
    const locked = join(t.dir, 'locked-init');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const wsDir = join(locked, 'ws');
    let r: { code: number | null; stderr: string };
    if (root) {
      chmodSync(t.dir, 0o755); // mkdtemp made it 0700
      const s = spawnSync(process.execPath, [BIN, '--workspace', wsDir, 'init'], {
        uid: 65534,
        gid: 65534,
        env: { ...process.env, TESSERA_WORKSPACE: '', HOME: '/nonexistent' },
        encoding: 'utf8',
      });
      r = { code: s.status, stderr: s.stderr };
    } else r = tessera(['--workspace', wsDir, 'init']);
    expect(r).toEqual({ code: 1, stderr: `error: permission denied: ${wsDir}\n` });
    expect(readdirSync(locked)).toEqual([]);
  });
});

describe("another user's workspace (its folder and file not writable by this user)", () => {
  it('lists and scores read-only; a write fails in one line; nothing changes', () => {
    const { dir: theirs, scored } = scoredCopy('theirs');
    const file = join(theirs, 'tessera.db');
    const hash = sha(file);
    const filesBefore = readdirSync(theirs).sort();
    // A clean close leaves no -shm beside the file: SQLite cannot make one in a folder it may not
    // write (SQLITE_READONLY_DIRECTORY), and every command failed with "attempt to write a readonly database".
    expect(filesBefore.filter((f) => f.endsWith('-shm') || f.endsWith('-wal'))).toEqual([]);
    chmodSync(theirs, 0o555);
    chmodSync(file, 0o444);
    const run = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
      if (!root) {
        const r = tessera(['--workspace', theirs, ...args]);
        return { code: r.code, stdout: r.stdout, stderr: r.stderr };
      }
      // Root ignores permissions: the other user is "nobody".
      chmodSync(t.dir, 0o755); // mkdtemp made it 0700
      const s = spawnSync(process.execPath, [BIN, '--workspace', theirs, ...args], {
        uid: 65534,
        gid: 65534,
        env: { ...process.env, TESSERA_WORKSPACE: '', HOME: '/nonexistent' },
        encoding: 'utf8',
      });
      return { code: s.status, stdout: s.stdout, stderr: s.stderr };
    };
    try {
      const list = run(['datasets', 'list', '--json']);
      expect(list.stderr).toBe('');
      expect((JSON.parse(list.stdout) as Array<{ name: string; imageCount: number }>).map((d) => [d.name, d.imageCount])).toEqual([
        ['scenes', 12],
      ]);
      const evaluated = run(['eval', '--dataset', 'scenes', '--run', 'r1', '--json']);
      expect(evaluated.code).toBe(0);
      expect(JSON.parse(evaluated.stdout)).toEqual(JSON.parse(scored.stdout));
      const tag = run(['tags', 'add', 'hard', '--dataset', 'scenes', '--all']);
      expect(tag.code).toBe(1);
      expect(tag.stderr).toBe(
        `error: ${file} is open read-only (the folder ${theirs} is not writable): this needs to write to the workspace\n`,
      );
    } finally {
      chmodSync(theirs, 0o755);
      chmodSync(file, 0o644);
    }
    expect(sha(file)).toBe(hash);
    expect(readdirSync(theirs).sort()).toEqual(filesBefore);
  });
});

/** A copy of the scene workspace with a toy CAM model's run r1, evaluated; the eval's output. */
function scoredCopy(name: string): { dir: string; scored: CliResult } {
  const dir = join(t.dir, `${name}-src`);
  cpSync(ws, dir, { recursive: true });
  const modelsDir = join(t.dir, `${name}-models`);
  mkdirSync(modelsDir);
  writeToys(modelsDir, ['cam']);
  expect(tessera(['--workspace', dir, 'models', 'add', join(modelsDir, 'toy-colour-cam.manifest.json')]).code).toBe(0);
  expect(
    tessera(['--workspace', dir, 'run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu', '--run', 'r1']).code,
  ).toBe(0);
  const scored = tessera(['--workspace', dir, 'eval', '--dataset', 'scenes', '--run', 'r1', '--json']);
  expect(scored.code).toBe(0);
  return { dir, scored };
}

describe.skipIf(!canMount)('a workspace on a read-only mount', () => {
  it('lists, scores and exports read-only; a write fails in one line; nothing changes', () => {
    const { dir: evaluated, scored } = scoredCopy('ro');
    const file = join(evaluated, 'tessera.db');
    const hash = sha(file);
    const filesBefore = readdirSync(evaluated).sort();
    const ro = join(t.dir, 'ro');
    const out = join(t.dir, 'ro-export');
    mkdirSync(ro);
    const r = inMountNamespace(
      `mount --bind "${evaluated}" "${ro}" && mount -o remount,bind,ro "${ro}" || exit 99
       "$NODE" "$BIN" --workspace "${ro}" datasets list --json > "${t.dir}/ro-list.json"; echo "list=$?"
       "$NODE" "$BIN" --workspace "${ro}" eval --dataset scenes --run r1 --json > "${t.dir}/ro-eval.json"; echo "eval=$?"
       "$NODE" "$BIN" --workspace "${ro}" export --dataset scenes --format coco --out "${out}"; echo "export=$?"
       "$NODE" "$BIN" --workspace "${ro}" tags add hard --dataset scenes --all; echo "tag=$?"
       "$NODE" "$BIN" --workspace "${ro}" import folder "${data.images}" --name again; echo "import=$?"
       "$NODE" "$BIN" --workspace "${ro}" check; echo "check=$?"`,
    );
    expect(r.stdout).toContain('list=0');
    const list = JSON.parse(readFileSync(join(t.dir, 'ro-list.json'), 'utf8')) as Array<{ name: string; imageCount: number }>;
    expect(list.map((d) => [d.name, d.imageCount])).toEqual([['scenes', 12]]);
    expect(r.stdout).toContain('eval=0');
    expect(JSON.parse(readFileSync(join(t.dir, 'ro-eval.json'), 'utf8'))).toEqual(JSON.parse(scored.stdout));
    expect(r.stdout).toContain('export=0');
    expect(existsSync(join(out, 'instances.json'))).toBe(true);
    expect(r.stdout).toContain('tag=1');
    expect(r.stdout).toContain('import=1');
    expect(r.stderr).toContain(
      `error: ${ro}/tessera.db is open read-only (the folder ${ro} is not writable): this needs to write to the workspace\n`,
    );
    expect(r.stdout).toContain(`ok: ${ro}/tessera.db`);
    expect(r.stdout).toContain('check=0');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(sha(file)).toBe(hash);
    expect(readdirSync(evaluated).sort()).toEqual(filesBefore);
    expect(counts(file)).toMatchObject({ datasets: 1, images: 12, runs: 1, integrity: 1 });
  });

  it('a workspace last written by schema 10 is still read and scored as it is; an older one asks to be opened where writable', () => {
    // Schema 11 only changed a trigger (how a hidden run's prediction changes are counted); 12 added
    // tables kept by triggers (stale stored scores, counter clocks) that reads use when present.
    const { dir: scoredWs, scored } = scoredCopy('v10');
    const older = (name: string, version: number, sql: string): string => {
      const dir = join(t.dir, name);
      cpSync(scoredWs, dir, { recursive: true });
      const db = new Database(join(dir, 'tessera.db'));
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
      db.close();
      return dir;
    };
    const v10 = older(
      'v10',
      10,
      `${BACK_TO_SCHEMA_11}
       DROP TRIGGER prediction_revs_insert;
       CREATE TRIGGER prediction_revs_insert AFTER INSERT ON predictions BEGIN
         INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (NEW.run_id, NEW.sample_id, 1)
           ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + 1;
       END;`,
    );
    const v9 = older('v9', 9, BACK_TO_SCHEMA_11);
    const hash = sha(join(v10, 'tessera.db'));
    const ro10 = join(t.dir, 'ro10');
    const ro9 = join(t.dir, 'ro9');
    mkdirSync(ro10);
    mkdirSync(ro9);
    const r = inMountNamespace(
      `mount --bind "${v10}" "${ro10}" && mount -o remount,bind,ro "${ro10}" || exit 99
       mount --bind "${v9}" "${ro9}" && mount -o remount,bind,ro "${ro9}" || exit 99
       "$NODE" "$BIN" --workspace "${ro10}" datasets list --json > "${t.dir}/ro10-list.json"; echo "list10=$?"
       "$NODE" "$BIN" --workspace "${ro10}" eval --dataset scenes --run r1 --json > "${t.dir}/ro10-eval.json"; echo "eval10=$?"
       "$NODE" "$BIN" --workspace "${ro9}" datasets list --json; echo "list9=$?"`,
    );
    expect(r.stdout).toContain('list10=0');
    const list = JSON.parse(readFileSync(join(t.dir, 'ro10-list.json'), 'utf8')) as Array<{ name: string; imageCount: number }>;
    expect(list.map((d) => [d.name, d.imageCount])).toEqual([['scenes', 12]]);
    expect(r.stdout).toContain('eval10=0');
    expect(JSON.parse(readFileSync(join(t.dir, 'ro10-eval.json'), 'utf8'))).toEqual(JSON.parse(scored.stdout));
    expect(sha(join(v10, 'tessera.db'))).toBe(hash);
    expect(r.stdout).toContain('list9=1');
    expect(r.stderr).toContain(
      `error: ${ro9}/tessera.db has workspace schema 9 and needs an upgrade to ${SCHEMA_VERSION}, but the folder ${ro9} is not writable: open it once where it is writable\n`,
    );
  });
});

describe('a damaged or empty database', () => {
  it('quick_check finds an overwritten table page; the workspace opens read-only and refuses writes, naming the file and how to recover', async () => {
    // Enough annotation rows that their table spans several b-tree leaf pages.
    const many = await writeSceneDataset(
      join(t.dir, 'many'),
      Array.from({ length: 150 }, (_, i) => ({
        name: `m${String(i).padStart(3, '0')}`,
        width: 48,
        height: 32,
        rects: [{ x: i % 20, y: 4, w: 20, h: 12, cls: 1 + (i % 3) }],
      })),
    );
    const dir = join(t.dir, 'damaged');
    expect(tessera(['--workspace', dir, 'init']).code).toBe(0);
    expect(tessera(['--workspace', dir, 'import', 'folder', many.images, '--masks', many.masks, '--name', 'scenes']).code).toBe(0);
    const file = join(dir, 'tessera.db');
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const table = (
      db
        .prepare(
          "SELECT name FROM dbstat WHERE pagetype = 'leaf' AND name NOT LIKE 'sqlite_%' GROUP BY name ORDER BY count(*) DESC LIMIT 1",
        )
        .get() as {
        name: string;
      }
    ).name;
    const pages = (
      db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").all(table) as Array<{
        pageno: number;
      }>
    ).map((p) => p.pageno);
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.close();
    expect(pages.length).toBeGreaterThan(2);
    const page = pages[Math.floor(pages.length / 2)] as number;
    const bytes = readFileSync(file);
    // Keep the page type byte, scramble the cell count, the cell pointers and the first cells.
    bytes.fill(0xa5, (page - 1) * pageSize + 3, (page - 1) * pageSize + 400);
    writeFileSync(file, bytes);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('quick_check', { simple: true })).not.toBe('ok');
    raw.close();
    const hash = sha(file);

    const check = tessera(['--workspace', dir, 'check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(new RegExp(`^damaged: ${file}\n  \\S`));
    expect(check.stderr).toMatch(
      new RegExp(`error: ${file} is damaged; Tessera opens it read-only\\. Recover it with: sqlite3 "${file}" "\\.recover"`),
    );

    const imp = tessera(['--workspace', dir, 'import', 'folder', data.images, '--name', 'more']);
    expect(imp.code).toBe(1);
    const lines = imp.stderr.trim().split('\n');
    expect(lines[0]).toBe(`warning: ${file} is damaged; it is open read-only (run "tessera check")`);
    expect(lines[1]).toMatch(
      new RegExp(`^error: ${file} is damaged \\(.+\\); Tessera will not write to it: recover it with: sqlite3 "${file}" "\\.recover"`),
    );
    expect(lines).toHaveLength(2);

    const tag = tessera(['--workspace', dir, 'tags', 'add', 'hard', '--dataset', 'scenes', '--all']);
    expect(tag.code).toBe(1);
    // Reading the damaged table, or writing: either way one line naming the file and the way back.
    expect(tag.stderr.trim().split('\n')[1]).toMatch(
      new RegExp(`^error: ${file} is damaged \\(.+\\); .*recover it with: sqlite3 "${file}" "\\.recover"`),
    );
    expect(sha(file)).toBe(hash);
  });

  it('a 0-byte tessera.db is refused (not taken for a new workspace) unless init is asked for', () => {
    const dir = join(t.dir, 'empty');
    mkdirSync(dir);
    const file = join(dir, 'tessera.db');
    writeFileSync(file, '');
    const r = tessera(['--workspace', dir, 'datasets', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: ${file} is empty (0 bytes), not a workspace database: restore it from a backup, or run "tessera init" there to start a new, empty workspace\n`,
    );
    expect(statSync(file).size).toBe(0);
    expect(readdirSync(dir)).toEqual(['tessera.db']);
    const init = tessera(['--workspace', dir, 'init']);
    expect(init.code).toBe(0);
    expect(tessera(['--workspace', dir, 'datasets', 'list']).code).toBe(0);
  });
});
