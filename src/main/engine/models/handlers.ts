import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../api/dispatch';
import { readablePath } from '../api/writablePath';
import type { EngineDeps } from '../deps';
import { loadManifest } from './manifest';
import { addModel } from './registry';
import { modelInspectHandlers } from './inspectHandlers';
import { startRun } from './runJob';
import { runPromptDecoder } from './promptDecoder';

export function modelHandlers(deps: EngineDeps) {
  return {
    ...modelInspectHandlers(deps),
    'models.add': async ({ manifestPath, replace }, call) => {
      const path = readablePath(manifestPath, call, deps.paths.root, 'manifest');
      if (call.transport === 'http') {
        // Every file the manifest names is read too: each must be readable for this web client.
        const { files } = await loadManifest(path);
        for (const [role, file] of Object.entries(files)) readablePath(file, call, deps.paths.root, `${path}: files.${role}`);
      }
      return addModel(deps, deps.inference, path, { replace: replace === true });
    },
    'models.list': async () => deps.repos.models.list(),
    'models.get': async ({ modelId }) => {
      const m = deps.repos.models.get(modelId);
      if (m === undefined) throw new ApiError('NOT_FOUND', `model ${modelId} not found`);
      return m;
    },
    'runs.start': async (input) => startRun(deps, input),
    'annotations.propose': async (input) => {
      const { mask, width, height, score } = await runPromptDecoder(deps, input);
      let [x0, y0, x1, y1] = [width, height, -1, -1];
      let area = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (mask[y * width + x] !== 1) continue;
          area++;
          if (x < x0) x0 = x;
          if (y < y0) y0 = y;
          if (x > x1) x1 = x;
          if (y > y1) y1 = y;
        }
      }
      if (area === 0) return { width, height, box: null, mask: '', area: 0, score: Number.isFinite(score) ? score : null };
      const box = { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
      const crop = new Uint8Array(box.w * box.h);
      for (let y = 0; y < box.h; y++) crop.set(mask.subarray((box.y + y) * width + box.x, (box.y + y) * width + box.x + box.w), y * box.w);
      return { width, height, box, mask: Buffer.from(crop).toString('base64'), area, score: Number.isFinite(score) ? score : null };
    },
  } satisfies Partial<Handlers>;
}
