import { vocColor, type ClassInfo } from '../../../shared';
import { classLut } from '../../canvas/raster/maskToRgba';

export interface PickableClass {
  index: number;
  name: string;
  color: readonly [number, number, number];
}

/**
 * The classes the picker offers: the dataset's, and always "ignore" (255), which evaluation skips. A
 * dataset without classes offers none to paint (the engine would refuse every label): the page locks
 * painting and asks for classes instead (AddClassesBanner).
 */
export function pickableClasses(classes: readonly ClassInfo[]): PickableClass[] {
  const list: PickableClass[] = classes.filter((c) => c.index !== 255).map((c) => ({ index: c.index, name: c.name, color: c.color }));
  list.push({ index: 255, name: 'ignore', color: vocColor(255) });
  return list;
}

/** Whether a label map of these classes has nothing to paint with (no class but ignore). */
export function hasNoClasses(classes: readonly ClassInfo[]): boolean {
  return classes.every((c) => c.index === 255);
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
