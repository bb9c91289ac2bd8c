import { ApiError } from '../../../shared/api/errors';
import type { QuerySample } from '../../../shared/api/methods/annotations';
import type { Db } from '../store/db';
import { querySampleRow, querySampleRows, updateSampleQuery } from '../store/repos/samples';

function parseQueries(json: string | null): string[] {
  if (json === null) return [];
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((q): q is string => typeof q === 'string') : [];
  } catch {
    return [];
  }
}

/** The text-query samples of an image (referring / reasoning), in id order. */
export function querySamples(db: Db, imageId: number): QuerySample[] {
  return querySampleRows(db, imageId).map((r) => ({ sampleId: r.id, query: r.query, queries: parseQueries(r.queries) }));
}

/**
 * Sets a sample's query. The query it had is kept in `queries` (ReasonSeg's `text` list already holds
 * it; a sample imported with one query gets a list), so the imported wording is never lost.
 */
export function setSampleQuery(db: Db, sampleId: number, query: string): QuerySample {
  return db.transaction(() => {
    const row = querySampleRow(db, sampleId);
    if (row === undefined) throw new ApiError('NOT_FOUND', `sample ${sampleId} not found`);
    if (row.query === null)
      throw new ApiError(
        'INVALID_INPUT',
        `sample ${sampleId} is the label map of its image, not a text-query sample; it has no query to edit`,
      );
    const queries = parseQueries(row.queries);
    if (!queries.includes(row.query)) queries.push(row.query);
    updateSampleQuery(db, sampleId, query, queries);
    return { sampleId, query, queries };
  })();
}
