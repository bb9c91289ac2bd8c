// A run imported from PNGs without a file for some images scores those images as all background. Import
// and `eval` say so; the report said nothing (its "Images without prediction" counts only unfinished
// runs' images, which are not scored), so a reader compared a run whose score was lowered by missing
// files with no hint of it.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { ReportResult } from '../../../src/shared/api/methods/reports';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir, writeFolderPredictions } from '../../helpers/fixtures';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a report of a run imported without some prediction files', () => {
  it('says how many images had no file and were scored as all background, in HTML, LaTeX and CSV', async () => {
    const t = tempDir('tessera-missing-report-');
    const { engine, client } = openTestEngine(join(t.dir, 'ws'));
    cleanups.push(t.cleanup, () => engine.close());
    const data = await makeFolderDataset(t.dir, 4);
    const imported = ImportResult.parse(
      (await finishJob(client, () => client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'shapes' })))
        .result,
    );
    const datasetId = imported.datasetId;
    const complete = writeFolderPredictions(join(t.dir, 'complete'), data.labels);
    const partial = writeFolderPredictions(join(t.dir, 'partial'), data.labels);
    rmSync(join(partial, 'img_001.png'));
    rmSync(join(partial, 'img_003.png'));
    const runIds: number[] = [];
    for (const [run, path] of [
      ['complete', complete],
      ['partial', partial],
    ] as const) {
      const done = await finishJob(client, () => client.call('runs.importPredictions', { datasetId, run, format: 'png', path }));
      expect(done.error).toBeNull();
      runIds.push((done.result as { runId: number }).runId);
    }
    const report = async (format: 'html' | 'tex' | 'csv'): Promise<string> => {
      const out = join(t.dir, `report.${format}`);
      const done = await finishJob(client, () => client.call('reports.create', { datasetId, runIds, format, out }));
      expect(done.error).toBeNull();
      return readFileSync(ReportResult.parse(done.result).path, 'utf8');
    };

    const html = await report('html');
    expect(html).toContain('<th class="num">Images without a prediction file (scored as all background)</th>');
    expect(html).toMatch(/<tr><td>complete<\/td>.*?<td class="num">0<\/td><td class="num">0<\/td><\/tr>/);
    expect(html).toMatch(/<tr><td>partial<\/td>.*?<td class="num">0<\/td><td class="num">2<\/td><\/tr>/);
    expect(html).toContain(
      "Run partial was imported without a prediction file for 2 of the dataset's images: they are scored as all background",
    );

    const tex = await report('tex');
    expect(tex).toContain('% run partial: 2 images without a prediction file, scored as all background');
    expect(tex).not.toContain('% run complete: 0 images');

    const csv = await report('csv');
    const rows = csv.split('\n').filter((l) => l.includes(',images_without_prediction_file,'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(',partial,');
    expect(rows[0]!.endsWith(',2,scores')).toBe(true);
  });
});
