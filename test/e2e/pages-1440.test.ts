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
    // A model's file path wraps after a separator or a hyphen, never inside a folder or file name's letters.
    const wraps = await page
      .getByTestId('model-path')
      .first()
      .evaluate((cell) => {
        const chars: Array<{ c: string; top: number }> = [];
        for (const n of cell.childNodes) {
          if (n.nodeType !== Node.TEXT_NODE) continue;
          const text = n.textContent ?? '';
          for (let i = 0; i < text.length; i++) {
            const r = document.createRange();
            r.setStart(n, i);
            r.setEnd(n, i + 1);
            chars.push({ c: text[i]!, top: Math.round(r.getBoundingClientRect().top) });
          }
        }
        const breaks: string[] = [];
        for (let i = 1; i < chars.length; i++) if (chars[i]!.top !== chars[i - 1]!.top) breaks.push(chars[i - 1]!.c + chars[i]!.c);
        return { breaks, text: cell.textContent };
      });
    expect(wraps.breaks.length, `path cell ${wraps.text}`).toBeGreaterThan(0);
    for (const pair of wraps.breaks) expect('/-._', `a break inside "${pair}" of ${wraps.text}`).toContain(pair[0]);
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

/** Elements under `root` whose content is cut off: wider than their box with overflow hidden (an ellipsis, a clip). */
async function clippedText(page: Page, root: string): Promise<string[]> {
  return page.locator(root).evaluate((el) =>
    [el, ...Array.from(el.querySelectorAll('*'))]
      .filter((e): e is HTMLElement => e instanceof HTMLElement && e.tagName !== 'SELECT' && e.offsetParent !== null)
      .filter((e) => getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1)
      .map((e) => `${e.tagName.toLowerCase()} "${(e.textContent ?? '').trim().slice(0, 40)}" ${e.scrollWidth}>${e.clientWidth}`),
  );
}

/** Selects under `root` whose chosen option's text is wider than the room the closed select gives it (text, not arrow). */
async function clippedSelects(page: Page, root: string): Promise<string[]> {
  return page.locator(root).evaluate((el) => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    return Array.from(el.querySelectorAll('select'))
      .filter((s) => s.offsetParent !== null)
      .flatMap((s) => {
        const style = getComputedStyle(s);
        ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const text = s.selectedOptions[0]?.textContent ?? '';
        // Chromium draws the drop-down arrow inside the padding box, about 1.2em wide on the right.
        const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 1.2 * parseFloat(style.fontSize);
        const width = ctx.measureText(text).width;
        return width > room ? [`${s.dataset.testid ?? s.name} "${text}" ${Math.round(width)}>${Math.round(room)}`] : [];
      });
  });
}

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

describe('viewer side panel and Models table at 1440x900', () => {
  for (const [name, key] of [
    ['viewer', 'scenesImage'],
    ['viewer-referring', 'referringImage'],
  ] as const) {
    it(`${name}: every panel label and every chosen option is shown whole; the line under the canvas says what it is`, async () => {
      const { page, errors } = await open(`#/images/${ids[key]}`);
      await page.getByTestId('overlay-legend').waitFor({ timeout: 30_000 });
      if (key === 'referringImage') await page.getByTestId('heatmap-select').waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      // The error layer's label is the one that was cut to "Errors vs GT (TP/FP…".
      expect((await page.getByTestId('layer-diff').locator('xpath=..').textContent())?.trim()).toBe('Errors vs GT (TP/FP/FN)');
      expect(await clippedText(page, 'aside.layers-panel')).toEqual([]);
      expect(await clippedSelects(page, 'aside.layers-panel')).toEqual([]);
      // Each layer's label sits beside its opacity slider, not under it.
      for (const id of ['image', 'gt', 'pred', 'diff', 'heatmap', 'pseudo', 'tokens']) {
        const label = (await page.getByTestId(`layer-${id}`).locator('xpath=..').boundingBox())!;
        const slider = (await page.getByTestId(`opacity-${id}`).boundingBox())!;
        expect({ id, overlap: overlaps(label, slider) }).toEqual({ id, overlap: false });
      }
      // Not hovering, the inspector line names itself (it was a lone "–" under the canvas).
      await page.mouse.move(1, 1);
      await expect.poll(() => page.getByTestId('inspector').textContent()).toMatch(/^Pixel inspector: hover the image/);
      expect(await clippedText(page, '[data-testid="inspector"]')).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('Models: each name sits on one line with its TOY badge; Rename and Delete… side by side, nothing overlapping', async () => {
    const { page, errors } = await open('#/models');
    await page.getByTestId('model-row').first().waitFor({ timeout: 30_000 });
    const rows = page.getByTestId('model-row');
    const n = await rows.count();
    expect(n).toBeGreaterThanOrEqual(6);
    for (let i = 0; i < n; i++) {
      const row = rows.nth(i);
      const name = (await row.getByTestId('model-name-text').boundingBox())!;
      const badge = (await row.getByTestId('model-toy').boundingBox())!;
      const rename = (await row.getByTestId('model-rename').boundingBox())!;
      const del = (await row.getByTestId('model-delete').boundingBox())!;
      const label = await row.getByTestId('model-name-text').textContent();
      // The badge is on the name's line, to its right.
      const badgeMid = badge.y + badge.height / 2;
      expect({ label, sameLine: badgeMid > name.y && badgeMid < name.y + name.height, right: badge.x >= name.x + name.width }).toEqual({
        label,
        sameLine: true,
        right: true,
      });
      // The name cell is one line high (nothing stacked under the name).
      const contentHeight = await row.getByTestId('model-name').evaluate((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        return range.getBoundingClientRect().height;
      });
      expect({ label, oneLine: contentHeight < 1.6 * name.height }).toEqual({ label, oneLine: true });
      // Rename and Delete… side by side on one line, apart from each other and from the name and badge.
      expect({ label, sameTop: Math.abs(rename.y - del.y) < 1, order: rename.x + rename.width <= del.x }).toEqual({
        label,
        sameTop: true,
        order: true,
      });
      for (const [a, b] of [
        [name, rename],
        [name, del],
        [badge, rename],
        [badge, del],
      ] as const) {
        expect({ label, overlap: overlaps(a, b) }).toEqual({ label, overlap: false });
      }
      expect({ label, inWindow: del.x + del.width <= 1440 }).toEqual({ label, inWindow: true });
    }
    expect(await clippedText(page, '[data-testid="models-table"]')).toEqual([]);
    // Rename (now in the actions column) still edits the name in its own cell; renamed and back.
    const last = rows.nth(n - 1);
    const before = await last.getByTestId('model-name-text').textContent();
    await last.getByTestId('model-rename').click();
    const input = last.getByTestId('model-name').getByTestId('model-name-input');
    await input.fill(`${before} b`);
    await input.press('Enter');
    await expect.poll(() => last.getByTestId('model-name-text').textContent()).toBe(`${before} b`);
    await last.getByTestId('model-rename').click();
    await input.fill(before!);
    await input.press('Enter');
    await expect.poll(() => last.getByTestId('model-name-text').textContent()).toBe(before);
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
