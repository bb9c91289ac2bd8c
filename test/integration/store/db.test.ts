import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../../src/main/engine/store/db';
import { SCHEMA_VERSION } from '../../../src/main/engine/store/migrations';
import { createRepos } from '../../../src/main/engine/store/store';
import { ApiError } from '../../../src/shared';
import { tempDir } from '../../helpers/fixtures';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function freshDbFile(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, 'tessera.db');
}

describe('workspace database', () => {
  it('migrates a new file to the current schema with WAL and foreign keys on', () => {
    const db = openDatabase(freshDbFile());
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    for (const t of [
      'datasets',
      'classes',
      'images',
      'samples',
      'annotations',
      'annotation_versions',
      'runs',
      'predictions',
      'heatmaps',
      'metric_rows',
      'tags',
      'image_tags',
      'sample_tags',
      'jobs',
      'models',
    ]) {
      expect(tables).toContain(t);
    }
    db.close();
  });

  it('reopens an existing file without re-running migrations', () => {
    const file = freshDbFile();
    const first = openDatabase(file);
    createRepos(first).datasets.create({ name: 'kept', format: 'folder', task: 'unlabelled', sourcePath: null });
    first.close();
    const second = openDatabase(file);
    expect(
      createRepos(second)
        .datasets.list()
        .map((d) => d.name),
    ).toEqual(['kept']);
    second.close();
  });

  it('refuses a workspace written by a newer schema and leaves it untouched', () => {
    const file = freshDbFile();
    const raw = new Database(file);
    raw.exec('CREATE TABLE future_thing (x INTEGER)');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    let caught: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).code).toBe('SCHEMA_TOO_NEW');
    expect((caught as ApiError).message).toMatch(/newer Tessera/);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5);
    expect(check.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'datasets'").get()).toEqual({ n: 0 });
    check.close();
  });

  it('cascades image deletes to samples and annotations through foreign keys', () => {
    const db = openDatabase(freshDbFile());
    const repos = createRepos(db);
    const datasetId = repos.datasets.create({ name: 'd', format: 'folder', task: 'semantic', sourcePath: null });
    const imageId = repos.images.create({ datasetId, path: '/x.png', fileName: 'x.png', sha256: 'ab', bytes: 1, width: 2, height: 2 });
    const sampleId = repos.images.createSample(imageId);
    repos.annotations.create({ sampleId, classIdx: 1, rle: { size: [2, 2], counts: '04' }, area: 4, bbox: [0, 0, 2, 2] });
    expect(repos.annotations.currentForSample(sampleId)).toHaveLength(1);
    db.prepare('DELETE FROM images WHERE id = ?').run(imageId);
    expect(db.prepare('SELECT COUNT(*) AS n FROM annotation_versions').get()).toEqual({ n: 0 });
    expect(() => repos.images.createSample(9999)).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
