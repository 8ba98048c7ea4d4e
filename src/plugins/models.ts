/**
 * The served model bundle: one immutable ModelBundle behind one reference.
 * Requests read `app.models.current` once and use that object to the end, so a
 * swap (after /train, a rollback, or a version another replica wrote) never
 * mixes the scaler of one version with the forest of another.
 *
 * Startup loads MODEL_DIR's current version once and fails the boot with the
 * file and the reason when it cannot. Replicas sharing MODEL_DIR poll CURRENT
 * every RELOAD_INTERVAL_MS and load a version that changed; a version that does
 * not load is logged and the old one keeps serving. A reload swaps in what it
 * loaded only if nothing newer was served or written meanwhile.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';
import type { ModelBundle } from '../ml/bundle/bundle.js';
import { LockBusyError, TrainingLock } from '../ml/bundle/lock.js';
import { loadCurrent, loadVersion, readCurrent } from '../ml/bundle/store.js';

export interface ModelRegistry {
  readonly modelDir: string;
  /** the served bundle; throws NOT_READY (503) before one is loaded */
  readonly current: ModelBundle;
  readonly loaded: boolean;
  /** replaces the served bundle whole */
  swap(bundle: ModelBundle): void;
  /** loads CURRENT from disk if it names another version; true when it swapped */
  reload(): Promise<boolean>;
  /** called after every swap (metrics use it) */
  onSwap(listener: (bundle: ModelBundle) => void): void;
  /**
   * Runs fn holding MODEL_DIR's training lock (see ml/bundle/lock.ts), so one training or rollback at a
   * time changes MODEL_DIR across workers and replicas; 409 TRAINING_IN_PROGRESS when another holds it.
   */
  exclusive<T>(purpose: 'train' | 'rollback', fn: (lock: TrainingLock) => Promise<T>): Promise<T>;
  /** 409 at once when another owner holds a live lock (a check before reading a large body; exclusive() decides) */
  assertUnlocked(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelRegistry;
  }
}

const busy = (err: LockBusyError): ServiceError => new ServiceError('TRAINING_IN_PROGRESS', err.message);

async function modelsPlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { modelDir, reloadIntervalMs, trainLockStaleMs } = opts.config;
  let served: ModelBundle | null = null;
  const listeners: ((b: ModelBundle) => void)[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let queued: Promise<boolean> | null = null;
  /** bumped by every swap: a load that started before a swap is older than what is served */
  let generation = 0;

  /**
   * Loads what CURRENT names, and swaps it in only if nothing changed while it loaded: no swap happened
   * (a rollback or training on this process is newer) and CURRENT still names it (else the newer one is
   * loaded in turn). A slow load can so never put back a state older than the one served.
   */
  const reloadOnce = async (): Promise<boolean> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = generation;
      const version = await readCurrent(modelDir);
      if (version === served?.version) return false;
      const bundle = await loadVersion(modelDir, version);
      const now = await readCurrent(modelDir);
      if (generation !== started) return false;
      if (now !== version) continue;
      registry.swap(bundle);
      return true;
    }
    return false;
  };

  const registry: ModelRegistry = {
    modelDir,
    get current(): ModelBundle {
      if (served === null) throw new ServiceError('NOT_READY', 'models are not loaded yet');
      return served;
    },
    get loaded(): boolean {
      return served !== null;
    },
    swap(bundle: ModelBundle): void {
      const previous = served?.version;
      generation++;
      served = bundle;
      app.log.info({ version: bundle.version, previous }, 'serving model version');
      for (const l of listeners) l(bundle);
    },
    reload(): Promise<boolean> {
      // One reload at a time, and callers arriving while one runs share one follow-up run that reads
      // CURRENT after they arrived (a worker asked to reload after a commit must not be answered by a
      // run that read CURRENT before it).
      if (queued !== null) return queued;
      const run = chain.then(() => {
        queued = null;
        return reloadOnce();
      });
      queued = run;
      chain = run.catch(() => {});
      return run;
    },
    onSwap(listener): void {
      listeners.push(listener);
    },
    async exclusive(purpose, fn) {
      let lock: TrainingLock;
      try {
        lock = await TrainingLock.acquire(modelDir, purpose, trainLockStaleMs);
      } catch (err) {
        if (err instanceof LockBusyError) throw busy(err);
        // MODEL_DIR cannot be written (read-only, full): the same answer a failed version write gets.
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new ServiceError('MODEL_WRITE_FAILED', `could not take the training lock in MODEL_DIR (${code}); the previous version is still served`);
      }
      try {
        return await fn(lock);
      } finally {
        await lock.release();
      }
    },
    async assertUnlocked() {
      await TrainingLock.check(modelDir, trainLockStaleMs).catch((err: Error) => {
        throw err instanceof LockBusyError ? busy(err) : err;
      });
    },
  };
  app.decorate('models', registry);

  registry.swap(await loadCurrent(modelDir));

  if (reloadIntervalMs > 0) {
    const timer = setInterval(() => {
      registry.reload().catch((err: Error) => app.log.error({ err }, 'model reload failed; still serving the loaded version'));
    }, reloadIntervalMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
}

export default fp(modelsPlugin, { name: 'models', fastify: '5.x' });
