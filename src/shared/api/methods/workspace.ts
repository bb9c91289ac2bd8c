import { z } from 'zod';

export const workspaceMethods = {
  'workspace.info': {
    input: z.object({}),
    output: z.object({
      path: z.string(),
      schemaVersion: z.number().int(),
      toolVersion: z.string(),
      /**
       * Folders this client may read files from (imports, models), as real paths; null when any
       * path goes (CLI, desktop app). Web clients of `tessera serve` write only inside `path`.
       */
      readRoots: z.array(z.string()).nullable(),
    }),
  },
  /**
   * PRAGMA quick_check of the workspace database, on demand (it also runs on every open). A damaged
   * store is open read-only; `readOnly` says why the store is read-only, or null.
   */
  'workspace.check': {
    input: z.object({}),
    output: z.object({
      file: z.string(),
      ok: z.boolean(),
      problems: z.array(z.string()),
      readOnly: z.string().nullable(),
      schemaVersion: z.number().int(),
    }),
  },
} as const;
