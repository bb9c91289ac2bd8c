import { ApiError } from '../../../shared/api/errors';
import type { DeletePlan, DeleteResult } from '../../../shared/api/methods/manage';
import { vocColor, type ClassInfo, type DatasetSummary, type Rgb } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import {
  deleteImageCaches,
  imageCacheCounts,
  liveJobOn,
  orphanedImageShas,
  removeFiles,
  thumbnailFiles,
  withShaTable,
} from './manageCollect';

function requireDataset(deps: EngineDeps, datasetId: number): DatasetSummary {
  const d = deps.repos.datasets.get(datasetId);
  if (d === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  return d;
}

export function renameDataset(deps: EngineDeps, datasetId: number, name: string): DatasetSummary {
  const d = requireDataset(deps, datasetId);
  if (d.name === name) return d;
  if (deps.repos.datasets.nameExists(name)) throw new ApiError('CONFLICT', `a dataset named "${name}" exists already: choose another name`);
  deps.db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, datasetId);
  deps.events.emit('data.changed', { topics: ['datasets', 'images', 'runs'] });
  return requireDataset(deps, datasetId);
}

const count = (deps: EngineDeps, sql: string, ...args: unknown[]): number => (deps.db.prepare(sql).get(...args) as { n: number }).n;

/** Everything a dataset delete removes, counted without writing anything. */
export function datasetDeletePlan(deps: EngineDeps, datasetId: number): DeletePlan & { orphans: string[] } {
  deps.repos.jobs.markInterrupted();
  const d = requireDataset(deps, datasetId);
  const inImages = 'IN (SELECT id FROM images WHERE dataset_id = ?)';
  const inSamples = `IN (SELECT s.id FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ?)`;
  const inRuns = 'IN (SELECT id FROM runs WHERE dataset_id = ?)';
  const runNames = (
    deps.db.prepare('SELECT name FROM runs WHERE dataset_id = ? ORDER BY id').all(datasetId) as Array<{ name: string }>
  ).map((r) => r.name);
  const orphans = orphanedImageShas(deps.db, datasetId);
  const caches = withShaTable(deps.db, orphans, () => imageCacheCounts(deps.db, deps.paths.cache));
  const thumbnails = thumbnailFiles(deps.paths.cache, orphans).length;
  const goes = [
    { key: 'images', label: 'images (their rows; the image files stay on disk)', count: d.imageCount },
    { key: 'samples', label: 'samples', count: d.sampleCount },
    {
      key: 'annotations',
      label: 'annotation regions (all versions and edit history)',
      count: count(deps, `SELECT COUNT(*) AS n FROM annotations WHERE sample_id ${inSamples}`, datasetId),
    },
    { key: 'classes', label: 'classes', count: d.classCount },
    {
      key: 'runs',
      label: runNames.length === 0 ? 'runs' : `runs (${runNames.slice(0, 8).join(', ')}${runNames.length > 8 ? ', …' : ''})`,
      count: runNames.length,
    },
    {
      key: 'predictions',
      label: 'predictions',
      count: count(deps, `SELECT COUNT(*) AS n FROM predictions WHERE run_id ${inRuns}`, datasetId),
    },
    { key: 'heatmaps', label: 'heatmaps', count: count(deps, `SELECT COUNT(*) AS n FROM heatmaps WHERE run_id ${inRuns}`, datasetId) },
    {
      key: 'metricRows',
      label: 'metric rows',
      count: count(deps, `SELECT COUNT(*) AS n FROM metric_rows WHERE run_id ${inRuns}`, datasetId),
    },
    { key: 'cachedOutputs', label: 'cached model outputs', count: caches.cachedOutputs },
    { key: 'embeddings', label: 'cached image embeddings', count: caches.embeddings },
    { key: 'thumbnails', label: 'thumbnails', count: thumbnails },
    {
      key: 'savedFilters',
      label: 'saved filters',
      count: count(deps, 'SELECT COUNT(*) AS n FROM saved_filters WHERE dataset_id = ?', datasetId),
    },
    {
      key: 'tagLinks',
      label: 'tag links (the tags themselves stay)',
      count:
        count(deps, `SELECT COUNT(*) AS n FROM image_tags WHERE image_id ${inImages}`, datasetId) +
        count(deps, `SELECT COUNT(*) AS n FROM sample_tags WHERE sample_id ${inSamples}`, datasetId),
    },
  ];
  const keeps = [
    d.sourcePath === null ? 'the image files stay where they are' : `the image files stay where they are (${d.sourcePath})`,
    'tags, models and other datasets stay; jobs stay in the Jobs list',
  ];
  return { kind: 'dataset', id: d.id, name: d.name, goes, keeps, blockedBy: liveJobOn(deps.db, { datasetId }), orphans };
}

/** Deletes a dataset and everything that hangs off it in one transaction, then its orphaned cache files. */
export function deleteDataset(deps: EngineDeps, datasetId: number): DeleteResult {
  const { orphans, ...plan } = datasetDeletePlan(deps, datasetId);
  if (plan.blockedBy !== null) throw new ApiError('CONFLICT', `dataset "${plan.name}" cannot be deleted now: ${plan.blockedBy}`);
  const thumbs = thumbnailFiles(deps.paths.cache, orphans);
  deps.db.transaction(() => {
    // Runs first: their predictions, heatmaps and metric rows go through the run_id indexes.
    deps.db.prepare('DELETE FROM runs WHERE dataset_id = ?').run(datasetId);
    deps.db.prepare('DELETE FROM annotation_edits WHERE image_id IN (SELECT id FROM images WHERE dataset_id = ?)').run(datasetId);
    deps.db.prepare('DELETE FROM datasets WHERE id = ?').run(datasetId);
    withShaTable(deps.db, orphans, () => deleteImageCaches(deps.db, deps.paths.cache));
  })();
  const filesRemoved = removeFiles(thumbs);
  deps.logger.info(`deleted dataset ${datasetId} "${plan.name}" (${plan.goes.map((g) => `${g.key} ${g.count}`).join(', ')})`);
  deps.events.emit('data.changed', { topics: ['datasets', 'images', 'runs', 'metrics', 'tags', 'filters', 'annotations'] });
  return { plan, filesRemoved };
}

// ---------------------------------------------------------------------------------------------
// Classes

export function listClasses(deps: EngineDeps, datasetId: number): ClassInfo[] {
  requireDataset(deps, datasetId);
  return deps.repos.datasets.classes(datasetId);
}

function nameTaken(classes: readonly ClassInfo[], name: string, except: number | null): ClassInfo | undefined {
  const lower = name.toLowerCase();
  return classes.find((c) => c.index !== except && c.name.toLowerCase() === lower);
}

export function updateClass(
  deps: EngineDeps,
  input: { datasetId: number; index: number; name?: string | undefined; color?: Rgb | undefined },
): ClassInfo[] {
  const d = requireDataset(deps, input.datasetId);
  const classes = deps.repos.datasets.classes(input.datasetId);
  const cls = classes.find((c) => c.index === input.index);
  if (cls === undefined) {
    const known =
      classes.length === 0 ? 'it has no classes yet (add some first)' : `its classes are ${classes.map((c) => c.index).join(', ')}`;
    throw new ApiError('NOT_FOUND', `dataset "${d.name}" has no class ${input.index} (${known})`);
  }
  if (input.name === undefined && input.color === undefined) throw new ApiError('INVALID_INPUT', 'give a new name, a new colour or both');
  if (input.name !== undefined) {
    const other = nameTaken(classes, input.name, cls.index);
    if (other !== undefined) throw new ApiError('CONFLICT', `class ${other.index} of "${d.name}" is already called "${other.name}"`);
  }
  deps.db
    .prepare('UPDATE classes SET name = ?, color = ? WHERE dataset_id = ? AND idx = ?')
    .run(input.name ?? cls.name, JSON.stringify(input.color ?? cls.color), input.datasetId, input.index);
  deps.events.emit('data.changed', { topics: ['classes', 'datasets', 'images', 'metrics'] });
  return deps.repos.datasets.classes(input.datasetId);
}

export function addClasses(
  deps: EngineDeps,
  input: { datasetId: number; classes: ReadonlyArray<{ name: string; color?: Rgb | undefined }> },
): ClassInfo[] {
  const d = requireDataset(deps, input.datasetId);
  if (d.task === 'referring')
    throw new ApiError('INVALID_INPUT', `"${d.name}" is a referring dataset: its masks are per query, not per class`);
  const existing = deps.repos.datasets.classes(input.datasetId);
  const wanted = [...input.classes];
  if (existing.length === 0 && wanted[0]?.name.toLowerCase() !== 'background') wanted.unshift({ name: 'background' });
  const seen: ClassInfo[] = [...existing];
  let next = existing.length === 0 ? 0 : Math.max(...existing.map((c) => c.index)) + 1;
  const added: ClassInfo[] = [];
  for (const w of wanted) {
    const other = nameTaken(seen, w.name, null);
    if (other !== undefined) throw new ApiError('CONFLICT', `class ${other.index} of "${d.name}" is already called "${other.name}"`);
    if (next > 254) throw new ApiError('INVALID_INPUT', `"${d.name}" would need label value ${next}: classes use 0-254 (255 is ignore)`);
    const c: ClassInfo = { index: next, name: w.name, color: w.color ?? vocColor(next) };
    added.push(c);
    seen.push(c);
    next++;
  }
  deps.db.transaction(() => deps.repos.datasets.addClasses(input.datasetId, added))();
  deps.events.emit('data.changed', { topics: ['classes', 'datasets', 'images', 'metrics'] });
  return deps.repos.datasets.classes(input.datasetId);
}
