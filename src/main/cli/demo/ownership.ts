import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { DatasetFormat, DatasetSummary, DatasetTask, ModelSummary, RunSummary } from '../../../shared';
import { writeToys } from '../../../../tools/toy-models';
import { sha256Model } from '../../engine/models/registry';

/** A toy the demo registers: its manifest name, kind and the identity of its model file (models.sha256). */
export interface DemoToy {
  name: string;
  kind: string;
  sha256: string;
}

/**
 * The demo's toys as `writeToys` writes them, hashed the way `models add` hashes a model file,
 * written into a scratch folder (not the workspace's demo folder: nothing there changes before the
 * checks in `strangerInDemo` pass).
 */
export async function demoToys(): Promise<DemoToy[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-demo-toys-'));
  try {
    const out: DemoToy[] = [];
    for (const manifestPath of Object.values(writeToys(dir))) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; kind: string; files: { model: string } };
      out.push({ name: manifest.name, kind: manifest.kind, sha256: await sha256Model(join(dir, manifest.files.model)) });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What makes a dataset the demo's: where it was read from, how, and which images it can hold. */
export interface DemoDatasetSpec {
  name: string;
  format: DatasetFormat;
  task: DatasetTask;
  /** The folder the demo imports it from (or, for the referring set, writes it into). */
  source: string;
  /** An image the demo writes or imports there (file name and size). */
  ownImage: (fileName: string, width: number, height: number) => boolean;
}

const numbered = (prefix: string, count: number) => (file: string) => {
  const m = new RegExp(`^${prefix}_(\\d{3})\\.png$`).exec(file);
  return m !== null && Number(m[1]) < count;
};

export function demoDatasetSpecs(root: string, photos: string | null): DemoDatasetSpec[] {
  const scene = numbered('scene', 24);
  const ref = numbered('ref', 12);
  const specs: DemoDatasetSpec[] = [
    {
      name: 'demo-scenes',
      format: 'folder',
      task: 'semantic',
      source: join(root, 'scenes', 'images'),
      ownImage: (f, w, h) => scene(f) && w === 256 && h === 192,
    },
    {
      name: 'demo-referring',
      format: 'reasonseg',
      task: 'referring',
      source: join(root, 'referring'),
      ownImage: (f, w, h) => ref(f) && w === 384 && h === 384,
    },
  ];
  if (photos !== null) {
    const files = new Set(readdirSync(photos));
    specs.push({ name: 'demo-photos', format: 'folder', task: 'unlabelled', source: photos, ownImage: (f) => files.has(f) });
  }
  return specs;
}

const rename = (what: string, name: string, extra = ''): string =>
  `rename it (tessera ${what} rename ${name} NEW${extra}) and run init --demo again`;

/** Why a dataset of a demo dataset's name is not the demo's, or null when it is. */
export function datasetStranger(
  d: DatasetSummary,
  spec: DemoDatasetSpec,
  images: ReadonlyArray<{ file_name: string; width: number; height: number }>,
): string | null {
  let why: string | null = null;
  if (d.sourcePath === null) why = 'not imported from a folder';
  else if (resolve(d.sourcePath) !== resolve(spec.source)) why = `imported from ${d.sourcePath}`;
  else if (d.format !== spec.format || d.task !== spec.task)
    why = `a ${d.task} ${d.format} dataset; the demo's is ${spec.task} ${spec.format}`;
  else {
    const other = images.find((i) => !spec.ownImage(basename(i.file_name), i.width, i.height));
    if (other !== undefined) why = `image ${other.file_name} (${other.width}x${other.height}) is not one the demo writes`;
  }
  return why === null ? null : `dataset "${d.name}" is not the demo's (${why}): ${rename('datasets', d.name)}`;
}

/** Why a model of a toy's name is not the demo's toy, or null when it is (the same file, by sha256). */
export function modelStranger(m: ModelSummary, toy: DemoToy): string | null {
  if (m.sha256 === toy.sha256 && m.kind === toy.kind) return null;
  return `model "${m.name}" is not the demo's (${m.path}, sha256 ${m.sha256.slice(0, 12)}…; the demo's toy is ${toy.sha256.slice(0, 12)}…): ${rename('models', m.name)}`;
}

/** Why a run of a demo run's name is not the demo's, or null when the demo toy of that name made it. */
export function runStranger(r: RunSummary, dataset: string, toy: DemoToy): string | null {
  if (r.source === 'model' && r.provenance['modelSha256'] === toy.sha256) return null;
  const model = r.provenance['model'];
  const madeBy =
    r.source === 'import'
      ? 'imported predictions'
      : `made by model "${typeof model === 'string' ? model : '?'}"${model === toy.name ? ' from another file' : ''}`;
  return `run "${r.name}" on dataset "${dataset}" is not the demo's (${madeBy}): ${rename('runs', r.name, ` --dataset ${dataset}`)}`;
}
