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
  refs: string[],
): Promise<Array<{ id: number; name: string }>> {
  const runs = await client.call('runs.list', { datasetId });
  return refs.map((ref) => {
    const found = byNameOrId(runs, ref, 'run');
    if (found === undefined) {
      const known = runs.length === 0 ? 'it has no runs yet' : `its runs: ${runs.map((r) => r.name).join(', ')}`;
      throw new ApiError('NOT_FOUND', `no run "${ref}" in dataset "${datasetName}" (${known})`);
    }
    return found;
  });
}
