import type { Command } from 'commander';
import { ApiError, type TesseraClient } from '../../../shared';
import { withSession, type GlobalOptions } from '../context';
import { printJson, printLine, table } from '../output';
import { resolveDataset } from '../resolve';

interface Selection {
  dataset: string;
  images?: string;
  /** --image, repeatable: file names as they are (a name may hold a comma). */
  image?: string[];
  split?: string;
  all?: boolean;
}

/** The image ids that --images / --split / --all name; exactly one of them must be given (else usage, exit 2). */
async function selectImages(cmd: Command, client: TesseraClient, sel: Selection): Promise<{ datasetName: string; imageIds: number[] }> {
  const named = sel.images !== undefined || (sel.image !== undefined && sel.image.length > 0);
  const given = [named, sel.split !== undefined, sel.all === true].filter(Boolean).length;
  if (given !== 1)
    cmd.error('error: give exactly one of --images a.jpg,b.jpg (or --image NAME, repeated), --split SPLIT or --all', {
      exitCode: 2,
      code: 'tessera.usage',
    });
  const dataset = await resolveDataset(client, sel.dataset);
  const fileNames = named
    ? [
        ...(sel.images ?? '')
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f.length > 0),
        ...(sel.image ?? []),
      ]
    : undefined;
  const r = await client.call('datasets.selectImages', { datasetId: dataset.id, fileNames, split: sel.split });
  if (r.unknownFileNames.length > 0) {
    throw new ApiError(
      'NOT_FOUND',
      `${r.unknownFileNames[0]} is not an image of dataset "${dataset.name}"${r.unknownFileNames.length > 1 ? ` (nor are ${r.unknownFileNames.length - 1} more)` : ''}`,
    );
  }
  if (sel.split !== undefined && r.imageIds.length === 0) {
    throw new ApiError(
      'NOT_FOUND',
      `dataset "${dataset.name}" has no images in split "${sel.split}" (${r.splits.length === 0 ? 'it has no splits' : `splits: ${r.splits.join(', ')}`})`,
    );
  }
  return { datasetName: dataset.name, imageIds: r.imageIds };
}

function selectionOptions(cmd: Command): Command {
  return cmd
    .argument('<tag>', 'tag name')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--images <files>', 'comma-separated image file names')
    .option(
      '--image <file>',
      'one image file name as it is (commas kept); repeat for more',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .option('--split <split>', 'every image of this split')
    .option('--all', 'every image of the dataset')
    .option('--json', 'print the result as JSON');
}

export function registerTags(program: Command, globals: () => GlobalOptions): void {
  const tags = program.command('tags').description('tag images to build evaluation subsets (--subset TAG)');
  tags
    .command('list')
    .description('list tags with their image and sample counts')
    .option('--dataset <dataset>', 'only tags used in this dataset, counted there')
    .option('--json', 'print JSON')
    .action(async (opts: { dataset?: string; json?: boolean }) => {
      const list = await withSession(globals(), async (s) => {
        const datasetId = opts.dataset === undefined ? undefined : (await resolveDataset(s.client, opts.dataset)).id;
        return s.client.call('tags.list', { datasetId });
      });
      if (opts.json === true) return printJson(list);
      if (list.length === 0) return printLine('no tags yet: try "tessera tags add TAG --dataset D --split val"');
      printLine(table([['TAG', 'IMAGES', 'SAMPLES'], ...list.map((t) => [t.name, String(t.imageCount), String(t.sampleCount)])]));
    });
  const add = tags.command('add').description('tag images of a dataset');
  selectionOptions(add).action(async (tag: string, opts: Selection & { json?: boolean }) => {
    const result = await withSession(globals(), async (s) => {
      const sel = await selectImages(add, s.client, opts);
      return {
        ...(await s.client.call('tags.apply', { tag, imageIds: sel.imageIds })),
        images: sel.imageIds.length,
        dataset: sel.datasetName,
      };
    });
    if (opts.json === true) return printJson(result);
    printLine(`tagged ${result.images} image(s) of "${result.dataset}" with "${tag}" (${result.applied} newly)`);
  });
  const remove = tags.command('remove').description('take a tag off images of a dataset');
  selectionOptions(remove).action(async (tag: string, opts: Selection & { json?: boolean }) => {
    const result = await withSession(globals(), async (s) => {
      const sel = await selectImages(remove, s.client, opts);
      return { ...(await s.client.call('tags.remove', { tag, imageIds: sel.imageIds })), dataset: sel.datasetName };
    });
    if (opts.json === true) return printJson(result);
    printLine(`removed "${tag}" from ${result.removed} image(s) of "${result.dataset}"`);
  });
}
