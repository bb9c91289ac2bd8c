import { ApiError, type TesseraClient } from '../../shared';

/**
 * Finds by name first, then by id when the reference is a number and no name matches; `id:N` is
 * always an id. A number that is one thing's name and another's id is refused: which was meant
 * cannot be told, and guessing would act on the wrong dataset (or run, or model).
 */
function byNameOrId<T extends { id: number; name: string }>(list: readonly T[], ref: string, kind = 'item'): T | undefined {
  const explicit = /^id:(\d+)$/.exec(ref);
  if (explicit !== null) return list.find((x) => x.id === Number(explicit[1]));
  const named = list.find((x) => x.name === ref);
  const numbered = /^\d+$/.test(ref) ? list.find((x) => x.id === Number(ref)) : undefined;
  if (named !== undefined && numbered !== undefined && named !== numbered) {
    throw new ApiError(
      'INVALID_INPUT',
      `"${ref}" is the name of ${kind} ${named.id} and the id of ${kind} "${numbered.name}": write id:${numbered.id} or id:${named.id}`,
    );
  }
  return named ?? numbered;
}

/** A dataset given as name or id. */
export async function resolveDataset(client: TesseraClient, ref: string): Promise<{ id: number; name: string }> {
  const hit = byNameOrId(await client.call('datasets.list', {}), ref, 'dataset');
  if (hit === undefined) throw new ApiError('NOT_FOUND', `no dataset "${ref}" in this workspace (see "tessera datasets list")`);
  return hit;
}

/** A model given as name or id. */
export async function resolveModel(client: TesseraClient, ref: string): Promise<{ id: number; name: string }> {
  const hit = byNameOrId(await client.call('models.list', {}), ref, 'model');
  if (hit === undefined) throw new ApiError('NOT_FOUND', `no model "${ref}" in this workspace (see "tessera models list")`);
  return hit;
}

/** Runs of a dataset given as names or ids, in the order given. */
export async function resolveRuns(
  client: TesseraClient,
  datasetId: number,
  datasetName: string,
  refs: string[] | RunRefs,
): Promise<Array<{ id: number; name: string }>> {
  const runs = await client.call('runs.list', { datasetId });
  const list = Array.isArray(refs) ? { refs, fromCommaList: false } : refs;
  const seen = new Map<number, string>();
  return list.refs.map((ref) => {
    const found = byNameOrId(runs, ref, 'run');
    if (found === undefined) {
      const known = runs.length === 0 ? 'it has no runs yet' : `its runs: ${runs.map((r) => r.name).join(', ')}`;
      // `--runs a,b` splits at every comma: a run whose name has one is named with --run.
      const comma = list.fromCommaList && runs.some((r) => r.name.includes(',')) ? '; name a run with a comma in it with --run NAME' : '';
      throw new ApiError('NOT_FOUND', `no run "${ref}" in dataset "${datasetName}" (${known})${comma}`);
    }
    const twice = seen.get(found.id);
    if (twice !== undefined) throw new ApiError('INVALID_INPUT', `run "${found.name}" is named twice ("${twice}" and "${ref}")`);
    seen.set(found.id, ref);
    return found;
  });
}

/** The runs a command was given, and whether they came from a comma-separated `--runs`. */
export interface RunRefs {
  refs: string[];
  fromCommaList: boolean;
}

/** Commander's collector for a repeatable `--run NAME` (any name, commas included). */
export function collectRun(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The runs of `compare` and `report`: `--runs a,b` (split at commas) or `--run A --run B` (repeated,
 * a name may hold commas), not both; `count` is how many the command takes. Returns the usage error
 * to print, or the refs.
 */
export function runRefs(opts: { runs?: string; run?: string[] }, count: { min: number; max: number }): RunRefs | { usage: string } {
  const takes = count.min === count.max ? `exactly ${count.min}` : `${count.min} to ${count.max}`;
  if (opts.runs !== undefined && opts.run !== undefined)
    return { usage: 'error: give the runs with --runs A,B or with --run A --run B, not both' };
  if (opts.runs === undefined && opts.run === undefined)
    return { usage: `error: name ${takes} runs with --runs A,B (names or ids) or --run A --run B` };
  const refs =
    opts.run ??
    (opts.runs ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
  if (refs.length < count.min || refs.length > count.max)
    return {
      usage:
        opts.run !== undefined
          ? `error: --run takes ${takes} runs (got ${refs.length})`
          : `error: --runs takes ${takes} runs separated by commas (got "${opts.runs}")`,
    };
  return { refs, fromCommaList: opts.run === undefined };
}
