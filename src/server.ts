/**
 * Entry point: reads the configuration (the environment, then ./.env for what
 * the environment does not set), builds the app, listens, and on
 * SIGTERM/SIGINT stops accepting, drains in-flight requests and exits 0.
 * With WORKERS > 1 this process is the cluster primary (src/cluster/primary.ts)
 * and each worker runs the rest of this file. A bad configuration or a model
 * bundle that cannot be loaded exits 1 with a message saying what to fix.
 */
// First: a cluster worker listens to its primary before anything else loads (see the module).
import './cluster/worker-link.js';
import cluster from 'node:cluster';
import { buildApp } from './app.js';
import { runPrimary } from './cluster/primary.js';
import { ConfigError, loadConfig, loadEnvFile } from './config.js';
import { BundleLoadError, loadCurrent } from './ml/bundle/store.js';

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  if (config.workers > 1 && cluster.isPrimary) {
    await loadCurrent(config.modelDir); // fail the start here, not in a loop of workers that cannot load it
    return runPrimary(config);
  }
  const app = await buildApp(config);
  await app.listen({ host: config.host, port: config.port });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      app.log.error('shutdown grace period over; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: Error) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A worker whose primary is gone drains and exits rather than serve on unmanaged.
  if (cluster.isWorker) process.on('disconnect', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  // Before the logger exists (bad config, unloadable models) stderr is the only channel.
  const hint = err instanceof ConfigError || err instanceof BundleLoadError ? err.message : (err.stack ?? err.message);
  process.stderr.write(`traffic-threat-scoring: cannot start: ${hint}\n`);
  process.exit(1);
});
