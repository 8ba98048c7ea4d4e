/**
 * The thread that makes a job's CSV results (results-csv.ts), so that a conversion of millions of
 * records never holds the serving thread: it answers `null` when the file is in place, else the error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ResultsCsvOptions, writeResultsCsv } from './results-csv.js';

writeResultsCsv(workerData as ResultsCsvOptions).then(
  () => parentPort!.postMessage(null),
  (err: unknown) => parentPort!.postMessage(err instanceof Error ? err.message : String(err)),
);
