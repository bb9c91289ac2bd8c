import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumPdfPrinter } from '../../src/main/engine/reports/pdf';
import { CHROMIUM, launchChromium } from '../helpers/browser';
import { tessera } from '../helpers/cli';
import { tempDir, writeGreyMask, writeSolidImage } from '../helpers/fixtures';
import { decodeScreenshot, type Pixels } from '../helpers/pixels';
import { ARTIFACTS } from './support/page';

// A report's first page is not mostly blank: the demo workspace's reports and a 21-class dataset's
// (VOC-sized class list: its per-class section is taller than what is left of page 1) are printed to
// PDF (A4) and Chromium's own PDF viewer draws page 1, fitted to the window; the test measures on
// that picture how far down the page the content reaches and how many of its rows carry any ink.
let browser: Browser;
let cleanup: () => void;
let dir = '';
let ws = '';

beforeAll(async () => {
  const t = tempDir('tessera-e2e-report-');
  cleanup = t.cleanup;
  dir = t.dir;
  ws = join(dir, 'ws');
  const init = tessera(['--workspace', ws, 'init', '--demo']);
  if (init.code !== 0) throw new Error(init.stderr);
  // 21 classes: 4 images of 20 horizontal bands (classes 1..20, band k at rows 10k..10k+9, shifted
  // per image); run "bands" predicts each band one row lower.
  const images = join(dir, 'bands', 'images');
  const masks = join(dir, 'bands', 'masks');
  const preds = join(dir, 'bands', 'preds');
  for (const d of [images, masks, preds]) mkdirSync(d, { recursive: true });
  const W = 64;
  const H = 200;
  for (let i = 0; i < 4; i++) {
    const gt = new Uint8Array(W * H);
    const pred = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) {
      gt.fill(1 + ((Math.floor(y / 10) + i) % 20), y * W, (y + 1) * W);
      pred.fill(1 + ((Math.floor(Math.max(0, y - 1) / 10) + i) % 20), y * W, (y + 1) * W);
    }
    await writeSolidImage(join(images, `bands_${i}.png`), W, H, [90 + 30 * i, 120, 160]);
    writeGreyMask(join(masks, `bands_${i}.png`), W, H, gt);
    writeGreyMask(join(preds, `bands_${i}.png`), W, H, pred);
  }
  for (const args of [
    ['import', 'folder', images, '--masks', masks, '--name', 'bands'],
    ['import', 'predictions', preds, '--dataset', 'bands', '--run', 'bands', '--format', 'png'],
    ['import', 'predictions', masks, '--dataset', 'bands', '--run', 'exact', '--format', 'png'],
  ]) {
    const r = tessera(['--workspace', ws, ...args]);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  cleanup?.();
});

interface PageFill {
  /** How far down page 1 its last inked row is, 0..1 of the page height. */
  reach: number;
  /** Share of page 1's rows with any ink. */
  inked: number;
}

/** Page 1 as Chromium's PDF viewer draws it (white sheet on a dark background), measured. */
function measurePage(px: Pixels): PageFill {
  const white = (x: number, y: number) => px.at(x, y).every((v) => v >= 250);
  const cx = Math.floor(px.width / 2);
  const cy = Math.floor(px.height / 2);
  let top = 0;
  while (top < px.height && !white(cx, top)) top++;
  let bottom = px.height - 1;
  while (bottom > top && !white(cx, bottom)) bottom--;
  let left = 0;
  while (left < px.width && !white(left, cy)) left++;
  let right = px.width - 1;
  while (right > left && !white(right, cy)) right--;
  const height = bottom - top + 1;
  if (height < px.height / 2 || right - left < px.width / 3) throw new Error(`no page found (${left},${top})-(${right},${bottom})`);
  let last = top;
  let rows = 0;
  for (let y = top + 2; y <= bottom - 2; y++) {
    let ink = false;
    for (let x = left + 2; x <= right - 2 && !ink; x++) ink = px.at(x, y).some((v) => v < 235);
    if (ink) {
      rows++;
      last = y;
    }
  }
  return { reach: (last - top) / height, inked: rows / height };
}

async function firstPage(pdf: string, name: string): Promise<PageFill> {
  const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
  try {
    await page.goto(`file://${pdf}#toolbar=0&navpanes=0&view=Fit`);
    let fill: PageFill = { reach: 0, inked: 0 };
    // The viewer draws asynchronously: measure until page 1 has its content.
    await expect
      .poll(
        async () => {
          const shot = await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
          try {
            fill = measurePage(await decodeScreenshot(shot));
          } catch {
            return 0;
          }
          return fill.inked;
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0.05);
    return fill;
  } finally {
    await page.close();
  }
}

function report(dataset: string, runs: string[], out: string): string {
  const r = tessera(['--workspace', ws, 'report', '--dataset', dataset, '--runs', runs.join(','), '--out', join(dir, out)]);
  if (r.code !== 0) throw new Error(r.stderr);
  return join(dir, out);
}

describe('report layout', () => {
  it("fills the first page of PDF reports: the demo's (semantic, referring) and a 21-class dataset's", async () => {
    const scenes = await firstPage(report('demo-scenes', ['toy-colour-semantic', 'toy-colour-cam'], 'scenes.pdf'), 'report-scenes-page1');
    const referring = await firstPage(report('demo-referring', ['toy-colour-seg-token'], 'referring.pdf'), 'report-referring-page1');
    const bands = await firstPage(report('bands', ['bands', 'exact'], 'bands.pdf'), 'report-bands-page1');
    for (const fill of [scenes, referring, bands]) {
      expect(fill.reach).toBeGreaterThan(0.75);
      expect(fill.inked).toBeGreaterThan(0.4);
    }
  });

  it('tells a mostly blank first page from a full one (sections kept whole push everything after the header to page 2)', async () => {
    const html = readFileSync(report('bands', ['bands', 'exact'], 'bands.html'), 'utf8');
    // The layout before sections could break across pages: the per-class section goes to page 2 whole.
    const whole = html.replace('</style>', 'section{break-inside:avoid}</style>');
    const pdf = join(dir, 'bands-whole-sections.pdf');
    writeFileSync(pdf, await chromiumPdfPrinter({ executablePath: CHROMIUM }).printHtml(whole));
    const fill = await firstPage(pdf, 'report-bands-whole-sections-page1');
    expect(fill.reach).toBeLessThan(0.75);
    expect(fill.inked).toBeLessThan(0.4);
  });
});
