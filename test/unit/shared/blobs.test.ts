import { describe, expect, it } from 'vitest';
import { blobPath, parseBlobPath, vocColor } from '../../../src/shared';

describe('blob paths', () => {
  it('round-trips every ref kind', () => {
    for (const ref of [
      { kind: 'image', imageId: 7 },
      { kind: 'labelmap', imageId: 12, source: 'gt' },
    ] as const) {
      expect(parseBlobPath(blobPath(ref))).toEqual(ref);
    }
  });

  it("parses a referring sample's ground-truth ref", () => {
    expect(parseBlobPath('labelmap/gt/12/40')).toEqual({ kind: 'labelmap', imageId: 12, source: 'gt', sampleId: 40 });
    expect(blobPath({ kind: 'labelmap', imageId: 12, source: 'gt', sampleId: 40 })).toBe('labelmap/gt/12/40');
  });

  it('parses prediction and heatmap refs', () => {
    expect(parseBlobPath('prediction/3/12')).toEqual({ kind: 'prediction', runId: 3, imageId: 12 });
    expect(parseBlobPath('heatmap/3/40/cam')).toEqual({ kind: 'heatmap', runId: 3, sampleId: 40, name: 'cam' });
    expect(parseBlobPath('heatmap/3/40/..')).toBeNull();
  });

  it('rejects paths that are not blob refs', () => {
    for (const p of ['', 'image', 'image/0', 'image/-1', 'image/1.5', 'image/12/x', 'labelmap/run/3', '../etc/passwd', 'image/007']) {
      expect(parseBlobPath(p)).toBeNull();
    }
  });
});

describe('VOC palette', () => {
  it('matches the VOCdevkit colour map for the first classes and void', () => {
    expect(vocColor(0)).toEqual([0, 0, 0]);
    expect(vocColor(1)).toEqual([128, 0, 0]);
    expect(vocColor(2)).toEqual([0, 128, 0]);
    expect(vocColor(3)).toEqual([128, 128, 0]);
    expect(vocColor(15)).toEqual([192, 128, 128]);
    expect(vocColor(20)).toEqual([0, 64, 128]);
    expect(vocColor(255)).toEqual([224, 224, 192]);
  });
});
