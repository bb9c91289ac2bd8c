import { describe, expect, it } from 'vitest';
import { TestViewer } from './testViewer';

// A 12x8 ground truth (class 1 block at x 0..3) and a prediction with class 2 in two separate blocks
// (x 5..6 and x 9..10, rows 2..5) and class 1 at x 0..4: what copying each scope must produce, by hand.
const W = 12;
const H = 8;
function gt(): Uint8Array {
  const l = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < 4; x++) l[y * W + x] = 1;
  return l;
}
function prediction(): Uint8Array {
  const l = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < 5; x++) l[y * W + x] = 1;
    if (y >= 2 && y <= 5) for (const x of [5, 6, 9, 10]) l[y * W + x] = 2;
  }
  return l;
}
const at = (l: Uint8Array, x: number, y: number): number => l[y * W + x] as number;

describe('copying a prediction into the ground truth', () => {
  it('whole image: the labels become the prediction, as one edit over the changed box, undone and redone', () => {
    const v = new TestViewer(W, H, gt());
    v.editor.setReference(prediction());
    expect(v.editor.copyFromReference({ kind: 'all' })).toBe(8 + 16);
    expect(Array.from(v.editor.labels)).toEqual(Array.from(prediction()));
    expect(v.edits).toHaveLength(1);
    expect(v.edits[0]).toMatchObject({ x: 4, y: 0, w: 7, h: 8 });
    expect(v.editor.getSnapshot().lastCommit).toEqual({ seq: 1, toolId: 'copy-all', value: null });
    v.editor.undo();
    expect(Array.from(v.editor.labels)).toEqual(Array.from(gt()));
    v.editor.redo();
    expect(Array.from(v.editor.labels)).toEqual(Array.from(prediction()));
    expect(v.editor.copyFromReference({ kind: 'all' })).toBe(0); // nothing left to copy: no edit
    expect(v.edits).toHaveLength(1);
  });

  it('one class: only the pixels predicted as that class change', () => {
    const labels = gt();
    labels[7 * W + 9] = 3; // a class-3 pixel outside the predicted class-2 blocks stays
    const v = new TestViewer(W, H, labels);
    v.editor.setReference(prediction());
    expect(v.editor.copyFromReference({ kind: 'class', classIdx: 2 })).toBe(16);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const want = y >= 2 && y <= 5 && [5, 6, 9, 10].includes(x) ? 2 : x < 4 ? 1 : x === 9 && y === 7 ? 3 : 0;
        expect(at(v.editor.labels, x, y), `${x},${y}`).toBe(want);
      }
    }
    expect(at(v.editor.labels, 4, 0)).toBe(0); // class 1 predicted there, not copied
    expect(v.edits).toHaveLength(1);
    expect(v.editor.getSnapshot().lastCommit).toMatchObject({ toolId: 'copy-class', value: 2 });
  });

  it('one region: the copy tool takes the connected predicted region under the click', () => {
    const v = new TestViewer(W, H, gt());
    v.editor.setTool('copy');
    v.click(5.5, 3.5); // no reference yet: nothing happens
    expect(v.edits).toHaveLength(0);
    v.editor.setReference(prediction());
    v.click(9.5, 3.5);
    expect(v.edits).toHaveLength(1);
    for (let y = 0; y < H; y++) for (const x of [5, 6]) expect(at(v.editor.labels, x, y)).toBe(0); // the other block stays
    for (let y = 2; y <= 5; y++) for (const x of [9, 10]) expect(at(v.editor.labels, x, y)).toBe(2);
    expect(v.edits[0]).toMatchObject({ x: 9, y: 2, w: 2, h: 4 });
    expect(v.editor.getSnapshot().lastCommit).toMatchObject({ toolId: 'copy', value: 2 });
    v.click(4.5, 1.5); // the predicted class-1 region: x 0..4 over every row; only column 4 changes
    for (let y = 0; y < H; y++) expect(at(v.editor.labels, 4, y)).toBe(1);
    expect(v.edits).toHaveLength(2);
    v.editor.undo();
    for (let y = 0; y < H; y++) expect(at(v.editor.labels, 4, y)).toBe(0);
  });

  it('refuses a reference layer of another size', () => {
    const v = new TestViewer(W, H, gt());
    expect(() => v.editor.setReference(new Uint8Array(5))).toThrow(/reference layer has 5 pixels/);
    expect(v.editor.getSnapshot().hasReference).toBe(false);
  });
});
