/**
 * Classes a dataset's ground truth actually contains, read from scores: a class's accuracy
 * (TP / GT pixels) is defined exactly when the ground truth has pixels of it. Charts and tables
 * leave the other classes out (a VOC-style class list on a dataset that never shows half of them).
 */
export interface ClassScoreLike {
  id: number;
  acc: number | null;
}

/** Ids of the classes with ground-truth pixels in any of the score sets, in their order. */
export function classesInGroundTruth<T extends ClassScoreLike>(perClass: ReadonlyArray<ReadonlyArray<T> | undefined>): Set<number> {
  const present = new Set<number>();
  for (const list of perClass) for (const c of list ?? []) if (c.acc !== null) present.add(c.id);
  return present;
}
