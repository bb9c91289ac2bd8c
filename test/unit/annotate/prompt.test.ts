import { describe, expect, it } from 'vitest';
import { TestViewer } from './testViewer';
import { SHORTCUT_HELP, shortcutFor } from '../../../src/renderer/canvas/tools/shortcuts';
import { proposalRegion, regionArea } from '../../../src/renderer/canvas/tools/prompt/proposal';
import type { PromptPoint, ToolIntent, ToolPreview } from '../../../src/renderer/canvas/tools/Tool';

const W = 40;
const H = 30;

type PromptPreview = Extract<ToolPreview, { kind: 'prompt' }>;

/** A TestViewer on the prompt tool that records the intents the page would answer. */
function promptViewer(labels?: Uint8Array, activeClass = 1): { v: TestViewer; intents: ToolIntent[] } {
  const v = new TestViewer(W, H, labels, { activeClass });
  const intents: ToolIntent[] = [];
  v.editor.onIntent((i) => intents.push(i));
  v.editor.setTool('prompt');
  return { v, intents };
}

function preview(v: TestViewer): PromptPreview | null {
  const p = v.editor.getSnapshot().preview;
  if (p !== null && p.kind !== 'prompt') throw new Error(`unexpected preview ${p.kind}`);
  return p;
}

function points(v: TestViewer): PromptPoint[] {
  return [...(preview(v)?.points ?? [])];
}

/** A click with modifiers or another button, as the stage reports it. */
function press(v: TestViewer, x: number, y: number, mods: { button?: number; shiftKey?: boolean; altKey?: boolean }): void {
  v.editor.pointerDown({ x, y, imagePixelsPerScreenPixel: 1, ...mods });
  v.editor.pointerUp({ x, y, imagePixelsPerScreenPixel: 1, ...mods });
}

/** The mask of the rectangle [x0, x1) x [y0, y1) with a hole at (hx, hy), cropped to its box, as the engine sends it. */
function rectProposal(x0: number, y0: number, x1: number, y1: number, hole: [number, number]) {
  const box = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  const mask = new Uint8Array(box.w * box.h).fill(1);
  mask[(hole[1] - y0) * box.w + (hole[0] - x0)] = 0;
  return { box, mask };
}

describe('prompt tool', () => {
  it('is selected with S and listed in the help', () => {
    expect(shortcutFor({ key: 's' })).toEqual({ kind: 'tool', tool: 'prompt' });
    expect(SHORTCUT_HELP.some((h) => h.keys === 'S' && h.what.startsWith('Prompt'))).toBe(true);
    const { v } = promptViewer();
    v.expectToolPath('prompt.idle');
  });

  it('adds a positive point per click and a negative one with Shift, Alt or the right button, asking for a proposal each time', () => {
    const { v, intents } = promptViewer();
    v.click(10.5, 12.5).expectToolPath('prompt.prompting');
    expect(points(v)).toEqual([{ x: 10.5, y: 12.5, label: 1 }]);
    expect(preview(v)?.pending).toBe(true);
    press(v, 30, 5, { shiftKey: true });
    press(v, 31, 20, { button: 2 });
    press(v, 2, 25, { altKey: true });
    const want = [
      { x: 10.5, y: 12.5, label: 1 },
      { x: 30, y: 5, label: 0 },
      { x: 31, y: 20, label: 0 },
      { x: 2, y: 25, label: 0 },
    ];
    expect(points(v)).toEqual(want);
    expect(intents.map((i) => i.points.length)).toEqual([1, 2, 3, 4]);
    expect(intents.at(-1)?.points).toEqual(want);
    expect(new Set(intents.map((i) => i.requestId)).size).toBe(4);
    expect(v.edits).toHaveLength(0);
  });

  it('removes a point clicked again (within a few screen pixels) and the last one with Backspace; none left is idle', () => {
    const { v, intents } = promptViewer();
    v.click(10, 10).click(20, 20).click(30, 10);
    v.scale = 4; // 6 screen px = 1.5 image px
    v.click(21, 21); // 1.41 image px from (20, 20)
    expect(points(v)).toEqual([
      { x: 10, y: 10, label: 1 },
      { x: 30, y: 10, label: 1 },
    ]);
    v.click(12, 10); // 2 image px away: a new point
    expect(points(v)).toHaveLength(3);
    v.key('Backspace');
    expect(points(v).map((p) => p.x)).toEqual([10, 30]);
    expect(intents.at(-1)?.points.map((p) => p.x)).toEqual([10, 30]);
    v.key('Backspace').key('Backspace').expectToolPath('prompt.idle');
    expect(preview(v)).toBeNull();
  });

  it('asks nothing while only negative points are placed', () => {
    const { v, intents } = promptViewer();
    press(v, 5, 5, { shiftKey: true });
    expect(intents).toHaveLength(0);
    expect(preview(v)).toMatchObject({ pending: false, proposal: null });
    v.click(10, 10);
    expect(intents).toHaveLength(1);
    expect(intents[0]?.points).toEqual([
      { x: 5, y: 5, label: 0 },
      { x: 10, y: 10, label: 1 },
    ]);
  });

  it('shows only the answer to its latest request', () => {
    const { v, intents } = promptViewer();
    v.click(10, 10).click(20, 14);
    const [first, second] = intents as [ToolIntent, ToolIntent];
    const { box, mask } = rectProposal(5, 5, 15, 15, [6, 6]);
    v.editor.deliver({ kind: 'proposal', requestId: first.requestId, region: proposalRegion(box, mask, W, H), score: 0.5 });
    expect(preview(v)).toMatchObject({ pending: true, proposal: null });
    v.key('Enter'); // nothing to accept yet
    expect(v.edits).toHaveLength(0);
    v.editor.deliver({ kind: 'proposal', requestId: second.requestId, region: proposalRegion(box, mask, W, H), score: 0.75 });
    expect(preview(v)).toMatchObject({ pending: false, score: 0.75 });
    expect(regionArea(preview(v)?.proposal ?? null)).toBe(99);
  });

  it('accepts with Enter: one edit over the proposal box, the active class where the mask is 1, the old labels elsewhere', () => {
    // Labels: class 2 in columns 0..19, class 255 at (9, 7); the proposal covers [8, 16) x [6, 11) less (12, 8).
    const labels = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < 20; x++) labels[y * W + x] = 2;
    labels[7 * W + 9] = 255;
    const original = labels.slice();
    const { v, intents } = promptViewer(labels, 3);
    v.click(10, 8);
    const { box, mask } = rectProposal(8, 6, 16, 11, [12, 8]);
    v.editor.deliver({ kind: 'proposal', requestId: intents[0]!.requestId, region: proposalRegion(box, mask, W, H), score: 0.9 });
    v.key('Enter').expectToolPath('prompt.idle');
    expect(preview(v)).toBeNull();
    expect(v.edits).toHaveLength(1);
    const edit = v.edits[0]!;
    expect({ x: edit.x, y: edit.y, w: edit.w, h: edit.h }).toEqual(box);
    const before: number[] = [];
    const after: number[] = [];
    for (let y = box.y; y < box.y + box.h; y++) {
      for (let x = box.x; x < box.x + box.w; x++) {
        const old = original[y * W + x] as number;
        before.push(old);
        after.push(x === 12 && y === 8 ? old : 3);
      }
    }
    expect([...edit.before]).toEqual(before);
    expect([...edit.after]).toEqual(after);
    expect(v.maskAt(12, 8)).toBe(2);
    expect(v.maskAt(9, 7)).toBe(3);
    expect(v.pixelsOf(3)).toHaveLength(box.w * box.h - 1);
    // The same commit path as every tool: undo restores the labels exactly.
    v.editor.undo();
    expect([...v.editor.labels]).toEqual([...original]);
  });

  it('drops points and proposal on Escape, and ignores the answer that arrives afterwards', () => {
    const { v, intents } = promptViewer();
    v.click(10, 10);
    const { box, mask } = rectProposal(5, 5, 15, 15, [6, 6]);
    v.editor.deliver({ kind: 'proposal', requestId: intents[0]!.requestId, region: proposalRegion(box, mask, W, H), score: null });
    v.click(20, 20);
    v.key('Escape').expectToolPath('prompt.idle');
    expect(preview(v)).toBeNull();
    v.editor.deliver({ kind: 'proposal', requestId: intents[1]!.requestId, region: proposalRegion(box, mask, W, H), score: null });
    expect(preview(v)).toBeNull();
    v.key('Enter');
    expect(v.edits).toHaveLength(0);
    expect(v.pixelsOf(0)).toHaveLength(W * H);
  });

  it('keeps the points and shows the error when the proposal fails; Enter then does nothing', () => {
    const { v, intents } = promptViewer();
    v.click(10, 10);
    v.editor.deliver({ kind: 'proposal-failed', requestId: intents[0]!.requestId, error: 'model 3 not found' });
    expect(preview(v)).toMatchObject({ pending: false, proposal: null, error: 'model 3 not found' });
    expect(points(v)).toHaveLength(1);
    v.key('Enter');
    expect(v.edits).toHaveLength(0);
  });

  it('switching tools drops the prompt', () => {
    const { v } = promptViewer();
    v.click(10, 10);
    v.editor.setTool('brush');
    expect(v.editor.getSnapshot().preview).toBeNull();
    v.editor.setTool('prompt');
    v.expectToolPath('prompt.idle');
  });
});

describe('proposalRegion', () => {
  it('keeps the mask bytes in their box, clipped to the image and tight around the set pixels', () => {
    const box = { x: 36, y: -2, w: 6, h: 4 };
    const mask = new Uint8Array(24);
    mask[2 * 6 + 1] = 1; // image (37, 0)
    mask[3 * 6 + 3] = 1; // image (39, 1)
    mask[0] = 1; // image (36, -2): outside
    mask[3 * 6 + 5] = 1; // image (41, 1): outside
    const r = proposalRegion(box, mask, W, H);
    expect(r).toEqual({ x: 37, y: 0, w: 3, h: 2, mask: new Uint8Array([1, 0, 0, 0, 0, 1]) });
    expect(regionArea(r)).toBe(2);
  });

  it('is null for no box or no pixel, and refuses a mask of the wrong size', () => {
    expect(proposalRegion(null, new Uint8Array(0), W, H)).toBeNull();
    expect(proposalRegion({ x: 1, y: 1, w: 2, h: 2 }, new Uint8Array(4), W, H)).toBeNull();
    expect(() => proposalRegion({ x: 1, y: 1, w: 2, h: 2 }, new Uint8Array(3), W, H)).toThrow(/3 mask bytes, expected 2x2/);
  });
});
