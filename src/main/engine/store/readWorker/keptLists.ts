/**
 * Score lists waiting to be kept in the store (store/scoreSnapshots.ts): whole datasets' per-image
 * score lists, lists of scored samples and dataset summaries (store/summarySnapshots.ts) read since,
 * and the runs whose lists are to be read first (an evaluation or a scoring import just finished).
 * The read worker flushes them when idle or when the engine closes; without a worker (the CLI), the
 * engine's thread flushes them when it closes, so `tessera eval` in a shell leaves the list the
 * app's first score sort reads as one row.
 */
import type { DatasetSummary } from '../../../../shared/domain';
import type { Db } from '../db';
import { writeSummarySnapshot } from '../summarySnapshots';
import {
  writeSampleListSnapshot,
  writeScoreSnapshot,
  type SampleListColumns,
  type ScoreListColumns,
  type ScoreListKeeper,
} from '../scoreSnapshots';

export class KeptLists implements ScoreListKeeper {
  private readonly lists = new Map<string, { datasetId: number; runId: number; version: string; columns: ScoreListColumns }>();
  private readonly samples = new Map<number, { task: string; version: string; columns: SampleListColumns }>();
  private readonly runs = new Map<string, { datasetId: number; runId: number }>();
  private readonly summaries = new Map<number, { version: string; summary: DatasetSummary }>();

  keep(datasetId: number, runId: number, version: string, columns: ScoreListColumns): void {
    this.lists.set(`${datasetId}/${runId}`, { datasetId, runId, version, columns });
  }

  keepSamples(datasetId: number, task: string, version: string, columns: SampleListColumns): void {
    this.samples.set(datasetId, { task, version, columns });
  }

  later(datasetId: number, runId: number): void {
    this.runs.set(`${datasetId}/${runId}`, { datasetId, runId });
  }

  keepSummary(datasetId: number, version: string, summary: DatasetSummary): void {
    this.summaries.set(datasetId, { version, summary });
  }

  /** Whether anything waits to be listed or written. */
  get waiting(): boolean {
    return this.lists.size + this.samples.size + this.runs.size + this.summaries.size > 0;
  }

  /**
   * Lists the runs asked for (`list` reads a run's whole-dataset scores, which hands them back through
   * keep()), then writes every list through `write`, which drops a write that fails: these are caches,
   * and a later score sort lists again what was not kept.
   */
  flush(list: (datasetId: number, runId: number) => void, write: (what: (db: Db) => void) => void): void {
    for (const { datasetId, runId } of this.runs.values()) list(datasetId, runId);
    this.runs.clear();
    for (const [datasetId, { task, version, columns }] of this.samples)
      write((db) => writeSampleListSnapshot(db, datasetId, task, version, columns));
    this.samples.clear();
    for (const { datasetId, runId, version, columns } of this.lists.values())
      write((db) => writeScoreSnapshot(db, datasetId, runId, version, columns));
    this.lists.clear();
    for (const [datasetId, { version, summary }] of this.summaries) write((db) => writeSummarySnapshot(db, datasetId, version, summary));
    this.summaries.clear();
  }
}
