import type { RunSummary } from './runs';

/** What made a run, from its provenance (kept when the model is renamed or deleted). */
export interface RunOrigin {
  /** The model's name when the run was made; null for imported predictions. */
  model: string | null;
  /** First 12 hex digits of the model file's sha256; null when unknown. */
  sha: string | null;
  /** A toy model (tools/toy-models): its scores mean nothing about real data. */
  toy: boolean;
  imported: boolean;
}

export function runOrigin(run: Pick<RunSummary, 'source' | 'provenance'>): RunOrigin {
  const p = run.provenance;
  return {
    model: typeof p['model'] === 'string' ? p['model'] : null,
    sha: typeof p['modelSha256'] === 'string' ? p['modelSha256'].slice(0, 12) : null,
    toy: p['toy'] === true,
    imported: run.source === 'import',
  };
}

/** "toy-colour-cam 3f2a9c1b2d4e TOY", "deeplab 0a1b2c3d4e5f", "imported": where a run came from, in one short line. */
export function runOriginText(run: Pick<RunSummary, 'source' | 'provenance'>): string {
  const o = runOrigin(run);
  if (o.imported) return 'imported';
  return [o.model ?? 'model', o.sha, o.toy ? 'TOY' : null].filter((x) => x !== null).join(' ');
}

/** A run's name for menus and tables, with TOY when a toy model made it: "toy-colour-cam (TOY)". */
export function runDisplayName(run: Pick<RunSummary, 'name' | 'source' | 'provenance'>): string {
  return runOrigin(run).toy ? `${run.name} (TOY)` : run.name;
}
