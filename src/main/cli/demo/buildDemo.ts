import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, type RunSummary, type TesseraClient } from '../../../shared';
import { writeToys } from '../../../../tools/toy-models';
import type { Engine } from '../../engine/engine';
import { engineStore } from '../../engine/internals';
import { sha256File } from '../../engine/models/registry';
import { runJob } from '../jobs';
import { datasetStranger, demoDatasetSpecs, demoToys, modelStranger, runStranger } from './ownership';
import { DEMO_COLOURS, writeReferringScenes, writeSemanticScenes } from './scenes';

/** The photos shipped in resources/ (beside the built CLI: out/node -> ../../resources; from source: three up). */
export function photosDir(): string | null {
  for (const rel of ['../../resources/photos/', '../../../../resources/photos/', '../../../resources/photos/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'ATTRIBUTION.md'))) return dir;
  }
  return null;
}

export interface DemoSummary {
  datasets: string[];
  models: string[];
  runs: string[];
  /** What this call made: everything on a new workspace; what was missing from a demo there in part; nothing when it was complete. */
  added: { datasets: string[]; models: string[]; runs: string[] };
  /** Demo runs that were there unfinished (an interrupted `init --demo`: cancelled, failed) and were resumed. */
  resumed: string[];
}

async function importFolder(client: TesseraClient, dir: string, masksDir: string | undefined, name: string): Promise<number> {
  return (await runJob(client, 'datasets.importFolder', { dir, masksDir, name })).datasetId;
}

/** A referring dataset straight into the store (the demo's own generator, one transaction). */
async function createReferring(engine: Engine, root: string): Promise<number> {
  const scenes = await writeReferringScenes(root, 12);
  const { repos, transaction } = engineStore(engine);
  const hashes = await Promise.all(scenes.map((s) => sha256File(s.file)));
  return transaction(() => {
    const id = repos.datasets.create({
      name: 'demo-referring',
      format: 'reasonseg',
      task: 'referring',
      sourcePath: root,
      meta: { demo: true },
    });
    repos.datasets.addClasses(id, [
      { index: 0, name: 'background', color: [0, 0, 0] },
      { index: 1, name: 'target', color: [220, 20, 60] },
    ]);
    scenes.forEach((s, i) => {
      const imageId = repos.images.create({
        datasetId: id,
        path: s.file,
        fileName: basename(s.file),
        sha256: hashes[i] as string,
        bytes: 0,
        width: s.width,
        height: s.height,
        split: 'val',
      });
      for (const q of s.queries) {
        const sampleId = repos.images.createSample(imageId, q.text, [q.text], false);
        const bbox: [number, number, number, number] = [0, 0, s.width, s.height];
        repos.annotations.create({ sampleId, classIdx: 1, rle: q.rle, area: q.area, bbox });
      }
    });
    return id;
  });
}

/**
 * `tessera init --demo`: synthetic scenes with exact masks, a referring set with colour queries,
 * the sample photos, a toy model of every kind (labelled TOY everywhere), and a run of each but the
 * probability map (the image encoder runs inside the prompt decoder's runs).
 *
 * Run again on a workspace that has the demo in part (an interrupted `init --demo`), it adds what is
 * missing: models and datasets by name, runs by name (a model's run is named after it) and, for a
 * run there unfinished, by resuming it (runs.start keeps its finished samples). The toy files and the
 * scenes are generated the same every time, so what is there already matches what is written again.
 * Only the demo's own objects are completed (ownership.ts): a dataset read from the workspace's demo
 * folder with the demo's format and images, a model whose file is the toy's (sha256), a run that toy
 * made on that dataset. Anything else under a demo name is refused before anything is written.
 */
export async function buildDemo(engine: Engine, client: TesseraClient, log: (line: string) => void): Promise<DemoSummary> {
  const root = join(engine.paths.root, 'demo');
  const modelsDir = join(root, 'models');
  const toys = await demoToys();
  const models = toys.map((t) => t.name);
  const photos = photosDir();
  const specs = demoDatasetSpecs(root, photos);
  const datasets = specs.map((s) => s.name);
  const plan: Array<[string, string]> = [
    ['toy-colour-semantic', 'demo-scenes'],
    ['toy-colour-cam', 'demo-scenes'],
    ['toy-colour-patch-tokens', 'demo-scenes'],
    ['toy-colour-sam', 'demo-scenes'],
    ['toy-colour-seg-token', 'demo-referring'],
    ...(photos === null ? [] : ([['toy-colour-patch-tokens', 'demo-photos']] as Array<[string, string]>)),
  ];

  // One of a demo name that the demo did not make (a user's dataset, model or run) is refused, naming it and the way out.
  const { repos } = engineStore(engine);
  const refuse = (why: string | null): void => {
    if (why !== null) throw new ApiError('CONFLICT', why);
  };
  const datasetIds = new Map<string, number>();
  for (const d of await client.call('datasets.list', {})) {
    const spec = specs.find((s) => s.name === d.name);
    if (spec === undefined) continue;
    refuse(datasetStranger(d, spec, repos.images.listForDataset(d.id)));
    datasetIds.set(d.name, d.id);
  }
  const ids = new Map<string, number>();
  for (const m of await client.call('models.list', {})) {
    const toy = toys.find((t) => t.name === m.name);
    if (toy === undefined) continue;
    refuse(modelStranger(m, toy));
    ids.set(m.name, m.id);
  }
  const storedRuns = new Map<string, RunSummary>();
  for (const name of datasets) {
    const id = datasetIds.get(name);
    if (id === undefined) continue;
    for (const r of await client.call('runs.list', { datasetId: id })) {
      const toy = plan.some(([m, d]) => m === r.name && d === name) ? toys.find((t) => t.name === r.name) : undefined;
      if (toy === undefined) continue;
      refuse(runStranger(r, name, toy));
      storedRuns.set(`${r.name} on ${name}`, r);
    }
  }
  writeToys(modelsDir);
  const runName = ([model, dataset]: [string, string]): string => `${model} on ${dataset}`;
  const complete = (key: string): boolean => storedRuns.get(key)?.status === 'complete';
  const partial = ids.size > 0 || datasets.some((d) => datasetIds.has(d));
  if (partial) {
    const done = plan.filter((p) => complete(runName(p))).length;
    if (ids.size === models.length && datasets.every((d) => datasetIds.has(d)) && done === plan.length)
      return { datasets, models, runs: plan.map(runName), added: { datasets: [], models: [], runs: [] }, resumed: [] };
    log(
      `completing the demo: ${datasets.filter((d) => datasetIds.has(d)).length} of ${datasets.length} datasets, ${ids.size} of ${models.length} toy models and ${done} of ${plan.length} runs were there`,
    );
  }
  const added: DemoSummary['added'] = { datasets: [], models: [], runs: [] };

  // The SAM decoder first: the seg-token toy names it as its decoder.
  for (const name of [...models].sort((a, b) => Number(b === 'toy-colour-sam') - Number(a === 'toy-colour-sam'))) {
    if (ids.has(name)) continue;
    const m = await client.call('models.add', { manifestPath: join(modelsDir, `${name}.manifest.json`) });
    ids.set(name, m.id);
    added.models.push(name);
  }
  if (added.models.length > 0)
    log(
      added.models.length === models.length
        ? `added ${models.length} toy models`
        : `added ${added.models.length} of ${models.length} toy models (${added.models.join(', ')})`,
    );

  if (!datasetIds.has('demo-scenes')) {
    const scenes = await writeSemanticScenes(join(root, 'scenes'), 24);
    datasetIds.set('demo-scenes', await importFolder(client, scenes.images, scenes.masks, 'demo-scenes'));
    added.datasets.push('demo-scenes');
  }
  // Give the scene classes the toys' names so runs map by name (again if an interrupted build left them unnamed).
  const scenesId = datasetIds.get('demo-scenes') as number;
  const classes = await client.call('classes.list', { datasetId: scenesId });
  for (const c of DEMO_COLOURS) {
    const now = classes.find((k) => k.index === c.cls);
    if (now?.name !== c.name || now.color.some((v, i) => v !== c.rgb[i]))
      await client.call('classes.update', { datasetId: scenesId, index: c.cls, name: c.name, color: c.rgb });
  }
  if (!datasetIds.has('demo-referring')) {
    datasetIds.set('demo-referring', await createReferring(engine, join(root, 'referring')));
    added.datasets.push('demo-referring');
  }
  if (photos !== null && !datasetIds.has('demo-photos')) {
    datasetIds.set('demo-photos', await importFolder(client, photos, undefined, 'demo-photos'));
    added.datasets.push('demo-photos');
  }
  if (added.datasets.length > 0) log(`created datasets ${added.datasets.join(', ')}`);

  const resumed: string[] = [];
  const resumedLines: string[] = [];
  for (const p of plan) {
    const key = runName(p);
    if (complete(key)) continue;
    const stored = storedRuns.get(key);
    await runJob(client, 'runs.start', { modelId: ids.get(p[0]) as number, datasetId: datasetIds.get(p[1]) as number, device: 'cpu' });
    if (stored === undefined) added.runs.push(key);
    else {
      resumed.push(key);
      resumedLines.push(`${key} (${stored.status} at ${stored.predictedSamples} samples)`);
    }
  }
  if (added.runs.length > 0) log(`ran ${added.runs.length} toy runs`);
  if (resumed.length > 0) log(`resumed ${resumedLines.join(', ')}`);
  return { datasets, models, runs: plan.map(runName), added, resumed };
}
