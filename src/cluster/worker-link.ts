/**
 * A worker's end of the IPC channel, installed before anything else runs in the
 * worker (src/server.ts imports it first): a message the primary sends while the
 * worker still builds its app (a reload after another worker's rollback) waits
 * here for the app instead of being dropped, and the primary sends nothing to a
 * worker before it said its link is up. Without it, a worker restarted just
 * before a rollback never answered, and the rollback answered 500 after 30 s.
 */
import cluster from 'node:cluster';
import { isMessage, type ToPrimary, type ToWorker } from './messages.js';

let handler: ((m: ToWorker) => void) | null = null;
const waiting: ToWorker[] = [];
let installed = false;

/** Starts listening to the primary (a no-op outside a cluster worker, or when already listening). */
export function installWorkerLink(): void {
  if (installed || !cluster.isWorker || !process.send) return;
  installed = true;
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (handler) handler(m as ToWorker);
    else waiting.push(m as ToWorker);
  });
  process.send({ type: 'tts:link-up', id: 0 } satisfies ToPrimary);
}

/** Hands the primary's messages to `h` from now on, those that waited first; returns the detach function. */
export function attachWorkerLink(h: (m: ToWorker) => void): () => void {
  installWorkerLink();
  handler = h;
  for (const m of waiting.splice(0)) h(m);
  return () => {
    if (handler === h) handler = null;
  };
}

installWorkerLink();
