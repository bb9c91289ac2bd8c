import type { Command } from 'commander';
import { ApiError, type ClassInfo, type TesseraClient } from '../../../shared';
import { withSession, type GlobalOptions } from '../context';
import { printJson, printLine, table } from '../output';
import { resolveDataset } from '../resolve';
import { colorHex, parseColor } from './manageOutput';

/** A class given as its label value or its name (name first, case-insensitive). */
async function resolveClass(client: TesseraClient, datasetId: number, datasetName: string, ref: string): Promise<ClassInfo> {
  const classes = await client.call('classes.list', { datasetId });
  const hit =
    classes.find((c) => c.name === ref) ??
    classes.find((c) => c.name.toLowerCase() === ref.toLowerCase()) ??
    (/^\d+$/.test(ref) ? classes.find((c) => c.index === Number(ref)) : undefined);
  if (hit === undefined) {
    const known =
      classes.length === 0
        ? 'it has no classes yet: add some with "tessera classes add"'
        : `its classes: ${classes.map((c) => `${c.index} ${c.name}`).join(', ')}`;
    throw new ApiError('NOT_FOUND', `no class "${ref}" in dataset "${datasetName}" (${known})`);
  }
  return hit;
}

function printClasses(list: readonly ClassInfo[], json: boolean | undefined): void {
  if (json === true) return printJson(list);
  printLine(table([['INDEX', 'NAME', 'COLOUR'], ...list.map((c) => [String(c.index), c.name, colorHex(c.color)])]));
}

export function registerClasses(program: Command, globals: () => GlobalOptions): void {
  const classes = program.command('classes').description("a dataset's classes: list, rename, recolour, add");
  classes
    .command('list')
    .description('list the classes of a dataset (index = label value in masks)')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--json', 'print JSON')
    .action(async (opts: { dataset: string; json?: boolean }) => {
      const { dataset, list } = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        return { dataset, list: await s.client.call('classes.list', { datasetId: dataset.id }) };
      });
      if (opts.json !== true && list.length === 0)
        return printLine(`dataset "${dataset.name}" has no classes yet: add some with "tessera classes add NAME... --dataset D"`);
      printClasses(list, opts.json);
    });
  classes
    .command('rename')
    .description('rename a class')
    .argument('<class>', 'class index or current name')
    .argument('<name>', 'new name')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--json', 'print JSON')
    .action(async (ref: string, name: string, opts: { dataset: string; json?: boolean }) => {
      const { before, list } = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        const before = await resolveClass(s.client, dataset.id, dataset.name, ref);
        return { before, list: await s.client.call('classes.update', { datasetId: dataset.id, index: before.index, name }) };
      });
      if (opts.json === true) return printJson(list);
      printLine(`class ${before.index} "${before.name}" is now "${list.find((c) => c.index === before.index)?.name ?? name}"`);
    });
  classes
    .command('recolor')
    .alias('recolour')
    .description('change the colour of a class')
    .argument('<class>', 'class index or name')
    .argument('<color>', '#rrggbb or r,g,b')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--json', 'print JSON')
    .action(async (ref: string, color: string, opts: { dataset: string; json?: boolean }) => {
      const rgb = parseColor(color);
      const { before, list } = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        const before = await resolveClass(s.client, dataset.id, dataset.name, ref);
        return { before, list: await s.client.call('classes.update', { datasetId: dataset.id, index: before.index, color: rgb }) };
      });
      if (opts.json === true) return printJson(list);
      printLine(`class ${before.index} "${before.name}" is now ${colorHex(rgb)}`);
    });
  classes
    .command('add')
    .description('add classes at the next label values (a dataset without classes gets background at 0 first)')
    .argument('<names...>', 'class names')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--color <colors>', 'colours in the order of the names, separated by ";" (#rrggbb or r,g,b); default: the VOC palette')
    .option('--json', 'print JSON')
    .action(async (names: string[], opts: { dataset: string; color?: string; json?: boolean }) => {
      const colors = opts.color === undefined ? [] : opts.color.split(';').map(parseColor);
      if (colors.length > names.length) throw new ApiError('INVALID_INPUT', `${colors.length} colours for ${names.length} names`);
      const list = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        return s.client.call('classes.add', {
          datasetId: dataset.id,
          classes: names.map((name, i) => ({ name, ...(colors[i] === undefined ? {} : { color: colors[i] }) })),
        });
      });
      printClasses(list, opts.json);
    });
}
