import { z } from 'zod';
import { Id, JobStarted } from '../../domain';

export const ReportFormat = z.enum(['html', 'pdf', 'csv', 'tex', 'json']);
export type ReportFormat = z.infer<typeof ReportFormat>;

/** The result of a finished `reports.create` job. */
export const ReportResult = z.object({ path: z.string(), format: ReportFormat, bytes: z.number().int() });
export type ReportResult = z.infer<typeof ReportResult>;

export const reportMethods = {
  /**
   * Long work: scores, comparisons (every run against the first) and, for html/pdf, thumbnails.
   * `out` is a file path on the engine's machine; without it the report goes to the workspace's
   * `reports/` folder. Its result is a ReportResult.
   */
  'reports.create': {
    input: z.object({
      datasetId: Id,
      runIds: z.array(Id).min(1).max(8),
      format: ReportFormat,
      out: z.string().min(1).optional(),
      subset: z.string().min(1).max(100).optional(),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .default(1),
    }),
    output: JobStarted,
  },
  /**
   * A report written into the workspace's `reports/` folder, as bytes (base64) for the UI's download
   * link. Any other path is refused.
   */
  'reports.file': {
    input: z.object({ path: z.string().min(1) }),
    output: z.object({ fileName: z.string(), format: ReportFormat, bytes: z.number().int(), base64: z.string() }),
  },
} as const;
