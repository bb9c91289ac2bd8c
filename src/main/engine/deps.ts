import type { Db } from './store/db';
import type { Repos } from './store/store';
import type { EventHub } from './events';
import type { JobRunner } from './jobs/JobRunner';
import type { Logger } from './logger';
import type { WorkspacePaths } from './workspace/paths';
import type { InferenceClient } from './models/inference/InferenceClient';
import type { ReadWorker } from './store/readWorker/ReadWorker';
import type { PdfPrinter } from './reports/pdf';

/** What every capability's handlers receive. No module-level state: each engine has its own. */
export interface EngineDeps {
  db: Db;
  repos: Repos;
  events: EventHub;
  jobs: JobRunner;
  logger: Logger;
  paths: WorkspacePaths;
  toolVersion: string;
  /** The inference worker (onnxruntime sessions), started on first use. */
  inference: InferenceClient;
  /** Gallery and score reads on a read-only connection in a worker thread (store/readWorker). */
  reads: ReadWorker;
  /** Prints PDF reports; the desktop app gives Electron's printToPDF, otherwise headless Chromium. */
  pdfPrinter?: PdfPrinter;
}
