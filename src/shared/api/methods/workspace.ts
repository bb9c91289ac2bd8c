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
} as const;
