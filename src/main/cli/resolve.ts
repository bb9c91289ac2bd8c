import { ApiError, type TesseraClient } from '../../shared';

/** Finds by name first, then by id when the reference is a number and no name matches. */
function byNameOrId<T extends { id: number; name: string }>(list: readonly T[], ref: string): T | undefined {
  return list.find((x) => x.name === ref) ?? (/^\d+$/.test(ref) ? list.find((x) => x.id === Number(ref)) : undefined);
}

/** A dataset given as name or id. */
export async function resolveDataset(client: TesseraClient, ref: string): Promise<{ id: number; name: string }> {
  const hit = byNameOrId(await client.call('datasets.list', {}), ref);
  if (hit === undefined) throw new ApiError('NOT_FOUND', `no dataset "${ref}" in this workspace (see "tessera datasets list")`);
  return hit;
}

/** A model given as name or id. */
export async function resolveModel(client: TesseraClient, ref: string): Promise<{ id: number; name: string }> {
  const hit = byNameOrId(await client.call('models.list', {}), ref);
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
    const found = byNameOrId(runs, ref);
    if (found === undefined) {
      const known = runs.length === 0 ? 'it has no runs yet' : `its runs: ${runs.map((r) => r.name).join(', ')}`;
      throw new ApiError('NOT_FOUND', `no run "${ref}" in dataset "${datasetName}" (${known})`);
    }
    return found;
  });
}
