/**
 * PDF = the HTML report printed by headless Chromium (playwright-core's `page.pdf()`), so the PDF and
 * the HTML never drift apart. Electron's `webContents.printToPDF` is the later in-app path (TODO in
 * the shell); here Chromium comes from $TESSERA_CHROMIUM or /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import { ApiError } from '../../../shared/api/errors';

/** $TESSERA_CHROMIUM when set (and only it: a wrong setting is reported, not papered over), else a system Chromium. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const chosen = env['TESSERA_CHROMIUM'];
  if (chosen !== undefined && chosen !== '') return existsSync(chosen) ? chosen : null;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p)) ?? null;
}

export async function htmlToPdf(html: string): Promise<Uint8Array> {
  const executablePath = chromiumPath();
  if (executablePath === null) {
    throw new ApiError(
      'UNSUPPORTED_FORMAT',
      process.env['TESSERA_CHROMIUM']
        ? `PDF reports need Chromium: TESSERA_CHROMIUM=${process.env['TESSERA_CHROMIUM']} does not exist; fix it, or write .html and print that`
        : 'PDF reports need Chromium: install it (apt-get install chromium) or set TESSERA_CHROMIUM to its path; or write .html and print that',
    );
  }
  // Loaded on demand: only PDF reports need a browser driver.
  const { chromium } = await import('playwright-core').catch(() => {
    throw new ApiError('UNSUPPORTED_FORMAT', 'PDF reports need the playwright-core package (npm install playwright-core)');
  });
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    // Everything is inline (CSS, SVG, data: images): nothing to fetch, so offline is fine.
    await page.setContent(html, { waitUntil: 'load' });
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
    });
    return new Uint8Array(pdf);
  } finally {
    await browser.close();
  }
}
