import { useEffect } from 'react';
import type { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import type { PickableClass } from './classes';

const keyFor = (datasetId: number, binary: boolean): string => `tessera.annotate.activeClass.${datasetId}${binary ? '.query' : ''}`;

function read(key: string): number | null {
  try {
    const v = window.localStorage.getItem(key);
    return v === null || !/^\d{1,3}$/.test(v) ? null : Number(v);
  } catch {
    return null; // storage disabled: nothing remembered
  }
}

/**
 * The active class is remembered per dataset across images and reloads (localStorage, keyed by the
 * dataset; query masks apart from label maps): restored when an editing session starts, saved on change.
 */
export function useRememberedClass(
  editor: AnnotationEditor | null,
  datasetId: number | undefined,
  classes: readonly PickableClass[],
  binary: boolean,
): void {
  useEffect(() => {
    if (editor === null || datasetId === undefined || classes.length === 0) return;
    const key = keyFor(datasetId, binary);
    const saved = read(key);
    if (saved !== null && classes.some((c) => c.index === saved)) editor.setActiveClass(saved);
    let last = editor.getSnapshot().activeClass;
    return editor.subscribe(() => {
      const now = editor.getSnapshot().activeClass;
      if (now === last) return;
      last = now;
      try {
        window.localStorage.setItem(key, String(now));
      } catch {
        // storage disabled or full: the class is still set for this page
      }
    });
  }, [editor, datasetId, classes, binary]);
}
