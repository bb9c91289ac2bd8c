import type { Db } from '../db';
import type { ReviewState, TagSummary } from '../../../../shared/api/methods/tags';
import type { SubsetSummary } from '../../../../shared/api/methods/metrics';

/**
 * Owns `tags`, `image_tags`, `sample_tags` and `images.review_state`. Tags are workspace-wide names;
 * a tag on an image or on one of its samples puts that image in the tag's subset.
 */
export function tagsRepo(db: Db) {
  const byName = db.prepare('SELECT id FROM tags WHERE name = ?');
  const insertTag = db.prepare('INSERT INTO tags (name, color) VALUES (?, NULL)');
  const linkImage = db.prepare('INSERT OR IGNORE INTO image_tags (image_id, tag_id) VALUES (?, ?)');
  const linkSample = db.prepare('INSERT OR IGNORE INTO sample_tags (sample_id, tag_id) VALUES (?, ?)');
  const unlinkImage = db.prepare('DELETE FROM image_tags WHERE image_id = ? AND tag_id = ?');
  const unlinkSample = db.prepare('DELETE FROM sample_tags WHERE sample_id = ? AND tag_id = ?');
  const setState = db.prepare('UPDATE images SET review_state = ? WHERE id = ?');
  return {
    idOf(name: string): number | undefined {
      return (byName.get(name) as { id: number } | undefined)?.id;
    },
    ensure(name: string): number {
      const id = this.idOf(name);
      return id ?? Number(insertTag.run(name).lastInsertRowid);
    },
    /** Links that did not exist yet are made; returns how many. */
    apply(tagId: number, imageIds: readonly number[], sampleIds: readonly number[]): number {
      let n = 0;
      for (const id of imageIds) n += linkImage.run(id, tagId).changes;
      for (const id of sampleIds) n += linkSample.run(id, tagId).changes;
      return n;
    },
    remove(tagId: number, imageIds: readonly number[], sampleIds: readonly number[]): number {
      let n = 0;
      for (const id of imageIds) n += unlinkImage.run(id, tagId).changes;
      for (const id of sampleIds) n += unlinkSample.run(id, tagId).changes;
      return n;
    },
    /** Every tag with its image and sample counts; with a dataset, counts within it and only tags used there. */
    list(datasetId?: number): TagSummary[] {
      const scope = datasetId === undefined ? '' : 'AND i.dataset_id = @datasetId';
      const rows = db
        .prepare(
          `SELECT t.id, t.name, t.color,
             (SELECT COUNT(*) FROM image_tags it JOIN images i ON i.id = it.image_id WHERE it.tag_id = t.id ${scope}) AS image_count,
             (SELECT COUNT(*) FROM sample_tags st JOIN samples s ON s.id = st.sample_id JOIN images i ON i.id = s.image_id WHERE st.tag_id = t.id ${scope}) AS sample_count
           FROM tags t ORDER BY t.name`,
        )
        .all(datasetId === undefined ? {} : { datasetId }) as Array<{
        id: number;
        name: string;
        color: string | null;
        image_count: number;
        sample_count: number;
      }>;
      return rows
        .filter((r) => datasetId === undefined || r.image_count + r.sample_count > 0)
        .map((r) => ({ id: r.id, name: r.name, color: r.color, imageCount: r.image_count, sampleCount: r.sample_count }));
    },
    /** Ids among `ids` that are not rows of `table` (images or samples). */
    missing(table: 'images' | 'samples', ids: readonly number[]): number[] {
      const stmt = db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`);
      return ids.filter((id) => stmt.get(id) === undefined);
    },
    setReviewState(imageIds: readonly number[], state: ReviewState): number {
      let n = 0;
      for (const id of imageIds) n += setState.run(state, id).changes;
      return n;
    },
    /** Samples (and their images) of a dataset in a tag's subset: the image or the sample carries the tag. */
    subset(datasetId: number, tagId: number | null): Array<{ sampleId: number; imageId: number }> {
      const rows =
        tagId === null
          ? db
              .prepare(
                'SELECT s.id AS sample_id, s.image_id FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ? ORDER BY s.id',
              )
              .all(datasetId)
          : db
              .prepare(
                `SELECT s.id AS sample_id, s.image_id FROM samples s JOIN images i ON i.id = s.image_id
                 WHERE i.dataset_id = ? AND (
                   EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id = ?)
                   OR EXISTS (SELECT 1 FROM sample_tags st WHERE st.sample_id = s.id AND st.tag_id = ?))
                 ORDER BY s.id`,
              )
              .all(datasetId, tagId, tagId);
      return (rows as Array<{ sample_id: number; image_id: number }>).map((r) => ({ sampleId: r.sample_id, imageId: r.image_id }));
    },
  };
}
export type TagsRepo = ReturnType<typeof tagsRepo>;

/** Tags naming a non-empty subset of the dataset, with how many samples each holds. */
export function datasetSubsets(db: Db, datasetId: number): SubsetSummary[] {
  return db
    .prepare(
      `SELECT t.name AS name, COUNT(DISTINCT s.id) AS samples
       FROM tags t
       JOIN (SELECT st.tag_id, st.sample_id FROM sample_tags st
             UNION SELECT it.tag_id, s2.id FROM image_tags it JOIN samples s2 ON s2.image_id = it.image_id) x ON x.tag_id = t.id
       JOIN samples s ON s.id = x.sample_id JOIN images i ON i.id = s.image_id
       WHERE i.dataset_id = ? GROUP BY t.id ORDER BY t.name`,
    )
    .all(datasetId) as SubsetSummary[];
}
