import { Option, type Command } from 'commander';
import { withSession, type GlobalOptions } from '../context';
import { runJob } from '../jobs';
import { RunProfile } from '../../../shared';
import { printJson, printLine, table } from '../output';
import { resolveDataset, resolveModel } from '../resolve';

export function registerRun(program: Command, globals: () => GlobalOptions): void {
  program
    .command('run')
    .description('run a model over a dataset (resumes an interrupted run of the same name)')
    .requiredOption('--model <model>', 'model id or name')
    .requiredOption('--dataset <dataset>', 'dataset id or name')
    .option('--run <name>', 'run name (default: the model name)')
    .option('--subset <tag>', 'only images/samples with this tag')
    .addOption(new Option('--device <device>', 'execution provider').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .option('--json', 'print the run summary as JSON')
    .option('--profile', 'print where the time went: decode, preprocess, inference, post-process, commit (totals and per image)')
    .action(
      async (opts: {
        model: string;
        dataset: string;
        run?: string;
        subset?: string;
        device: 'auto' | 'cpu' | 'cuda';
        json?: boolean;
        profile?: boolean;
      }) => {
        const result = await withSession(globals(), async (s) => {
          const model = await resolveModel(s.client, opts.model);
          const dataset = await resolveDataset(s.client, opts.dataset);
          const summary = await runJob(s.client, 'runs.start', {
            modelId: model.id,
            datasetId: dataset.id,
            runName: opts.run,
            subset: opts.subset,
            device: opts.device,
          });
          return { summary, run: await s.client.call('runs.get', { runId: summary.runId }) };
        });
        if (opts.json === true) return printJson({ ...result.summary, run: result.run });
        const s = result.summary;
        const r = result.run;
        printLine(
          `run "${r.name}" complete: ${s.samples} samples (${s.computed} computed, ${s.cached} from cache, ${s.resumed} already done) on ${r.executionProvider ?? 'cpu'}`,
        );
        if (s.providerFallback !== null) printLine(`note: ${s.providerFallback}`);
        const shapes = cudaShapesNote(r.executionProvider, s.profile);
        if (shapes !== null) printLine(`note: ${shapes}`);
        if (opts.profile === true) printProfile(s.profile);
      },
    );
}

/** At or above this many input shapes on CUDA, a run says what each new shape costs there. */
const MANY_SHAPES = 4;

/**
 * On CUDA onnxruntime searches cuDNN's convolution algorithms for every new input shape (onnxruntime-node
 * exposes no option to change it): a keep-aspect model fed images of many sizes can run slower than on
 * the CPU (docs/gpu/). Null when that does not apply.
 */
export function cudaShapesNote(provider: string | null, profile: unknown): string | null {
  const parsed = RunProfile.safeParse(profile);
  const n = parsed.success ? (parsed.data.inputShapes ?? 0) : 0;
  if (provider !== 'cuda' || n < MANY_SHAPES) return null;
  return `${n} input shapes: on CUDA each new shape costs a cuDNN algorithm search (PP-OCRv4 det on an H200: 445 ms an image over 10 shapes, 77 ms with one; docs/gpu); a fixed input size (input.policy resize or fixed) or --device cpu can be faster`;
}

/** `run --profile`: each stage's total and per-image time over the images computed (not cached). */
function printProfile(value: unknown): void {
  const parsed = RunProfile.safeParse(value);
  if (!parsed.success) return printLine('profile: not available');
  const p = parsed.data;
  if (p.images === 0) return printLine('profile: no image was computed (all from cache or already done)');
  const rows: Array<[string, number]> = [
    ['decode', p.stages.decode],
    ['preprocess', p.stages.preprocess],
    ['inference', p.stages.inference],
    ['transfer/queue', p.stages.transfer],
    [p.postprocessIn === 'pool' ? 'post-process (worker pool)' : 'post-process', p.stages.postprocess],
    ['commit', p.stages.commit],
  ];
  const fmt = (ms: number): string[] => [`${(ms / 1000).toFixed(2)} s`, `${(ms / p.images).toFixed(1)} ms/image`];
  printLine(`profile: ${p.images} images computed in ${(p.wallMs / 1000).toFixed(2)} s (${(p.wallMs / p.images).toFixed(1)} ms/image)`);
  printLine(
    table([['stage', 'total', 'per image'], ...rows.map(([name, ms]) => [name, ...fmt(ms)]), ['engine thread busy', ...fmt(p.mainBusyMs)]]),
  );
  printLine('(stages overlap: one image decodes and post-processes while the next is in inference)');
}
