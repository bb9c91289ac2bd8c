import { basename } from 'node:path';
import { runOrigin, type JobState, type JobSubject } from '../../../shared/domain';
import type { EngineDeps } from '../deps';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** A job's subject from its kind and params, names looked up now (jobs.list and jobs.get). */
export function jobSubject(deps: EngineDeps, job: JobState): JobSubject {
  let params: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(deps.repos.jobs.params(job.id) ?? '{}') as unknown;
    if (typeof parsed === 'object' && parsed !== null) params = parsed as Record<string, unknown>;
  } catch {
    // Unreadable params: the subject falls back to the kind.
  }
  const runId = num(params['runId']) ?? num(job.result?.['runId']);
  const run = runId === null ? undefined : deps.repos.runs.get(runId);
  const datasetId = num(params['datasetId']) ?? run?.datasetId ?? num(job.result?.['datasetId']);
  const dataset = datasetId === null ? undefined : deps.repos.datasets.header(datasetId);
  const modelId = num(params['modelId']) ?? run?.modelId ?? null;
  const model = modelId === null ? undefined : deps.repos.models.get(modelId);
  const origin = run === undefined ? null : runOrigin(run);
  const modelName = model?.name ?? origin?.model ?? str(params['model']);
  const datasetName = dataset?.name ?? null;
  const runName = run?.name ?? str(params['run']) ?? null;
  const formerName = str(params['dataset']);
  const d =
    datasetName !== null
      ? ` ${datasetName}`
      : datasetId === null
        ? ''
        : formerName === null
          ? ' (deleted dataset)'
          : ` ${formerName} (deleted)`;
  let title: string;
  switch (job.kind) {
    case 'runs.start':
      title = `Run ${modelName ?? 'a model'} on${d || ' a dataset'}${runName === null ? '' : ` as ${runName}`}`;
      break;
    case 'datasets.import': {
      const format = str(params['format']) ?? '';
      if (num(params['datasetId']) !== null) title = `Import ${format} predictions into${d} as ${runName ?? 'a run'}`;
      else {
        const source =
          datasetName ??
          str(params['name']) ??
          basename(str(params['dir']) ?? str(params['root']) ?? str(params['annotations']) ?? str(params['refs']) ?? '');
        title = `Import ${format} dataset ${source}`.trimEnd();
      }
      break;
    }
    case 'datasets.export':
      title = `Export${d} as ${str(params['format']) ?? '?'}${runName === null ? '' : ` (run ${runName})`}`;
      break;
    case 'metrics.evaluate':
      title = `Evaluate ${runName ?? 'a run'} on${d || ' a dataset'}`;
      break;
    case 'reports.create': {
      const ids = Array.isArray(params['runIds']) ? params['runIds'].map(num).filter((x): x is number => x !== null) : [];
      const names = ids.map((id) => deps.repos.runs.get(id)?.name ?? `#${id}`);
      title = `Report (${str(params['format']) ?? '?'}) on${d}: ${names.join(' vs ')}`;
      break;
    }
    default:
      title = job.kind;
  }
  return {
    title,
    datasetId: dataset === undefined ? null : dataset.id,
    datasetName,
    runId: run === undefined ? null : run.id,
    runName,
    modelName,
    modelSha: model !== undefined ? model.sha256.slice(0, 12) : (origin?.sha ?? null),
    toy: model?.toy === true || origin?.toy === true,
  };
}
