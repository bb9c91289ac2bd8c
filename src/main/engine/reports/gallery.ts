/**
 * Which images a report shows: the best and the worst by the runs' mean per-image score, and (with
 * two or more runs) the ones that changed most between the first two runs.
 */
import type { ImageScore } from '../../../shared/api/methods/metrics';

export interface GalleryItem {
  sampleId: number;
  imageId: number;
  fileName: string;
  query: string | null;
  /** Per-image score of each run, in report order. */
  scores: Array<number | null>;
}

export interface GallerySection {
  title: string;
  items: GalleryItem[];
}

export const GALLERY_SIZE = 4;

export function selectGallery(perImage: ReadonlyArray<readonly ImageScore[]>, size = GALLERY_SIZE): GallerySection[] {
  const first = perImage[0] ?? [];
  const others = perImage.map((list) => new Map(list.map((s) => [s.sampleId, s.score])));
  const items: GalleryItem[] = first
    .filter((s) => others.every((m) => m.has(s.sampleId)))
    .map((s) => ({
      sampleId: s.sampleId,
      imageId: s.imageId,
      fileName: s.fileName,
      query: s.query,
      scores: others.map((m) => m.get(s.sampleId) ?? null),
    }));
  const scored = items.filter((i) => i.scores.every((v) => v !== null));
  const mean = (i: GalleryItem): number => i.scores.reduce<number>((a, v) => a + (v ?? 0), 0) / i.scores.length;
  const byName = (a: GalleryItem, b: GalleryItem): number => a.fileName.localeCompare(b.fileName) || a.sampleId - b.sampleId;
  const best = [...scored].sort((a, b) => mean(b) - mean(a) || byName(a, b)).slice(0, size);
  const worst = [...scored].sort((a, b) => mean(a) - mean(b) || byName(a, b)).slice(0, size);
  const sections: GallerySection[] = [
    { title: 'Best images', items: best },
    { title: 'Worst images', items: worst },
  ];
  if (perImage.length >= 2) {
    const change = (i: GalleryItem): number => Math.abs((i.scores[1] ?? 0) - (i.scores[0] ?? 0));
    const changed = [...scored]
      .filter((i) => change(i) > 0)
      .sort((a, b) => change(b) - change(a) || byName(a, b))
      .slice(0, size);
    sections.push({ title: 'Most changed (run 2 vs run 1)', items: changed });
  }
  return sections;
}
