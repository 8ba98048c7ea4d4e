/**
 * Where the project's own files are, from source (tsx) and from dist alike:
 * the project root is the nearest directory above this file holding
 * package.json, so scripts find the committed models and the dataset wherever
 * they are run from.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
/** The real dataset the committed models are trained on (282 sessions, no label). */
export const DATASET_PATH = join(PROJECT_ROOT, 'data', 'CloudWatch_Traffic_Web_Attack.csv');
/** The committed model bundle. */
export const COMMITTED_MODEL_DIR = join(PROJECT_ROOT, 'models');
