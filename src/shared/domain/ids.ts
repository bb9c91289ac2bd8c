import { z } from 'zod';

/** Database row ids are positive integers. */
export const Id = z.number().int().positive();
export type Id = z.infer<typeof Id>;

/** Job ids are opaque strings (random, so two engines never collide). */
export const JobId = z.string().min(1);
export type JobId = z.infer<typeof JobId>;
