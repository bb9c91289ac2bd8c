import { z } from 'zod';
import { Id, ImageDetail, ImagePage, ImagePageInput } from '../../domain';

export const imageMethods = {
  'images.page': { input: ImagePageInput, output: ImagePage },
  'images.get': { input: z.object({ imageId: Id }), output: ImageDetail },
} as const;
