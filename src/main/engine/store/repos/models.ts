import type { Db } from '../db';
import { InputSpec, type ModelKind, type ModelSummary, type TensorInfo } from '../../../../shared/domain';
import { nextIdSql } from '../retiredIds';

interface ModelRow {
  id: number;
  name: string;
  kind: ModelKind;
  path: string;
  sha256: string;
  manifest: string;
  is_toy: number;
  added_at: string;
}

export interface StoredManifest {
  manifest: Record<string, unknown> & { classes?: { names: string[] } };
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** The stored manifest's input spec (already normalized at add time); null for bundle-only models, which take no image. */
function inputOf(manifest: StoredManifest['manifest']): InputSpec | null {
  const files = manifest['files'] as Record<string, unknown> | undefined;
  if (files?.['model'] === undefined) return null;
  const parsed = InputSpec.safeParse(manifest['input']);
  return parsed.success ? parsed.data : null;
}

function toSummary(r: ModelRow): ModelSummary {
  const stored = JSON.parse(r.manifest) as StoredManifest;
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    toy: r.is_toy === 1,
    path: r.path,
    sha256: r.sha256,
    inputs: stored.inputs,
    outputs: stored.outputs,
    classes: stored.manifest.classes?.names ?? [],
    input: inputOf(stored.manifest),
    manifest: stored.manifest,
    addedAt: r.added_at,
  };
}

/** Owns the `models` table: the manifest as validated at add time plus the ONNX file's real tensors. */
export function modelsRepo(db: Db) {
  return {
    upsert(m: { name: string; kind: ModelKind; path: string; sha256: string; toy: boolean } & StoredManifest): number {
      const manifest = JSON.stringify({ manifest: m.manifest, inputs: m.inputs, outputs: m.outputs });
      const existing = db.prepare('SELECT id FROM models WHERE name = ?').get(m.name) as { id: number } | undefined;
      if (existing !== undefined) {
        db.prepare('UPDATE models SET kind = ?, path = ?, sha256 = ?, manifest = ?, is_toy = ? WHERE id = ?').run(
          m.kind,
          m.path,
          m.sha256,
          manifest,
          Number(m.toy),
          existing.id,
        );
        return existing.id;
      }
      const info = db
        .prepare(
          `INSERT INTO models (id, name, kind, path, sha256, manifest, is_toy, added_at) VALUES (${nextIdSql('models')}, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(m.name, m.kind, m.path, m.sha256, manifest, Number(m.toy), new Date().toISOString());
      return Number(info.lastInsertRowid);
    },
    list(): ModelSummary[] {
      return (db.prepare('SELECT * FROM models ORDER BY id').all() as ModelRow[]).map(toSummary);
    },
    get(id: number): ModelSummary | undefined {
      const row = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
      return row === undefined ? undefined : toSummary(row);
    },
    byName(name: string): ModelSummary | undefined {
      const row = db.prepare('SELECT * FROM models WHERE name = ?').get(name) as ModelRow | undefined;
      return row === undefined ? undefined : toSummary(row);
    },
    rename(id: number, name: string): void {
      db.prepare('UPDATE models SET name = ? WHERE id = ?').run(name, id);
    },
    /** Removes the registry entry; its runs keep their rows with model_id NULL (ON DELETE SET NULL). */
    delete(id: number): void {
      db.prepare('DELETE FROM models WHERE id = ?').run(id);
    },
    /** Whether another model than `id` has the same file (sha256). */
    shaShared(id: number, sha256: string): boolean {
      return db.prepare('SELECT 1 FROM models WHERE sha256 = ? AND id != ?').get(sha256, id) !== undefined;
    },
    /** The runs made with the model and their datasets' names, in run id order. */
    runsOf(id: number): Array<{ name: string; dataset: string }> {
      return db
        .prepare('SELECT r.name, d.name AS dataset FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE r.model_id = ? ORDER BY r.id')
        .all(id) as Array<{ name: string; dataset: string }>;
    },
  };
}
export type ModelsRepo = ReturnType<typeof modelsRepo>;
