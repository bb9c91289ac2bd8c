import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { BlobRef, RunSummary } from '../../../shared';
import { apiQuery } from '../../api/queries';
import type { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import { useBlobBytes } from '../viewer/blobData';

/**
 * A run's prediction drawn for reference over the ground truth: class-coloured outlines (a pixel whose
 * 4-neighbour has another label) over a faint fill, background transparent, so it reads apart from the
 * filled ground truth under it.
 */
export function predictionRgba(labels: Uint8Array, width: number, height: number, lut: Uint8ClampedArray): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = labels[i] as number;
      if (v === 0) continue;
      const edge =
        (x > 0 && labels[i - 1] !== v) ||
        (x < width - 1 && labels[i + 1] !== v) ||
        (y > 0 && labels[i - width] !== v) ||
        (y < height - 1 && labels[i + width] !== v);
      rgba[i * 4] = lut[v * 4] as number;
      rgba[i * 4 + 1] = lut[v * 4 + 1] as number;
      rgba[i * 4 + 2] = lut[v * 4 + 2] as number;
      rgba[i * 4 + 3] = edge ? 255 : 70;
    }
  }
  return rgba;
}

/** The prediction layer's offscreen canvas (made once per run and image). */
export function predictionCanvas(labels: Uint8Array, width: number, height: number, lut: Uint8ClampedArray): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const rgba = predictionRgba(labels, width, height, lut);
  canvas.getContext('2d')?.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas;
}

/** What Annotate keeps from one image to the next (previous/next remounts the page): the run shown and how. */
const kept: { datasetId: number | null; runId: number | null; visible: boolean; opacity: number } = {
  datasetId: null,
  runId: null,
  visible: true,
  opacity: 0.9,
};

export interface PredictionLayer {
  runs: RunSummary[];
  runId: number | null;
  setRunId(id: number | null): void;
  /** The run's label map of this image (or of the query's sample), once loaded. */
  labels: Uint8Array | null;
  loading: boolean;
  error: unknown;
  visible: boolean;
  setVisible(v: boolean): void;
  opacity: number;
  setOpacity(v: number): void;
}

/**
 * The run whose prediction Annotate shows (picked here, kept across images of the dataset; else the
 * gallery's overlay or sort run; else none) and its label map, handed to the editor as the reference
 * layer that the copy tool and "copy prediction" read.
 */
export function usePredictionLayer(options: {
  datasetId: number | undefined;
  imageId: number;
  /** A referring/reasoning query sample: its predicted mask; undefined: the image's label map. */
  querySampleId: number | undefined;
  galleryRunId: number | null;
  editor: AnnotationEditor | null;
}): PredictionLayer {
  const { datasetId, imageId, querySampleId, galleryRunId, editor } = options;
  const runsQuery = useQuery({ ...apiQuery('runs.list', { datasetId: datasetId ?? 0 }), enabled: datasetId !== undefined });
  // Runs with masks: a run of heatmaps only has no prediction to show or copy.
  const runs = useMemo(() => (runsQuery.data ?? []).filter((r) => r.hasMasks), [runsQuery.data]);
  const sameDataset = kept.datasetId === null || kept.datasetId === datasetId;
  const [picked, setPicked] = useState<number | null | undefined>(sameDataset && kept.datasetId !== null ? kept.runId : undefined);
  const [visible, setVisible] = useState(kept.visible);
  const [opacity, setOpacity] = useState(kept.opacity);
  const runId =
    picked === undefined
      ? galleryRunId !== null && runs.some((r) => r.id === galleryRunId)
        ? galleryRunId
        : null
      : picked !== null && runs.some((r) => r.id === picked)
        ? picked
        : null;
  useEffect(() => {
    if (datasetId === undefined || picked === undefined) return;
    Object.assign(kept, { datasetId, runId: picked });
  }, [datasetId, picked]);
  useEffect(() => {
    Object.assign(kept, { visible, opacity });
  }, [visible, opacity]);

  const ref: BlobRef | null = useMemo(
    () =>
      runId === null
        ? null
        : querySampleId === undefined
          ? { kind: 'prediction', runId, imageId }
          : { kind: 'prediction', runId, imageId, sampleId: querySampleId },
    [runId, imageId, querySampleId],
  );
  const bytes = useBlobBytes(ref);
  const labels = runId === null ? null : (bytes.data ?? null);
  useEffect(() => {
    if (editor === null) return;
    editor.setReference(labels !== null && labels.length === editor.width * editor.height ? labels : null);
  }, [editor, labels]);

  return {
    runs,
    runId,
    setRunId: (id) => setPicked(id),
    labels,
    loading: runId !== null && bytes.isPending,
    error: runsQuery.error ?? bytes.error,
    visible,
    setVisible,
    opacity,
    setOpacity,
  };
}
