/**
 * Samples' ground truth merged into one run sequence each (metrics/runSequencePack.ts), kept with
 * the ground_truth_revs counter it was made from (migration 21): a prediction import counts each PNG
 * against it instead of decoding and merging the regions' RLE strings again. A row is read only while
 * its counter is the sample's; any write to the sample's regions moves that counter, so a row made
 * before is never read again, and the next count replaces it.
 */
import type { Db } from '../db';

export interface KeptRuns {
  height: number;
  width: number;
  runs: Uint8Array;
}

export function groundTruthRunsStore(db: Db) {
  const current = db
    .prepare(
      `SELECT c.sample_id, c.height, c.width, c.runs FROM ground_truth_runs c
       JOIN ground_truth_revs g ON g.sample_id = c.sample_id AND g.rev = c.rev
       WHERE c.sample_id IN (SELECT value FROM json_each(?))`,
    )
    .raw();
  const keep = db.prepare(
    `INSERT INTO ground_truth_runs (sample_id, rev, height, width, runs) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (sample_id) DO UPDATE SET rev = excluded.rev, height = excluded.height, width = excluded.width, runs = excluded.runs
     WHERE excluded.rev > ground_truth_runs.rev`,
  );
  const drop = db.prepare('DELETE FROM ground_truth_runs WHERE sample_id = ?');
  return {
    /** The kept sequences of these samples made from their current ground truth (others are absent). */
    current(sampleIds: readonly number[]): Map<number, KeptRuns> {
      const out = new Map<number, KeptRuns>();
      for (const [sampleId, height, width, runs] of current.all(JSON.stringify(sampleIds)) as Array<[number, number, number, Buffer]>)
        out.set(sampleId, { height, width, runs });
      return out;
    },
    /** Keeps a sample's sequence made from its ground truth at counter `rev` (an older one never replaces a newer). */
    keep(sampleId: number, rev: number, { height, width, runs }: KeptRuns): void {
      keep.run(sampleId, rev, height, width, Buffer.from(runs.buffer, runs.byteOffset, runs.byteLength));
    },
    /** Forgets a sample's sequence (one that could not be read). */
    drop(sampleId: number): void {
      drop.run(sampleId);
    },
  };
}
