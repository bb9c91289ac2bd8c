import { z } from 'zod';

export const workspaceMethods = {
  'workspace.info': {
    input: z.object({}),
    output: z.object({ path: z.string(), schemaVersion: z.number().int(), toolVersion: z.string() }),
  },
} as const;
