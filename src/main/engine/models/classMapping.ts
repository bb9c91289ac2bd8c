import { ApiError } from '../../../shared/api/errors';
import { vocColor, type ClassInfo, type ModelManifest } from '../../../shared/domain';

export interface ClassMapping {
  /** model class index -> dataset class index */
  toDataset(modelClass: number): number;
  how: 'by name' | 'by index' | 'adopted model classes' | 'binary' | 'ground-truth classes of the clicked regions';
  /** Classes to add to a dataset that had none (the run adopts the model's). */
  adopt: ClassInfo[];
}

/**
 * How a model's classes land in a dataset: by name when every model class exists in the dataset,
 * by index when the counts agree, adopting the model's classes on a dataset without any. Anything
 * else is a class-count mismatch the user must resolve, not something to guess.
 */
export function mapClasses(
  manifest: ModelManifest,
  dataset: ClassInfo[],
  task: 'semantic' | 'referring' | 'unlabelled',
  modelName: string,
): ClassMapping {
  const names = manifest.classes?.names ?? [];
  if (manifest.kind === 'prompt-decoder') return { toDataset: (c) => c, how: 'ground-truth classes of the clicked regions', adopt: [] };
  if (task === 'referring' || names.length === 0) return { toDataset: (c) => (c === 0 ? 0 : 1), how: 'binary', adopt: [] };
  if (dataset.length === 0) {
    const adopt = names.map((name, i) => ({ index: i, name, color: manifest.classes?.palette?.[i] ?? vocColor(i) }));
    return { toDataset: (c) => c, how: 'adopted model classes', adopt };
  }
  const byName = new Map(dataset.map((c) => [c.name.toLowerCase(), c.index]));
  if (names.every((n) => byName.has(n.toLowerCase()))) {
    const table = names.map((n) => byName.get(n.toLowerCase()) as number);
    return { toDataset: (c) => table[c] ?? 255, how: 'by name', adopt: [] };
  }
  if (names.length === dataset.length) return { toDataset: (c) => c, how: 'by index', adopt: [] };
  const missing = names.filter((n) => !byName.has(n.toLowerCase()));
  throw new ApiError(
    'MODEL_MISMATCH',
    `class-count mismatch: model "${modelName}" has ${names.length} classes (${names.join(', ')}) and the dataset has ${dataset.length} (${dataset.map((c) => c.name).join(', ')}); classes map by name when the dataset has every model class (it lacks ${missing.join(', ')}), else by index when the counts agree: rename or add classes (tessera classes rename|add) so that one holds`,
  );
}
