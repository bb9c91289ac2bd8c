import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PdfPrinter } from '../engine/reports/pdf';
import { PDF_PAGE } from '../engine/reports/pdf';
import type { ElectronApi } from './electronApi';

const MM_PER_INCH = 25.4;

/**
 * PDF reports in the desktop app: the report's HTML is loaded into a hidden, sandboxed window with
 * JavaScript off and printed with Electron's own `webContents.printToPDF` (A4, backgrounds, the same
 * margins as the Chromium printer), so no system Chromium is needed on Windows or macOS. The HTML
 * goes through a temporary file (a data: URL is capped at 2 MB, and reports carry thumbnails).
 */
export function electronPdfPrinter(electron: Pick<ElectronApi, 'BrowserWindow'>): PdfPrinter {
  return {
    name: 'Electron printToPDF',
    async printHtml(html) {
      const dir = await mkdtemp(join(tmpdir(), 'tessera-report-'));
      const file = join(dir, 'report.html');
      const win = new electron.BrowserWindow({
        show: false,
        width: 1100,
        height: 1400,
        webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, spellcheck: false },
      });
      try {
        await writeFile(file, html);
        await win.loadFile(file);
        const m = PDF_PAGE.marginMm;
        const pdf = await win.webContents.printToPDF({
          pageSize: PDF_PAGE.format,
          printBackground: true,
          margins: {
            top: m.top / MM_PER_INCH,
            bottom: m.bottom / MM_PER_INCH,
            left: m.left / MM_PER_INCH,
            right: m.right / MM_PER_INCH,
          },
        });
        return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
      } finally {
        win.destroy();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
