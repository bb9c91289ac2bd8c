import type { CallContext, Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { readablePath, realPathOf, writablePath } from '../api/writablePath';
import { importReadRoots, withReadRoots, withWriteRoot } from '../api/readScope';
import type { JobContext } from '../jobs/JobRunner';
import { importCoco } from './coco';
import { exportDataset } from './export';
import { importFolder } from './folder';
import { startImportJob } from './importJob';
import { datasetImageSplits, datasetImages, requireDataset } from '../store/repos/datasetReads';
import { importReasonSeg } from './reasonseg';
import { importRefCoco } from './refcoco';
import { importVoc } from './voc';

/** Dataset imports, exports and lookups. Each import or export is a job; an import announces the new data when it lands. */
export function datasetHandlers(deps: EngineDeps) {
  // The job reads every file it finds under the checked folder through api/readScope.ts, confined as the call was.
  const startImport = (
    format: string,
    params: object,
    call: CallContext,
    body: (ctx: JobContext) => Promise<object>,
  ): { jobId: string } => {
    const roots = importReadRoots(call, deps.paths.root);
    return startImportJob(deps, format, params, (ctx) => withReadRoots(roots, () => body(ctx)));
  };
  // Web clients may read only under the roots `tessera serve` allows; checked before any job starts.
  const readable = (path: string, call: CallContext, what: string): string => readablePath(path, call, deps.paths.root, what);
  return {
    // Counting a dataset's images reads them all: in the read worker, off the engine's thread.
    'datasets.list': async () => deps.reads.read({ op: 'datasets.list' }),
    'datasets.get': async ({ datasetId }) => deps.reads.read({ op: 'datasets.get', datasetId }),
    'datasets.importFolder': async (input, call) => {
      input = {
        ...input,
        dir: readable(input.dir, call, 'image folder'),
        ...(input.masksDir === undefined ? {} : { masksDir: readable(input.masksDir, call, 'mask folder') }),
      };
      return startImport('folder', input, call, (ctx) => importFolder(input, deps, ctx));
    },
    'datasets.importVoc': async (input, call) => {
      input = { ...input, root: readable(input.root, call, 'VOC root') };
      return startImport('voc', input, call, (ctx) => importVoc(input, deps, ctx));
    },
    'datasets.importCoco': async (input, call) => {
      input = {
        ...input,
        annotations: readable(input.annotations, call, 'COCO annotations'),
        imagesDir: readable(input.imagesDir, call, 'image folder'),
      };
      return startImport('coco', input, call, (ctx) => importCoco(input, deps, ctx));
    },
    'datasets.importReasonSeg': async (input, call) => {
      input = { ...input, dir: readable(input.dir, call, 'ReasonSeg folder') };
      return startImport('reasonseg', input, call, (ctx) => importReasonSeg(input, deps, ctx));
    },
    'datasets.importRefCoco': async (input, call) => {
      input = {
        ...input,
        refs: readable(input.refs, call, 'refs JSON'),
        instances: readable(input.instances, call, 'COCO instances'),
        imagesDir: readable(input.imagesDir, call, 'image folder'),
      };
      return startImport('refcoco', input, call, (ctx) => importRefCoco(input, deps, ctx));
    },
    'datasets.selectImages': async ({ datasetId, fileNames, split }) => {
      requireDataset(deps.db, datasetId);
      const images = datasetImages(deps.db, datasetId);
      const splitsOf = datasetImageSplits(deps.db, images, datasetId);
      const splits = [...new Set([...splitsOf.values()].flat())].sort();
      let chosen = images;
      // Every image the split's list names, including those shown under another split (voc.ts listIds).
      if (split !== undefined) chosen = chosen.filter((i) => splitsOf.get(i.id)?.includes(split) === true);
      let unknownFileNames: string[] = [];
      if (fileNames !== undefined) {
        const wanted = new Set(fileNames);
        const known = new Set(chosen.map((i) => i.fileName));
        unknownFileNames = fileNames.filter((f) => !known.has(f));
        chosen = chosen.filter((i) => wanted.has(i.fileName));
      }
      return { imageIds: chosen.map((i) => i.id), unknownFileNames, splits };
    },
    'datasets.export': async (input, call) => {
      requireDataset(deps.db, input.datasetId);
      input = { ...input, outDir: writablePath(input.outDir, call, deps.paths.root, 'export') };
      // A web client's export merges only into folders inside the workspace (exportStaging.ts moveInto).
      const writeRoot = call.transport === 'http' ? realPathOf(deps.paths.root, 'workspace') : null;
      const jobId = deps.jobs.start('datasets.export', input, async (ctx) =>
        withWriteRoot(writeRoot, async () => ({ ...(await exportDataset(input, deps, ctx)) })),
      );
      return { jobId };
    },
  } satisfies Partial<Handlers>;
}
