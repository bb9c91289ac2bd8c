/**
 * PDF = the HTML report printed by a browser engine, so the PDF and the HTML never drift apart.
 * Who prints is a `PdfPrinter` given to the engine: the desktop app passes one built on Electron's
 * own `webContents.printToPDF` (src/main/electron/pdfPrinter.ts; a researcher's Windows or macOS
 * workstation has no system Chromium); the CLI and `tessera serve` use headless Chromium through
 * playwright-core, found at $TESSERA_CHROMIUM or a usual install location. The engine never imports
 * electron.
 */
import { existsSync } from 'node:fs';
import { ApiError } from '../../../shared/api/errors';
import { loadPlaywright } from '../lazyPackages';
import { testGate } from '../jobs/testGate';

/** Prints one self-contained HTML document (inline CSS, SVG and data: images) to PDF bytes. */
export interface PdfPrinter {
  /** Shown in logs and errors, e.g. "Electron printToPDF" or "Chromium /usr/bin/chromium". */
  readonly name: string;
  /** `signal`: a cancel of the report job; a printer that can, stops at once (the job checks it after printing in any case). */
  printHtml(html: string, signal?: AbortSignal): Promise<Uint8Array>;
}

/** Page setup shared by every printer: A4, backgrounds, 12 mm top/bottom and 10 mm side margins. */
export const PDF_PAGE = { format: 'A4', marginMm: { top: 12, bottom: 12, left: 10, right: 10 } } as const;

/** Where a Chromium or Chrome is usually installed (Linux, macOS, Windows). */
export const CHROMIUM_LOCATIONS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
];

/** $TESSERA_CHROMIUM when set (and only it: a wrong setting is reported, not papered over), else a usual location. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const chosen = env['TESSERA_CHROMIUM'];
  if (chosen !== undefined && chosen !== '') return existsSync(chosen) ? chosen : null;
  return CHROMIUM_LOCATIONS.find((p) => existsSync(p)) ?? null;
}

/** The one line a user reads when no Chromium can be found: what was looked at and how to point at one. */
export function noChromiumMessage(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env['TESSERA_CHROMIUM'];
  if (chosen !== undefined && chosen !== '')
    return `PDF reports need Chromium or Chrome: TESSERA_CHROMIUM=${chosen} does not exist; set it to the browser's executable (e.g. TESSERA_CHROMIUM=/usr/bin/chromium), or write .html and print that`;
  return `PDF reports need Chromium or Chrome and none was found (looked at ${CHROMIUM_LOCATIONS.filter((p) => p.startsWith('/usr')).join(', ')} and the usual macOS/Windows Chrome locations): install one (apt-get install chromium) or set TESSERA_CHROMIUM to its executable, e.g. TESSERA_CHROMIUM="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"; the desktop app prints without it; or write .html and print that`;
}

/**
 * Headless Chromium through playwright-core. `paper` is the page format (A4 unless said otherwise);
 * `executablePath` overrides the lookup.
 */
export function chromiumPdfPrinter(options: { executablePath?: string; paper?: 'A4' | 'Letter' } = {}): PdfPrinter {
  const paper = options.paper ?? PDF_PAGE.format;
  return {
    name: `Chromium ${options.executablePath ?? chromiumPath() ?? '(not found)'}${paper === 'A4' ? '' : ` (${paper})`}`,
    async printHtml(html, signal) {
      const executablePath = options.executablePath ?? chromiumPath();
      if (executablePath === null || !existsSync(executablePath)) throw new ApiError('UNSUPPORTED_FORMAT', noChromiumMessage());
      // Loaded on demand: only PDF reports need a browser driver.
      let chromium: ReturnType<typeof loadPlaywright>['chromium'];
      try {
        chromium = loadPlaywright().chromium;
      } catch {
        throw new ApiError('UNSUPPORTED_FORMAT', 'PDF reports need the playwright-core package (npm install playwright-core)');
      }
      const browser = await chromium.launch({
        executablePath,
        headless: true,
        // Signals stay the CLI's: Playwright's own SIGINT handler closed the browser and exited 130
        // silently, leaving the report job "running" (SIGTERM already gave "cancelled by the user").
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      });
      // A cancel (Ctrl-C, SIGTERM, the UI) closes the browser: the print in progress fails, and the job ends cancelled.
      const onAbort = (): void => void browser.close().catch(() => undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        signal?.throwIfAborted();
        await testGate('pdf', signal);
        const page = await browser.newPage();
        // Everything is inline (CSS, SVG, data: images): nothing to fetch, so offline is fine.
        await page.setContent(html, { waitUntil: 'load' });
        const m = PDF_PAGE.marginMm;
        const pdf = await page.pdf({
          format: paper,
          printBackground: true,
          margin: { top: `${m.top}mm`, bottom: `${m.bottom}mm`, left: `${m.left}mm`, right: `${m.right}mm` },
        });
        return new Uint8Array(pdf);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        await browser.close();
      }
    },
  };
}

/** The default printer (CLI, `tessera serve`): headless Chromium as found now. */
export async function htmlToPdf(html: string): Promise<Uint8Array> {
  return chromiumPdfPrinter().printHtml(html);
}
