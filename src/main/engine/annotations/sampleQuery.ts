import { ApiError } from '../../../shared/api/errors';
import type { QuerySample } from '../../../shared/api/methods/annotations';
import type { Db } from '../store/db';

// TODO(images repo owner): these two statements read and write `samples`, which store/repos/images.ts
// owns; they live here until that repo grows query editing, so the edit rules stay in one place.

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
  const rows = db
    .prepare('SELECT id, query, queries FROM samples WHERE image_id = ? AND query IS NOT NULL ORDER BY id')
    .all(imageId) as Array<{
    id: number;
    query: string;
    queries: string | null;
  }>;
  return rows.map((r) => ({ sampleId: r.id, query: r.query, queries: parseQueries(r.queries) }));
}

/**
 * Sets a sample's query. The query it had is kept in `queries` (ReasonSeg's `text` list already holds
 * it; a sample imported with one query gets a list), so the imported wording is never lost.
 */
export function setSampleQuery(db: Db, sampleId: number, query: string): QuerySample {
  return db.transaction(() => {
    const row = db.prepare('SELECT id, query, queries FROM samples WHERE id = ?').get(sampleId) as
      { id: number; query: string | null; queries: string | null } | undefined;
    if (row === undefined) throw new ApiError('NOT_FOUND', `sample ${sampleId} not found`);
    if (row.query === null)
      throw new ApiError(
        'INVALID_INPUT',
        `sample ${sampleId} is the label map of its image, not a text-query sample; it has no query to edit`,
      );
    const queries = parseQueries(row.queries);
    if (!queries.includes(row.query)) queries.push(row.query);
    db.prepare('UPDATE samples SET query = ?, queries = ? WHERE id = ?').run(query, JSON.stringify(queries), sampleId);
    return { sampleId, query, queries };
  })();
}
