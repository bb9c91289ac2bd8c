/**
 * Dataset summaries kept in the store (migration 14): the counts behind `datasets.list` and
 * `datasets.get` scan a dataset's images (~0.1-0.16 s at 100k), and a freshly opened app asked for
 * them again on its first screen. Each is stored with the version of its dataset's clocks it was
 * read at (store/scoreInputs.ts, migration 13) and read back only at that same version; the format
 * and tool version are part of the stored version. A cache: a row that does not read back as a
 * summary of its dataset is ignored and computed again.
 */
import type { DatasetSummary } from '../../../shared/domain';
import type { Db } from './db';
import { hasTable } from './schemaTables';
import { snapshotVersion } from './scoreSnapshots';

/** The summary of `datasetId` kept at `version`, or null. */
export function readSummarySnapshot(db: Db, datasetId: number, version: string): DatasetSummary | null {
  if (!hasTable(db, 'dataset_summaries')) return null;
  const payload = db
    .prepare('SELECT payload FROM dataset_summaries WHERE dataset_id = ? AND version = ?')
    .pluck()
    .get(datasetId, `summary/${snapshotVersion(version)}`) as string | undefined;
  if (payload === undefined) return null;
  try {
    const s = JSON.parse(payload) as Record<string, unknown>;
    return isSummaryOf(s, datasetId) ? (s as unknown as DatasetSummary) : null;
  } catch {
    return null;
  }
}

export function writeSummarySnapshot(db: Db, datasetId: number, version: string, summary: DatasetSummary): void {
  db.prepare(
    `INSERT INTO dataset_summaries (dataset_id, version, payload) VALUES (?, ?, ?)
     ON CONFLICT (dataset_id) DO UPDATE SET version = excluded.version, payload = excluded.payload`,
  ).run(datasetId, `summary/${snapshotVersion(version)}`, JSON.stringify(summary));
}

const COUNTS = ['imageCount', 'sampleCount', 'annotatedImageCount', 'classCount'] as const;
const TEXTS = ['name', 'format', 'task', 'createdAt'] as const;

function isSummaryOf(s: Record<string, unknown>, datasetId: number): boolean {
  return (
    s['id'] === datasetId &&
    COUNTS.every((k) => Number.isInteger(s[k]) && (s[k] as number) >= 0) &&
    TEXTS.every((k) => typeof s[k] === 'string') &&
    (s['sourcePath'] === null || typeof s['sourcePath'] === 'string')
  );
}
