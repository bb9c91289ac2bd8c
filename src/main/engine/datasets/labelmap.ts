/**
 * A VOC root's class names and colours: `labelmap.txt`, the file CVAT's "Segmentation mask 1.1"
 * format keeps beside JPEGImages/ and SegmentationClass/. A header comment, then one class per
 * line, the line's place among the class lines being its label value:
 *
 *     # label:color_rgb:parts:actions
 *     background:0,0,0::
 *     cat:64,0,128::
 *
 * Without it a VOC root's label values are VOC's 21 classes. `export --format voc` writes one, so a
 * dataset whose classes are not VOC's (renamed folder classes, COCO categories) comes back from
 * `import voc` with its own names and colours instead of VOC's.
 */
import { ApiError } from '../../../shared/api/errors';
import { classNameProblem, vocColor, type Rgb } from '../../../shared/domain';

export const LABELMAP_FILE = 'labelmap.txt';
const HEADER = '# label:color_rgb:parts:actions';

export interface LabelmapClass {
  index: number;
  name: string;
  color: Rgb;
}

/**
 * The labelmap of a dataset's classes: a line for every label value from 0 to the highest class
 * (a value without a class, which only a gap in the indices leaves, gets the folder import's
 * placeholder name "class N"). Null when there are no classes to write.
 */
export function formatLabelmap(classes: ReadonlyArray<LabelmapClass>): string | null {
  const byIndex = new Map(classes.filter((c) => c.index !== 255).map((c) => [c.index, c]));
  if (byIndex.size === 0) return null;
  const max = Math.max(...byIndex.keys());
  const lines = [HEADER];
  for (let i = 0; i <= max; i++) {
    const c = byIndex.get(i) ?? { name: i === 0 ? 'background' : `class ${i}`, color: vocColor(i) };
    lines.push(`${c.name}:${c.color.join(',')}::`);
  }
  return `${lines.join('\n')}\n`;
}

function invalid(file: string, line: number, why: string): ApiError {
  return new ApiError('INVALID_INPUT', `${file}:${line}: ${why}`, { file, line });
}

/**
 * The classes a labelmap.txt names, index = place among its class lines. A name is everything
 * before the colour (it may hold colons: the colour, parts and actions are the last three fields).
 * Refused with the file and line named: a line without a colour, a colour that is not three
 * values 0-255, a name a class cannot have, a name twice, more than 255 classes (255 is ignore).
 */
export function parseLabelmap(text: string, file: string): LabelmapClass[] {
  const classes: LabelmapClass[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 4) throw invalid(file, i + 1, `"${line.slice(0, 80)}" is not "name:r,g,b:parts:actions"`);
    const colour = fields[fields.length - 3] ?? '';
    const name = fields.slice(0, fields.length - 3).join(':');
    const values = colour.split(',').map((v) => v.trim());
    const rgb = values.map(Number);
    if (values.length !== 3 || values.some((v) => !/^\d{1,3}$/.test(v)) || rgb.some((v) => v > 255))
      throw invalid(file, i + 1, `class "${name}": colour "${colour}" is not r,g,b with values 0-255`);
    const problem = classNameProblem(name);
    if (problem !== null) throw invalid(file, i + 1, `${problem}`);
    const key = name.trim().toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw invalid(file, i + 1, `class "${name.trim()}" is named on line ${first} already`);
    seen.set(key, i + 1);
    if (classes.length === 255) throw invalid(file, i + 1, 'more than 255 classes (label values 0-254; 255 is ignore)');
    classes.push({ index: classes.length, name: name.trim(), color: rgb as Rgb });
  }
  if (classes.length === 0) throw new ApiError('INVALID_INPUT', `${file}: names no class (expected lines "name:r,g,b::")`, { file });
  return classes;
}
