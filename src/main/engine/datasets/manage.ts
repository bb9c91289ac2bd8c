import { ApiError } from '../../../shared/api/errors';
import type { DeletePlan, DeleteResult } from '../../../shared/api/methods/manage';
import { vocColor, type ClassInfo, type DatasetSummary, type Rgb } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import { EmbeddingCache } from '../models/embeddingCache';
import { deleteCachedOutputsInSlices, liveJobOn, removeFiles } from './manageCollect';
import { hideForDelete, removeHiddenDataset } from './slicedWrite';

function requireDataset(deps: EngineDeps, datasetId: number): DatasetSummary {
  const d = deps.repos.datasets.get(datasetId);
  if (d === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  return d;
}

export function renameDataset(deps: EngineDeps, datasetId: number, name: string): DatasetSummary {
  const d = requireDataset(deps, datasetId);
  if (d.name === name) return d;
  if (deps.repos.datasets.nameExists(name)) throw new ApiError('CONFLICT', `a dataset named "${name}" exists already: choose another name`);
  deps.repos.datasets.rename(datasetId, name);
  deps.events.emit('data.changed', { topics: ['datasets', 'images', 'runs'] });
  return requireDataset(deps, datasetId);
}

/**
 * What deleting a dataset removes and keeps, counted without writing anything. The counts scan the
 * dataset (~1 s at 100k images), so the read worker makes them (datasets/deletePlanFacts.ts).
 */
export async function datasetDeletePlan(
  deps: EngineDeps,
  datasetId: number,
  beingDeleted = false,
): Promise<DeletePlan & { orphans: string[]; files: { embeddings: string[]; thumbnails: string[] } }> {
  deps.repos.jobs.markInterrupted();
  const facts = await deps.reads.read({ op: 'datasets.deletePlan', datasetId, cacheDir: deps.paths.cache, beingDeleted });
  const { dataset: d, runNames, counts, orphans } = facts;
  const files = { embeddings: facts.embeddingFiles, thumbnails: facts.thumbnailFiles };
  const goes = [
    { key: 'images', label: 'images (their rows; the image files stay on disk)', count: d.imageCount },
    { key: 'samples', label: 'samples', count: d.sampleCount },
    { key: 'annotations', label: 'annotation regions (all versions and edit history)', count: counts.annotations },
    { key: 'classes', label: 'classes', count: d.classCount },
    {
      key: 'runs',
      label: runNames.length === 0 ? 'runs' : `runs (${runNames.slice(0, 8).join(', ')}${runNames.length > 8 ? ', …' : ''})`,
      count: runNames.length,
    },
    { key: 'predictions', label: 'predictions', count: counts.predictions },
    { key: 'heatmaps', label: 'heatmaps', count: counts.heatmaps },
    { key: 'metricRows', label: 'metric rows', count: counts.metricRows },
    { key: 'cachedOutputs', label: 'cached model outputs', count: facts.cachedOutputs },
    { key: 'embeddings', label: 'cached image embeddings', count: files.embeddings.length },
    { key: 'thumbnails', label: 'thumbnails', count: files.thumbnails.length },
    { key: 'savedFilters', label: 'saved filters', count: counts.savedFilters },
    { key: 'tagLinks', label: 'tag links (the tags themselves stay)', count: counts.tagLinks },
  ];
  const keeps = [
    d.sourcePath === null ? 'the image files stay where they are' : `the image files stay where they are (${d.sourcePath})`,
    'tags, models and other datasets stay; jobs stay in the Jobs list',
  ];
  const blockedBy = beingDeleted ? null : liveJobOn(deps.repos.jobs, { datasetId });
  return { kind: 'dataset', id: d.id, name: d.name, goes, keeps, blockedBy, orphans, files };
}

/**
 * Deletes a dataset and everything that hangs off it, then its orphaned cache files. The dataset is
 * hidden at once (after the check for jobs on it, with no turn of the event loop between), its plan
 * read by the read worker, and its rows removed in slices (datasets/slicedWrite.ts), the engine
 * answering meanwhile (a 100k-image dataset took 10 s in one transaction).
 */
export async function deleteDataset(deps: EngineDeps, datasetId: number): Promise<DeleteResult> {
  const header = deps.repos.datasets.header(datasetId);
  if (header === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  deps.repos.jobs.markInterrupted();
  const blockedBy = liveJobOn(deps.repos.jobs, { datasetId });
  if (blockedBy !== null) throw new ApiError('CONFLICT', `dataset "${header.name}" cannot be deleted now: ${blockedBy}`);
  hideForDelete(deps.db, 'datasets', datasetId);
  deps.events.emit('data.changed', { topics: ['datasets', 'images', 'runs', 'metrics', 'tags', 'filters', 'annotations'] });
  // A delete whose process stops from here on is finished by the next open (its row stays hidden).
  const { orphans, files, ...plan } = await datasetDeletePlan(deps, datasetId, true);
  await removeHiddenDataset(deps.db, deps.repos, datasetId);
  await deleteCachedOutputsInSlices(deps.db, orphans);
  EmbeddingCache.remove(files.embeddings);
  const filesRemoved = removeFiles(files.thumbnails);
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
  deps.repos.datasets.updateClass(input.datasetId, input.index, input.name ?? cls.name, input.color ?? cls.color);
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
