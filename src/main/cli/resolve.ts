import { ApiError, type TesseraClient } from '../../shared';

/** A dataset given as id or name. */
export async function resolveDataset(client: TesseraClient, ref: string): Promise<{ id: number; name: string }> {
  const list = await client.call('datasets.list', {});
  const hit = /^\d+$/.test(ref) ? list.find((d) => d.id === Number(ref)) : list.find((d) => d.name === ref);
  if (hit === undefined) throw new ApiError('NOT_FOUND', `no dataset "${ref}" in this workspace (see "tessera datasets list")`);
  return hit;
}

/** A model given as id or name. */
export async function resolveModel(client: TesseraClient, ref: string): Promise<{ id: number; name: string }> {
  const list = await client.call('models.list', {});
  const hit = /^\d+$/.test(ref) ? list.find((m) => m.id === Number(ref)) : list.find((m) => m.name === ref);
  if (hit === undefined) throw new ApiError('NOT_FOUND', `no model "${ref}" in this workspace (see "tessera models list")`);
  return hit;
}
