/**
 * npm run openapi: writes openapi.yaml from the routes' schemas, exactly the
 * document GET /docs/json serves (a test fails when the two differ).
 */
import { writeFile, rename } from 'node:fs/promises';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export async function openapiYaml(): Promise<string> {
  const app = await buildApp(loadConfig({ MODEL_DIR: new URL('../models', import.meta.url).pathname, RELOAD_INTERVAL_MS: '0' }), { logger: false });
  await app.ready();
  const yaml = app.swagger({ yaml: true });
  await app.close();
  return yaml;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = new URL('../openapi.yaml', import.meta.url).pathname;
  const tmp = `${target}.tmp`;
  await writeFile(tmp, await openapiYaml());
  await rename(tmp, target);
  process.stdout.write(`wrote ${target}\n`);
}
