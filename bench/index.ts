// npm run bench: every hot path against a baseline measured in the same run. Select with args:
//   npm run bench -- models models-real eval import import-folder rle annotate gallery cli-start cam-sweep cam-fuse bootstrap
import './builtWorkers';
import { cpus } from 'node:os';

const all: Record<string, () => Promise<{ [k: string]: unknown }>> = {
  masks: () => import('./import'),
  import: () => import('./import'),
  'import-folder': () => import('./importFolder'),
  eval: () => import('./eval'),
  models: () => import('./models'),
  'models-real': () => import('./modelsReal'),
  annotate: () => import('./annotate'),
  rle: () => import('./rle'),
  gallery: () => import('./gallery'),
  'cli-start': () => import('./cliStart'),
  'cam-sweep': () => import('./camSweep'),
  'cam-fuse': () => import('./camFuse'),
  bootstrap: () => import('./bootstrap'),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names =
  wanted.length > 0
    ? wanted
    : [
        'import',
        'import-folder',
        'rle',
        'eval',
        'models',
        'models-real',
        'annotate',
        'gallery',
        'cli-start',
        'cam-sweep',
        'cam-fuse',
        'bootstrap',
      ];
console.log(`Tessera benchmarks on ${process.platform}-${process.arch}, Node ${process.version}, ${cpus().length} CPUs`);
for (const name of names) {
  const load = all[name];
  if (load === undefined) {
    console.error(`unknown benchmark "${name}" (known: ${Object.keys(all).join(', ')})`);
    process.exitCode = 2;
    continue;
  }
  const mod = await load();
  const fn = Object.values(mod).find((v): v is () => Promise<void> => typeof v === 'function');
  if (fn === undefined) throw new Error(`bench/${name}.ts exports no function`);
  await fn();
}
