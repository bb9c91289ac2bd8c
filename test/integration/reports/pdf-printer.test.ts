import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { chromiumPdfPrinter, type PdfPrinter } from '../../../src/main/engine/reports/pdf';
import { createClient, inProcessTransport } from '../../../src/shared';
import { ReportResult } from '../../../src/shared/api/methods/reports';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { rectLabels, tempDir } from '../../helpers/fixtures';
import { addSemanticRun, importSemantic } from '../metrics/helpers';
import { engineInternals } from '../../../src/main/engine/internals';

// The engine prints PDFs with the printer it is given (the desktop app gives Electron's printToPDF,
// which cannot run here). A real alternative printer, headless Chromium printing US Letter, goes
// through the same interface: its pages are 612x792 pt, the default printer's A4 595.92x842.88 pt (Chromium's rounding of 210x297 mm).
const W = 20;
const H = 10;
let t: ReturnType<typeof tempDir>;
let ws: string;
let datasetId: number;

beforeAll(async () => {
  t = tempDir('tessera-pdf-printer-');
  ws = join(t.dir, 'ws');
  const { engine, client } = openTestEngine(ws);
  const gt = rectLabels(W, H, { x: 0, y: 0, w: W / 2, h: H }, 1);
  const fx = await importSemantic(client, engine, t.dir, [gt, gt], { w: W, h: H }, 'halves');
  datasetId = fx.datasetId;
  addSemanticRun(engine, datasetId, 'perfect', new Map(fx.samples.map((s) => [s.sampleId, gt])), { w: W, h: H });
  await engine.close();
});
afterAll(() => t.cleanup());

async function printWith(printer: PdfPrinter | undefined, name: string): Promise<Buffer> {
  const engine: Engine = createEngine({ workspace: ws, ...(printer === undefined ? {} : { pdfPrinter: printer }) });
  const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  try {
    const runId = engineInternals(engine).repos.runs.byName(datasetId, 'perfect')!.id;
    const out = join(t.dir, `${name}.pdf`);
    const done = await finishJob(client, () => client.call('reports.create', { datasetId, runIds: [runId], format: 'pdf', out }));
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const result = ReportResult.parse(done.result);
    const bytes = readFileSync(result.path);
    expect(result.bytes).toBe(bytes.length);
    return bytes;
  } finally {
    await engine.close();
  }
}

function mediaBoxes(pdf: Buffer): string[] {
  return [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[([^\]]+)\]/g)].map((m) => m[1]!.trim().replace(/\s+/g, ' '));
}

describe('PDF reports through an injected printer', () => {
  it('uses the printer the engine was given, and headless Chromium (A4) without one', async () => {
    const letter = await printWith(chromiumPdfPrinter({ paper: 'Letter' }), 'letter');
    expect(letter.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const letterBoxes = mediaBoxes(letter);
    expect(letterBoxes.length).toBeGreaterThan(0);
    for (const box of letterBoxes) expect(box).toBe('0 0 612 792');

    const a4 = await printWith(undefined, 'a4');
    const a4Boxes = mediaBoxes(a4);
    expect(a4Boxes.length).toBeGreaterThan(0);
    for (const box of a4Boxes) expect(box).toBe('0 0 595.91998 842.88');
  });
});
