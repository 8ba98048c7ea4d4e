/** The messages between the cluster primary and its workers (node:cluster IPC). */
export type ToPrimary =
  /** a worker made a new version current (/train, rollback): the others must serve it before it answers */
  | { type: 'tts:model-changed'; id: number; version: string }
  /** a worker wants the metrics of every worker, aggregated */
  | { type: 'tts:metrics'; id: number }
  /** a worker has reloaded after tts:reload */
  | { type: 'tts:reloaded'; id: number };

export type ToWorker =
  | { type: 'tts:model-changed-done'; id: number }
  | { type: 'tts:metrics-done'; id: number; contentType: string; text: string; error?: string }
  /** load MODEL_DIR's current version now */
  | { type: 'tts:reload'; id: number };

export function isMessage(m: unknown): m is { type: string; id: number } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('tts:');
}
