/**
 * npm run openapi: writes openapi.yaml from the routes' schemas, exactly the
 * document GET /docs/json serves (a test fails when the two differ), in YAML
 * that 1.1 and 1.2 loaders read alike.
 */
import { writeFile, rename } from 'node:fs/promises';
import { stringify } from 'yaml';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { COMMITTED_MODEL_DIR } from '../src/paths.js';

export async function openapiYaml(): Promise<string> {
  const app = await buildApp(loadConfig({ MODEL_DIR: COMMITTED_MODEL_DIR, RELOAD_INTERVAL_MS: '0' }), { logger: false });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  // Written with YAML 1.1's rules for plain scalars, so any string a 1.1 loader would read as something
  // else (a timestamp, yes/no, a sexagesimal or octal number) is quoted: PyYAML and js-yaml's default
  // schema then read the same document as 1.2 loaders do.
  return stringify(doc, { version: '1.1', lineWidth: 100, aliasDuplicateObjects: false });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = new URL('../openapi.yaml', import.meta.url).pathname;
  const tmp = `${target}.tmp`;
  await writeFile(tmp, await openapiYaml());
  await rename(tmp, target);
  process.stdout.write(`wrote ${target}\n`);
}
