import { describe, expect, it } from 'vitest';
import { formatLabelmap, parseLabelmap } from '../../../../src/main/engine/datasets/labelmap';
import { VOC_CLASSES, vocColor } from '../../../../src/shared/domain';

/** The head of the labelmap.txt CVAT writes for its default VOC labels ("Segmentation mask 1.1"). */
const CVAT_VOC = `# label:color_rgb:parts:actions
background:0,0,0::
aeroplane:128,0,0::
bicycle:0,128,0::
bird:128,128,0::
boat:0,0,128::
`;

describe('labelmap.txt (CVAT Segmentation mask 1.1)', () => {
  it("reads CVAT's file: the place among the class lines is the label value", () => {
    expect(parseLabelmap(CVAT_VOC, 'labelmap.txt')).toEqual([
      { index: 0, name: 'background', color: [0, 0, 0] },
      { index: 1, name: 'aeroplane', color: [128, 0, 0] },
      { index: 2, name: 'bicycle', color: [0, 128, 0] },
      { index: 3, name: 'bird', color: [128, 128, 0] },
      { index: 4, name: 'boat', color: [0, 0, 128] },
    ]);
  });

  it('reads what it writes: names with colons and spaces, CRLF lines, a BOM; a gap in the indices gets a placeholder', () => {
    const classes = [
      { index: 0, name: 'background', color: [0, 0, 0] as [number, number, number] },
      { index: 1, name: 'traffic light: red', color: [250, 170, 30] as [number, number, number] },
      { index: 3, name: 'véhicule', color: [0, 0, 142] as [number, number, number] },
    ];
    const text = formatLabelmap(classes);
    expect(text).toBe(
      '# label:color_rgb:parts:actions\nbackground:0,0,0::\ntraffic light: red:250,170,30::\nclass 2:0,128,0::\nvéhicule:0,0,142::\n',
    );
    const back = parseLabelmap(`\uFEFF${(text ?? '').replace(/\n/g, '\r\n')}`, 'labelmap.txt');
    expect(back).toEqual([classes[0], classes[1], { index: 2, name: 'class 2', color: vocColor(2) }, { ...classes[2], index: 3 }]);
  });

  it("VOC's 21 classes write and read back as themselves; no classes, no file", () => {
    const voc = VOC_CLASSES.map((name, index) => ({ index, name, color: vocColor(index) }));
    expect(parseLabelmap(formatLabelmap(voc) ?? '', 'x')).toEqual(voc);
    expect(formatLabelmap([])).toBeNull();
  });

  it('refuses what it cannot read, naming the file and the line', () => {
    const bad: Array<[string, RegExp]> = [
      ['background:0,0,0::\ncat 64,0,128\n', /^root\/labelmap\.txt:2: "cat 64,0,128" is not "name:r,g,b:parts:actions"$/],
      ['background:0,0,0::\ncat:64,0::\n', /^root\/labelmap\.txt:2: class "cat": colour "64,0" is not r,g,b with values 0-255$/],
      ['background:0,0,0::\ncat:64,0,256::\n', /:2: class "cat": colour "64,0,256"/],
      ['background:0,0,0::\ncat:-1,0,0::\n', /:2: class "cat": colour "-1,0,0"/],
      ['background:0,0,0::\n:1,2,3::\n', /:2: a class name cannot be empty$/],
      ['background:0,0,0::\nCat:1,2,3::\ncat:4,5,6::\n', /:3: class "cat" is named on line 2 already$/],
      ['# only a header\n\n', /^root\/labelmap\.txt: names no class/],
    ];
    for (const [text, message] of bad) expect(() => parseLabelmap(text, 'root/labelmap.txt'), text).toThrow(message);
    const many = Array.from({ length: 256 }, (_, i) => `c${i}:0,0,0::`).join('\n');
    expect(() => parseLabelmap(many, 'l.txt')).toThrow(/^l\.txt:256: more than 255 classes/);
  });
});
