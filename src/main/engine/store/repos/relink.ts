/**
 * Rewrites the file paths a workspace keeps (images, dataset sources, models and the files their
 * manifests name) from one folder to another, after the folder was moved: Tessera stores absolute
 * paths, so a moved image folder, or a moved workspace holding its own images and models, otherwise
 * loses them all (every image "missing", every model "vanished"). Content is not re-read here: image
 * reads check each file against the sha256 recorded at import, models against theirs, so a folder that
 * holds other files is refused when used, naming them.
 */
import { sep } from 'node:path';
import type { Db } from '../db';

export interface RelinkPlan {
  images: Array<{ id: number; path: string }>;
  datasets: Array<{ id: number; path: string }>;
  models: Array<{ id: number; path: string; manifest: string }>;
}

/** `path` moved from `from` to `to` (both absolute, without a trailing separator); null when it is not under `from`. */
export function movedPath(path: string, from: string, to: string): string | null {
  if (path === from) return to;
  const prefix = from === sep ? sep : from + sep;
  return path.startsWith(prefix) ? to + (to.endsWith(sep) ? '' : sep) + path.slice(prefix.length) : null;
}

/** The rows whose paths lie under `from`, with their paths under `to`. */
export function planRelink(db: Db, from: string, to: string): RelinkPlan {
  const under = `${from === sep ? '' : from}${sep}%`;
  const rows = (sql: string) =>
    db.prepare(sql).all(
      from,
      under.replace(/[\\%_]/g, (c) => (c === '%' ? c : `\\${c}`)),
    ) as Array<Record<string, unknown>>;
  const moved = <T extends { path: string }>(list: T[]): T[] =>
    list.flatMap((r) => {
      const path = movedPath(r.path, from, to);
      return path === null ? [] : [{ ...r, path }];
    });
  const images = moved(
    rows(`SELECT id, path FROM images WHERE path = ? OR path LIKE ? ESCAPE '\\'`) as Array<{ id: number; path: string }>,
  );
  const datasets = moved(
    rows(`SELECT id, source_path AS path FROM datasets WHERE source_path = ? OR source_path LIKE ? ESCAPE '\\'`) as Array<{
      id: number;
      path: string;
    }>,
  );
  const models = (
    db.prepare('SELECT id, path, manifest FROM models').all() as Array<{ id: number; path: string; manifest: string }>
  ).flatMap((m) => {
    const path = movedPath(m.path, from, to);
    const manifest = movedManifest(m.manifest, from, to);
    return path === null && manifest === null ? [] : [{ id: m.id, path: path ?? m.path, manifest: manifest ?? m.manifest }];
  });
  return { images, datasets, models };
}

/**
 * A stored manifest with the files it names moved; null when none is under `from`. The column holds
 * `{manifest: {files: {role: absolute path}}, ...}` (models/registry.ts: files resolved when added).
 */
function movedManifest(text: string, from: string, to: string): string | null {
  let stored: Record<string, unknown>;
  try {
    stored = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  const inner = stored['manifest'];
  if (inner === null || typeof inner !== 'object') return null;
  const files = (inner as Record<string, unknown>)['files'];
  if (files === null || typeof files !== 'object') return null;
  let changed = false;
  const next: Record<string, unknown> = {};
  for (const [role, file] of Object.entries(files as Record<string, unknown>)) {
    const moved = typeof file === 'string' ? movedPath(file, from, to) : null;
    next[role] = moved ?? file;
    if (moved !== null) changed = true;
  }
  return changed ? JSON.stringify({ ...stored, manifest: { ...(inner as Record<string, unknown>), files: next } }) : null;
}

/**
 * Images a plan would give a path another image of the same dataset has (or keeps): a dataset holds
 * each path once. Empty when the plan can be written.
 */
export function relinkCollisions(db: Db, plan: RelinkPlan): Array<{ path: string; imageIds: number[] }> {
  if (plan.images.length === 0) return [];
  const moving = new Set(plan.images.map((r) => r.id));
  const datasetOf = db.prepare('SELECT dataset_id FROM images WHERE id = ?').pluck();
  const holder = db.prepare('SELECT id FROM images WHERE dataset_id = ? AND path = ?').pluck();
  const taken = new Map<string, number[]>();
  for (const r of plan.images) {
    const dataset = datasetOf.get(r.id) as number;
    const key = `${dataset}\0${r.path}`;
    const list = taken.get(key) ?? [];
    list.push(r.id);
    // An image that stays where it is keeps its path.
    const there = holder.get(dataset, r.path) as number | undefined;
    if (list.length === 1 && there !== undefined && !moving.has(there)) list.push(there);
    taken.set(key, list);
  }
  return [...taken.entries()].filter(([, ids]) => ids.length > 1).map(([key, imageIds]) => ({ path: key.split('\0')[1]!, imageIds }));
}

/** Writes a plan in one transaction. */
export function applyRelink(db: Db, plan: RelinkPlan): void {
  const image = db.prepare('UPDATE images SET path = ? WHERE id = ?');
  const dataset = db.prepare('UPDATE datasets SET source_path = ? WHERE id = ?');
  const model = db.prepare('UPDATE models SET path = ?, manifest = ? WHERE id = ?');
  db.transaction(() => {
    for (const r of plan.images) image.run(r.path, r.id);
    for (const r of plan.datasets) dataset.run(r.path, r.id);
    for (const r of plan.models) model.run(r.path, r.manifest, r.id);
  })();
}
