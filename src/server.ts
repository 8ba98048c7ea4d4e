/**
 * Entry point: reads the configuration (the environment, then ./.env for what
 * the environment does not set), builds the app, listens, and on
 * SIGTERM/SIGINT stops accepting, drains in-flight requests and exits 0.
 * With WORKERS > 1 this process is the cluster primary (src/cluster/primary.ts)
 * and each worker runs the rest of this file. A bad configuration or a model
 * bundle that cannot be loaded, or a port already in use, exits 1 with a
 * message saying what to fix.
 */
// First: a cluster worker listens to its primary before anything else loads (see the module).
import './cluster/worker-link.js';
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { buildApp } from './app.js';
import { runPrimary } from './cluster/primary.js';
import { ConfigError, loadConfig, loadEnvFile } from './config.js';
import { BundleLoadError, loadCurrent } from './ml/bundle/store.js';

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** A port that cannot be had: said in one line (which port, what to do), not as a stack trace. */
class ListenError extends Error {}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE') {
    return new ListenError(`port ${port} on ${host} is already in use (another instance, or another program): stop it, or set PORT to a free port`);
  }
  if (err.code === 'EACCES') return new ListenError(`no permission to listen on port ${port} on ${host}: set PORT to a port above 1023`);
  if (err.code === 'EADDRNOTAVAIL') return new ListenError(`HOST=${host} is not an address of this machine: set HOST to one (0.0.0.0 for all)`);
  return err;
}

/**
 * With WORKERS > 1 the primary checks the port before forking: a worker that cannot listen would exit,
 * and the primary would replace it again and again.
 */
async function checkPort(host: string, port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  if (config.workers > 1 && cluster.isPrimary) {
    await loadCurrent(config.modelDir); // fail the start here, not in a loop of workers that cannot load it
    await checkPort(config.host, config.port);
    return runPrimary(config);
  }
  const app = await buildApp(config);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    throw listenError(err as NodeJS.ErrnoException, config.host, config.port);
  }

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
  const hint = err instanceof ConfigError || err instanceof BundleLoadError || err instanceof ListenError ? err.message : (err.stack ?? err.message);
  process.stderr.write(`traffic-threat-scoring: cannot start: ${hint}\n`);
  process.exit(1);
});
