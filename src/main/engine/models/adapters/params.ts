import { ApiError } from '../../../../shared/api/errors';
import { PARAMS_SCHEMAS, type ModelKind, type ModelManifest, type ModelParams } from '../../../../shared/domain';

const parsed = new WeakMap<ModelManifest, unknown>();

/**
 * A manifest's `params` as its kind's schema reads them (src/shared/domain/modelParams.ts): typed,
 * defaults filled in, parsed once per loaded manifest. `models add` checked them with the same
 * schema, so a failure here means a model stored by an older version: add it again.
 */
export function paramsOf<K extends ModelKind>(manifest: ModelManifest, kind: K): ModelParams<K> {
  if (manifest.kind !== kind) throw new Error(`a ${kind} adapter was given a ${manifest.kind} manifest`);
  if (!parsed.has(manifest)) {
    const result = PARAMS_SCHEMAS[kind].safeParse(manifest.params);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? 'params' : `params.${issue.path.join('.')}`;
      throw new ApiError(
        'MODEL_MISMATCH',
        `${where}: ${issue?.message ?? 'invalid'}; the stored manifest no longer validates, add the model again`,
      );
    }
    parsed.set(manifest, result.data);
  }
  return parsed.get(manifest) as ModelParams<K>;
}
