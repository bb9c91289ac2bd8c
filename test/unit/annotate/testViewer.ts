import { expect } from 'vitest';
import { AnnotationEditor, type EditorOptions } from '../../../src/renderer/canvas/tools/AnnotationEditor';
import type { MaskPatch } from '../../../src/renderer/canvas/tools/history/maskPatch';

/**
 * Drives the annotation editor the way the stage does, in image coordinates, without a browser
 * (tldraw's TestEditor). Records every edit the editor hands to the page.
 */
export class TestViewer {
  readonly editor: AnnotationEditor;
  readonly edits: MaskPatch[] = [];
  /** Zoom as the stage would report it: screen pixels per image pixel. */
  scale = 1;

  constructor(width: number, height: number, labels?: Uint8Array, options: Partial<EditorOptions> = {}) {
    this.editor = new AnnotationEditor({
      width,
      height,
      labels: labels ?? new Uint8Array(width * height),
      onEdit: (p) => this.edits.push(p),
      ...options,
    });
  }

  private at(x: number, y: number) {
    return { x, y, imagePixelsPerScreenPixel: 1 / this.scale };
  }

  pointerDown(x: number, y: number): this {
    this.editor.pointerMove(this.at(x, y));
    this.editor.pointerDown(this.at(x, y));
    return this;
  }

  pointerMove(x: number, y: number): this {
    this.editor.pointerMove(this.at(x, y));
    return this;
  }

  pointerUp(x: number, y: number): this {
    this.editor.pointerUp(this.at(x, y));
    return this;
  }

  click(x: number, y: number): this {
    return this.pointerDown(x, y).pointerUp(x, y);
  }

  /** Press at the first point, move through the rest, release at the last. */
  drag(points: Array<[number, number]>): this {
    const [first, ...rest] = points;
    if (first === undefined) return this;
    this.pointerDown(first[0], first[1]);
    for (const [x, y] of rest) this.pointerMove(x, y);
    const last = points.at(-1) as [number, number];
    return this.pointerUp(last[0], last[1]);
  }

  key(key: string): this {
    this.editor.keyDown(key);
    return this;
  }

  expectToolPath(path: string): this {
    expect(this.editor.getSnapshot().toolPath).toBe(path);
    return this;
  }

  maskAt(x: number, y: number): number {
    return this.editor.labels[y * this.editor.width + x] as number;
  }

  /** The (x, y) of every pixel with label `value`, row by row. */
  pixelsOf(value: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let y = 0; y < this.editor.height; y++)
      for (let x = 0; x < this.editor.width; x++) if (this.maskAt(x, y) === value) out.push([x, y]);
    return out;
  }
}

/** Pixels (x, y) for which `inside(cx, cy)` holds at the pixel centre, row by row: an independent oracle. */
export function pixelsWhere(width: number, height: number, inside: (cx: number, cy: number) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (inside(x + 0.5, y + 0.5)) out.push([x, y]);
  return out;
}
