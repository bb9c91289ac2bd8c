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
  /**
   * After a folder was moved (an image folder, or the workspace holding its own images and models):
   * every stored path under `from` is rewritten to lie under `to` (images, dataset sources, models and
   * their manifests' files), in one transaction; `dryRun` only counts. Files are checked when used
   * (images against their sha256 at import). Not for web clients (`tessera relink`).
   */
  'workspace.relink': {
    input: z.object({
      from: z.string().min(1, 'name the folder the files were in'),
      to: z.string().min(1, 'name the folder they are in now'),
      dryRun: z.boolean().default(false),
    }),
    output: z.object({
      images: z.number().int(),
      datasets: z.number().int(),
      models: z.number().int(),
      /** Moved paths with no file at the new place, and the first few of them. */
      missing: z.number().int(),
      examples: z.array(z.string()),
    }),
  },
} as const;
