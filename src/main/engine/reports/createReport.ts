/**
 * The `reports.create` job: gather the model, render it in the format the file name asks for, and
 * write the file atomically (a temp file renamed into place, so a failed report leaves no half file).
 */
import { fileFault } from '../jobs/faults';
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { ReportFormat, ReportResult } from '../../../shared/api/methods/reports';
import type { JobContext } from '../jobs/JobRunner';
import { renderHtml } from './html';
import { buildReportModel, type ReportDeps, type ReportModel, type ReportRequest } from './model';
import { chromiumPdfPrinter, type PdfPrinter } from './pdf';
import { renderCsv, renderTex } from './tables';
import { sampleThumbnails, type Thumbnails } from './thumbnails';

export interface CreateReportInput extends ReportRequest {
  format: ReportFormat;
  out?: string | undefined;
}

/** The output path: `out` as given (its extension must match the format), else the workspace's reports/ folder. */
export function reportPath(input: CreateReportInput, datasetName: string, workspaceRoot: string): string {
  if (input.out !== undefined) {
    const ext = extname(input.out).slice(1).toLowerCase();
    if (ext !== input.format) {
      throw new ApiError('INVALID_INPUT', `${input.out}: the file extension ".${ext}" does not match the report format "${input.format}"`);
    }
    return resolve(input.out);
  }
  const safe = datasetName.replace(/[^A-Za-z0-9._-]+/g, '_');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(workspaceRoot, 'reports', `${safe}-${stamp}.${input.format}`);
}

async function galleryThumbnails(deps: ReportDeps, model: ReportModel, ctx: JobContext): Promise<Map<number, Thumbnails>> {
  const items = new Map(model.gallery.flatMap((s) => s.items).map((i) => [i.sampleId, i]));
  const thumbs = new Map<number, Thumbnails>();
  let done = 0;
  for (const item of items.values()) {
    ctx.signal.throwIfAborted();
    thumbs.set(item.sampleId, await sampleThumbnails(deps.repos, item, model.runs, model.classes));
    ctx.progress(++done, items.size, 'drawing thumbnails');
  }
  return thumbs;
}

type RenderDeps = ReportDeps & { pdfPrinter?: PdfPrinter | undefined };

async function render(deps: RenderDeps, model: ReportModel, format: ReportFormat, ctx: JobContext): Promise<string | Uint8Array> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(model, null, 2)}\n`;
    case 'csv':
      return renderCsv(model);
    case 'tex':
      return renderTex(model);
    case 'html':
      return renderHtml(model, await galleryThumbnails(deps, model, ctx));
    case 'pdf': {
      const html = renderHtml(model, await galleryThumbnails(deps, model, ctx));
      const printer = deps.pdfPrinter ?? chromiumPdfPrinter();
      ctx.progress(0, 1, `printing PDF (${printer.name})`);
      const pdf = await printer.printHtml(html, ctx.signal);
      // A cancel while printing: no file, the job cancelled (a printer may finish its page regardless).
      ctx.signal.throwIfAborted();
      return pdf;
    }
  }
}

/**
 * `--out` naming a symbolic link writes the file it points at (the temp file beside that file): the
 * rename put a regular file in the link's place and left its target as it was. A dangling link, or
 * none, is the path as given.
 */
function throughLink(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

/** The file among the folders above `path` (mkdir fails there with EEXIST or ENOTDIR), if there is one. */
function fileInTheWay(path: string): string | undefined {
  for (let above = dirname(path); above !== dirname(above); above = dirname(above)) {
    if (existsSync(above) && !statSync(above).isDirectory()) return above;
  }
  return undefined;
}

export async function createReport(
  deps: RenderDeps & { workspaceRoot: string },
  input: CreateReportInput,
  ctx: JobContext,
): Promise<ReportResult> {
  const dataset = deps.repos.datasets.header(input.datasetId);
  if (dataset === undefined) throw new ApiError('NOT_FOUND', `dataset ${input.datasetId} not found`);
  const path = throughLink(reportPath(input, dataset.name, deps.workspaceRoot));
  const { model } = await buildReportModel(deps, input, ctx);
  const body = await render(deps, model, input.format, ctx);
  const temp = `${path}.${ctx.jobId}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, body);
    await rename(temp, path);
  } catch (err) {
    // Under a file, rm fails too (ENOTDIR, naming the temp file): the first error is the one to tell.
    await rm(temp, { force: true }).catch(() => undefined);
    const inTheWay = fileInTheWay(path);
    if (inTheWay !== undefined)
      throw new ApiError('INVALID_INPUT', `cannot write the report: ${path}: ${inTheWay} is a file, not a folder`, { file: path });
    // A full disk or a permission: one line naming the report's path (not the temp name).
    const fault = fileFault(err, path);
    if (fault !== null) throw new ApiError(fault.code, `cannot write the report: ${fault.message}`, fault.details);
    const reason = err instanceof Error ? err.message : String(err);
    throw new ApiError('INVALID_INPUT', `${path}: cannot write the report (${reason})`);
  }
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  ctx.progress(1, 1, 'done');
  return { path, format: input.format, bytes };
}
