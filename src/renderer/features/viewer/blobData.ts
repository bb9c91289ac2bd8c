import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { blobPath, type BlobRef } from '../../../shared';
import { client } from '../../api/client';
import { decodeHeatmap, type HeatmapDtype } from '../../canvas/raster/heatmapData';

export async function fetchBytes(url: string, signal: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(url, { signal, credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${url.split('/blob/')[1] ?? url} could not be loaded (${res.status}: ${(await res.text()).trim()})`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Raw bytes of a blob (label maps, heatmaps). Never cached as fresh: an edit elsewhere (annotate, a
 * run) changes what a ref serves, and coming back to the viewer must show it.
 */
export function useBlobBytes(ref: BlobRef | null): UseQueryResult<Uint8Array> {
  return useQuery({
    queryKey: ['blob', ref === null ? null : blobPath(ref)],
    queryFn: ({ signal }) => fetchBytes(client.blobUrl(ref as BlobRef), signal),
    enabled: ref !== null,
    staleTime: 0,
  });
}

/**
 * A run's prediction map, or null when the run has none to show (404: a run of heatmaps only, or
 * one with no results yet): the viewer then leaves its Prediction and Errors layers off, with no error.
 */
export function usePredictionBytes(ref: BlobRef | null): UseQueryResult<Uint8Array | null> {
  return useQuery({
    queryKey: ['blob', ref === null ? null : blobPath(ref), 'or none'],
    queryFn: async ({ signal }) => {
      const res = await fetch(client.blobUrl(ref as BlobRef), { signal, credentials: 'same-origin' });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`${blobPath(ref as BlobRef)} could not be loaded (${res.status}: ${(await res.text()).trim()})`);
      return new Uint8Array(await res.arrayBuffer());
    },
    enabled: ref !== null,
    staleTime: 0,
  });
}

/** A heatmap blob decoded to float32 values. */
export function useHeatmapValues(ref: BlobRef | null, dtype: HeatmapDtype, count: number): UseQueryResult<Float32Array> {
  return useQuery({
    queryKey: ['blob', ref === null ? null : blobPath(ref), dtype, count],
    queryFn: async ({ signal }) => decodeHeatmap(await fetchBytes(client.blobUrl(ref as BlobRef), signal), dtype, count),
    enabled: ref !== null,
    staleTime: 0,
  });
}
