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
  const unlinkImage = db.prepare('DELETE FROM image_tags WHERE image_id = ? AND tag_id = ?');
  const unlinkSample = db.prepare('DELETE FROM sample_tags WHERE sample_id = ? AND tag_id = ?');
  const setState = db.prepare('UPDATE images SET review_state = ? WHERE id = ?');
  // One row at a time, for changes written in slices (tags/bulk.ts): a link is made only while its
  // image or sample exists (one deleted between two slices is skipped, not a foreign-key failure).
  const linkImageIfPresent = db.prepare(
    'INSERT OR IGNORE INTO image_tags (image_id, tag_id) SELECT @id, @tagId WHERE EXISTS (SELECT 1 FROM images WHERE id = @id)',
  );
  const linkSampleIfPresent = db.prepare(
    'INSERT OR IGNORE INTO sample_tags (sample_id, tag_id) SELECT @id, @tagId WHERE EXISTS (SELECT 1 FROM samples WHERE id = @id)',
  );
  const stateOf = db.prepare('SELECT review_state FROM images WHERE id = ?').pluck();
  const restoreState = db.prepare('UPDATE images SET review_state = ? WHERE id = ? AND review_state = ?');
  const deleteUnusedTag = db.prepare(
    `DELETE FROM tags WHERE id = @tagId
       AND NOT EXISTS (SELECT 1 FROM image_tags WHERE tag_id = @tagId) AND NOT EXISTS (SELECT 1 FROM sample_tags WHERE tag_id = @tagId)`,
  );
  const missingImages = db.prepare('SELECT j.value FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM images WHERE id = j.value)').pluck();
  const missingSamples = db
    .prepare('SELECT j.value FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM samples WHERE id = j.value)')
    .pluck();
  return {
    idOf(name: string): number | undefined {
      return (byName.get(name) as { id: number } | undefined)?.id;
    },
    ensure(name: string): number {
      const id = this.idOf(name);
      return id ?? Number(insertTag.run(name).lastInsertRowid);
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
    /** Ids among `ids` that are not rows of `table`, in one statement (a slice of a large list: tags/bulk.ts). */
    missingAmong(table: 'images' | 'samples', ids: readonly number[]): number[] {
      return (table === 'images' ? missingImages : missingSamples).all(JSON.stringify(ids)) as number[];
    },
    /** Links one image or sample to a tag while it exists; 1 when the link is new, else 0. */
    linkOne(kind: 'image' | 'sample', id: number, tagId: number): number {
      return (kind === 'image' ? linkImageIfPresent : linkSampleIfPresent).run({ id, tagId }).changes;
    },
    /** Unlinks one image or sample from a tag; 1 when a link went, else 0. */
    unlinkOne(kind: 'image' | 'sample', id: number, tagId: number): number {
      return (kind === 'image' ? unlinkImage : unlinkSample).run(id, tagId).changes;
    },
    /** Deletes a tag no image or sample carries (an undone tags.apply that made it); whether it went. */
    deleteIfUnused(tagId: number): boolean {
      return deleteUnusedTag.run({ tagId }).changes > 0;
    },
    /** An image's review state, or undefined for no such image. */
    reviewStateOf(imageId: number): ReviewState | undefined {
      return stateOf.get(imageId) as ReviewState | undefined;
    },
    /** Sets one image's review state; 1 when the image exists, else 0. */
    setReviewStateOne(imageId: number, state: ReviewState): number {
      return setState.run(state, imageId).changes;
    },
    /** Puts back an image's earlier review state unless something has changed it from `expected` since. */
    restoreReviewState(imageId: number, previous: ReviewState, expected: ReviewState): number {
      return restoreState.run(previous, imageId, expected).changes;
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
