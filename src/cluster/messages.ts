/** The messages between the cluster primary and its workers (node:cluster IPC). */
import type { Registry } from 'prom-client';

/** One worker's metrics, as prom-client's getMetricsAsJSON gives them (NaN crosses IPC as null). */
export type WorkerMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export type ToPrimary =
  /** the worker's message listener is installed (it runs before the app is built): messages to it are no longer lost */
  | { type: 'tts:link-up'; id: number }
  /** a worker made a new version current (/train, rollback): the others must serve it before it answers */
  | { type: 'tts:model-changed'; id: number; version: string }
  /** a worker wants the metrics of every worker, aggregated */
  | { type: 'tts:metrics'; id: number }
  /** a worker's own metrics, answering tts:collect */
  | { type: 'tts:collected'; id: number; metrics: WorkerMetrics }
  /** a worker has reloaded after tts:reload */
  | { type: 'tts:reloaded'; id: number };

export type ToWorker =
  | { type: 'tts:model-changed-done'; id: number }
  | { type: 'tts:metrics-done'; id: number; contentType: string; text: string; error?: string }
  /** load MODEL_DIR's current version now (a starting worker answers once its app is built) */
  | { type: 'tts:reload'; id: number }
  /** send your own metrics */
  | { type: 'tts:collect'; id: number }
  /** whether every worker serves (listens with its models loaded): what /readyz answers */
  | { type: 'tts:cluster-state'; id: number; serving: boolean; workers: number; expected: number };

export function isMessage(m: unknown): m is { type: string; id: number } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('tts:');
}
