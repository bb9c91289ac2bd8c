import { vocColor, type ClassInfo } from '../../../shared';
import { classLut } from '../../canvas/raster/maskToRgba';

export interface PickableClass {
  index: number;
  name: string;
  color: readonly [number, number, number];
  /** Shown for a dataset without a class list; the engine refuses to store it until the class is added. */
  placeholder?: boolean;
}

/**
 * The classes the picker offers: the dataset's (or, for a dataset without a class list, background +
 * class 1..9 as placeholders: the panel says to add classes first), and always "ignore" (255), which
 * evaluation skips.
 */
export function pickableClasses(classes: readonly ClassInfo[]): PickableClass[] {
  const list: PickableClass[] =
    classes.length > 0
      ? classes.filter((c) => c.index !== 255).map((c) => ({ index: c.index, name: c.name, color: c.color }))
      : Array.from({ length: 10 }, (_, i) => ({
          index: i,
          name: i === 0 ? 'background' : `class ${i}`,
          color: vocColor(i),
          placeholder: true,
        }));
  list.push({ index: 255, name: 'ignore', color: vocColor(255) });
  return list;
}

/**
 * The classes of a referring/reasoning query's binary mask: 1 = what the query names (painted in the
 * dataset's class-1 colour, else VOC's), background, and ignore (255).
 */
export function queryMaskClasses(classes: readonly ClassInfo[]): PickableClass[] {
  const one = classes.find((c) => c.index === 1)?.color ?? vocColor(1);
  return [
    { index: 0, name: 'background', color: vocColor(0) },
    { index: 1, name: "the query's object", color: one },
    { index: 255, name: 'ignore', color: vocColor(255) },
  ];
}

export function colorLookup(list: readonly PickableClass[]): (classIdx: number) => readonly [number, number, number] {
  const byIndex = new Map(list.map((c) => [c.index, c.color]));
  return (classIdx) => byIndex.get(classIdx) ?? vocColor(classIdx);
}

/** Colours for every label value (unlisted ones get their VOC colour), background transparent. */
export function labelLut(list: readonly PickableClass[]): Uint8ClampedArray {
  const colorOf = colorLookup(list);
  return classLut(
    Array.from({ length: 256 }, (_, i) => ({ index: i, color: colorOf(i) })),
    { ignoreColor: colorOf(255) },
  );
}

export function className(list: readonly PickableClass[], classIdx: number): string {
  return list.find((c) => c.index === classIdx)?.name ?? `class ${classIdx}`;
}
