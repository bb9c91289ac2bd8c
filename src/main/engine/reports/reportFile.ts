import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, relative, isAbsolute, resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { ReportFormat } from '../../../shared/api/methods/reports';
import { fileFault } from '../jobs/faults';

/** Reports larger than this are not sent through the API (open them from the reports folder). */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/**
 * A finished report for the UI's download link: only files directly or below the workspace's
 * `reports/` folder (real paths, so no symlink leads out), with a report extension. A relative path
 * is taken from the workspace when `fromWorkspace` (web clients: as writablePath takes the paths of
 * reports.create and datasets.export), else from the current folder (CLI and desktop, as theirs).
 */
export function readReportFile(
  workspaceRoot: string,
  asked: string,
  fromWorkspace = false,
): { fileName: string; format: ReportFormat; bytes: number; base64: string } {
  const path = fromWorkspace ? resolve(workspaceRoot, asked) : asked;
  const folder = join(workspaceRoot, 'reports');
  let real: string;
  let realFolder: string;
  try {
    real = realpathSync(path);
    realFolder = realpathSync(folder);
  } catch {
    throw new ApiError('NOT_FOUND', `${path}: no such report`);
  }
  const rel = relative(realFolder, real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw new ApiError('INVALID_INPUT', `${path}: only reports in the workspace's reports/ folder can be downloaded`);
  const format = ReportFormat.safeParse(extname(real).slice(1).toLowerCase());
  if (!format.success) throw new ApiError('INVALID_INPUT', `${path}: not a report file (.html, .pdf, .csv, .tex or .json)`);
  let bytes: Buffer;
  try {
    const info = statSync(real);
    if (info.isDirectory()) throw new ApiError('INVALID_INPUT', `${path} is a folder, not a report file`);
    if (!info.isFile()) throw new ApiError('INVALID_INPUT', `${path} is not a regular file, not a report file`);
    if (info.size > MAX_REPORT_BYTES)
      throw new ApiError('INVALID_INPUT', `${path}: ${info.size} bytes is too large to download through the app; open it from ${folder}`);
    bytes = readFileSync(real);
  } catch (err) {
    throw err instanceof ApiError ? err : (fileFault(err, path) ?? err);
  }
  return { fileName: basename(real), format: format.data, bytes: bytes.length, base64: bytes.toString('base64') };
}
