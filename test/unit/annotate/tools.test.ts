import { describe, expect, it } from 'vitest';
import { pixelsWhere, TestViewer } from './testViewer';
import { SHORTCUT_HELP, shortcutFor } from '../../../src/renderer/canvas/tools/shortcuts';
import { TOOLS } from '../../../src/renderer/canvas/tools/registry';

const W = 40;
const H = 30;

/** Distance from a point to segment a-b, written out plainly. */
function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const l2 = (bx - ax) ** 2 + (by - ay) ** 2;
  let t = l2 === 0 ? 0 : ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / l2;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
}

describe('brush', () => {
  it('paints a disc of the brush radius on a click, as one edit with before and after bytes', () => {
    const v = new TestViewer(W, H, undefined, { brushRadius: 2.5, activeClass: 3 });
    v.pointerDown(10.5, 12.5).expectToolPath('brush.painting');
    expect(v.edits).toHaveLength(0); // nothing is committed before the pointer comes up
    v.pointerUp(10.5, 12.5).expectToolPath('brush.idle');
    expect(v.pixelsOf(3)).toEqual(pixelsWhere(W, H, (cx, cy) => Math.hypot(cx - 10.5, cy - 12.5) <= 2.5));
    expect(v.edits).toHaveLength(1);
    const edit = v.edits[0]!;
    expect({ x: edit.x, y: edit.y, w: edit.w, h: edit.h }).toEqual({ x: 8, y: 10, w: 5, h: 5 });
    expect([...edit.before].every((b) => b === 0)).toBe(true);
    expect([...edit.after].filter((b) => b === 3)).toHaveLength(v.pixelsOf(3).length);
  });

  it('paints every pixel within the radius of the dragged path, and nothing else', () => {
    const v = new TestViewer(W, H, undefined, { brushRadius: 1.5, activeClass: 1 });
    v.drag([
      [5.2, 20.5],
      [15.7, 20.5],
      [25.1, 10.3],
    ]);
    const expected = pixelsWhere(
      W,
      H,
      (cx, cy) => distToSegment(cx, cy, 5.2, 20.5, 15.7, 20.5) <= 1.5 || distToSegment(cx, cy, 15.7, 20.5, 25.1, 10.3) <= 1.5,
    );
    expect(v.pixelsOf(1)).toEqual(expected);
    expect(v.edits).toHaveLength(1);
  });

  it('clips a stroke at the image border and ignores one wholly outside', () => {
    const v = new TestViewer(W, H, undefined, { brushRadius: 3, activeClass: 2 });
    v.click(0.2, 0.2);
    expect(v.pixelsOf(2)).toEqual(pixelsWhere(W, H, (cx, cy) => Math.hypot(cx - 0.2, cy - 0.2) <= 3));
    v.click(-20, -20);
    expect(v.edits).toHaveLength(1);
  });

  it('drops the stroke on Escape', () => {
    const v = new TestViewer(W, H);
    v.pointerDown(5, 5).pointerMove(10, 10).key('Escape').expectToolPath('brush.idle');
    v.pointerUp(10, 10);
    expect(v.edits).toHaveLength(0);
    expect(v.pixelsOf(1)).toEqual([]);
  });

  it('commits the stroke in progress on flush (the window is closing)', () => {
    const v = new TestViewer(W, H, undefined, { brushRadius: 1, activeClass: 4 });
    v.pointerDown(5.5, 5.5).pointerMove(8.5, 5.5);
    v.editor.flush();
    v.expectToolPath('brush.idle');
    expect(v.edits).toHaveLength(1);
    expect(v.maskAt(7, 5)).toBe(4);
  });
});

describe('eraser', () => {
  it('paints background over any class', () => {
    const labels = new Uint8Array(W * H).fill(2);
    const v = new TestViewer(W, H, labels, { brushRadius: 2 });
    v.editor.setTool('eraser');
    v.expectToolPath('eraser.idle');
    v.drag([
      [10.5, 10.5],
      [20.5, 10.5],
    ]);
    expect(v.pixelsOf(0)).toEqual(pixelsWhere(W, H, (cx, cy) => distToSegment(cx, cy, 10.5, 10.5, 20.5, 10.5) <= 2));
    expect(v.edits[0]?.before.every((b) => b === 2)).toBe(true);
  });
});

describe('polygon', () => {
  it('adds vertices on clicks and fills the pixels whose centres are inside when the first vertex is clicked', () => {
    const v = new TestViewer(W, H, undefined, { activeClass: 5 });
    v.scale = 4; // 8 screen px = 2 image px of closing tolerance
    v.editor.setTool('polygon');
    v.click(2, 2).expectToolPath('polygon.drawing');
    v.click(30, 4).click(20, 25);
    expect(v.editor.getSnapshot().preview).toMatchObject({ kind: 'polygon', closable: true });
    expect(v.edits).toHaveLength(0);
    v.click(3, 2.5).expectToolPath('polygon.idle');
    // Even-odd test at pixel centres, independently.
    const tri: Array<[number, number]> = [
      [2, 2],
      [30, 4],
      [20, 25],
    ];
    const inside = (cx: number, cy: number): boolean => {
      let c = false;
      for (let i = 0, j = tri.length - 1; i < tri.length; j = i++) {
        const [xi, yi] = tri[i]!;
        const [xj, yj] = tri[j]!;
        if (yi > cy !== yj > cy && cx < ((xj - xi) * (cy - yi)) / (yj - yi) + xi) c = !c;
      }
      return c;
    };
    expect(v.pixelsOf(5)).toEqual(pixelsWhere(W, H, inside));
    expect(v.edits).toHaveLength(1);
  });

  it('closes on Enter, removes vertices on Backspace and drops everything on Escape', () => {
    const v = new TestViewer(W, H, undefined, { activeClass: 1 });
    v.editor.setTool('polygon');
    v.click(0, 0).click(10, 0).click(10, 10).click(33, 33);
    v.key('Backspace');
    v.key('Enter').expectToolPath('polygon.idle');
    // A centre exactly on an edge counts as inside on the left of a span ([left, right)): the diagonal is in.
    expect(v.pixelsOf(1)).toEqual(pixelsWhere(W, H, (cx, cy) => cy <= cx && cx < 10 && cy < 10));
    v.click(20, 20).click(30, 20).click(30, 28).key('Escape').expectToolPath('polygon.idle');
    expect(v.edits).toHaveLength(1);
  });
});

describe('flood fill', () => {
  it('fills the 4-connected area of the clicked label and stops at a diagonal', () => {
    const labels = new Uint8Array(W * H);
    // A class-2 wall at x = 10, with a diagonal gap: (10, 5) is 0 but its 4-neighbours across are 2.
    for (let y = 0; y < H; y++) labels[y * W + 10] = 2;
    labels[5 * W + 10] = 0;
    labels[5 * W + 11] = 2;
    labels[4 * W + 11] = 2;
    labels[6 * W + 11] = 2;
    const v = new TestViewer(W, H, labels.slice(), { activeClass: 7 });
    v.editor.setTool('fill');
    v.click(3.5, 3.5);
    const expected = pixelsWhere(W, H, (cx, cy) => cx < 10 || (Math.floor(cx) === 10 && Math.floor(cy) === 5));
    expect(v.pixelsOf(7)).toEqual(expected);
    // Filling an area with the class it already has changes nothing and sends nothing.
    v.click(3.5, 3.5);
    expect(v.edits).toHaveLength(1);
  });
});

describe('class picker', () => {
  it('takes the class of the clicked pixel and returns to the previous tool', () => {
    const labels = new Uint8Array(W * H);
    labels[7 * W + 9] = 6;
    const v = new TestViewer(W, H, labels);
    v.editor.setTool('eraser');
    v.editor.setTool('picker');
    v.click(9.9, 7.1);
    expect(v.editor.getSnapshot()).toMatchObject({ activeClass: 6, toolId: 'eraser', toolPath: 'eraser.idle' });
    expect(v.edits).toHaveLength(0);
  });
});

describe('a locked editor (a dataset without classes)', () => {
  it('starts no gesture and commits nothing with any tool, cancels a stroke held, and paints again once unlocked', () => {
    const v = new TestViewer(W, H, new Uint8Array(W * H).fill(255), { brushRadius: 2, activeClass: 1 });
    v.pointerDown(5.5, 5.5).pointerMove(9.5, 5.5).expectToolPath('brush.painting');
    v.editor.setLocked(true);
    expect(v.editor.getSnapshot()).toMatchObject({ locked: true, toolPath: 'brush.idle', preview: null });
    v.pointerUp(9.5, 5.5);
    v.drag([
      [2.5, 2.5],
      [20.5, 2.5],
    ]).expectToolPath('brush.idle');
    for (const tool of ['eraser', 'fill', 'polygon'] as const) {
      v.editor.setTool(tool);
      v.click(10.5, 10.5).click(20.5, 10.5).click(15.5, 20.5).click(10.5, 10.5);
      v.key('Enter');
    }
    v.editor.setReference(new Uint8Array(W * H).fill(1));
    expect(v.editor.copyFromReference({ kind: 'all' })).toBe(0);
    expect(v.edits).toHaveLength(0);
    expect(v.pixelsOf(255)).toHaveLength(W * H);
    v.editor.setLocked(false);
    v.editor.setTool('brush');
    v.click(5.5, 5.5);
    expect(v.edits).toHaveLength(1);
    expect(v.maskAt(5, 5)).toBe(1);
  });
});

describe('local undo and redo', () => {
  it('reverts and reapplies edits exactly, and a new edit clears the redo stack', () => {
    const v = new TestViewer(W, H, undefined, { brushRadius: 2, activeClass: 1 });
    const empty = v.editor.labels.slice();
    v.click(5.5, 5.5);
    const afterFirst = v.editor.labels.slice();
    v.editor.setActiveClass(2);
    v.click(7.5, 5.5);
    const afterSecond = v.editor.labels.slice();
    expect(v.editor.undo()).toBe(v.edits[1]);
    expect(v.editor.labels).toEqual(afterFirst);
    v.editor.undo();
    expect(v.editor.labels).toEqual(empty);
    expect(v.editor.undo()).toBeNull();
    v.editor.redo();
    v.editor.redo();
    expect(v.editor.labels).toEqual(afterSecond);
    v.editor.undo();
    v.click(20.5, 20.5);
    expect(v.editor.getSnapshot()).toMatchObject({ canUndo: true, canRedo: false });
    expect(v.editor.redo()).toBeNull();
  });

  it('keeps the local stacks within their byte budget, oldest dropped first', () => {
    // Each 1-pixel stroke patch weighs 2 bytes (before + after); 10 bytes hold five.
    const v = new TestViewer(W, H, undefined, { brushRadius: 0.5, historyBudgetBytes: 10, activeClass: 1 });
    for (let i = 0; i < 8; i++) v.click(i + 0.5, 0.5);
    let undone = 0;
    while (v.editor.undo() !== null) undone++;
    expect(undone).toBe(5);
    expect(v.pixelsOf(1).map(([x]) => x)).toEqual([0, 1, 2]);
  });
});

describe('keyboard shortcuts', () => {
  it('map every key of the brief to its action, and the help overlay lists every tool', () => {
    expect(shortcutFor({ key: 'b' })).toEqual({ kind: 'tool', tool: 'brush' });
    expect(shortcutFor({ key: 'E' })).toEqual({ kind: 'tool', tool: 'eraser' });
    expect(shortcutFor({ key: 'p' })).toEqual({ kind: 'tool', tool: 'polygon' });
    expect(shortcutFor({ key: 'f' })).toEqual({ kind: 'tool', tool: 'fill' });
    expect(shortcutFor({ key: 'i' })).toEqual({ kind: 'tool', tool: 'picker' });
    expect(shortcutFor({ key: '[' })).toEqual({ kind: 'brush', step: -1 });
    expect(shortcutFor({ key: ']' })).toEqual({ kind: 'brush', step: 1 });
    expect(shortcutFor({ key: '7' })).toEqual({ kind: 'class', slot: 7 });
    expect(shortcutFor({ key: 'z', ctrlKey: true })).toEqual({ kind: 'undo' });
    expect(shortcutFor({ key: 'Z', ctrlKey: true, shiftKey: true })).toEqual({ kind: 'redo' });
    expect(shortcutFor({ key: 'y', metaKey: true })).toEqual({ kind: 'redo' });
    expect(shortcutFor({ key: '?', shiftKey: true })).toEqual({ kind: 'help' });
    expect(shortcutFor({ key: 'b', ctrlKey: true })).toBeNull();
    for (const t of TOOLS) expect(SHORTCUT_HELP.some((h) => h.keys === t.shortcut.toUpperCase() && h.what.startsWith(t.label))).toBe(true);
  });

  it('steps the brush size with [ and ] proportionally (x / 1.25, half pixels, clamped)', () => {
    const v = new TestViewer(W, H, undefined, { brushRadius: 4 });
    const radii: number[] = [];
    for (let i = 0; i < 4; i++) {
      v.editor.stepBrush(1);
      radii.push(v.editor.getSnapshot().brushRadius);
    }
    expect(radii).toEqual([5, 6.5, 8, 10]);
    v.editor.stepBrush(-1);
    expect(v.editor.getSnapshot().brushRadius).toBe(8);
    for (let i = 0; i < 50; i++) v.editor.stepBrush(-1);
    expect(v.editor.getSnapshot().brushRadius).toBe(0.5);
    v.editor.stepBrush(1);
    expect(v.editor.getSnapshot().brushRadius).toBe(1);
    for (let i = 0; i < 50; i++) v.editor.stepBrush(1);
    expect(v.editor.getSnapshot().brushRadius).toBe(256);
  });
});
