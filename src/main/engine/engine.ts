import { appendFileSync } from 'node:fs';
import type { ApiError } from '../../shared/api/errors';
import { createDispatcher, type Dispatch, type Handlers } from './api/dispatch';
import { mergeHandlers } from './api/mergeHandlers';
import { applyCudaFloatPolicy } from './models/inference/cudaFloat';
import { openStore, schemaRepairsOf, schemaUpgradeOf, withBusyTimeout, type Db } from './store/db';
import { memoryJobsRepo } from './store/repos/jobs';
import { describeStoreError, isBusyError, userFacingError, type StoreState } from './jobs/faults';
import { createRepos } from './store/store';
import { EventHub } from './events';
import { JobRunner } from './jobs/JobRunner';
import type { Logger } from './logger';
import { createWorkspaceFolders, requireWorkspace } from './workspace/paths';
import { workspaceHandlers } from './workspace/handlers';
import type { EngineDeps } from './deps';
import { attachInternals } from './internals';
import { datasetHandlers } from './datasets/handlers';
import { imageHandlers } from './images/handlers';
import { imageNavigationHandlers } from './images/neighbors';
import { jobHandlers } from './jobs/handlers';
import { runHandlers } from './runs/handlers';
import { metricHandlers } from './metrics/handlers';
import { reportHandlers } from './reports/handlers';
import { tagHandlers } from './tags/handlers';
import { modelHandlers } from './models/handlers';
import { filterHandlers } from './datasets/filterHandlers';
import { InferenceClient, type WorkerSpec } from './models/inference/InferenceClient';
import { annotationHandlers } from './annotations/handlers';
import { heatmapHandlers } from './runs/heatmapHandlers';
import { manageHandlers } from './datasets/manageHandlers';
import { blobReader, type BlobReader } from './images/blobs';
import { TOOL_VERSION } from './version';
import { ReadWorker } from './store/readWorker/ReadWorker';
import { removeAbandonedHidden } from './datasets/slicedWrite';
import type { PdfPrinter } from './reports/pdf';
import { forgetSound, recordSound } from './store/checkStamp';
import { watchStoreFile } from './store/storeFile';

/** Finished jobs kept in the store (the newest; the Jobs page lists 100): older ones go when a workspace is opened. */
export const KEPT_FINISHED_JOBS = 2000;
export interface EngineOptions {
  workspace: string;
  /** Create the workspace when it does not exist (init, npm start); otherwise it must exist. */
  create?: boolean;
  /** `tessera init`: an existing empty (0-byte) tessera.db may become a new workspace. */
  init?: boolean;
  /** Also print log lines (stacks) to stderr. */
  debug?: boolean;
  /** Where the inference worker script is (defaults to the built file beside the bundle, else tsx). */
  workerSpec?: WorkerSpec;
  /** Serve gallery and score reads from a worker thread (default true; false keeps them in this thread). */
  readWorker?: boolean;
  /** Who prints PDF reports (the desktop app: Electron's printToPDF); default headless Chromium (reports/pdf.ts). */
  pdfPrinter?: PdfPrinter;
}

export interface Engine {
  dispatch: Dispatch;
  events: EventHub;
  blobs: { read: BlobReader };
  paths: EngineDeps['paths'];
  /** The database file and whether it is open read-only (and why) or damaged. */
  store: StoreState;
  /** The workspace log (tessera.log): hosts log their own failures there too. */
  logger: Logger;
  /** Waits for jobs in flight, then closes the database. */
  close(): Promise<void>;
}

function fileLogger(logFile: string, debug: boolean): Logger {
  const write = (line: string): void => {
    try {
      appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // Logging must never take the engine down (read-only workspace, full disk).
    }
  };
  return {
    info: (m) => {
      write(`INFO ${m}`);
      if (debug) console.error(`[tessera] ${m}`);
    },
    error: (m, err) => {
      const stack = err instanceof Error ? (err.stack ?? err.message) : err === undefined ? '' : String(err);
      write(`ERROR ${m} ${stack}`);
      if (debug) console.error(`[tessera] ${m}\n${stack}`);
    },
  };
}

/** openStore, its faults (busy, I/O, permissions) as one line naming the file instead of SQLite's bare words. */
function openStoreOrSay(file: string, allowEmpty: boolean): ReturnType<typeof openStore> {
  try {
    return openStore(file, { allowEmpty });
  } catch (err) {
    throw userFacingError(err, file) ?? err;
  }
}

/** How long the open's own clean-up writes wait for a lock another process holds. */
const TIDY_BUSY_MS = 250;

/**
 * The open's own writes (jobs and runs a stopped process left, rows it left hidden) wait only briefly
 * for another process's write lock (an import committing, a sqlite3 shell in a transaction): reads go
 * on meanwhile in WAL mode, so a listing or a check need not wait 5 s and fail with "database is
 * locked"; a later open does the clean-up. Other faults become one line naming the file.
 */
function tidyAtOpen(db: Db, store: StoreState, logger: Logger, tidy: () => void): void {
  try {
    withBusyTimeout(db, TIDY_BUSY_MS, tidy);
  } catch (err) {
    if (!isBusyError(err)) {
      db.close();
      throw userFacingError(err, store) ?? err;
    }
    logger.info(`left the open's clean-up to a later open: ${store.file} is busy (another process is writing to it)`);
  }
}

/** Builds one engine instance over one workspace. No module-level state: tests run several side by side. */
export function createEngine(options: EngineOptions): Engine {
  // Before any CUDA session: float32 on CUDA stays float32 (no TF32) unless the user allows it.
  applyCudaFloatPolicy();
  const paths = options.create === true ? createWorkspaceFolders(options.workspace) : requireWorkspace(options.workspace);
  const logger = fileLogger(paths.log, options.debug === true);
  const { db, state: store } = openStoreOrSay(paths.db, options.init === true);
  const upgraded = schemaUpgradeOf(db);
  if (upgraded !== null)
    logger.info(`${paths.db}: upgraded from schema ${upgraded.from} to ${upgraded.to} in ${(upgraded.ms / 1000).toFixed(2)} s`);
  const repaired = schemaRepairsOf(db);
  if (repaired.length > 0)
    logger.info(
      `${paths.db}: its schema was not the one its migrations make (a build whose migrations were later edited wrote it); repaired, every row kept, kept score lists dropped: ${repaired.join('; ')}`,
    );
  // The file opened must stay the one at its path: one deleted or replaced meanwhile refuses every call (store/storeFile.ts).
  const storeFile = watchStoreFile(paths.db);
  const storeGone = (): ApiError | null => {
    const problem = storeFile.problem();
    if (problem !== null && store.faultSeen !== true) {
      store.faultSeen = true; // and no "checked sound" stamp at close for whatever file is there now
      logger.error(problem.message);
    }
    return problem;
  };
  if (store.damage !== null) logger.error(`${paths.db} is damaged: ${store.damage.join(' | ')}`);
  const repos = createRepos(db);
  // Only jobs whose owning process is gone were interrupted; a read-only store keeps new jobs in memory.
  if (store.readOnly === null) {
    tidyAtOpen(db, store, logger, () => {
      repos.jobs.markInterrupted();
      repos.jobs.pruneFinished(KEPT_FINISHED_JOBS);
      // ...and a model run whose job was interrupted no longer shows as running (a rerun resumes it).
      const runs = repos.runs.failInterrupted();
      if (runs > 0) logger.info(`marked ${runs} run(s) failed: the process computing them stopped`);
      // Imports a killed process left hidden half-written go now that their jobs are marked.
      if (store.damage === null) {
        const gone = removeAbandonedHidden(db, repos);
        if (gone.datasets + gone.runs > 0)
          logger.info(`removed ${gone.datasets} dataset(s) and ${gone.runs} run(s) left half-written by a process that stopped`);
      }
    });
  } else repos.jobs = memoryJobsRepo(repos.jobs);
  const events = new EventHub();
  const jobs = new JobRunner(repos.jobs, events, logger, store);
  const inference = new InferenceClient(options.workerSpec);
  // Heavy reads in a worker thread; a read-only or damaged store keeps them in this thread.
  const reads = new ReadWorker({
    file: paths.db,
    db,
    logger,
    enabled: options.readWorker !== false && store.readOnly === null && store.damage === null,
    keepInThread: store.readOnly === null && store.damage === null,
  });
  const deps: EngineDeps = { db, repos, events, jobs, logger, paths, toolVersion: TOOL_VERSION, inference, reads };
  if (options.pdfPrinter !== undefined) deps.pdfPrinter = options.pdfPrinter;
  const handlers: Handlers = mergeHandlers(
    workspaceHandlers(deps, store),
    datasetHandlers(deps),
    imageHandlers(deps),
    imageNavigationHandlers(deps),
    jobHandlers(deps),
    runHandlers(deps),
    metricHandlers(deps),
    reportHandlers(deps),
    tagHandlers(deps),
    modelHandlers(deps),
    filterHandlers(deps),
    annotationHandlers(deps),
    heatmapHandlers(deps),
    manageHandlers(deps),
  );
  const dispatch = createDispatcher(
    handlers,
    logger,
    (err) => userFacingError(err, store),
    (err) => describeStoreError(err, paths.db),
  );
  const readBlob = blobReader(deps);
  const engine: Engine = {
    dispatch: async (method, input, ctx) => {
      const gone = storeGone();
      return gone === null ? dispatch(method, input, ctx) : { ok: false, error: gone.toData() };
    },
    events,
    blobs: {
      read: async (ref) => {
        const gone = storeGone();
        if (gone !== null) throw gone;
        return readBlob(ref);
      },
    },
    paths,
    store,
    logger,
    async close() {
      await jobs.idle();
      await inference.close();
      await reads.close();
      db.close();
      // The last connection closed cleanly on a sound file: the next open need not check it again.
      // A session that saw damage or an I/O error leaves the file to be checked, changed or not.
      if (store.faultSeen === true) forgetSound(paths.db);
      else if (store.readOnly === null && store.damage === null) recordSound(paths.db);
    },
  };
  attachInternals(engine, deps);
  return engine;
}
