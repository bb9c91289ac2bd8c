import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServe, tessera } from '../helpers/cli';
import { tempDir, writeGreyMask } from '../helpers/fixtures';
import { ARTIFACTS } from './support/page';

// Every page of the demo workspace at 1440x900 (screenshots kept under test-results/e2e/pages/ to be
// looked at), plus a 21-class dataset ("bands", VOC-sized class list) with one imported run, where
// Annotate's Prediction section must be in view at 1440x900 and 1280x720 without scrolling the panel
// past the class list.
const PAGES = join(ARTIFACTS, 'pages');
mkdirSync(PAGES, { recursive: true });
let browser: Browser;
let server: { url: string; stop(): Promise<void> };
let cleanup: () => void;
const ids = { scenes: 0, referring: 0, bands: 0, scenesImage: 0, referringImage: 0, bandsImage: 0 };

function cli(ws: string, args: string[]): void {
  const r = tessera(['--workspace', ws, ...args]);
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  const t = tempDir('tessera-e2e-pages-');
  cleanup = t.cleanup;
  const ws = join(t.dir, 'ws');
  cli(ws, ['init', '--demo']);
  // 20 horizontal bands of classes 1..20 beside a background strip; the run predicts them 2 rows lower.
  const root = join(t.dir, 'bands');
  for (const d of ['images', 'masks', 'preds']) mkdirSync(join(root, d), { recursive: true });
  const W = 320;
  const H = 210;
  for (let i = 0; i < 3; i++) {
    const gt = new Uint8Array(W * H);
    const pred = new Uint8Array(W * H);
    const rgb = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const c = 1 + ((Math.floor(y / 10) + i) % 20);
        gt[y * W + x] = x < 40 ? 0 : c;
        pred[y * W + x] = x < 44 ? 0 : 1 + ((Math.floor(Math.max(0, y - 2) / 10) + i) % 20);
        rgb.set([(c * 37) % 256, (c * 91) % 256, (c * 53) % 256], (y * W + x) * 3);
      }
    }
    await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(join(root, 'images', `bands_${i}.png`));
    writeGreyMask(join(root, 'masks', `bands_${i}.png`), W, H, gt);
    writeGreyMask(join(root, 'preds', `bands_${i}.png`), W, H, pred);
  }
  cli(ws, ['import', 'folder', join(root, 'images'), '--masks', join(root, 'masks'), '--name', 'bands']);
  cli(ws, ['import', 'predictions', join(root, 'preds'), '--dataset', 'bands', '--run', 'shifted', '--format', 'png']);
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  try {
    const first = (name: string): [number, number] => {
      const row = db
        .prepare('SELECT d.id AS d, MIN(i.id) AS i FROM datasets d JOIN images i ON i.dataset_id = d.id WHERE d.name = ?')
        .get(name) as { d: number; i: number };
      return [row.d, row.i];
    };
    [ids.scenes, ids.scenesImage] = first('demo-scenes');
    [ids.referring, ids.referringImage] = first('demo-referring');
    [ids.bands, ids.bandsImage] = first('bands');
  } finally {
    db.close();
  }
  writeFileSync(join(PAGES, 'README.txt'), 'Screenshots of every page at 1440x900 (test/e2e/pages-1440.test.ts).\n');
  server = await startServe(ws);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  cleanup?.();
});

async function open(hash: string, viewport = { width: 1440, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + hash);
  return { page, errors };
}

/** The page fits the window's width: nothing is pushed past the right edge. */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('every page at 1440x900', () => {
  it('draws each page without errors, an error banner or a horizontal scroll bar (screenshots kept)', async () => {
    const pages: Array<[string, string, string]> = [
      ['landing', '', 'home-dataset'],
      ['gallery', `#/datasets/${ids.scenes}`, 'gallery-item'],
      ['viewer', `#/images/${ids.scenesImage}`, 'overlay-legend'],
      ['viewer-referring', `#/images/${ids.referringImage}`, 'overlay-legend'],
      ['annotate', `#/annotate/${ids.scenesImage}`, 'prediction-panel'],
      ['annotate-referring', `#/annotate/${ids.referringImage}`, 'annotate-query'],
      ['annotate-21-classes', `#/annotate/${ids.bandsImage}`, 'prediction-panel'],
      ['compare', `#/compare/${ids.scenes}`, 'counts-b'],
      ['benchmarks', `#/benchmarks/${ids.scenes}`, 'bench-runs'],
      ['benchmarks-referring', `#/benchmarks/${ids.referring}`, 'bench-runs'],
      ['benchmarks-21-classes', `#/benchmarks/${ids.bands}`, 'bench-runs'],
      ['models', '#/models', 'model-row'],
      ['jobs', '#/jobs', 'job-row'],
      ['not-found', '#/no/such/page', 'not-found'],
    ];
    for (const [name, hash, testId] of pages) {
      const { page, errors } = await open(hash);
      await page.getByTestId(testId).first().waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle'); // images and masks drawn before the screenshot
      await page.screenshot({ path: join(PAGES, `${name}.png`) });
      expect({ name, errors }).toEqual({ name, errors: [] });
      expect({ name, banners: await page.getByTestId('error-banner').count() }).toEqual({ name, banners: 0 });
      expect({ name, overflow: await horizontalOverflow(page) }).toEqual({ name, overflow: 0 });
      await page.close();
    }
  });

  it('shows the report export with its download link on Benchmarks', async () => {
    const { page, errors } = await open(`#/benchmarks/${ids.scenes}`);
    await page.getByTestId('bench-runs').waitFor({ timeout: 30_000 });
    await page.getByTestId('report-format').selectOption('html');
    await page.getByTestId('report-export').click();
    await page.getByTestId('report-link').waitFor({ timeout: 60_000 });
    await page.getByTestId('report-link').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(PAGES, 'reports.png') });
    expect(await page.getByTestId('report-link').textContent()).toContain('.html');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('marks toy models TOY on the Models page, as runs are everywhere else', async () => {
    const { page, errors } = await open('#/models');
    await page.getByTestId('model-row').first().waitFor({ timeout: 30_000 });
    const rows = await page.getByTestId('model-row').count();
    expect(rows).toBeGreaterThanOrEqual(6); // the demo registers a toy model of every kind
    expect(await page.getByTestId('model-toy').allTextContents()).toEqual(Array.from({ length: rows }, () => 'TOY'));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("keeps the Changed-most list's numbers whole (room for the widest marker)", async () => {
    const { page, errors } = await open(`#/compare/${ids.scenes}`);
    const list = page.getByTestId('changed-list');
    await list.getByTestId('changed-item').first().waitFor({ timeout: 30_000 });
    const n = await list.locator('li').count();
    expect(n).toBeGreaterThanOrEqual(10);
    // The marker ("24. ") is drawn in the list's left padding: it must be at least as wide as the marker text.
    const room = await list.evaluate((ol, count) => {
      const style = getComputedStyle(ol);
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = `${style.fontSize} ${style.fontFamily}`;
      return { padding: parseFloat(style.paddingLeft), marker: ctx.measureText(`${count}. `).width };
    }, n);
    expect(room.padding).toBeGreaterThanOrEqual(room.marker);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("Annotate's Prediction section on small windows", () => {
  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 1280, height: 720 },
  ]) {
    it(`is in view at ${viewport.width}x${viewport.height} with 21 classes, above the class list, the panel not scrolled`, async () => {
      const { page, errors } = await open(`#/annotate/${ids.bandsImage}`, viewport);
      const run = page.getByTestId('prediction-run');
      await run.waitFor({ timeout: 30_000 });
      await run.selectOption({ label: 'shifted' });
      await page.getByTestId('copy-pred-all').waitFor();
      await expect.poll(() => page.getByTestId('copy-pred-all').isEnabled(), { timeout: 20_000 }).toBe(true);
      const panel = page.locator('aside.annotate-panel');
      expect(await panel.evaluate((el) => el.scrollTop)).toBe(0);
      const aside = (await panel.boundingBox())!;
      const bottom = Math.min(viewport.height, aside.y + aside.height);
      for (const id of [
        'prediction-run',
        'prediction-visible',
        'copy-pred-all',
        'copy-pred-region',
        'copy-pred-class-select',
        'copy-pred-class',
      ]) {
        const box = (await page.getByTestId(id).boundingBox())!;
        expect({ id, inView: box.y >= 0 && box.y + box.height <= bottom && box.x + box.width <= viewport.width }).toEqual({
          id,
          inView: true,
        });
      }
      // The class list comes after it and starts within the window too.
      const prediction = (await page.getByTestId('prediction-panel').boundingBox())!;
      const classes = (await page.getByTestId('class-list').boundingBox())!;
      expect(classes.y).toBeGreaterThan(prediction.y + prediction.height - 1);
      expect(classes.y).toBeLessThan(bottom);
      expect(await page.getByTestId('class-list').locator('button').count()).toBe(22);
      await page.screenshot({ path: join(PAGES, `annotate-prediction-${viewport.width}x${viewport.height}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
