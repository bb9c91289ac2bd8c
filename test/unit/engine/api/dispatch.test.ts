import { describe, expect, it } from 'vitest';
import { createDispatcher, type Handlers } from '../../../../src/main/engine/api/dispatch';
import { ApiError } from '../../../../src/shared';

function recordingLogger() {
  const errors: string[] = [];
  return { errors, logger: { info: () => {}, error: (m: string) => void errors.push(m) } };
}

const handlers = {
  'images.get': async ({ imageId }: { imageId: number }) => {
    if (imageId === 1) throw new ApiError('NOT_FOUND', 'image 1 not found');
    throw new Error('boom');
  },
} as unknown as Handlers;

describe('dispatch', () => {
  it('answers unknown methods with NOT_FOUND', async () => {
    const { logger } = recordingLogger();
    expect(await createDispatcher(handlers, logger)('nope.nope', {})).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'unknown method: nope.nope' },
    });
  });

  it('rejects invalid input with INVALID_INPUT naming the field', async () => {
    const { logger } = recordingLogger();
    const r = await createDispatcher(handlers, logger)('images.get', { imageId: 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_INPUT');
      expect(r.error.message).toBe('images.get: imageId must be a number; got "x"');
    }
  });

  it('passes ApiErrors through and hides bugs behind INTERNAL while logging them', async () => {
    const { logger, errors } = recordingLogger();
    const dispatch = createDispatcher(handlers, logger);
    expect(await dispatch('images.get', { imageId: 1 })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'image 1 not found' } });
    const bug = await dispatch('images.get', { imageId: 2 });
    expect(bug.ok).toBe(false);
    if (!bug.ok) expect(bug.error.code).toBe('INTERNAL');
    expect(errors).toEqual(['images.get failed']);
  });
});
