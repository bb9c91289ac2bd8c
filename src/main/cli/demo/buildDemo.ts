import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TesseraClient } from '../../../shared';
import { writeToys } from '../../../../tools/toy-models';
import type { Engine } from '../../engine/engine';
import { engineStore } from '../../engine/internals';
import { sha256File } from '../../engine/models/registry';
import { runJob } from '../jobs';
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
 */
export async function buildDemo(engine: Engine, client: TesseraClient, log: (line: string) => void): Promise<DemoSummary> {
  const root = join(engine.paths.root, 'demo');
  const modelsDir = join(root, 'models');
  const manifests = writeToys(modelsDir);
  const models = Object.values(manifests).map((path) => basename(path, '.manifest.json'));
  const ids = new Map<string, number>();
  // The SAM decoder first: the seg-token toy names it as its decoder.
  for (const name of [...models].sort((a, b) => Number(b === 'toy-colour-sam') - Number(a === 'toy-colour-sam'))) {
    const m = await client.call('models.add', { manifestPath: join(modelsDir, `${name}.manifest.json`) });
    ids.set(name, m.id);
  }
  log(`added ${models.length} toy models`);

  const scenes = await writeSemanticScenes(join(root, 'scenes'), 24);
  const scenesId = await importFolder(client, scenes.images, scenes.masks, 'demo-scenes');
  // Give the scene classes the toys' names so runs map by name.
  for (const c of DEMO_COLOURS) await client.call('classes.update', { datasetId: scenesId, index: c.cls, name: c.name, color: c.rgb });
  const referringId = await createReferring(engine, join(root, 'referring'));
  const photos = photosDir();
  const datasets = ['demo-scenes', 'demo-referring'];
  let photosId: number | null = null;
  if (photos !== null) {
    photosId = await importFolder(client, photos, undefined, 'demo-photos');
    datasets.push('demo-photos');
  }
  log(`created datasets ${datasets.join(', ')}`);

  const plan: Array<[string, number]> = [
    ['toy-colour-semantic', scenesId],
    ['toy-colour-cam', scenesId],
    ['toy-colour-patch-tokens', scenesId],
    ['toy-colour-sam', scenesId],
    ['toy-colour-seg-token', referringId],
    ...(photosId === null ? [] : ([['toy-colour-patch-tokens', photosId]] as Array<[string, number]>)),
  ];
  const runs: string[] = [];
  for (const [model, datasetId] of plan) {
    await runJob(client, 'runs.start', { modelId: ids.get(model) as number, datasetId, device: 'cpu' });
    runs.push(`${model} on ${datasetId === scenesId ? 'demo-scenes' : datasetId === referringId ? 'demo-referring' : 'demo-photos'}`);
  }
  log(`ran ${runs.length} toy runs`);
  return { datasets, models, runs };
}
