import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodeScreenshot, type Pixels } from '../../helpers/pixels';

export const ARTIFACTS = join(process.cwd(), 'test-results', 'e2e');
mkdirSync(ARTIFACTS, { recursive: true });

/** A fresh page on the served UI that records page errors; call `done()` at the end to assert there were none. */
export async function openPage(browser: Browser, url: string, hash = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + hash);
  return { page, errors };
}

/** Screenshot of one element (kept as an artifact) decoded for pixel assertions. */
export async function elementPixels(
  page: Page,
  testId: string,
  name: string,
): Promise<Pixels & { box: { x: number; y: number; width: number; height: number } }> {
  const el = page.getByTestId(testId);
  const shot = await el.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const box = await el.boundingBox();
  if (box === null) throw new Error(`${testId} has no box`);
  return Object.assign(await decodeScreenshot(shot), { box });
}

/** Waits until the pixel at (x, y) of the element's screenshot satisfies `ok`. */
export async function waitForPixel(
  page: Page,
  testId: string,
  name: string,
  at: (px: Pixels) => [number, number],
  ok: (rgb: [number, number, number]) => boolean,
  timeout = 15_000,
): Promise<[number, number, number]> {
  let last: [number, number, number] = [0, 0, 0];
  await expect
    .poll(
      async () => {
        const px = await elementPixels(page, testId, name);
        const [x, y] = at(px);
        last = px.at(x, y);
        return ok(last);
      },
      { timeout },
    )
    .toBe(true);
  return last;
}

export function near(a: readonly number[], b: readonly number[], tolerance = 3): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] as number)) <= tolerance);
}
