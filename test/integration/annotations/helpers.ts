import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ApiError, ImportResult, type TesseraClient } from '../../../src/shared';
import { expect } from 'vitest';
import type { Engine } from '../../../src/main/engine/engine';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

export interface Scene {
  root: string;
  workspace: string;
  engine: Engine;
  client: TesseraClient;
  datasetId: number;
  imageIds: number[];
  /** The imported label maps (row-major), as makeFolderDataset wrote them. */
  labels: Uint8Array[];
  width: number;
  height: number;
  cleanup(): Promise<void>;
}

/** A workspace with a 64x48 folder dataset of three images, each a labelled rectangle (classes 1..3) and one ignore pixel; classes 0..7. */
export async function openScene(): Promise<Scene> {
  const t = tempDir('tessera-annotations-');
  const workspace = join(t.dir, 'ws');
  const { engine, client } = openTestEngine(workspace);
  const data = await makeFolderDataset(t.dir, 3);
  const done = await finishJob(client, () =>
    client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'shapes' }),
  );
  const result = ImportResult.parse(done.result);
  // Classes 4-7 too: the edits paint classes the images do not have yet (an edit may paint only the dataset's classes).
  await client.call('classes.add', { datasetId: result.datasetId, classes: ['four', 'five', 'six', 'seven'].map((name) => ({ name })) });
  const page = await client.call('images.page', { datasetId: result.datasetId });
  let closed = false;
  return {
    root: t.dir,
    workspace,
    engine,
    client,
    datasetId: result.datasetId,
    imageIds: page.items.map((i) => i.id),
    labels: data.labels,
    width: 64,
    height: 48,
    async cleanup() {
      if (!closed) await engine.close();
      closed = true;
      t.cleanup();
    },
  };
}

export async function labelMap(engine: Engine, imageId: number): Promise<Uint8Array> {
  return (await engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt' })).bytes;
}

/** The box of a row-major label map, copied out (a plain loop, independent of the engine's code). */
export function crop(labels: Uint8Array, width: number, box: { x: number; y: number; w: number; h: number }): number[] {
  const out: number[] = [];
  for (let y = box.y; y < box.y + box.h; y++) for (let x = box.x; x < box.x + box.w; x++) out.push(labels[y * width + x] as number);
  return out;
}

/** `labels` with the box replaced by `after`: what the label map must be after the edit. */
export function pasted(
  labels: Uint8Array,
  width: number,
  box: { x: number; y: number; w: number; h: number },
  after: number[],
): Uint8Array {
  const out = labels.slice();
  let i = 0;
  for (let y = box.y; y < box.y + box.h; y++) for (let x = box.x; x < box.x + box.w; x++) out[y * width + x] = after[i++] as number;
  return out;
}

export function deflated(values: number[]): { deflate: string } {
  return { deflate: deflateSync(Uint8Array.from(values)).toString('base64') };
}

/** Every stored version (of one image's regions, or of all), oldest first. */
export function versionRows(
  engine: Engine,
  imageId?: number,
): Array<{ annotation_id: number; class_idx: number; version: number; source: string; deleted: number; area: number }> {
  return engineInternals(engine)
    .db.prepare(
      `SELECT v.annotation_id, a.class_idx, v.version, v.source, v.deleted, v.area FROM annotation_versions v
       JOIN annotations a ON a.id = v.annotation_id JOIN samples s ON s.id = a.sample_id
       WHERE ? IS NULL OR s.image_id = ? ORDER BY v.annotation_id, v.version`,
    )
    .all(imageId ?? null, imageId ?? null) as Array<{
    annotation_id: number;
    class_idx: number;
    version: number;
    source: string;
    deleted: number;
    area: number;
  }>;
}

/** Awaits `p` and expects it to fail with an ApiError of `code` whose message matches. */
export async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(code);
  expect((err as ApiError).message).toMatch(message);
}
