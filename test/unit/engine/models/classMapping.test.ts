import { describe, expect, it } from 'vitest';
import { mapClasses } from '../../../../src/main/engine/models/classMapping';
import type { ModelManifest } from '../../../../src/shared/domain';

const manifest = { kind: 'semantic-seg', classes: { names: ['background', 'red', 'green', 'blue'] } } as unknown as ModelManifest;
const cls = (names: string[]) => names.map((name, index) => ({ index, name, color: [0, 0, 0] as [number, number, number] }));

describe('mapClasses', () => {
  it('maps by name when the dataset has every model class, else by index when the counts agree', () => {
    expect(mapClasses(manifest, cls(['background', 'blue', 'green', 'red', 'cat']), 'semantic', 'm').how).toBe('by name');
    expect(mapClasses(manifest, cls(['background', 'class 1', 'class 2', 'blue']), 'semantic', 'm').how).toBe('by index');
  });

  it('says which rule failed and which model classes the dataset lacks (it implied names had to match)', () => {
    expect(() => mapClasses(manifest, cls(['background', 'class 1', 'blue']), 'semantic', 'm')).toThrow(
      'class-count mismatch: model "m" has 4 classes (background, red, green, blue) and the dataset has 3 (background, class 1, blue); classes map by name when the dataset has every model class (it lacks red, green), else by index when the counts agree: rename or add classes (tessera classes rename|add) so that one holds',
    );
  });
});
