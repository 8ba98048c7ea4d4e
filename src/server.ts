/**
 * Entry point: reads the configuration (the environment, then ./.env for what
 * the environment does not set), builds the app, listens, and on
 * SIGTERM/SIGINT stops accepting, drains in-flight requests and exits 0.
 * A bad configuration or a model bundle that cannot be loaded exits 1 with a
 * message saying what to fix.
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfig, loadEnvFile } from './config.js';
import { BundleLoadError } from './ml/bundle/store.js';

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
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
}

main().catch((err: Error) => {
  // Before the logger exists (bad config, unloadable models) stderr is the only channel.
  const hint = err instanceof ConfigError || err instanceof BundleLoadError ? err.message : (err.stack ?? err.message);
  process.stderr.write(`traffic-threat-scoring: cannot start: ${hint}\n`);
  process.exit(1);
});
